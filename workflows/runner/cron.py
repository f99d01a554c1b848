"""A CronWorkflow's `workflowSpec`, run locally as the cron controller would create it at a
scheduled time (Argo v4.0.10).

workflow/cron/operator.go `run` creates the Workflow with common.ConvertCronWorkflowToWorkflow-
WithProperties (workflow/common/convert.go): named `<cron name>-<scheduled Unix seconds>`
(`getChildWorkflowName`), the workflowSpec copied as is, and the annotation
`workflows.argoproj.io/scheduled-time` = the scheduled time in time.RFC3339, in the cron's
`timezone`. operator.go `setGlobalParameters` turns that annotation into `workflow.scheduledTime`.
Only the shape this project renders runs: a workflowSpec of `workflowTemplateRef` and
`arguments`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from workflows.runner.engine import Run, submit
from workflows.runner.model import Reporter, RunOptions, RunResult
from workflows.runner.params import rfc3339
from workflows.spec import Catalogue, SpecError

SUPPORTED = {"workflowTemplateRef", "arguments"}


def run_cron(
    catalogue: Catalogue,
    cron: dict[str, Any],
    scheduled: dt.datetime,
    options: RunOptions,
    reporter: Reporter,
) -> RunResult:
    """Submit-and-wait, locally: the workflow `cron` creates at `scheduled` (an aware datetime)."""
    if cron.get("kind") != "CronWorkflow":
        raise SpecError(f"{cron.get('kind')!r} is not a CronWorkflow")
    spec = cron["spec"]["workflowSpec"]
    extra = sorted(set(spec) - SUPPORTED)
    if extra or "workflowTemplateRef" not in spec:
        raise SpecError(
            "only a workflowSpec of workflowTemplateRef and arguments runs locally"
            + (f" (not {', '.join(extra)})" if extra else "")
        )
    if scheduled.tzinfo is None:
        raise SpecError("the scheduled time needs a time zone")
    zone = zoneinfo.ZoneInfo(cron["spec"].get("timezone") or "UTC")
    name = spec["workflowTemplateRef"]["name"]
    arguments = {
        p["name"]: str(p["value"]) for p in (spec.get("arguments") or {}).get("parameters", [])
    }
    workflow = f"{cron['metadata']['name']}-{int(scheduled.timestamp())}"
    run = Run(catalogue, name, options, reporter, workflow=workflow)
    run.globals["workflow.scheduledTime"] = rfc3339(scheduled.astimezone(zone))
    return submit(run, name, arguments)

"""WorkflowTemplate `game-market-daily`: validate → extract (fan-out) → details → transform
→ report."""

from __future__ import annotations

import json

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate

from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode
from workflows import names
from workflows.templates import (
    DAILY_DEADLINE_S,
    DETAILS_MUTEX,
    TMP_MOUNT,
    extract_container,
    guard_container,
    outcome_container,
    transform_container,
    workflow_defaults,
)

DEFAULT_ENDPOINTS_JSON = json.dumps(list(DEFAULT_ENDPOINTS))
DETAIL_ENDPOINTS = tuple(n for n, e in REGISTRY.items() if e.mode is Mode.DETAIL)
RUN_DATE = "{{inputs.parameters.run_date}}"

# Only `inputs.parameters` inside: the backfill calls the `daily` DAG by templateRef, and there
# `workflow.parameters` would be the backfill's.
with WorkflowTemplate(
    name=names.DAILY_TEMPLATE,
    entrypoint=names.DAILY_ENTRY,
    arguments=[
        Parameter(name="run_date", description="Partition date YYYY-MM-DD (UTC), in the past"),
        Parameter(
            name="endpoints",
            value=DEFAULT_ENDPOINTS_JSON,
            description="Endpoints to extract: a JSON list or comma-separated names",
        ),
        Parameter(
            name="allow_over_quota",
            value="false",
            enum=["true", "false"],
            description="true: run even if the plan exceeds what remains of the month's quota",
        ),
    ],
    on_exit="exit-handler",
    **workflow_defaults(DAILY_DEADLINE_S),
) as daily:
    # Checks the inputs, then the quota guard: the day's plan (RAWG probes, recorded in the
    # quota ledger) against what remains of the month; exit 5 (not retried) when it would overrun.
    validate = guard_container(
        "validate",
        args=["validate", "--run-date", RUN_DATE, "--endpoints", "{{inputs.parameters.endpoints}}"],
        inputs=["run_date", "endpoints"],
    )
    extract = extract_container(
        "extract",
        args=["extract", "{{inputs.parameters.endpoint}}", "--run-date", RUN_DATE],
        inputs=["endpoint", "run_date"],
    )
    # A detail endpoint: the same container, plus the backfill's range (a game's details once
    # over it; "" in a daily run: none) and a mutex per workflow, so that a backfill's days run
    # their details one at a time, each selecting after the others committed.
    extract_details = extract_container(
        "extract-details",
        args=[
            *["extract", "{{inputs.parameters.endpoint}}", "--run-date", RUN_DATE],
            *["--once-from", "{{inputs.parameters.once_from}}"],
            *["--once-to", "{{inputs.parameters.once_to}}"],
        ],
        inputs=["endpoint", "run_date", "once_from", "once_to"],
        mutexes=(DETAILS_MUTEX,),
    )
    transform = transform_container(
        "transform",
        args=["transform", "--run-date", RUN_DATE],
        inputs=["run_date"],
        deadline_s=3600,
    )
    # The market report, into the lake (s3://LAKE_BUCKET/reports/run_date=D/index.html); the
    # dbt image has the warehouse's clients, and the warehouse mutex keeps it off a DuckDB file
    # that a transform is writing. --allow-empty: a day without games still gets its page.
    report = transform_container(
        "report",
        args=[
            "report",
            "--run-date",
            RUN_DATE,
            "--out",
            f"{TMP_MOUNT}/report",
            "--lake",
            "--allow-empty",
        ],
        inputs=["run_date"],
        deadline_s=900,
    )
    # The record carries the day's schema drift (`gmp drift`), read from the lake.
    outcome_container(
        [
            "--detail",
            "run_date={{workflow.parameters.run_date}}",
            "--drift-run-date",
            "{{workflow.parameters.run_date}}",
        ],
        secrets=names.LAKE_SECRETS,
    )

    # failFast off: one endpoint failing does not stop the others from landing their partition;
    # transform still waits for every extract to succeed. `transform: "false"` is how the backfill
    # extracts its days through this very DAG and then builds the warehouse once for the range.
    with DAG(
        name=names.DAILY_ENTRY,
        inputs=[
            Parameter(name="run_date"),
            Parameter(name="endpoints", default=DEFAULT_ENDPOINTS_JSON),
            Parameter(name="transform", default="true", enum=["true", "false"]),
            Parameter(name="allow_over_quota", default="false", enum=["true", "false"]),
            # A backfill's first and last day (workflows/backfill.py); empty: a daily run.
            Parameter(name="once_from", default=""),
            Parameter(name="once_to", default=""),
        ],
        fail_fast=False,
    ):
        checked = Task(
            name="validate",
            template=validate,
            arguments={
                "run_date": RUN_DATE,
                "endpoints": "{{inputs.parameters.endpoints}}",
                "allow_over_quota": "{{inputs.parameters.allow_over_quota}}",
            },
        )
        # The fan-out reads validate's normalised JSON list, not the raw parameter: withParam
        # must be a JSON list (dag.go `expandTask`), and the parameter may be `games,genres`.
        # Detail endpoints read the day's committed `games` partition (and the market panel's,
        # whose games they take first), so they run in a second fan-out over the same list once
        # the first is done (a panel not in the list is simply not waited for): each item's own
        # `when` (dag.go `executeDAGTask` -> steps.go `shouldExecute`, bare words compared as
        # strings) keeps it in exactly one of the two. The `extract-details` template:
        # `extract`'s semaphore, mutex and retries, plus the workflow's details mutex. With only
        # detail endpoints listed the first fan-out skips every item and the second still runs
        # (a Skipped dependency counts as done, common/ancestry.go).
        extracted = Task(
            name="extract",
            template=extract,
            arguments={"endpoint": "{{item}}", "run_date": RUN_DATE},
            with_param="{{tasks.validate.outputs.result}}",
            when=" && ".join(f"{{{{item}}}} != {name}" for name in DETAIL_ENDPOINTS),
        )
        detailed = Task(
            name="extract-details",
            template=extract_details,
            arguments={
                "endpoint": "{{item}}",
                "run_date": RUN_DATE,
                "once_from": "{{inputs.parameters.once_from}}",
                "once_to": "{{inputs.parameters.once_to}}",
            },
            with_param="{{tasks.validate.outputs.result}}",
            when=" || ".join(f"{{{{item}}}} == {name}" for name in DETAIL_ENDPOINTS),
        )
        transformed = Task(
            name="transform",
            template=transform,
            arguments={"run_date": RUN_DATE},
            when="{{inputs.parameters.transform}} == true",
        )
        reported = Task(
            name="report",
            template=report,
            arguments={"run_date": RUN_DATE},
            when="{{inputs.parameters.transform}} == true",
        )
        checked >> extracted
        extracted >> detailed
        detailed >> transformed
        transformed >> reported

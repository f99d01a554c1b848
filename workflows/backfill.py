"""WorkflowTemplate `game-market-backfill`: list the days, run the daily DAG for each, take each
snapshot once, build.

Snapshots once: RAWG keeps no history of its taxonomies, so a snapshot taken for a past day is
today's list again. The per-day fan-out therefore extracts only the per-day endpoints (`games`,
`game_details`: `gmp validate --only per-day`), and the snapshot endpoints (`gmp validate --only
snapshot`) are extracted once, for the range's last day, with `--covers-from` the first day (the
manifest's `covers_from`, which `gmp gaps` reads). The warehouse's dims take the latest snapshot,
so nothing is lost for the other days. When no per-day endpoint is asked for, `gmp dates` lists
no day and the `days` fan-out is skipped (an empty withParam, dag.go `expandTask`): an empty
endpoint list would mean the daily set to the daily DAG's `validate`. (Not a `when` comparing the
list: govaluate ends a string literal at either quote, parsing.go `isNotQuote`, so a JSON list
cannot sit inside one.)

Stopping after a failed day (what Argo v4.0.9 does, workflow/controller/operator.go
`checkParallelism`, counters in node_counters.go): the fan-out over days is its own DAG template,
`days`, with template-level `failFast: true` (`dag.failFast` only decides a DAG's final phase,
dag.go). Once a child of the `days` node (a day's DAG node) has Failed or Errored:
- no new day starts: executing `days` returns ErrParallelismReached before its tasks are walked;
- the `days` node is marked Failed ("template has failed or errored children and failFast
  enabled") as soon as `getActivePods(days)` is 0, which is at once, because a day's pods have
  the day's DAG node as boundary, not `days`;
- so the days already running are no longer walked either: their pods already running (or
  pending) are not stopped (exec_control.go `applyExecutionControl` terminates pods only on a
  shutdown or past the workflow deadline) and run their current attempt to its end, but such a
  day starts no further step and no retry;
- `transform` (depends on `days`) is never run: the DAG marks it Omitted ("omitted: depends
  condition not met", dag.go), and the workflow ends Failed.
A separate `days` template keeps the `dates` step out of the failFast boundary: otherwise one
recovered `dates` attempt (a Failed pod node under the boundary) would stop the whole backfill.
"""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows.models import TemplateRef

from workflows import names
from workflows.daily import DEFAULT_ENDPOINTS_JSON
from workflows.templates import (
    BACKFILL_DEADLINE_S,
    SHORT_STEP_DEADLINE_S,
    extract_container,
    gmp_container,
    guard_container,
    outcome_container,
    retry,
    transform_container,
    workflow_defaults,
)

# Days in flight at once. A literal (Argo v4); the chart sets it per environment.
DEFAULT_PARALLELISM = 2

with WorkflowTemplate(
    name=names.BACKFILL_TEMPLATE,
    entrypoint=names.BACKFILL_ENTRY,
    arguments=[
        Parameter(name="start_date", description="First day YYYY-MM-DD (UTC)"),
        Parameter(name="end_date", description="Last day YYYY-MM-DD (UTC), inclusive"),
        Parameter(
            name="endpoints",
            value=DEFAULT_ENDPOINTS_JSON,
            description="JSON list of endpoints to extract each day",
        ),
        Parameter(
            name="allow_over_quota",
            value="false",
            enum=["true", "false"],
            description="true: run even if the plan exceeds what remains of the month's quota",
        ),
    ],
    on_exit="exit-handler",
    **workflow_defaults(BACKFILL_DEADLINE_S),
) as backfill:
    # Lists the days, then the quota guard for the whole range (exit 5, not retried, when the
    # range's plan exceeds what remains of the month).
    dates = guard_container(
        "dates",
        args=[
            "dates",
            "--start",
            "{{inputs.parameters.start_date}}",
            "--end",
            "{{inputs.parameters.end_date}}",
            "--endpoints",
            "{{inputs.parameters.endpoints}}",
        ],
        inputs=["start_date", "end_date", "endpoints"],
    )
    # The endpoints of one kind, checked and normalised (a JSON list, the fan-outs' withParam).
    split = gmp_container(
        "split-endpoints",
        args=[
            "validate",
            "--run-date",
            "{{inputs.parameters.end_date}}",
            "--endpoints",
            "{{inputs.parameters.endpoints}}",
            "--only",
            "{{inputs.parameters.only}}",
        ],
        inputs=["end_date", "endpoints", "only"],
        deadline_s=SHORT_STEP_DEADLINE_S,
        retry_strategy=retry(2, backoff_s=5),
    )
    snapshot = extract_container(
        "extract-snapshot",
        args=[
            "extract",
            "{{inputs.parameters.endpoint}}",
            "--run-date",
            "{{inputs.parameters.run_date}}",
            "--covers-from",
            "{{inputs.parameters.covers_from}}",
        ],
        inputs=["endpoint", "run_date", "covers_from"],
    )
    # One dbt build for the whole range once every day is in the lake: per-day builds would queue
    # on the warehouse mutex and re-parse the project once per day.
    transform = transform_container(
        "transform-range",
        args=[
            "transform",
            "--start",
            "{{inputs.parameters.start_date}}",
            "--end",
            "{{inputs.parameters.end_date}}",
        ],
        inputs=["start_date", "end_date"],
        deadline_s=6 * 3600,
    )
    outcome_container(
        [
            "--detail",
            "start_date={{workflow.parameters.start_date}}",
            "--detail",
            "end_date={{workflow.parameters.end_date}}",
        ]
    )

    # The very same daily DAG per day, by reference: one code path for a day and for a backfill.
    with DAG(
        name=names.BACKFILL_DAYS,
        inputs=[Parameter(name="days"), Parameter(name="endpoints")],
        parallelism=DEFAULT_PARALLELISM,
        fail_fast=True,
    ) as days:
        Task(
            name="day",
            template_ref=TemplateRef(name=names.DAILY_TEMPLATE, template=names.DAILY_ENTRY),
            arguments={
                "run_date": "{{item}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "transform": "false",
                # `dates` guarded the whole range: the days' validate steps do not probe again.
                "allow_over_quota": "true",
                # Each game's details once over the range (extractor/backlog.py).
                "once_from": "{{workflow.parameters.start_date}}",
                "once_to": "{{workflow.parameters.end_date}}",
            },
            with_param="{{inputs.parameters.days}}",
        )

    with DAG(
        name=names.BACKFILL_ENTRY,
        inputs=[
            Parameter(name="start_date"),
            Parameter(name="end_date"),
            Parameter(name="endpoints", default=DEFAULT_ENDPOINTS_JSON),
            Parameter(name="allow_over_quota", default="false", enum=["true", "false"]),
        ],
    ):
        listed = Task(
            name="dates",
            template=dates,
            arguments={
                "start_date": "{{inputs.parameters.start_date}}",
                "end_date": "{{inputs.parameters.end_date}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "allow_over_quota": "{{inputs.parameters.allow_over_quota}}",
            },
        )
        per_day = Task(
            name="per-day-endpoints",
            template=split,
            arguments={
                "end_date": "{{inputs.parameters.end_date}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "only": "per-day",
            },
        )
        snapshot_list = Task(
            name="snapshot-endpoints",
            template=split,
            arguments={
                "end_date": "{{inputs.parameters.end_date}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "only": "snapshot",
            },
        )
        ran = Task(
            name="days",
            template=days,
            arguments={
                "days": "{{tasks.dates.outputs.result}}",
                "endpoints": "{{tasks.per-day-endpoints.outputs.result}}",
            },
        )
        snapshotted = Task(
            name="snapshots",
            template=snapshot,
            arguments={
                "endpoint": "{{item}}",
                "run_date": "{{inputs.parameters.end_date}}",
                "covers_from": "{{inputs.parameters.start_date}}",
            },
            with_param="{{tasks.snapshot-endpoints.outputs.result}}",
        )
        built = Task(
            name="transform",
            template=transform,
            arguments={
                "start_date": "{{inputs.parameters.start_date}}",
                "end_date": "{{inputs.parameters.end_date}}",
            },
        )
        listed >> [per_day, snapshot_list]
        per_day >> ran
        snapshot_list >> snapshotted
        ran >> built
        snapshotted >> built

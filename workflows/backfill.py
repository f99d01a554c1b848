"""WorkflowTemplate `game-market-backfill`: list the days still to extract, run the daily DAG
for each (stopping after a failed day), take each snapshot once, build.

Resume without paying twice (extractor/resume.py): `gmp dates` lists only the days of the range
that lack a committed per-day partition, each with just the endpoints it lacks
(`[{"run_date": D, "endpoints": "games,game_details"}, ...]`), and `gmp dates --snapshots` only the
snapshot endpoints whose committed snapshots do not cover the range. Committed partitions cost no
RAWG request, not even the quota guard's probe. The workflow parameter `refresh=true` (GMP_REFRESH)
takes everything again. The range's `transform` still builds every day of it.

Snapshots once: RAWG keeps no history of its taxonomies, so a snapshot taken for a past day is
today's list again. They are extracted once, for the range's last day, with `--covers-from` the
first day (the manifest's `covers_from`, which `gmp gaps` reads); the dims take the latest
snapshot. When no day is left, the `days` fan-out is skipped (an empty withParam, dag.go
`expandTask`), and `transform` still runs (a Skipped dependency counts as done, common/ancestry.go).

Stopping after a failed day, and ending (read in argoproj/argo-workflows v4.0.10):
- No template-level `failFast` over DAG children. On a DAG whose tasks are DAGs it hangs the
  workflow: operator.go `checkParallelism` counts only the active pods whose boundary is that DAG
  (`getActivePods`: 0, a day's pods have the day as boundary), marks it Failed at once, and
  `executeTemplate` never walks its still-running children again, so dag.go `assessDAGPhase`
  keeps the parent Running: no exit handler, locks held. The local runner refuses that shape.
- Instead, a stop marker in the lake (extractor/stop.py). Each day is the DAG `backfill-day`:
  `gate` (`gmp gate`: prints `open`, or `closed` once a day of this workflow failed) → `day`
  (the daily DAG by templateRef; `when` the gate is open, else Skipped: it starts nothing and
  asks RAWG nothing) → `stop` (`depends: day.Failed || day.Errored`, common/ancestry.go: writes
  the marker; Omitted when the day did not fail). `dag.target` is `day stop` (dag.go `executeDAG`
  reads it instead of the leaves), so `assessDAGPhase` gives the wrapper the day's own phase: a
  failed day is a Failed wrapper even though `stop` succeeded; an omitted `stop` takes its
  branch's phase, and a Skipped `day` (gate closed) is no failure.
- `days` has `parallelism` only (checkParallelism: `getActiveChildren` of the boundary counts
  the day DAG nodes in flight). A withParam fan-out keeps creating items after a failure (dag.go
  `executeDAG`/`expandTask`: without template failFast nothing refuses them), so every item
  gets a node and is fulfilled: the days in flight finish their attempt and retries, the later
  ones pass their gate Skipped, and `assessDAGPhase` ends `days` Failed once all are fulfilled
  (the DAG's own `failFast` only picks the phase). `transform` is then Omitted ("omitted: depends
  condition not met"), the entry DAG Failed, and `operate` runs the exit handler: one alert.
- A later day costs one short `gate` pod, no RAWG request. A marker that could not be written
  (the lake down at that moment) only means later days run: the workflow still ends Failed.
"""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows.models import TemplateRef

from extractor.stop import OPEN
from gmp.work import REFRESH_ENV
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

REFRESH = "{{inputs.parameters.refresh}}"
RANGE_ARGS = [
    "--start",
    "{{inputs.parameters.start_date}}",
    "--end",
    "{{inputs.parameters.end_date}}",
    "--endpoints",
    "{{inputs.parameters.endpoints}}",
]
RANGE_INPUTS = ["start_date", "end_date", "endpoints", "refresh"]

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
        Parameter(
            name="refresh",
            value="false",
            enum=["true", "false"],
            description="true: extract again the partitions already committed (default: skip them)",
        ),
    ],
    on_exit="exit-handler",
    **workflow_defaults(BACKFILL_DEADLINE_S),
) as backfill:
    # The days still to extract, then the quota guard for what they will fetch (exit 5, not
    # retried, when it exceeds what remains of the month).
    dates = guard_container(
        "dates",
        args=["dates", *RANGE_ARGS],
        inputs=RANGE_INPUTS,
        env={REFRESH_ENV: REFRESH},
    )
    # The snapshot endpoints the range still needs (a JSON list, the snapshots' withParam).
    snapshot_list = gmp_container(
        "snapshot-endpoints",
        args=["dates", *RANGE_ARGS, "--snapshots"],
        inputs=RANGE_INPUTS,
        secrets=names.LAKE_SECRETS,
        env={REFRESH_ENV: REFRESH},
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
    # The stop marker: read before a day starts (`gate`), written when it failed (`stop-backfill`,
    # `--close`), extractor/stop.py.
    gate, stop = (
        gmp_container(
            name,
            args=[
                "gate",
                "--workflow",
                "{{workflow.name}}",
                "--run-date",
                "{{inputs.parameters.run_date}}",
                *extra,
            ],
            inputs=["run_date"],
            secrets=names.LAKE_SECRETS,
            deadline_s=SHORT_STEP_DEADLINE_S,
            retry_strategy=retry(2, backoff_s=5),
        )
        for name, extra in (("gate", []), ("stop-backfill", ["--close"]))
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

    # One day: the gate, the very same daily DAG by reference (one code path for a day and for a
    # backfill), and the stop marker when it failed. Both `day` and `stop` are targets: the
    # wrapper takes the day's phase (dag.go `assessDAGPhase` over `dag.target`), not the marker's.
    with DAG(
        name=names.BACKFILL_DAY,
        inputs=[Parameter(name="run_date"), Parameter(name="endpoints")],
        target="day stop",
    ) as one_day:
        opened = Task(
            name="gate",
            template=gate,
            arguments={"run_date": "{{inputs.parameters.run_date}}"},
        )
        ran_day = Task(
            name="day",
            template_ref=TemplateRef(name=names.DAILY_TEMPLATE, template=names.DAILY_ENTRY),
            arguments={
                "run_date": "{{inputs.parameters.run_date}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "transform": "false",
                # `dates` guarded the whole range: the days' validate steps do not probe again.
                "allow_over_quota": "true",
                # Each game's details once over the range (extractor/backlog.py).
                "once_from": "{{workflow.parameters.start_date}}",
                "once_to": "{{workflow.parameters.end_date}}",
            },
            when=f"{{{{tasks.gate.outputs.result}}}} == {OPEN}",
        )
        Task(
            name="stop",
            template=stop,
            arguments={"run_date": "{{inputs.parameters.run_date}}"},
            depends="day.Failed || day.Errored",
        )
        opened >> ran_day

    with DAG(
        name=names.BACKFILL_DAYS,
        inputs=[Parameter(name="days")],
        parallelism=DEFAULT_PARALLELISM,
    ) as days:
        Task(
            name="day",
            template=one_day,
            arguments={"run_date": "{{item.run_date}}", "endpoints": "{{item.endpoints}}"},
            with_param="{{inputs.parameters.days}}",
        )

    with DAG(
        name=names.BACKFILL_ENTRY,
        inputs=[
            Parameter(name="start_date"),
            Parameter(name="end_date"),
            Parameter(name="endpoints", default=DEFAULT_ENDPOINTS_JSON),
            Parameter(name="allow_over_quota", default="false", enum=["true", "false"]),
            Parameter(name="refresh", default="false", enum=["true", "false"]),
        ],
    ):
        range_arguments = {
            "start_date": "{{inputs.parameters.start_date}}",
            "end_date": "{{inputs.parameters.end_date}}",
            "endpoints": "{{inputs.parameters.endpoints}}",
            "refresh": REFRESH,
        }
        listed = Task(
            name="dates",
            template=dates,
            arguments={
                **range_arguments,
                "allow_over_quota": "{{inputs.parameters.allow_over_quota}}",
            },
        )
        snapshots_left = Task(
            name="snapshot-endpoints", template=snapshot_list, arguments=range_arguments
        )
        ran = Task(
            name="days",
            template=days,
            arguments={"days": "{{tasks.dates.outputs.result}}"},
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
        listed >> [ran, snapshots_left]
        snapshots_left >> snapshotted
        ran >> built
        snapshotted >> built

"""WorkflowTemplate `game-market-backfill`: list the days, run the daily DAG for each, build."""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows.models import TemplateRef

from workflows import names
from workflows.daily import DEFAULT_ENDPOINTS_JSON
from workflows.templates import (
    BACKFILL_DEADLINE_S,
    gmp_container,
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
    ],
    on_exit="exit-handler",
    **workflow_defaults(BACKFILL_DEADLINE_S),
) as backfill:
    dates = gmp_container(
        "dates",
        args=[
            "dates",
            "--start",
            "{{inputs.parameters.start_date}}",
            "--end",
            "{{inputs.parameters.end_date}}",
        ],
        inputs=["start_date", "end_date"],
        deadline_s=60,
        retry_strategy=retry(2, backoff_s=5, max_backoff_s=30),
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

    with DAG(
        name=names.BACKFILL_ENTRY,
        inputs=[
            Parameter(name="start_date"),
            Parameter(name="end_date"),
            Parameter(name="endpoints", default=DEFAULT_ENDPOINTS_JSON),
        ],
        parallelism=DEFAULT_PARALLELISM,
    ):
        listed = Task(
            name="dates",
            template=dates,
            arguments={
                "start_date": "{{inputs.parameters.start_date}}",
                "end_date": "{{inputs.parameters.end_date}}",
            },
        )
        # The very same daily DAG, by reference: one code path for a day and for a backfill.
        days = Task(
            name="day",
            template_ref=TemplateRef(name=names.DAILY_TEMPLATE, template=names.DAILY_ENTRY),
            arguments={
                "run_date": "{{item}}",
                "endpoints": "{{inputs.parameters.endpoints}}",
                "transform": "false",
            },
            with_param="{{tasks.dates.outputs.result}}",
        )
        built = Task(
            name="transform",
            template=transform,
            arguments={
                "start_date": "{{inputs.parameters.start_date}}",
                "end_date": "{{inputs.parameters.end_date}}",
            },
        )
        listed >> days
        days >> built

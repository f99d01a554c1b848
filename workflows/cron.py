"""CronWorkflow `game-market-daily`: every day in UTC, the daily template for yesterday."""

from __future__ import annotations

from hera.workflows import CronWorkflow, Parameter
from hera.workflows.models import WorkflowTemplateRef

from workflows import names

DEFAULT_SCHEDULE = "30 2 * * *"  # 02:30 UTC: RAWG's day is over, the run date is complete
TIMEZONE = "UTC"
STARTING_DEADLINE_S = 3600  # a controller down for less than an hour still starts the run

# Yesterday in UTC from the time the run was *scheduled* (not started): a late start, or a
# retried submission, still processes the day the schedule meant. `workflow.scheduledTime` is a
# string Argo sets only on cron-created runs, from their scheduled-time annotation (argo-workflows
# v4.0.9, workflow/controller/operator.go `setGlobalParameters`).
YESTERDAY_FROM_SCHEDULE = (
    "{{=sprig.dateInZone('2006-01-02', sprig.dateModify('-24h', "
    "sprig.toDate('2006-01-02T15:04:05Z07:00', workflow.scheduledTime)), 'UTC')}}"
)

cron = CronWorkflow(
    name=names.CRON_WORKFLOW,
    labels={"app.kubernetes.io/part-of": names.PART_OF},
    schedules=[DEFAULT_SCHEDULE],
    timezone=TIMEZONE,
    concurrency_policy="Forbid",
    starting_deadline_seconds=STARTING_DEADLINE_S,
    cron_suspend=False,
    successful_jobs_history_limit=3,
    failed_jobs_history_limit=7,
    workflow_template_ref=WorkflowTemplateRef(name=names.DAILY_TEMPLATE),
    arguments=[Parameter(name="run_date", value=YESTERDAY_FROM_SCHEDULE)],
)

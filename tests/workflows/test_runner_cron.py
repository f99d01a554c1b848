"""The rendered CronWorkflow's workflowSpec under the local runner: what `run_date` becomes.

operator.go `setGlobalParameters` gives `workflow.parameters.run_date` the CronWorkflow's raw
`{{=sprig...(workflow.scheduledTime)...}}`; `substituteGlobalVariables` resolves only the spec's
copy (the entry's argument); the exit handler's `{{workflow.parameters.run_date}}` becomes a date
only in the second pass of workflow/common/util.go `SubstituteParams` (Argo v4.0.10).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gmp.commands.local import extract_records
from tests.workflows.conftest import Fake, Quiet, by_command
from workflows import names
from workflows.cron import YESTERDAY_FROM_SCHEDULE
from workflows.runner import RunOptions
from workflows.runner.cron import run_cron
from workflows.runner.params import resolve_tags, rfc3339, substitute_params
from workflows.spec import Catalogue, SpecError

SCHEDULED = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # the schedule "30 2 * * *"


def _options(fake: Fake) -> RunOptions:
    return RunOptions(
        log_dir=fake.tmp / "logs",
        semaphores={"game-market-pipeline-sync/rawg-extractors": 4},
        records=extract_records,
    )


def _outcome(fake: Fake) -> list[str]:
    (call,) = by_command(fake, "outcome")
    return list(call["argv"])


def test_a_cron_run_gives_its_exit_handler_yesterday_of_the_scheduled_time(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    catalogue = Catalogue.of(list(rendered.values()))
    result = run_cron(catalogue, rendered["cron"], SCHEDULED, _options(fake_gmp), Quiet())
    assert result.status == "Succeeded", [(s.name, s.status, s.message) for s in result.steps]
    # workflow/cron/operator.go getChildWorkflowName: <cron name>-<scheduled Unix seconds>
    assert result.workflow == f"{names.CRON_WORKFLOW}-{int(SCHEDULED.timestamp())}"
    argv = _outcome(fake_gmp)
    assert "run_date=2026-12-06" in argv  # the exit handler's --detail
    assert argv[argv.index("--drift-run-date") + 1] == "2026-12-06"
    assert not [a for a in argv if "{{" in a]
    validate = [c["argv"] for c in by_command(fake_gmp, "validate")]
    assert [a[a.index("--run-date") + 1] for a in validate] == ["2026-12-06"]  # the entry's copy


def test_without_a_scheduled_time_the_expression_stays_unresolved(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    # The same raw argument in a workflow that is not cron-created: no workflow.scheduledTime,
    # so util/template Replace (allowUnresolved) leaves the tag as it is, in both copies: the
    # expression resolves only through the scheduled time.
    fake_gmp.run(
        list(rendered.values()), names.DAILY_TEMPLATE, {"run_date": YESTERDAY_FROM_SCHEDULE}
    )
    assert f"run_date={YESTERDAY_FROM_SCHEDULE}" in _outcome(fake_gmp)


def test_the_cron_spec_delivers_the_date_in_two_passes_and_not_in_one() -> None:
    # SubstituteParams' first pass inserts the raw global; only the second evaluates it.
    scope = {
        "workflow.parameters.run_date": YESTERDAY_FROM_SCHEDULE,
        "workflow.scheduledTime": rfc3339(SCHEDULED),
    }
    assert scope["workflow.scheduledTime"] == "2026-12-07T02:30:00Z"  # Go's time.RFC3339
    text = "run_date={{workflow.parameters.run_date}}"
    assert substitute_params(text, scope) == "run_date=2026-12-06"
    assert resolve_tags(text, scope) == f"run_date={YESTERDAY_FROM_SCHEDULE}"  # one pass only


@pytest.mark.parametrize(
    ("scheduled", "yesterday"),
    [
        ("2024-03-01T02:30:00Z", "2024-02-29"),
        ("2024-03-01T08:00:00+09:00", "2024-02-28"),  # 23:00 UTC the day before, minus 24 h
    ],
)
def test_yesterday_is_taken_in_utc_whatever_the_scheduled_zone(
    scheduled: str, yesterday: str
) -> None:
    # sprig toDate (RFC3339 layout: the zone from the text), dateModify('-24h'), dateInZone UTC.
    scope = {"workflow.scheduledTime": scheduled}
    assert resolve_tags(YESTERDAY_FROM_SCHEDULE, scope) == yesterday


def test_an_expression_beyond_the_sprig_dates_is_refused() -> None:
    with pytest.raises(SpecError, match="not supported locally"):
        resolve_tags("{{=sprig.upper('a')}}", {})

"""The quota guard: a run over what remains of the month is refused (exit 5) having spent only
its plan's probes; --allow-over-quota / allow_over_quota=true lets it run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devstack.standin import Fault, StandinServer
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp
from tests.gmp.test_quota import MONTH, write_record

REFUSAL = re.compile(
    r"gmp: error: quota guard: this run plans (?P<planned>[\d,]+) RAWG requests but only "
    r"(?P<remaining>[\d,]+) of (?P<quota>[\d,]+) remain in (?P<month>\d{4}-\d\d) \(RAWG's month, "
    r"UTC; (?P<spent>[\d,]+) spent\); refused before spending — override with "
    r"--allow-over-quota \(workflow parameter allow_over_quota=true\)"
)


def guard_spend(gmp: Gmp) -> int:
    total = 0
    for key in gmp.list_keys("_ledger/"):
        body = gmp.read(key)
        assert CANARY_KEY.encode() not in body
        record = json.loads(body)
        if record["command"] == "guard":
            total += sum(e["requests"] for e in record["entries"])
    return total


def only_probes(standin: StandinServer) -> bool:
    """Every request RAWG saw was a plan probe (page_size=1), none a page of an extract."""
    seen = standin.requests
    return bool(seen) and all(r.params.get("page_size") == "1" for r in seen)


def test_validate_refuses_a_day_over_the_remaining_quota_in_one_line(gmp: Gmp, standin) -> None:
    write_record(gmp, 95)
    result = gmp("validate", "--run-date", RUN_DATE, GMP_MONTHLY_QUOTA="100")
    assert result.code == 5
    assert result.stdout == ""  # no fan-out list: nothing runs after it
    errors = [line for line in result.stderr.splitlines() if line.startswith("gmp: ")]
    assert len(errors) == 1, result.stderr
    found = REFUSAL.fullmatch(errors[0])
    assert found, errors[0]
    probes = len(standin.requests)
    assert only_probes(standin) and guard_spend(gmp) == probes
    assert found["month"] == MONTH and found["quota"] == "100"
    assert int(found["spent"]) == 95 + probes  # the probes are spent too
    assert int(found["remaining"]) == max(0, 100 - 95 - probes)
    assert int(found["planned"].replace(",", "")) > int(found["remaining"])


def test_validate_within_the_quota_prints_the_list_and_records_its_probes(
    gmp: Gmp, standin
) -> None:
    result = gmp("validate", "--run-date", RUN_DATE, "--endpoints", "games,genres")
    assert result.code == 0, result.stderr
    assert result.stdout == '["games", "genres"]\n'
    assert guard_spend(gmp) == len(standin.requests) > 0


@pytest.mark.parametrize("how", ["flag", "env"])
def test_allowed_over_quota_probes_nothing(gmp: Gmp, standin, how: str) -> None:
    write_record(gmp, 1000)
    args = ["--allow-over-quota"] if how == "flag" else []
    env = {"GMP_ALLOW_OVER_QUOTA": "true"} if how == "env" else {}
    result = gmp("validate", "--run-date", RUN_DATE, *args, GMP_MONTHLY_QUOTA="100", **env)
    assert result.code == 0, result.stderr
    assert standin.requests == []


def test_a_refused_key_is_not_a_guard_error(gmp: Gmp, standin) -> None:
    standin.add_fault(Fault("401", times=-1))
    result = gmp("validate", "--run-date", RUN_DATE, "--endpoints", "games")
    assert result.code == 0, result.stderr  # the extract meets the 401 and reports exit 3
    assert "the plan's probes failed" in result.stderr
    assert guard_spend(gmp) == len(standin.requests) == 1


def test_bad_input_spends_no_probe(gmp: Gmp, standin) -> None:
    for args in (["--run-date", "2024-13-01"], ["--run-date", RUN_DATE, "--endpoints", "gamez"]):
        assert gmp("validate", *args, GMP_MONTHLY_QUOTA="1").code == 2
    assert gmp("validate", "--run-date", RUN_DATE, GMP_MONTHLY_QUOTA="20k").code == 2
    assert standin.requests == []


def test_dates_guards_the_whole_range(gmp: Gmp, standin) -> None:
    args = ("dates", "--start", "2024-05-01", "--end", "2024-05-03", "--endpoints", "games")
    ok = gmp(*args)
    assert ok.code == 0, ok.stderr
    assert [i["run_date"] for i in json.loads(ok.stdout)] == [
        "2024-05-01",
        "2024-05-02",
        "2024-05-03",
    ]
    assert len(standin.requests) == 3  # one probe a day
    refused = gmp(*args, GMP_MONTHLY_QUOTA="10")
    assert refused.code == 5 and REFUSAL.search(refused.stderr), refused.stderr


def test_gmp_run_refused_spends_only_the_probes(gmp: Gmp, standin, tmp_path: Path) -> None:
    write_record(gmp, 19_990)
    result = gmp(
        "run", "--run-date", RUN_DATE, "--logs", str(tmp_path / "logs"), "--json", timeout=300
    )
    assert result.code == 5, result.stderr[-3000:]
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("gmp: error: ")]
    assert "failed at step validate (quota guard: this run plans" in line  # the step's own line
    assert "override with --allow-over-quota" in line and line.endswith("validate.1.log")
    assert only_probes(standin) and guard_spend(gmp) == len(standin.requests)
    assert gmp.manifest("games") is None
    log = (tmp_path / "logs").rglob("*validate*")
    assert any(REFUSAL.search(p.read_text()) for p in log if p.is_file())


def test_gmp_backfill_refused_at_its_dates_step(gmp: Gmp, standin, tmp_path: Path) -> None:
    write_record(gmp, 19_999)
    result = gmp(
        "backfill", "--start", "2024-05-01", "--end", "2024-05-02", "--endpoints", "games",
        "--logs", str(tmp_path / "logs"), timeout=300,
    )  # fmt: skip
    assert result.code == 5, result.stderr[-3000:]
    assert "failed at step dates" in result.stderr
    assert only_probes(standin) and len(standin.requests) == 2


def test_gmp_run_allowed_over_quota_runs(gmp: Gmp, standin, tmp_path: Path) -> None:
    write_record(gmp, 19_990)
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    result = gmp(
        "run", "--run-date", RUN_DATE, "--allow-over-quota", "--logs", str(tmp_path / "logs"),
        timeout=600,
    )  # fmt: skip
    assert result.code == 0, result.stderr[-3000:]
    assert gmp.manifest("games") is not None
    assert guard_spend(gmp) == 0  # allowed: the guard probed nothing


def test_gmp_submit_guards_here_before_any_cluster(gmp: Gmp, standin) -> None:
    write_record(gmp, 19_999)
    result = gmp("submit", "--run-date", RUN_DATE, "--endpoints", "games")
    assert result.code == 5, result.stderr
    assert REFUSAL.search(result.stderr)
    assert only_probes(standin) and len(standin.requests) == 1


def test_gmp_submit_without_a_key_here_leaves_the_guard_to_the_cluster(gmp: Gmp, standin) -> None:
    result = gmp("submit", "--run-date", RUN_DATE, RAWG_API_KEY="")
    assert "quota guard not run here (RAWG_API_KEY unset)" in result.stderr
    assert "the cluster's validate step runs the quota guard" in result.stderr
    assert result.code == 2 and "no Argo Server" in result.stderr  # no cluster in the tests
    assert standin.requests == []


def test_gmp_submit_backfill_plans_only_what_the_lake_lacks(gmp: Gmp, standin) -> None:
    # A committed day costs the guard nothing, not even a probe (extractor/resume.py).
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    standin.reset_requests()
    write_record(gmp, 19_999)  # one request left: any probe or plan would be refused
    result = gmp("submit-backfill", "--start", RUN_DATE, "--end", RUN_DATE, "--endpoints", "games")
    assert "1 of 1 days already committed (0 to extract)" in result.stderr
    assert result.code == 2 and "no Argo Server" in result.stderr  # no cluster in the tests
    assert standin.requests == []
    # --refresh plans the committed day again: probed, and refused over the quota.
    refreshed = gmp(
        "submit-backfill", "--start", RUN_DATE, "--end", RUN_DATE, "--endpoints", "games",
        "--refresh",
    )  # fmt: skip
    assert refreshed.code == 5 and REFUSAL.search(refreshed.stderr), refreshed.stderr
    assert only_probes(standin)

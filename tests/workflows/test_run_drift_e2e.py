"""`gmp run` on a day whose payload changed: the build passes, the outcome names the drift."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from devstack.standin import PayloadDrift, StandinServer
from tests.conftest import Gmp
from warehouse.headline import headline

DAY1, DAY2 = "2024-05-01", "2024-05-02"


@pytest.mark.slow
def test_the_daily_run_on_a_drift_day_builds_and_records_the_drift(
    gmp: Gmp, standin: StandinServer, tmp_path: Path
) -> None:
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    gmp.env["DBT_TARGET"] = "dev"
    assert gmp("extract", "games", "--run-date", DAY1).code == 0
    # From DAY2 on, /games items lack `metacritic` (a model reads it) and serve `playtime` as
    # text that does not cast to a number.
    standin.drift = PayloadDrift(dt.date.fromisoformat(DAY2))
    logs = tmp_path / "logs"
    result = gmp(
        "run", "--run-date", DAY2, "--endpoints", "games", "--json", "--logs", str(logs),
        timeout=600,
    )  # fmt: skip
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.code == 0, (data["failed"], result.stderr[-3000:])
    assert data["status"] == "Succeeded" and data["exit_handler"] == "Succeeded"
    found = headline(Path(gmp.env["DUCKDB_PATH"]), DAY2)
    assert found["dim_games"] == gmp.manifest("games", DAY2)["record_count"] > 0  # type: ignore[index]
    handler_log = "\n".join(p.read_text() for p in sorted(logs.glob("onExit*.log")))
    records = [
        json.loads(line)
        for line in handler_log.splitlines()
        if line.startswith("{") and '"workflow finished"' in line
    ]
    assert len(records) == 1, handler_log[-2000:]
    record = records[0]
    assert record["run_date"] == DAY2 and record["status"] == "Succeeded"
    assert record["drift"] == (
        "drift: games -1 field (metacritic, read by models), type changed: playtime number→string"
    )
    assert record["drift_removed"] == ["games.metacritic"]
    assert gmp.env["AWS_SECRET_ACCESS_KEY"] not in handler_log

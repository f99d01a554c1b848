"""The quota ledger counts every request RAWG received: compared with the stand-in's own count."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import socket
import time
from typing import Any

from devstack.standin import Fault, StandinServer
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp
from tests.extractor.details_helpers import day_with_a_missing_game, extract

MONTH = dt.datetime.now(dt.UTC).strftime("%Y-%m")
RECORD_NAME = re.compile(r"\d{8}T\d{6}Z-(extract|plan|guard)-[0-9a-f]{32}\.json")


def records(gmp: Gmp) -> list[dict[str, Any]]:
    found = []
    for key in gmp.list_keys("_ledger/"):
        folder, name = key.split("/")[-2:]
        assert folder == f"month={MONTH}", key
        assert RECORD_NAME.fullmatch(name), key
        body = gmp.read(key)
        assert CANARY_KEY.encode() not in body
        found.append(json.loads(body))
    return found


def spent(gmp: Gmp, command: str | None = None) -> int:
    return sum(
        e["requests"]
        for r in records(gmp)
        if command is None or r["command"] == command
        for e in r["entries"]
    )


def by_partition(gmp: Gmp) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for record in records(gmp):
        for e in record["entries"]:
            key = (e["endpoint"], e["run_date"])
            counts[key] = counts.get(key, 0) + e["requests"]
    return counts


def test_an_extract_records_exactly_the_requests_rawg_received(gmp: Gmp, standin) -> None:
    summary = extract(gmp, "games", RUN_DATE)
    found = records(gmp)
    assert len(found) == 1  # one final flush; never an empty record
    record = found[0]
    assert record["command"] == "extract"
    assert record["host"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert record["entries"] == [
        {"endpoint": "games", "run_date": RUN_DATE, "day": today, "requests": summary["requests"]}
    ]
    assert spent(gmp) == len(standin.requests) == summary["requests"]


def test_retries_429s_and_5xx_are_counted(gmp: Gmp, standin) -> None:
    standin.add_fault(Fault("429", path="/games", page=2, times=2))
    standin.add_fault(Fault("503", path="/games", page=3, times=2))
    summary = extract(gmp, "games", RUN_DATE)
    assert summary["retries"] == 4
    assert spent(gmp) == len(standin.requests)
    assert sum(1 for r in standin.requests if r.status in (429, 503)) == 4


def test_detail_calls_and_their_404s_are_counted(gmp: Gmp, standin: StandinServer) -> None:
    day = day_with_a_missing_game(standin, dt.date(2024, 5, 1))
    extract(gmp, "games", day)
    details = extract(gmp, "game_details", day)
    assert details["not_found"] >= 1
    assert any(r.status == 404 for r in standin.requests)
    assert spent(gmp) == len(standin.requests)
    games = sum(1 for r in standin.requests if r.path == "/games")
    assert by_partition(gmp) == {
        ("games", day): games,
        ("game_details", day): len(standin.requests) - games,
    }


def test_a_refused_key_still_leaves_its_record(gmp: Gmp, standin) -> None:
    standin.add_fault(Fault("401", path="/games", page=2, times=-1))
    result = gmp("extract", "games", "--run-date", RUN_DATE)
    assert result.code == 3
    assert spent(gmp) == len(standin.requests) > 0
    assert gmp.manifest("games") is None


def test_a_plan_records_its_probes(gmp: Gmp, standin) -> None:
    result = gmp("plan", "--run-date", RUN_DATE, "--json")
    assert result.code == 0, result.stderr
    assert spent(gmp, "plan") == len(standin.requests) == result.json()["probe_requests"]
    assert ("games", RUN_DATE) in by_partition(gmp)


def test_a_plan_without_a_lake_says_it_records_nothing(gmp: Gmp, standin) -> None:
    result = gmp("plan", "--run-date", RUN_DATE, "--endpoints", "games", LAKE_BUCKET="")
    assert result.code == 0, result.stderr
    assert "not recorded in the quota ledger" in result.stderr
    assert gmp.list_keys("_ledger/") == []


def test_a_plan_goes_on_when_the_ledger_cannot_be_written(gmp: Gmp, standin) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = gmp(
        "plan", "--run-date", RUN_DATE, "--endpoints", "games,genres", "--json",
        S3_ENDPOINT=f"http://127.0.0.1:{port}",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.json()["probe_requests"] == len(standin.requests) == 2
    assert "not recorded in the quota ledger" in result.stderr


def test_concurrent_extracts_are_both_counted(gmp: Gmp, standin) -> None:
    procs = [
        gmp.popen("extract", "games", "--run-date", day) for day in ("2024-05-01", "2024-05-02")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert len(records(gmp)) == 2
    assert spent(gmp) == len(standin.requests)
    assert set(by_partition(gmp)) == {
        ("games", "2024-05-01"),
        ("games", "2024-05-02"),
    }


def test_sigterm_mid_extract_still_records_the_spend(gmp: Gmp, standin) -> None:
    standin.add_fault(Fault("hang", path="/games", page=2, times=-1, hang_seconds=8))
    proc = gmp.popen("extract", "games", "--run-date", RUN_DATE, GMP_READ_TIMEOUT="20")
    deadline = time.monotonic() + 30
    while not any(r.params.get("page") == "2" for r in standin.requests):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    # The ledger is written at once, while the process still waits for the hung request.
    deadline = time.monotonic() + 5
    while not gmp.list_keys("_ledger/"):
        assert time.monotonic() < deadline, "no ledger record after SIGTERM"
        time.sleep(0.1)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM" in err
    assert spent(gmp) == len(standin.requests)
    assert gmp.manifest("games") is None


def test_recording_writes_deltas_while_running_and_never_an_empty_record(gmp: Gmp) -> None:
    from extractor.lake import Lake
    from extractor.ledger import read_month, recording
    from extractor.tally import RequestTally
    from gmp.settings import LakeSettings

    lake = Lake(LakeSettings(**gmp.env))  # type: ignore[arg-type]
    tally = RequestTally()
    with recording(lake, "extract", tally, interval=0.2):
        with tally.attributed("games", RUN_DATE):
            for _ in range(3):
                tally.count()
        deadline = time.monotonic() + 5
        while not gmp.list_keys("_ledger/"):  # the periodic writer, before the block ends
            assert time.monotonic() < deadline, "no record while running"
            time.sleep(0.05)
        time.sleep(0.6)  # idle: nothing new, nothing written
        assert len(gmp.list_keys("_ledger/")) == 1
        with tally.attributed("genres", RUN_DATE):
            tally.count()
    spend = read_month(lake, MONTH)
    assert spend.records == 2
    assert spend.total == 4
    assert spend.by_endpoint == {"games": 3, "genres": 1}
    assert spend.by_command == {"extract": 4}


def test_requests_across_midnight_at_a_month_end_go_to_their_own_months(gmp: Gmp) -> None:
    from extractor.lake import Lake
    from extractor.ledger import read_month, write_records
    from extractor.tally import RequestTally
    from gmp.settings import LakeSettings

    lake = Lake(LakeSettings(**gmp.env))  # type: ignore[arg-type]
    days = iter([dt.date(2026, 11, 30), dt.date(2026, 11, 30), dt.date(2026, 12, 1)])
    tally = RequestTally(today=lambda: next(days))
    with tally.attributed("games", "2026-11-29"):  # RAWG's month is when sent, not the run_date
        for _ in range(3):
            tally.count()
    keys = write_records(lake, "extract", tally.take())
    assert [k.split("/")[-2] for k in keys] == ["month=2026-11", "month=2026-12"]
    november, december = read_month(lake, "2026-11"), read_month(lake, "2026-12")
    assert (november.total, november.by_day) == (2, {"2026-11-30": 2})
    assert (december.total, december.by_day) == (1, {"2026-12-01": 1})
    assert tally.take() == {}  # taken once

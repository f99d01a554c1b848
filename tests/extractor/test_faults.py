"""RAWG failing the ways it really fails: the run recovers, or stops with the right code."""

from __future__ import annotations

import json
import signal
import time

import pytest

from devstack.standin import Fault
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

RECOVERABLE = [
    "429",
    "429-retry-after",
    "500",
    "502",
    "503",
    "hang",
    "reset",
    "truncated",
    "partial",
]


@pytest.mark.parametrize("kind", RECOVERABLE)
def test_a_passing_fault_is_retried_to_success(gmp: Gmp, standin, kind: str) -> None:
    standin.add_fault(Fault(kind, path="/games", page=2, times=1, hang_seconds=5))
    started = time.monotonic()
    result = gmp("extract", "games", "--run-date", RUN_DATE, GMP_READ_TIMEOUT="1")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["retries"] == 1
    assert summary["records"] == 95
    assert gmp.manifest("games")["record_count"] == 95
    assert "retrying" in result.stderr
    if kind == "429-retry-after":
        assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured


def committed_before(gmp: Gmp) -> dict:
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    return gmp.manifest("games")


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("401", 3, "refused the API key"),
        ("403", 3, "refused the API key"),
        ("429", 4, "429"),
        ("503", 1, "kept failing"),
        ("truncated", 1, "kept failing"),
    ],
)
def test_a_lasting_fault_exits_with_its_code_and_keeps_the_old_partition(
    gmp: Gmp, standin, kind: str, code: int, message: str
) -> None:
    before = committed_before(gmp)
    old_pages = {k: gmp.read(k) for k in gmp.list_keys("games/")}
    standin.reset_requests()
    standin.add_fault(Fault(kind, path="/games", page=2, times=-1))
    result = gmp("extract", "games", "--run-date", RUN_DATE)
    assert result.code == code
    lines = [line for line in result.stderr.splitlines() if line.startswith("gmp: ")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.stderr
    assert CANARY_KEY not in result.stderr + result.stdout
    # The failed re-run changed nothing: the earlier commit is still whole.
    assert gmp.manifest("games") == before
    assert {k: gmp.read(k) for k in gmp.list_keys("games/")} == old_pages
    assert gmp.list_keys("_incoming/") == []
    attempts = [r for r in standin.requests if r.params.get("page") == "2"]
    assert len(attempts) == (1 if code == 3 else 3)  # 401/403 never retried


def test_a_hang_longer_than_the_timeout_is_cut_short(gmp: Gmp, standin) -> None:
    standin.add_fault(Fault("hang", path="/games", page=1, times=-1, hang_seconds=30))
    started = time.monotonic()
    result = gmp("extract", "games", "--run-date", RUN_DATE, GMP_READ_TIMEOUT="0.5")
    assert result.code == 1
    assert "timed out" in result.stderr
    assert time.monotonic() - started < 15
    # Nothing but the quota ledger's record of the attempts RAWG received.
    (ledger,) = gmp.list_keys("_ledger/")
    assert gmp.list_keys() == [ledger]
    spent = json.loads(gmp.read(ledger))["entries"][0]["requests"]
    assert spent == len(standin.requests) == 3


@pytest.mark.parametrize("hold_page", [1, 3, 6])
def test_kill_9_mid_run_then_rerun_commits_a_complete_partition(
    gmp: Gmp, standin_factory, hold_page: int
) -> None:
    server = standin_factory(8 * 40 - 3, latency_s=0.02)
    gmp.point_at(server)
    server.add_fault(Fault("hang", path="/games", page=hold_page, times=1, hang_seconds=20))
    proc = gmp.popen("extract", "games", "--run-date", RUN_DATE, GMP_CONCURRENCY="2")
    deadline = time.monotonic() + 20
    while not any(r.params.get("page") == str(hold_page) for r in server.requests):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.3)  # let the other worker stage what it can
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert gmp.manifest("games") is None  # killed before commit: not visible
    server.clear_faults()
    result = gmp("extract", "games", "--run-date", RUN_DATE)
    assert result.code == 0, result.stderr
    manifest = gmp.manifest("games")
    assert manifest["record_count"] == 8 * 40 - 3 and manifest["page_count"] == 8
    # The killed run's own staging folder is all that is left: removed by a later commit once
    # its heartbeat is stale (tests/extractor/test_concurrent_runs.py), never read by anyone.
    leftovers = {k.split("/run_date=")[1].split("/")[1] for k in gmp.list_keys("_incoming/")}
    assert len(leftovers) <= 1 and manifest["run_id"] not in leftovers
    assert len(gmp.list_keys("games/")) == 9


def test_kill_9_at_random_moments_never_leaves_a_bad_commit(gmp: Gmp, standin_factory) -> None:
    """Whatever the moment, the partition is either uncommitted or complete."""
    server = standin_factory(12 * 40, latency_s=0.01)
    gmp.point_at(server)
    for delay in (0.4, 0.7, 1.0, 1.3):
        proc = gmp.popen("extract", "games", "--run-date", RUN_DATE, GMP_CONCURRENCY="2")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        manifest = gmp.manifest("games")
        if manifest is not None:
            assert manifest["record_count"] == 12 * 40
            assert all(entry["key"] in gmp.list_keys() for entry in manifest["pages"])
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    assert gmp.manifest("games")["record_count"] == 12 * 40
    assert len(gmp.list_keys("games/")) == 13

"""Bad input gets one clear line and the contract's exit code, with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest

from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

TODAY = dt.datetime.now(dt.UTC).date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CASES = [
    # (name, args, extra env, exit code, words in the message)
    ("impossible date", ["games", "--run-date", "2023-02-29"], {}, 2, "not a real calendar date"),
    ("month 13", ["games", "--run-date", "2024-13-01"], {}, 2, "not a real calendar date"),
    ("malformed date", ["games", "--run-date", "2024/05/01"], {}, 2, "YYYY-MM-DD"),
    ("compact date", ["games", "--run-date", "20240501"], {}, 2, "YYYY-MM-DD"),
    ("empty date", ["games", "--run-date", ""], {}, 2, "YYYY-MM-DD"),
    (
        "future date",
        ["games", "--run-date", str(TODAY + dt.timedelta(days=3))],
        {},
        2,
        "not in the past",
    ),
    ("today", ["games", "--run-date", str(TODAY)], {}, 2, "not in the past"),
    ("unknown endpoint", ["gamez", "--run-date", RUN_DATE], {}, 2, "unknown endpoint 'gamez'"),
    (
        "empty key",
        ["games", "--run-date", RUN_DATE],
        {"RAWG_API_KEY": ""},
        2,
        "RAWG_API_KEY is not set",
    ),
    (
        "blank key",
        ["games", "--run-date", RUN_DATE],
        {"RAWG_API_KEY": "  "},
        2,
        "RAWG_API_KEY is not set",
    ),
    (
        "no bucket",
        ["games", "--run-date", RUN_DATE],
        {"LAKE_BUCKET": ""},
        2,
        "LAKE_BUCKET is not set",
    ),
    (
        "missing bucket",
        ["games", "--run-date", RUN_DATE],
        {"LAKE_BUCKET": "no-such-bucket"},
        2,
        "does not exist",
    ),
    (
        "bad S3 secret",
        ["games", "--run-date", RUN_DATE],
        {"AWS_SECRET_ACCESS_KEY": "wrong-secret-value"},
        2,
        "refused the credentials",
    ),
    (
        "bad setting",
        ["games", "--run-date", RUN_DATE],
        {"GMP_CONCURRENCY": "many"},
        2,
        "GMP_CONCURRENCY",
    ),
    (
        "unreachable S3",
        ["games", "--run-date", RUN_DATE],
        {"S3_ENDPOINT": "http://127.0.0.1:{port}"},
        1,
        "cannot reach",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "env", "code", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input(
    gmp: Gmp, standin, name: str, args: list[str], env: dict, code: int, message: str
) -> None:
    env = {k: v.format(port=free_port()) for k, v in env.items()}
    result = gmp("extract", *args, **env)
    assert result.code == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("gmp: error: ") and message in errors[0]
    assert "wrong-secret-value" not in result.stderr
    assert gmp.list_keys() == []  # nothing written
    assert standin.requests == []  # no RAWG quota spent on a run that cannot land


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["extract"], "Missing argument 'endpoint' (see `gmp extract --help`)"),
        (["extract", "games"], "Missing option '--run-date'"),  # --run-date is required
        (["extract", "games", "--run-date", RUN_DATE, "--max-pages", "0"], "'--max-pages'"),
        (["plan"], "give --run-date D, or --start D1 --end D2"),
        (["plan", "--start", "2024-05-03", "--end", "2024-05-01"], "before start date"),
        (["plan", "--run-date", RUN_DATE, "--bogus"], "No such option: --bogus"),
        (["extractt"], "No such command 'extractt'"),
        (["transform", "--run-date"], "Option '--run-date' requires an argument"),
    ],
)
def test_usage_errors_exit_2_in_one_line(gmp: Gmp, args: list[str], says: str) -> None:
    """Click's own usage errors too: one `gmp: error:` line, not a boxed usage text."""
    result = gmp(*args)
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("gmp: error: ")
    assert says in result.stderr


def test_canary_key_never_leaves_the_process(gmp: Gmp, standin) -> None:
    """Not in the lake, not in logs (even debug logs), not in errors."""
    from devstack.standin import Fault

    ok = gmp("extract", "games", "--run-date", RUN_DATE, "--verbose", GMP_LOG_LEVEL="DEBUG")
    standin.add_fault(Fault("503", path="/genres", times=-1))
    failed = gmp("extract", "genres", "--run-date", RUN_DATE, "-v")
    standin.clear_faults()
    standin.add_fault(Fault("401", path="/tags", times=-1))
    refused = gmp("extract", "tags", "--run-date", RUN_DATE)
    standin.clear_faults()
    plan = gmp("plan", "--run-date", RUN_DATE)
    assert (ok.code, failed.code, refused.code, plan.code) == (0, 1, 3, 0)
    for run in gmp.runs:
        assert CANARY_KEY not in run.stdout + run.stderr
    keys = gmp.list_keys()
    assert keys
    for key in keys:
        assert CANARY_KEY.encode() not in gmp.read(key)
        assert CANARY_KEY not in key


def test_logs_are_json_lines_with_context_off_a_terminal(gmp: Gmp) -> None:
    result = gmp("extract", "games", "--run-date", RUN_DATE, "-v")
    records = [json.loads(line) for line in result.stderr.splitlines()]
    pages = [r for r in records if r.get("page")]
    assert len(pages) == 3
    assert all(r["endpoint"] == "games" and r["run_date"] == RUN_DATE for r in pages)
    committed = [r for r in records if r["message"].startswith("partition committed")]
    assert len(committed) == 1 and committed[0]["records"] == 95


def test_status_exit_codes_are_as_documented(gmp: Gmp) -> None:
    """0 all committed, 1 one is not, 2 bad input (docs/extractor.md, `gmp status --help`)."""
    assert gmp("extract", "genres", "--run-date", RUN_DATE).code == 0
    committed = gmp("status", "--run-date", RUN_DATE, "--endpoints", "genres")
    assert committed.code == 0, committed.stderr
    missing = gmp("status", "--run-date", RUN_DATE, "--endpoints", "genres,games")
    assert missing.code == 1 and "games" in missing.stdout
    bad = gmp("status", "--run-date", " " + RUN_DATE)
    assert bad.code == 2 and bad.stderr.startswith("gmp: error: ")
    helptext = gmp("status", "--help").stdout
    assert "0 every listed partition is committed" in " ".join(helptext.split())

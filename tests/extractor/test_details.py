"""`gmp extract game_details`: real gmp, real SeaweedFS, the RAWG stand-in's `GET /games/{id}`."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx

from devstack.standin import Fault
from extractor.details import BATCH_SIZE
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp
from tests.extractor.details_helpers import (
    day_with_a_missing_game,
    extract,
    gone,
    landed,
    popular_first,
    whole_commit,
)

DAY = dt.date.fromisoformat(RUN_DATE)


def test_details_land_most_popular_first_under_the_cap_in_batches(
    gmp: Gmp, standin_factory
) -> None:
    standin = standin_factory(2 * BATCH_SIZE + 60)
    gmp.point_at(standin)
    day = day_with_a_missing_game(standin, DAY)
    extract(gmp, "games", day)
    cap = 2 * BATCH_SIZE + 40
    ranked = popular_first(gmp, day)
    expected = ranked[:cap]
    assert gone(standin, expected), "the chosen day must hit the 404 path"
    standin.reset_requests()
    summary = extract(gmp, "game_details", day, GMP_DETAILS_MAX_PER_DAY=str(cap))
    # Exactly one GET per selected game, nothing else asked of RAWG.
    assert sorted(r.path for r in standin.requests) == sorted(f"/games/{i}" for i in expected)
    manifest = whole_commit(gmp, "game_details", day)
    missing = gone(standin, expected)
    assert manifest["not_found"] == missing  # recorded, skipped, not fatal
    assert landed(gmp, day) == [i for i in expected if i not in missing]  # most popular first
    assert manifest["game_ids"] == landed(gmp, day)
    assert (manifest["record_count"], manifest["reported_count"]) == (cap - len(missing), cap)
    assert manifest["complete"] is False and manifest["day_games"] == len(ranked)
    assert manifest["request"]["max_per_day"] == cap and manifest["mode"] == "detail"
    assert summary["not_found"] == len(missing) and summary["requests"] == cap
    assert manifest["page_count"] == 3
    pages = gmp.pages("game_details", day)
    assert [p["count"] for p in pages] == [len(p["results"]) for p in pages]
    assert sum(len(p["results"]) for p in pages) == manifest["record_count"]
    assert all(p["next"] is None and p["previous"] is None for p in pages)
    assert all(len(p["results"]) <= BATCH_SIZE for p in pages)
    # Each body byte for byte as RAWG answered it, inside RAWG's list envelope.
    raw = gmp.read(manifest["pages"][0]["key"])
    assert raw.startswith(b'{"count":') and raw.endswith(b"]}")
    with httpx.Client(base_url=standin.url) as client:
        body = client.get(f"/games/{landed(gmp, day)[0]}", params={"key": "k"}).content
    assert body in raw
    for key in gmp.list_keys():  # the key is nowhere in the lake
        assert CANARY_KEY.encode() not in gmp.read(key), key


def test_games_not_committed_is_exit_2_before_any_request(gmp: Gmp, standin) -> None:
    result = gmp("extract", "game_details", "--run-date", RUN_DATE)
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("gmp: ")]
    assert lines == [
        f"gmp: error: the games partition of {RUN_DATE} is not committed: extract games for "
        f"{RUN_DATE} first (gmp extract games --run-date {RUN_DATE})"
    ]
    assert standin.requests == []
    assert gmp.list_keys() == []


def test_a_refused_key_is_exit_3_and_commits_nothing(gmp: Gmp, standin) -> None:
    extract(gmp, "games", RUN_DATE)
    standin.add_fault(Fault("401", path="/games/*", times=-1))
    result = gmp("extract", "game_details", "--run-date", RUN_DATE)
    assert result.code == 3
    assert "RAWG refused the API key (HTTP 401)" in result.stderr
    assert "Traceback" not in result.stderr and CANARY_KEY not in result.stderr
    assert gmp.manifest("game_details") is None
    assert gmp.list_keys("_incoming/game_details") == []


def test_5xx_and_429_are_retried_then_give_up_with_the_usual_codes(gmp: Gmp, standin) -> None:
    extract(gmp, "games", RUN_DATE)
    games = len(popular_first(gmp, RUN_DATE))
    standin.add_fault(Fault("503", path="/games/*", times=2))
    summary = extract(gmp, "game_details", RUN_DATE)
    assert summary["retries"] == 2 and summary["requests"] == games + 2
    assert summary["records"] + summary["not_found"] == games
    committed = gmp.manifest("game_details")
    standin.add_fault(Fault("500", path="/games/*", times=-1))
    failed = gmp("extract", "game_details", "--run-date", RUN_DATE)
    assert failed.code == 1
    assert "RAWG kept failing on /games/" in failed.stderr and "after 3 attempts" in failed.stderr
    assert gmp.manifest("game_details") == committed  # the previous commit stands
    standin.clear_faults()
    standin.add_fault(Fault("429", path="/games/*", times=-1))
    throttled = gmp("extract", "game_details", "--run-date", RUN_DATE)
    assert throttled.code == 4 and "still answers 429" in throttled.stderr


def test_max_pages_does_not_apply_to_details(gmp: Gmp, standin) -> None:
    result = gmp("extract", "game_details", "--run-date", RUN_DATE, "--max-pages", "1")
    assert result.code == 2 and "capped by GMP_DETAILS_MAX_PER_DAY" in result.stderr


def test_an_empty_day_commits_one_empty_page(gmp: Gmp, standin_factory) -> None:
    gmp.point_at(standin_factory(0))
    extract(gmp, "games", RUN_DATE)
    summary = extract(gmp, "game_details", RUN_DATE)
    assert (summary["pages"], summary["records"], summary["requests"]) == (1, 0, 0)
    assert gmp.pages("game_details") == [
        {"count": 0, "next": None, "previous": None, "results": []}
    ]
    assert whole_commit(gmp, "game_details", RUN_DATE)["complete"] is True


def test_two_runs_of_one_details_partition_leave_one_whole_commit(
    gmp: Gmp, standin_factory
) -> None:
    standin = standin_factory(3 * BATCH_SIZE, latency_s=0.005)
    gmp.point_at(standin)
    extract(gmp, "games", RUN_DATE)
    env = {"GMP_LEASE_SECONDS": "1", "GMP_CONCURRENCY": "2"}
    args = ("extract", "game_details", "--run-date", RUN_DATE)
    first = gmp.popen(*args, **env, GMP_DETAILS_MAX_PER_DAY="250")
    time.sleep(0.2)
    second = gmp.popen(*args, **env, GMP_DETAILS_MAX_PER_DAY="150")
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], [o[1][-800:] for o in outs]
    manifest = whole_commit(gmp, "game_details", RUN_DATE)
    # One run's data, whole: its own cap, its own pages, nothing of the other mixed in.
    cap = manifest["request"]["max_per_day"]
    assert cap in (250, 150) and manifest["reported_count"] == cap
    assert landed(gmp, RUN_DATE) == manifest["game_ids"]
    assert len(manifest["game_ids"]) + len(manifest["not_found"]) == cap
    assert manifest["page_count"] == -(-cap // BATCH_SIZE)
    for out, _ in outs:
        assert json.loads(out.strip().splitlines()[-1])["endpoint"] == "game_details"
    deadline = time.monotonic() + 10  # the later run clears what it staged
    while gmp.list_keys("_incoming/game_details") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [k for k in gmp.list_keys("_incoming/game_details") if "page-" in k] == []

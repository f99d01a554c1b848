"""`gmp plan` tells the request cost before spending it, and matches what a run spends."""

from __future__ import annotations

import pytest

from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode
from tests.conftest import RUN_DATE, Gmp


def test_plan_equals_the_requests_an_extract_makes(gmp: Gmp, standin) -> None:
    # game_details last: it reads the day's committed games and panels.
    endpoints = [n for n in REGISTRY if n != "game_details"] + ["game_details"]
    result = gmp("plan", "--run-date", RUN_DATE, "--endpoints", ",".join(endpoints), "--json")
    assert result.code == 0, result.stderr
    plan = result.json()
    # One probe per list endpoint; game_details reuses the games line's count.
    assert plan["probe_requests"] == len(REGISTRY) - 1 == len(standin.requests)
    assert all(r.params["page_size"] == "1" for r in standin.requests)
    # Every line exact but game_details': the day's panels are not extracted yet, so their games
    # count as their sizes, an upper bound (they overlap, and may have been fetched already).
    details = plan["lines"][-1]
    assert details["endpoint"] == "game_details" and details["upper_bound"] is True
    assert all(line["exact"] for line in plan["lines"][:-1])
    for planned in plan["lines"]:
        line = planned
        if line["endpoint"] == "game_details":  # now that the panels are in: exact
            again = gmp("plan", "--run-date", RUN_DATE, "--endpoints", "game_details", "--json")
            (line,) = again.json()["lines"]
            assert line["exact"] is True and line["requests"] <= details["requests"]
        standin.reset_requests()
        assert gmp("extract", line["endpoint"], "--run-date", RUN_DATE).code == 0
        assert len(standin.requests) == line["requests"], line["endpoint"]
    assert plan["total_requests"] == sum(line["requests"] for line in plan["lines"])


def test_plan_for_a_range_probes_games_per_day_and_snapshots_once(gmp: Gmp, standin) -> None:
    result = gmp("plan", "--start", "2024-05-01", "--end", "2024-05-05", "--json")
    assert result.code == 0, result.stderr
    plan = result.json()
    # games and games_released per day, the snapshots (taxonomies, panels) once.
    per_day = [n for n in DEFAULT_ENDPOINTS if REGISTRY[n].mode is Mode.INCREMENTAL]
    snapshots = [n for n in DEFAULT_ENDPOINTS if REGISTRY[n].mode is Mode.SNAPSHOT]
    assert plan["probe_requests"] == 5 * len(per_day) + len(snapshots) == 5 * 2 + 7
    games = [line for line in plan["lines"] if line["endpoint"] == "games"]
    assert len(games) == 5 and all(line["requests"] == 3 for line in games)
    details = [line for line in plan["lines"] if line["endpoint"] == "game_details"]
    assert [line["requests"] for line in details[:4]] == [95] * 4  # every game, under the cap
    # The last day also takes the panels (once for the range), their games first: at most.
    assert details[4]["upper_bound"] is True and 95 < details[4]["requests"] <= 250
    # A backfill takes each snapshot once, on the last day: one line each, and the saving.
    snapshots = [line for line in plan["lines"] if line["endpoint"] in ("genres", "tags")]
    assert [(s["endpoint"], s["run_date"]) for s in snapshots] == [
        ("genres", "2024-05-05"),
        ("tags", "2024-05-05"),
    ]
    for line in snapshots:
        assert line["saved"] == 4 * line["requests"] > 0
        assert f"instead of {5 * line['requests']}" in line["note"]
    assert plan["saved_requests"] == sum(line["saved"] for line in plan["lines"]) > 0
    assert plan["total_requests"] == sum(line["requests"] for line in plan["lines"])
    text = gmp("plan", "--start", "2024-05-01", "--end", "2024-05-05")
    assert f"saving {plan['saved_requests']:,} requests" in text.stdout


def test_plan_over_the_page_cap_probes_the_windows_and_is_exact(gmp: Gmp, standin_factory) -> None:
    server = standin_factory(7 * 40 + 5, page_cap=3, tba_share=0.0)
    gmp.point_at(server)
    plan = gmp("plan", "--run-date", RUN_DATE, "--endpoints", "games", "--json", GMP_PAGE_CAP="3")
    line = plan.json()["lines"][0]
    assert line["exact"] is True and line["reachable"] is True
    server.reset_requests()
    assert gmp("extract", "games", "--run-date", RUN_DATE, GMP_PAGE_CAP="3").code == 0
    assert len(server.requests) == line["requests"]


def test_plan_marks_a_day_that_cannot_be_reached_whole(gmp: Gmp, standin_factory) -> None:
    server = standin_factory(7 * 40 + 5, page_cap=3, tba_share=0.2)
    gmp.point_at(server)
    result = gmp("plan", "--run-date", RUN_DATE, "--endpoints", "games", GMP_PAGE_CAP="3")
    assert result.code == 0, result.stderr
    assert "UNREACHABLE" in result.stdout
    line = gmp(
        "plan", "--run-date", RUN_DATE, "--endpoints", "games", "--json", GMP_PAGE_CAP="3"
    ).json()["lines"][0]
    assert line["reachable"] is False and "cannot be fetched" in line["note"]
    server.reset_requests()
    refused = gmp("extract", "games", "--run-date", RUN_DATE, GMP_PAGE_CAP="3")
    assert refused.code == 5
    assert len(server.requests) == line["requests"]  # the refusal costs what plan said


@pytest.mark.parametrize("args", [["--run-date", "2099-01-01"], ["--start", "2024-01-01"]])
def test_plan_rejects_bad_dates(gmp: Gmp, args: list[str]) -> None:
    assert gmp("plan", *args).code == 2

"""`gmp gaps`: the rules (merging, incomplete partitions, snapshots a backfill took once) and the
command on a real SeaweedFS lake with holes, filled by the real extractor from the stand-in."""

from __future__ import annotations

import datetime as dt
import shlex

import pytest

from extractor.gaps import (
    DayRange,
    EndpointGaps,
    Partition,
    chunked,
    commands_for,
    fills,
    find_gaps,
    is_incomplete,
    merge_days,
)
from gmp.endpoints import REGISTRY
from tests.conftest import CANARY_KEY, Gmp


def d(day: int, month: int = 5) -> dt.date:
    return dt.date(2024, month, day)


def days(first: int, last: int) -> list[dt.date]:
    return [d(i) for i in range(first, last + 1)]


# -- rules -------------------------------------------------------------------------------------


def test_merge_days_joins_consecutive_days_across_a_month_end() -> None:
    given = [d(3), d(1), d(2), d(30, 4), d(7), d(2)]
    assert merge_days(given) == [DayRange(d(30, 4), d(3)), DayRange(d(7), d(7))]
    assert merge_days([]) == []


def test_incomplete_means_less_than_the_daily_run_takes() -> None:
    games, tags, genres = REGISTRY["games"], REGISTRY["tags"], REGISTRY["genres"]
    details = REGISTRY["game_details"]
    assert is_incomplete(games, {"complete": False})
    assert not is_incomplete(games, {"complete": True})
    # tags are capped at 10 pages by the registry: complete false is the daily run's own cap
    assert not is_incomplete(tags, {"complete": False, "request": {"max_pages": 10}})
    assert is_incomplete(tags, {"complete": False, "request": {"max_pages": 2}})
    assert is_incomplete(genres, {"complete": False, "request": {"max_pages": 1}})
    # game_details left games to the backlog, which later days take: not a gap
    assert not is_incomplete(details, {"complete": False})


def test_a_backfill_snapshot_covers_its_range_and_a_daily_one_its_day() -> None:
    genres = REGISTRY["genres"]
    committed = [Partition(d(2)), Partition(d(9), covers_from=d(5))]
    found = find_gaps(genres, days(1, 10), committed)
    assert found.missing == [d(1), d(3), d(4), d(10)]
    assert found.incomplete == []
    # an incomplete backfill snapshot covers nothing but is its own day's incomplete partition
    found = find_gaps(genres, days(5, 9), [Partition(d(9), incomplete=True, covers_from=d(5))])
    assert found.missing == days(5, 8) and found.incomplete == [d(9)]
    # covers_from means nothing for a per-day endpoint
    games = find_gaps(REGISTRY["games"], days(5, 9), [Partition(d(9), covers_from=d(5))])
    assert games.missing == days(5, 8)


def test_fills_group_per_day_endpoints_and_let_snapshots_ride_along() -> None:
    gaps = [
        EndpointGaps("games", [d(1), d(2), d(3), d(8)], []),
        EndpointGaps("game_details", [d(1), d(2), d(3)], [d(4)]),
        EndpointGaps("genres", [d(2), d(3), d(20)], []),
        EndpointGaps("tags", [d(20)], []),
    ]
    found = [(f.range, f.endpoints) for f in fills(gaps)]
    assert found == [
        (DayRange(d(1), d(3)), ("games", "game_details", "genres")),  # genres 2-3 rides along
        (DayRange(d(4), d(4)), ("game_details",)),
        (DayRange(d(8), d(8)), ("games",)),
        (DayRange(d(20), d(20)), ("genres", "tags")),  # one backfill, one snapshot each
    ]


def test_commands_split_argo_workflows_at_the_workflow_limit() -> None:
    fill = fills([EndpointGaps("games", [d(1, 1) + dt.timedelta(days=i) for i in range(400)], [])])
    lines = commands_for(fill[0], template="game-market-backfill", max_days=366)
    assert lines[0] == "gmp backfill --start 2024-01-01 --end 2025-02-03 --endpoints games"
    assert lines[1:] == [
        "argo submit --from workflowtemplate/game-market-backfill -p start_date=2024-01-01 "
        "-p end_date=2024-12-31 -p endpoints=games",
        "argo submit --from workflowtemplate/game-market-backfill -p start_date=2025-01-01 "
        "-p end_date=2025-02-03 -p endpoints=games",
    ]
    assert chunked(DayRange(d(1), d(1)), 366) == [DayRange(d(1), d(1))]


# -- the command, on a lake with holes ----------------------------------------------------------


def extract(gmp: Gmp, endpoint: str, day: str, *extra: str) -> None:
    result = gmp("extract", endpoint, "--run-date", day, *extra)
    assert result.code == 0, result.stderr


@pytest.fixture
def holed(gmp: Gmp) -> Gmp:
    """games: 05-01, 02, 04, 06 committed, 03 missing, 05 incomplete (one page of three);
    genres: 05-02..03 by a backfill's snapshot (covers_from), 05-05 by a daily one."""
    for day in ("2024-05-01", "2024-05-02", "2024-05-04", "2024-05-06"):
        extract(gmp, "games", day)
    extract(gmp, "games", "2024-05-05", "--max-pages", "1")
    extract(gmp, "genres", "2024-05-03", "--covers-from", "2024-05-02")
    extract(gmp, "genres", "2024-05-05")
    return gmp


def test_gaps_lists_exactly_the_holes_and_the_backfills_that_fill_them(holed: Gmp) -> None:
    gmp = holed
    assert gmp.manifest("genres", "2024-05-03")["covers_from"] == "2024-05-02"  # type: ignore[index]
    assert "covers_from" not in gmp.manifest("genres", "2024-05-05")  # type: ignore[operator]
    args = ("gaps", "--start", "2024-05-01", "--end", "2024-05-06", "--endpoints", "games,genres")
    result = gmp(*args, "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["gap_days"] == 5
    games, genres = data["endpoints"]["games"], data["endpoints"]["genres"]
    assert games["missing"] == [{"start": "2024-05-03", "end": "2024-05-03", "days": 1}]
    assert games["incomplete"] == [{"start": "2024-05-05", "end": "2024-05-05", "days": 1}]
    assert [(r["start"], r["end"]) for r in genres["missing"]] == [
        ("2024-05-01", "2024-05-01"),
        ("2024-05-04", "2024-05-04"),
        ("2024-05-06", "2024-05-06"),
    ]
    assert genres["incomplete"] == []
    assert [(f["start"], f["endpoints"]) for f in data["fills"]] == [
        ("2024-05-01", ["genres"]),
        ("2024-05-03", ["games"]),
        ("2024-05-04", ["genres"]),
        ("2024-05-05", ["games"]),
        ("2024-05-06", ["genres"]),
    ]

    text = gmp(*args)
    assert text.code == 0, text.stderr
    assert "games: missing 2024-05-03; incomplete 2024-05-05" in text.stdout
    assert (
        "argo submit --from workflowtemplate/game-market-backfill -p start_date=2024-05-03 "
        "-p end_date=2024-05-03 -p endpoints=games" in text.stdout
    )
    checked = gmp(*args, "--check")
    assert checked.code == 1 and "gmp: error" not in checked.stderr
    shown = result.stdout + text.stdout + checked.stdout + checked.stderr
    assert CANARY_KEY not in shown and gmp.s3.secret_key not in shown

    # The printed fills, run as printed (the extract each backfill day runs), close every gap.
    for fill in data["fills"]:
        words = shlex.split(fill["commands"][0])
        assert words[:2] == ["gmp", "backfill"]
        for endpoint in fill["endpoints"]:
            extra = ("--covers-from", fill["start"]) if endpoint == "genres" else ()
            extract(gmp, endpoint, fill["end"], *extra)
    assert gmp(*args, "--check").code == 0


def test_gaps_counts_a_later_backfill_snapshot_beyond_the_range(gmp: Gmp) -> None:
    extract(gmp, "genres", "2024-05-10", "--covers-from", "2024-05-01")
    result = gmp("gaps", "--start", "2024-05-02", "--end", "2024-05-04", "--endpoints", "genres")
    assert result.code == 0 and "genres: none" in result.stdout and "no gaps" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--start", "2024-13-01", "--end", "2024-05-02"), "not a real calendar date"),
        (("--start", "2024-05-03", "--end", "2024-05-02"), "is before start date"),
        (("--start", "2024-05-01", "--end", "2999-01-01"), "is not in the past"),
        (("--start", "2024-05-01", "--end", "2024-05-02", "--endpoints", "gamez"), "unknown"),
    ],
)
def test_gaps_refuses_bad_input_in_one_line(gmp: Gmp, args: tuple[str, ...], says: str) -> None:
    result = gmp("gaps", *args, "--check")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gmp: error:") and says in lines[0]


def test_gaps_without_a_bucket_is_exit_2_in_one_line(gmp: Gmp) -> None:
    result = gmp("gaps", "--start", "2024-05-01", "--end", "2024-05-02", LAKE_BUCKET="")
    assert result.code == 2 and result.stderr.startswith("gmp: error: LAKE_BUCKET is not set")


def test_covers_from_is_for_snapshots_and_not_after_the_run_date(gmp: Gmp) -> None:
    wrong = gmp("extract", "games", "--run-date", "2024-05-02", "--covers-from", "2024-05-01")
    assert wrong.code == 2 and "snapshot endpoints" in wrong.stderr
    late = gmp("extract", "genres", "--run-date", "2024-05-02", "--covers-from", "2024-05-03")
    assert late.code == 2 and "after the run date" in late.stderr
    # one backfill workflow covers at most 366 days: so does its snapshot (gmp gaps looks no
    # further ahead than that)
    wide = gmp("extract", "genres", "--run-date", "2024-05-02", "--covers-from", "2023-05-01")
    assert wide.code == 2 and "more than 366 days" in wide.stderr
    assert gmp.list_keys("genres/") == []


# -- gmp status: a snapshot a backfill took on its last day ------------------------------------


def test_a_partition_covers_its_day_and_a_backfill_snapshot_its_range() -> None:
    daily, backfill = Partition(d(4)), Partition(d(5), covers_from=d(1))
    assert daily.covers(d(4)) and not daily.covers(d(3)) and not daily.covers(d(5))
    assert [backfill.covers(day) for day in (d(30, 4), d(1), d(3), d(5), d(6))] == [
        False, True, True, True, False,
    ]  # fmt: skip
    assert not Partition(d(5), incomplete=True, covers_from=d(1)).covers(d(3))


def status(gmp: Gmp, day: str, endpoints: str) -> tuple[int, dict[str, str]]:
    """The exit code and each endpoint's `committed` cell of `gmp status`."""
    result = gmp("status", "--run-date", day, "--endpoints", endpoints, COLUMNS="80")
    assert result.code in (0, 1), result.stderr
    cells = {}
    for line in result.stdout.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) > 2 and parts[1] in endpoints.split(","):
            cells[parts[1]] = parts[2]
    assert set(cells) == set(endpoints.split(",")), result.stdout
    return result.code, cells


def test_status_counts_a_day_a_later_backfill_snapshot_covers(gmp: Gmp) -> None:
    """A backfill of 05-01..05-05 took genres once, on 05-05 (covers_from 05-01); a daily run
    took genres on 05-03 too. Status of the middle days is committed, and says by which."""
    extract(gmp, "genres", "2024-05-03")
    extract(gmp, "genres", "2024-05-05", "--covers-from", "2024-05-01")
    extract(gmp, "games", "2024-05-02")
    assert status(gmp, "2024-05-02", "games,genres") == (
        0, {"games": "yes", "genres": "covered by 2024-05-05"},
    )  # fmt: skip
    assert status(gmp, "2024-05-04", "genres") == (0, {"genres": "covered by 2024-05-05"})
    assert status(gmp, "2024-05-03", "genres") == (0, {"genres": "yes"})  # its own partition
    assert status(gmp, "2024-05-05", "genres") == (0, {"genres": "yes"})
    # outside the range, or another endpoint the backfill did not take: not committed
    assert status(gmp, "2024-04-30", "genres") == (1, {"genres": "no"})
    assert status(gmp, "2024-05-06", "genres") == (1, {"genres": "no"})
    assert status(gmp, "2024-05-02", "genres,tags") == (
        1, {"genres": "covered by 2024-05-05", "tags": "no"},
    )  # fmt: skip
    assert status(gmp, "2024-05-03", "games") == (1, {"games": "no"})  # per-day: never covered

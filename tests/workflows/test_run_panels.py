"""A backfill takes the market panel once, on its last day, and the release calendar every day:
`gmp backfill` through the rendered YAML and the local runner, real gmp, SeaweedFS, the stand-in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from devstack.standin import StandinServer
from gmp.endpoints import PANEL_ENDPOINTS
from tests.conftest import Gmp


def test_a_backfill_takes_the_panels_once_on_its_last_day_and_the_releases_every_day(
    gmp: Gmp, standin: StandinServer, tmp_path: Path
) -> None:
    first = dt.date(2024, 5, 1)
    dates = [(first + dt.timedelta(days=n)).isoformat() for n in range(3)]
    endpoints = ",".join(("games", "games_released", *PANEL_ENDPOINTS))
    sizes = {"GMP_POPULAR_GAMES": "80", "GMP_RISING_GAMES": "40", "GMP_UPCOMING_GAMES": "40"}

    def backfill() -> dict:  # type: ignore[type-arg]
        result = gmp(
            "backfill", "--start", dates[0], "--end", dates[-1], "--parallelism", "2",
            "--endpoints", endpoints, "--json", "--logs", str(tmp_path / "logs"),
            timeout=900, **sizes,
        )  # fmt: skip
        data = json.loads(result.stdout.strip().splitlines()[-1])
        assert result.code == 0, (data["failed"], result.stderr[-3000:])
        return data  # type: ignore[no-any-return]

    backfill()
    for day in dates:
        released = gmp.manifest("games_released", day)
        assert released is not None, day  # per day, like games
        assert released["request"]["windows"][0]["params"] == {"dates": f"{day},{day}"}
        for panel in PANEL_ENDPOINTS:
            manifest = gmp.manifest(panel, day)
            if day != dates[-1]:
                assert manifest is None, (panel, day)  # not per day
                continue
            assert manifest is not None and manifest["covers_from"] == dates[0]
    popular = gmp.manifest("games_popular", dates[-1])
    assert (popular["page_count"], popular["request"]["size"]) == (2, 80)
    pages = [
        r
        for r in standin.requests
        if r.params.get("ordering") == "-added" and r.params.get("page_size") == "40"
    ]
    assert len(pages) == 2 + 1 + 1  # each panel once: its pages, nothing per day
    # The range is whole: `gmp gaps` finds nothing, and a second backfill asks RAWG nothing.
    gaps = gmp("gaps", "--start", dates[0], "--end", dates[-1], "--endpoints", endpoints, "--json")
    assert gaps.code == 0 and all(g["gap_days"] == 0 for g in gaps.json()["endpoints"].values()), (
        gaps.stdout
    )
    standin.reset_requests()
    backfill()
    assert not [r for r in standin.requests if r.path.startswith("/games")]

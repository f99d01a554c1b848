"""A dev warehouse of two days of the market (the daily set with the panels, the release
calendar and details), a day apart with a day not extracted between them, and its report
written by `gmp report`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.catalogue import CatalogueConfig
from devstack.s3server import S3Credentials
from devstack.standin import StandinServer
from tests.conftest import Gmp, Result
from tests.warehouse.dev_helpers import extract, extract_details, lake_gmp, transformed

RUN_DATE = "2024-05-03"
MISSING = "2024-05-02"  # inside the window, never extracted: marked, not drawn as 0
DAYS = ("2024-05-01", RUN_DATE)
WINDOW = 3
# The market panels and the day's lists; genres and platforms name the groups.
LISTS = ("games", "games_released", "games_popular", "games_rising", "games_upcoming")
SNAPSHOTS = ("genres", "platforms")
# Small panels keep the fixture quick; every chart still has games to draw.
PANELS = {
    "GMP_POPULAR_GAMES": "80",
    "GMP_RISING_GAMES": "80",
    "GMP_UPCOMING_GAMES": "40",
    "GMP_DETAILS_MAX_PER_DAY": "120",
}
CATALOGUE = CatalogueConfig(catalogue_size=3_000, games_per_day=60)


@dataclass
class Reported:
    gmp: Gmp
    db: Path
    out: Path
    result: Result

    @property
    def page(self) -> Path:
        return self.out / "index.html"


@pytest.fixture(scope="module")
def reported(
    s3: S3Credentials, s3_client: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reported]:
    standin = StandinServer(CATALOGUE).start()
    work = tmp_path_factory.mktemp("report")
    db = work / "warehouse.duckdb"
    gmp = lake_gmp(s3, s3_client, "t/report/raw/rawg", standin.url, DUCKDB_PATH=str(db), **PANELS)
    try:
        for day in DAYS:  # the stand-in's market as of each day: the panels move
            standin.today = dt.date.fromisoformat(day)
            extract(gmp, (day,), LISTS + SNAPSHOTS)
            extract_details(gmp, (day,))  # reads the day's panels and games
        transformed(gmp, "--start", DAYS[0], "--end", DAYS[-1])  # one dbt build
        out = work / "out"
        result = gmp("report", "--run-date", RUN_DATE, "--days", str(WINDOW), "--out", str(out))
        yield Reported(gmp, db, out, result)
    finally:
        standin.stop()

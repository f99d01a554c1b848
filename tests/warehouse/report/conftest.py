"""A dev warehouse of three days spread over a month, with its report written by `gmp report`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.catalogue import CatalogueConfig
from devstack.s3server import S3Credentials
from devstack.standin import StandinServer
from tests.conftest import Gmp, Result
from tests.warehouse.dev_helpers import extract, lake_gmp, transformed

RUN_DATE = "2024-05-01"
# Spread over the window so `added` moves between snapshots; a small catalogue so that the
# days share games (movers need an earlier snapshot of the same game).
DAYS = ("2024-04-03", "2024-04-17", RUN_DATE)
WINDOW = 30
CATALOGUE = CatalogueConfig(catalogue_size=200, games_per_day=80)


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
    gmp = lake_gmp(s3, s3_client, "t/report/raw/rawg", standin.url, DUCKDB_PATH=str(db))
    try:
        extract(gmp, DAYS, ("games",))
        extract(gmp, DAYS, ("game_details", "genres", "platforms"))  # details read the games
        transformed(gmp, "--start", DAYS[0], "--end", DAYS[-1])  # one dbt build
        out = work / "out"
        result = gmp("report", "--run-date", RUN_DATE, "--days", str(WINDOW), "--out", str(out))
        yield Reported(gmp, db, out, result)
    finally:
        standin.stop()

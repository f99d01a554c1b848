"""What the game_details tests share: reading a day's games and details back from the lake."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from devstack.catalogue_details import missing
from devstack.standin import StandinServer
from extractor.layout import PAGE_RE
from tests.conftest import Gmp


def popular_first(gmp: Gmp, day: str) -> list[int]:
    """The ids of the day's committed games partition, most `added` first (then id)."""
    games = [g for page in gmp.pages("games", day) for g in page["results"]]
    return [g["id"] for g in sorted(games, key=lambda g: (-g["added"], g["id"]))]


def landed(gmp: Gmp, day: str) -> list[int]:
    """The ids of the day's game_details bodies, in page order."""
    return [g["id"] for page in gmp.pages("game_details", day) for g in page["results"]]


def gone(standin: StandinServer, ids: list[int]) -> list[int]:
    """The ids the stand-in answers 404 for (deterministic, ~1 %)."""
    return [i for i in ids if missing(standin.catalogue.config.seed, i)]


def extract(gmp: Gmp, endpoint: str, day: str, **env: str) -> dict[str, Any]:
    result = gmp("extract", endpoint, "--run-date", day, **env)
    assert result.code == 0, result.stderr[-2000:]
    return result.json()


def day_with_a_missing_game(standin: StandinServer, first: dt.date) -> str:
    """A run date whose games list shows at least one game whose detail answers 404."""
    for offset in range(60):
        day = first + dt.timedelta(days=offset)
        if gone(standin, list(standin.catalogue.game_ids_updated_on(day))):
            return day.isoformat()
    raise AssertionError("no day with a missing game")


def whole_commit(gmp: Gmp, endpoint: str, day: str) -> dict[str, Any]:
    """The partition's manifest, checked: every page it lists is there with its size and
    sha256, and no other page is."""
    manifest = gmp.manifest(endpoint, day)
    assert manifest is not None, f"{endpoint} {day} not committed"
    listed = set()
    for entry in manifest["pages"]:
        body = gmp.read(entry["key"])
        assert len(body) == entry["bytes"] and hashlib.sha256(body).hexdigest() == entry["sha256"]
        listed.add(entry["key"])
    on_disk = {k for k in gmp.list_keys(gmp.partition(endpoint, day)) if PAGE_RE.search(k)}
    assert on_disk == listed, "pages outside the manifest"
    return manifest


def asked(gmp: Gmp, on: str) -> set[int]:
    """Every id the day's details asked RAWG for (404s included), its partition checked whole."""
    manifest = whole_commit(gmp, "game_details", on)
    return set(manifest["game_ids"]) | set(manifest["not_found"])

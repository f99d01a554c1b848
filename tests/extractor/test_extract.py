"""Extraction end to end: real `gmp extract`, real SeaweedFS, the RAWG stand-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gmp.endpoints import PAGE_SIZE, REGISTRY, Mode
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

DAY = dt.date.fromisoformat(RUN_DATE)


def game_ids(pages: list[dict]) -> list[int]:
    return [item["id"] for page in pages for item in page["results"]]


@pytest.mark.parametrize("endpoint", sorted(REGISTRY))
def test_every_endpoint_lands_a_committed_partition(gmp: Gmp, standin, endpoint: str) -> None:
    if REGISTRY[endpoint].mode is Mode.DETAIL:  # reads the day's committed games
        assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    result = gmp("extract", endpoint, "--run-date", RUN_DATE)
    assert result.code == 0, result.stderr
    manifest = gmp.manifest(endpoint)
    assert manifest is not None
    pages = gmp.pages(endpoint)
    if endpoint == "games":
        expected = list(standin.catalogue.game_ids_updated_on(DAY))
        assert sorted(game_ids(pages)) == expected
    elif endpoint == "game_details":
        listed = set(standin.catalogue.game_ids_updated_on(DAY))
        assert set(game_ids(pages)) | set(manifest["not_found"]) == listed
    elif (
        REGISTRY[endpoint].path == "/games"
    ):  # the panels and games_released: tests/extractor/test_panels.py
        assert manifest["record_count"] == min(
            manifest["reported_count"], manifest["page_count"] * PAGE_SIZE
        )
    else:
        rows = len(standin.catalogue.taxonomy(endpoint))
        cap = REGISTRY[endpoint].max_pages
        assert manifest["record_count"] == min(rows, (cap or 10**9) * PAGE_SIZE)
        assert manifest["complete"] == (cap is None or rows <= cap * PAGE_SIZE)
    assert manifest["record_count"] == sum(len(p["results"]) for p in pages)
    assert manifest["page_count"] == len(pages) == len(manifest["pages"])
    assert manifest["endpoint"] == endpoint and manifest["run_date"] == RUN_DATE
    assert result.json()["records"] == manifest["record_count"]
    for page in pages:  # the key is gone from the links, the rest of the link is intact
        for link in (page["next"], page["previous"]):
            assert link is None or ("key=" not in link and "/api/" in link)


@pytest.mark.parametrize(("games", "pages"), [(0, 1), (1, 1), (40, 1), (41, 2), (80, 2), (81, 3)])
def test_pagination_edges(gmp: Gmp, standin_factory, games: int, pages: int) -> None:
    gmp.point_at(standin_factory(games))
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    manifest = gmp.manifest("games")
    assert (manifest["page_count"], manifest["record_count"]) == (pages, games)
    assert len(set(game_ids(gmp.pages("games")))) == games
    assert manifest["complete"] is True


def test_a_day_exactly_at_the_page_cap_needs_no_split(gmp: Gmp, standin_factory) -> None:
    server = standin_factory(3 * PAGE_SIZE, page_cap=3)
    gmp.point_at(server)
    assert gmp("extract", "games", "--run-date", RUN_DATE, GMP_PAGE_CAP="3").code == 0
    manifest = gmp.manifest("games")
    assert manifest["page_count"] == 3
    assert len(manifest["request"]["windows"]) == 1
    assert len(server.requests) == 3


def test_a_day_over_the_page_cap_is_split_by_release_date(gmp: Gmp, standin_factory) -> None:
    server = standin_factory(7 * PAGE_SIZE + 5, page_cap=3, tba_share=0.0)
    gmp.point_at(server)
    assert gmp("extract", "games", "--run-date", RUN_DATE, GMP_PAGE_CAP="3").code == 0
    manifest = gmp.manifest("games")
    ids = game_ids(gmp.pages("games"))
    assert sorted(ids) == list(server.catalogue.game_ids_updated_on(DAY))  # all, once each
    windows = manifest["request"]["windows"]
    assert len(windows) >= 3 and all("dates" in w["params"] for w in windows)
    assert all(w["pages"] <= 3 for w in windows)
    assert manifest["record_count"] == manifest["reported_count"] == 7 * PAGE_SIZE + 5


def test_a_day_that_cannot_be_reached_whole_is_refused_before_paging(
    gmp: Gmp, standin_factory
) -> None:
    server = standin_factory(7 * PAGE_SIZE + 5, page_cap=3, tba_share=0.2)
    gmp.point_at(server)
    result = gmp("extract", "games", "--run-date", RUN_DATE, GMP_PAGE_CAP="3")
    assert result.code == 5  # Refused: Argo and the runner never retry it
    undated = sum(
        1
        for game_id in server.catalogue.game_ids_updated_on(DAY)
        if server.catalogue.released_ordinals()[game_id - 1] == 0
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("gmp: ")]
    assert len(lines) == 1
    assert f"{undated} of its {7 * PAGE_SIZE + 5} games cannot be fetched" in lines[0]
    assert "GMP_PAGE_CAP" in lines[0] and "Retrying cannot fix it" in lines[0]
    # Only counts were spent: page 1 of the day and of each window, no window paged further.
    assert {r.params["page"] for r in server.requests} == {"1"}
    assert f"spent {len(server.requests)} requests" in lines[0]
    # Nothing committed, nothing left staged; the quota ledger records what the refusal spent.
    (ledger,) = gmp.list_keys("_ledger/")
    assert gmp.list_keys() == [ledger]
    assert json.loads(gmp.read(ledger))["entries"][0]["requests"] == len(server.requests)


def test_rerun_replaces_the_partition_and_drops_stale_pages(gmp: Gmp, standin_factory) -> None:
    gmp.point_at(standin_factory(3 * PAGE_SIZE + 1))
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    assert gmp.manifest("games")["page_count"] == 4
    gmp.point_at(standin_factory(PAGE_SIZE + 1))
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    keys = gmp.list_keys("games/")
    assert [k.rsplit("/", 1)[1] for k in keys] == [
        "_manifest.json",
        "page-00001.json",
        "page-00002.json",
    ]
    assert gmp.manifest("games")["record_count"] == PAGE_SIZE + 1
    assert gmp.list_keys("_incoming/") == []


def test_three_reruns_give_identical_bytes(gmp: Gmp) -> None:
    snapshots = []
    for _ in range(3):
        assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
        pages = {k: gmp.read(k) for k in gmp.list_keys("games/") if "page-" in k}
        manifest = gmp.manifest("games")
        for stamp in ("started_at", "finished_at", "run_id"):
            manifest.pop(stamp)
        snapshots.append((pages, manifest))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert len(snapshots[0][0]) == 3


def test_manifest_describes_every_page(gmp: Gmp) -> None:
    import hashlib

    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    manifest = gmp.manifest("games")
    for entry in manifest["pages"]:
        body = gmp.read(entry["key"])
        assert entry["bytes"] == len(body)
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()
        assert CANARY_KEY.encode() not in body
    assert manifest["request"]["windows"][0]["params"] == {"updated": f"{RUN_DATE},{RUN_DATE}"}
    assert manifest["request"]["page_size"] == PAGE_SIZE
    assert manifest["extractor_version"]

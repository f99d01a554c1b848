"""The stand-in's `GET /games/{id}`: the list's game with RAWG's detail-only fields, and 404s."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from devstack.catalogue import CatalogueConfig
from devstack.standin import Fault, RecordedRequest, StandinServer

DAY = date(2024, 3, 14)
KEY = "test-key-0123"
COMPANY_FIELDS = ["id", "name", "slug", "games_count", "image_background"]
# List fields RAWG's detail (GameSingle, api.rawg.io/docs) does not carry, or carries reshaped.
RESHAPED = {"short_screenshots", "platforms", "stores"}


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer(CatalogueConfig(games_per_day=300, catalogue_size=3000)) as standin:
        yield standin


@pytest.fixture
def standin(server: StandinServer) -> Iterator[StandinServer]:
    server.clear_faults()
    server.reset_requests()
    server.api.today = DAY
    yield server
    server.api.today = None


@pytest.fixture
def client(standin: StandinServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.url, timeout=5) as http:
        yield http


def listed(client: httpx.Client, day: date = DAY) -> list[dict[str, Any]]:
    params = {"key": KEY, "updated": f"{day},{day}", "page_size": 40}
    page = client.get("/games", params=params).json()
    games: list[dict[str, Any]] = page["results"]
    while page["next"]:
        page = client.get(page["next"]).json()
        games += page["results"]
    return games


def detail(client: httpx.Client, ident: int | str) -> httpx.Response:
    return client.get(f"/games/{ident}", params={"key": KEY})


def test_a_detail_is_the_listed_game_with_the_detail_fields(client: httpx.Client) -> None:
    games = listed(client)
    found = 0
    for game in games:
        response = detail(client, game["id"])
        if response.status_code == 404:
            continue
        found += 1
        body = response.json()
        assert (
            response.content == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        )
        # Shown as of its latest update on or before "today" (DAY): the day it was listed.
        for name in set(game) - RESHAPED:
            assert body[name] == game[name], name
        assert "short_screenshots" not in body
        assert [p["platform"] for p in body["platforms"]] == [
            p["platform"] for p in game["platforms"]
        ]
        assert all(set(p) == {"platform", "released_at", "requirements"} for p in body["platforms"])
        assert [s["id"] for s in body["stores"]] == [s["id"] for s in game["stores"]]
        for link in body["stores"]:
            assert list(link) == ["id", "url", "store"]
            assert link["url"].startswith(f"https://{link['store']['domain']}/")
        assert body["name_original"] == game["name"]
        assert body["description"].startswith("<p>") and body["description_raw"]
        assert "<p>" not in body["description_raw"]
        assert body["website"] == "" or body["website"].startswith("https://")
        for company in body["developers"] + body["publishers"]:
            assert list(company) == COMPANY_FIELDS
        assert list(body)[-1] == "description_raw"  # RAWG's key order
    assert found >= 0.95 * len(games)


def test_companies_come_from_the_shared_pools_and_are_shared_across_games(
    standin: StandinServer, client: httpx.Client
) -> None:
    developers: Counter[int] = Counter()
    publishers: Counter[int] = Counter()
    pools = {
        "developers": {d["id"]: d for d in standin.catalogue.taxonomy("developers")},
        "publishers": {p["id"]: p for p in standin.catalogue.taxonomy("publishers")},
    }
    for game in listed(client)[:120]:
        response = detail(client, game["id"])
        if response.status_code != 200:
            continue
        body = response.json()
        for kind, counter in (("developers", developers), ("publishers", publishers)):
            for company in body[kind]:
                pooled = pools[kind][company["id"]]  # the /developers, /publishers list item
                assert {k: pooled[k] for k in COMPANY_FIELDS} == company
                counter[company["id"]] += 1
    assert developers.most_common(1)[0][1] >= 3  # a prolific company has several games
    assert publishers.most_common(1)[0][1] >= 3
    assert len(developers) >= 10 and len(publishers) >= 10


def test_a_few_listed_ids_answer_404_not_found_deterministically(
    standin: StandinServer, client: httpx.Client
) -> None:
    ids = [g["id"] for g in listed(client)]
    missing = [i for i in ids if detail(client, i).status_code == 404]
    assert 0 < len(missing) <= 0.05 * len(ids)  # ~1 %
    again = [i for i in ids if detail(client, i).status_code == 404]
    assert again == missing
    response = detail(client, missing[0])
    assert response.json() == {"detail": "Not found."}
    assert detail(client, 10**7).status_code == 404  # outside the catalogue
    assert detail(client, "no-such-game").status_code == 404
    statuses = [r.status for r in standin.requests if r.path == f"/games/{missing[0]}"]
    assert statuses == [404, 404, 404]  # recorded like every route


def test_a_slug_reaches_the_same_detail(client: httpx.Client) -> None:
    game = next(g for g in listed(client) if detail(client, g["id"]).status_code == 200)
    assert detail(client, game["slug"]).content == detail(client, game["id"]).content
    assert detail(client, game["slug"] + "x").status_code == 404


def test_the_detail_shows_the_latest_update_up_to_today(
    standin: StandinServer, client: httpx.Client
) -> None:
    game = next(g for g in listed(client) if detail(client, g["id"]).status_code == 200)
    standin.api.today = DAY + timedelta(days=400)
    later = detail(client, game["id"]).json()
    latest = standin.catalogue.last_updated(game["id"], standin.api.today)
    assert DAY < latest <= standin.api.today
    assert later["updated"].startswith(latest.isoformat())
    assert later["added"] >= game["added"]
    assert later["developers"] == detail_on(standin, client, game["id"], DAY)["developers"]


def detail_on(standin: StandinServer, client: httpx.Client, game_id: int, day: date) -> Any:
    standin.api.today = day
    return detail(client, game_id).json()


def test_faults_and_the_key_apply_to_details_as_to_lists(
    standin: StandinServer, client: httpx.Client
) -> None:
    game = next(g for g in listed(client) if detail(client, g["id"]).status_code == 200)
    standin.reset_requests()
    standin.add_fault(Fault("503", path="/games/*", times=2))
    assert client.get("/games", params={"key": KEY}).status_code == 200  # the list: untouched
    assert [detail(client, game["id"]).status_code for _ in range(3)] == [503, 503, 200]
    standin.add_fault(Fault("401", path=f"/games/{game['id']}"))
    assert detail(client, game["id"]).status_code == 401
    assert client.get(f"/games/{game['id']}").status_code == 401  # no key
    assert standin.requests[1] == RecordedRequest(f"/games/{game['id']}", {}, 503)

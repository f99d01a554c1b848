"""Tests of the RAWG stand-in as a client sees it: a real server on a free loopback port."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.standin import Fault, RecordedRequest, StandinServer
from devstack.standin_pages import RawgApi

DAY = date(2024, 3, 14)
DAY_RANGE = f"{DAY},{DAY}"
KEY = "test-key-0123"
GAME_FIELDS = {
    "id", "slug", "name", "released", "tba", "background_image", "rating", "rating_top",
    "ratings", "ratings_count", "reviews_text_count", "added", "added_by_status", "metacritic",
    "playtime", "suggestions_count", "updated", "user_game", "reviews_count", "saturated_color",
    "dominant_color", "platforms", "parent_platforms", "genres", "stores", "clip", "tags",
    "esrb_rating", "short_screenshots",
}  # fmt: skip
RATING_TITLES = {"exceptional", "recommended", "meh", "skip"}
STATUSES = {"yet", "owned", "beaten", "toplay", "dropped", "playing"}
ESRB_NAMES = {"Everyone", "Everyone 10+", "Teen", "Mature", "Adults Only", "Rating Pending"}
PLATFORM_ENTRY_FIELDS = {"platform", "released_at", "requirements_en", "requirements_ru"}
CREATOR_FIELDS = {
    "id", "name", "slug", "image", "image_background", "games_count", "positions", "games",
}  # fmt: skip
GENRES = {
    "Action", "Indie", "Adventure", "RPG", "Strategy", "Shooter", "Casual", "Simulation",
    "Puzzle", "Arcade", "Platformer", "Massively Multiplayer", "Racing", "Sports", "Fighting",
    "Family", "Board Games", "Educational", "Card",
}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer(CatalogueConfig(games_per_day=120, tba_share=0.2)) as standin:
        yield standin


@pytest.fixture
def standin(server: StandinServer) -> StandinServer:
    server.clear_faults()
    server.reset_requests()
    server.latency_s = 0.0
    return server


@pytest.fixture
def client(standin: StandinServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.url, timeout=5) as http:
        yield http


def get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return client.get(path, params={"key": KEY, **params})


def all_games(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Follow `next` links from page 1 to the end."""
    page = get(client, "/games", page_size=40, **params).json()
    games = list(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        games += page["results"]
    return games


# --- envelope and pagination -------------------------------------------------------------


def test_envelope_caps_page_size_at_40_and_counts_the_day(
    standin: StandinServer, client: httpx.Client
) -> None:
    response = get(client, "/games", updated=DAY_RANGE, page_size=100)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert len(body["results"]) == 40
    assert body["count"] == len(standin.catalogue.game_ids_updated_on(DAY)) == 120
    assert body["previous"] is None
    assert parse_qs(urlsplit(body["next"]).query)["page_size"] == ["100"]  # as requested
    assert len(get(client, "/games", updated=DAY_RANGE).json()["results"]) == 20  # default


def test_walking_next_visits_every_game_of_the_day_once(
    standin: StandinServer, client: httpx.Client
) -> None:
    games = all_games(client, updated=DAY_RANGE)
    assert [g["id"] for g in games] == list(standin.catalogue.game_ids_updated_on(DAY))
    assert all(g["updated"].startswith(f"{DAY}T") for g in games)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", g["updated"]) for g in games)


def test_next_and_previous_embed_the_key_and_change_only_the_page(client: httpx.Client) -> None:
    page2 = get(client, "/games", updated=DAY_RANGE, page_size=40, page=2, ordering="-updated")
    body = page2.json()
    asked = parse_qs(urlsplit(str(page2.request.url)).query)
    for link, page in ((body["next"], ["3"]), (body["previous"], None)):
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{client.base_url}games"
        query = parse_qs(parts.query)
        assert query["key"] == [KEY]
        assert query.get("page") == page  # DRF drops `page` from the link back to page 1
        assert {k: v for k, v in query.items() if k != "page"} == {
            k: v for k, v in asked.items() if k != "page"
        }
    assert "updated=2024-03-14%2C2024-03-14" in body["next"]
    assert parse_qs(urlsplit(client.get(body["next"]).json()["previous"]).query)["page"] == ["2"]


@pytest.mark.parametrize("page", ["4", "0", "-1", "abc", "2.0"])
def test_pages_past_the_end_or_not_numbers_are_invalid(client: httpx.Client, page: str) -> None:
    response = get(client, "/games", updated=DAY_RANGE, page_size=40, page=page)
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


def test_pages_past_the_page_cap_are_invalid_but_count_is_complete() -> None:
    with (
        StandinServer(CatalogueConfig(games_per_day=200), page_cap=2) as capped,
        httpx.Client(base_url=capped.url, timeout=5) as http,
    ):
        page2 = get(http, "/games", updated=DAY_RANGE, page=2)
        assert page2.status_code == 200
        assert page2.json()["count"] == 200
        assert page2.json()["next"] is not None  # RAWG still links on: a naive walker hits 404
        refused = get(http, "/games", updated=DAY_RANGE, page=3)
        assert (refused.status_code, refused.json()) == (404, {"detail": "Invalid page."})


def test_an_empty_result_is_an_empty_page_one(client: httpx.Client) -> None:
    params = {"updated": DAY_RANGE, "dates": "1900-01-01,1900-12-31"}
    body = get(client, "/games", **params).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert get(client, "/games", page=2, **params).status_code == 404


def test_a_day_without_games_is_empty() -> None:
    with (
        StandinServer(CatalogueConfig(games_per_day=0)) as empty,
        httpx.Client(base_url=empty.url, timeout=5) as http,
    ):
        assert get(http, "/games", updated=DAY_RANGE).json()["results"] == []


def test_updated_range_lists_each_game_once_in_its_latest_state(
    standin: StandinServer, client: httpx.Client
) -> None:
    days = [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    games = all_games(client, updated=f"{days[0]},{days[-1]}")
    latest = {}
    for day in days:
        latest.update(dict.fromkeys(standin.catalogue.game_ids_updated_on(day), str(day)))
    assert [g["id"] for g in games] == sorted(latest)
    assert all(g["updated"][:10] == latest[g["id"]] for g in games)


def test_dates_filter_excludes_tba_games(standin: StandinServer, client: httpx.Client) -> None:
    day_ids = standin.catalogue.game_ids_updated_on(DAY)
    dated = [i for i in day_ids if standin.catalogue.released_on(i) is not None]
    assert 0 < len(dated) < len(day_ids)
    games = all_games(client, updated=DAY_RANGE, dates="1900-01-01,2100-12-31")
    assert [g["id"] for g in games] == dated
    ranges = "1990-01-01,1999-12-31.2010-01-01,2014-12-31"
    some = all_games(client, updated=DAY_RANGE, dates=ranges)
    assert some, "the catalogue should have games released in those ranges"
    years = {int(g["released"][:4]) for g in some}
    assert all(1990 <= y <= 1999 or 2010 <= y <= 2014 for y in years)


def test_bodies_are_compact_utf8_json_like_drf(client: httpx.Client) -> None:
    for path in ("/games", "/tags", "/creators", "/publishers"):
        body = get(client, path, page_size=40).content
        rendered = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
        assert body == rendered.encode("utf-8")
    assert "Одиночная игра".encode() in get(client, "/tags", page_size=40).content


def test_connections_are_kept_alive(standin: StandinServer) -> None:
    host, port = urlsplit(standin.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    sockets = []
    try:
        for path in ("/api/genres?key=k", "/api/games?key=k", "/api/nothing?key=k", "/api/games"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert not response.will_close
            assert int(response.headers["Content-Length"]) == len(response.read())
            sockets.append(connection.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    finally:
        connection.close()


def test_auth_and_unknown_paths(client: httpx.Client) -> None:
    for params in ({}, {"key": ""}):
        response = client.get("/games", params=params)
        assert response.status_code == 401
        assert response.json() == {"error": "The key parameter is not provided"}
    missing = get(client, "/nothing-here")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})


# --- items -----------------------------------------------------------------------------------


def test_game_items_have_rawg_shapes_and_quirks(standin: StandinServer) -> None:
    catalogue = standin.catalogue
    names = ("genres", "platforms", "stores", "tags")
    taxonomy_ids = {n: {t["id"] for t in catalogue.taxonomy(n)} for n in names}
    games = [catalogue.game(i, DAY) for i in range(1, 601)]
    for game in games:
        assert set(game) == GAME_FIELDS
        assert game["tba"] is (game["released"] is None)
        counts = [r["count"] for r in game["ratings"]]
        assert counts == sorted(counts, reverse=True)
        assert {r["title"] for r in game["ratings"]} <= RATING_TITLES
        if not game["ratings"]:
            assert (game["rating"], game["rating_top"]) == (0.0, 0)
        assert 0.0 <= game["rating"] <= 5.0
        statuses = game["added_by_status"]
        assert statuses is None or (all(statuses.values()) and set(statuses) <= STATUSES)
        if game["background_image"]:
            assert game["short_screenshots"][0] == {"id": -1, "image": game["background_image"]}
        assert {g["id"] for g in game["genres"]} <= taxonomy_ids["genres"]
        assert {p["platform"]["id"] for p in game["platforms"]} <= taxonomy_ids["platforms"]
        assert {s["store"]["id"] for s in game["stores"]} <= taxonomy_ids["stores"]
        assert {t["id"] for t in game["tags"]} <= taxonomy_ids["tags"]
        assert game["esrb_rating"] is None or game["esrb_rating"]["name"] in ESRB_NAMES
        assert all(set(p) == PLATFORM_ENTRY_FIELDS for p in game["platforms"])
    # The quirks appear across a day's worth of games, not necessarily in each one.
    assert any(g["added_by_status"] is None for g in games)
    assert any(g["added_by_status"] and len(g["added_by_status"]) < 6 for g in games)
    assert any(g["ratings"] == [] for g in games)
    assert any(g["ratings"] and g["ratings"][0]["title"] != "exceptional" for g in games)
    assert any(g["metacritic"] is None for g in games) and any(g["metacritic"] for g in games)
    assert any(g["background_image"] is None for g in games)
    assert any(g["genres"] == [] for g in games) and any(g["stores"] == [] for g in games)
    assert any(p["requirements_en"] for g in games for p in g["platforms"])
    languages = {t["language"] for g in games for t in g["tags"]}
    assert languages == {"eng", "rus"}
    assert any(re.search("[а-яА-Я]", t["name"]) for g in games for t in g["tags"])


def test_games_grow_by_day_deterministically(standin: StandinServer) -> None:
    catalogue = standin.catalogue
    later = DAY + timedelta(days=400)
    grew = 0
    for game_id in range(1, 201):
        before, after = catalogue.game(game_id, DAY), catalogue.game(game_id, later)
        assert after["ratings_count"] >= before["ratings_count"]
        assert after["added"] >= before["added"]
        assert after["updated"].startswith(str(later))
        grew += after["added"] > before["added"]
    assert grew > 50


def test_two_catalogues_give_byte_identical_pages() -> None:
    config = CatalogueConfig(games_per_day=120, seed=11)
    one, two = RawgApi(Catalogue(config)), RawgApi(Catalogue(config))
    for path, query in (
        ("/games", f"key=k&updated={DAY_RANGE}&page=2&page_size=40"),
        ("/games", "key=k&page=3"),
        ("/tags", "key=k&page_size=40&page=2"),
        ("/creators", "key=k"),
    ):
        assert one.respond(path, query, "h:1").body == two.respond(path, query, "h:1").body
    other = RawgApi(Catalogue(CatalogueConfig(games_per_day=120, seed=12)))
    query = f"key=k&updated={DAY_RANGE}"
    assert other.respond("/games", query, "h:1").body != one.respond("/games", query, "h:1").body


def test_days_differ_and_ids_are_sorted_and_distinct(standin: StandinServer) -> None:
    catalogue = standin.catalogue
    first = catalogue.game_ids_updated_on(DAY)
    second = catalogue.game_ids_updated_on(DAY + timedelta(days=1))
    assert list(first) == sorted(set(first)) and len(first) == 120
    assert set(first) != set(second)
    assert all(1 <= i <= catalogue.size for i in first)


def test_taxonomies_are_full_snapshots_in_rawg_order(
    standin: StandinServer, client: httpx.Client
) -> None:
    genres = get(client, "/genres").json()
    assert (genres["count"], genres["next"]) == (19, None)
    assert {g["name"] for g in genres["results"]} == GENRES
    assert get(client, "/genres", updated=DAY_RANGE, dates="1900-01-01,1900-01-02").json() == genres
    stores = get(client, "/stores").json()["results"]
    assert len(stores) == 10
    assert {"Steam", "GOG", "itch.io", "Epic Games"} <= {s["name"] for s in stores}
    assert all(s["domain"] for s in stores)
    platforms = get(client, "/platforms", page_size=40).json()
    assert platforms["count"] >= 45
    assert "PlayStation 5" in {p["name"] for p in platforms["results"]}
    tags = []
    for page in range(1, 9):
        tags += get(client, "/tags", page_size=40, page=page).json()["results"]
    assert len(tags) == standin.catalogue.config.tags
    assert 0.1 < sum(t["language"] == "rus" for t in tags) / len(tags) < 0.2
    assert [(-t["games_count"], t["id"]) for t in tags] == sorted(
        (-t["games_count"], t["id"]) for t in tags
    )
    for name in ("genres", "tags", "publishers", "developers", "platforms", "stores"):
        for item in standin.catalogue.taxonomy(name):
            assert 1 <= len(item["games"]) <= 6
            assert all(set(g) == {"id", "slug", "name", "added"} for g in item["games"])
    creator = get(client, "/creators").json()["results"][0]
    assert set(creator) == CREATOR_FIELDS
    assert creator["positions"] and set(creator["positions"][0]) == {"id", "name", "slug"}


# --- faults ------------------------------------------------------------------------------------


def test_each_fault_does_what_it_says_then_passes(
    standin: StandinServer, client: httpx.Client
) -> None:
    def once(kind: str, **extra: Any) -> httpx.Response | Exception:
        standin.add_fault(Fault(kind, path="/games", **extra))  # type: ignore[arg-type]
        try:
            return get(client, "/games", updated=DAY_RANGE)
        except httpx.HTTPError as error:
            return error

    throttled = once("429")
    assert isinstance(throttled, httpx.Response) and throttled.status_code == 429
    assert throttled.json() == {"detail": "Request was throttled."}
    assert "retry-after" not in throttled.headers
    retry = once("429-retry-after", retry_after=3)
    assert isinstance(retry, httpx.Response) and retry.status_code == 429
    assert retry.headers["retry-after"] == "3"
    for status in (500, 502, 503):
        html = once(str(status))
        assert isinstance(html, httpx.Response) and html.status_code == status
        assert html.headers["content-type"].startswith("text/html")
        assert f"<title>{status} " in html.text
    refused = once("401")
    assert isinstance(refused, httpx.Response)
    assert (refused.status_code, refused.json()) == (401, {"error": "Invalid API key"})
    forbidden = once("403")
    assert isinstance(forbidden, httpx.Response) and forbidden.status_code == 403
    assert forbidden.json() == {"detail": "You do not have permission to perform this action."}
    started = time.monotonic()
    hung = once("hang", hang_seconds=0.3)
    assert isinstance(hung, httpx.Response) and hung.status_code == 500
    assert time.monotonic() - started >= 0.3
    assert isinstance(once("reset"), httpx.ReadError | httpx.RemoteProtocolError)
    truncated = once("truncated")
    assert isinstance(truncated, httpx.Response) and truncated.status_code == 200
    assert int(truncated.headers["content-length"]) == len(truncated.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)
    assert isinstance(once("partial"), httpx.RemoteProtocolError)
    statuses = [r.status for r in standin.requests]
    assert statuses == [429, 429, 500, 502, 503, 401, 403, 500, 0, 200, 0]
    passing = get(client, "/games", updated=DAY_RANGE)
    assert passing.status_code == 200 and passing.json()["count"] == 120


def test_faults_match_path_and_page_and_count_down(
    standin: StandinServer, client: httpx.Client
) -> None:
    standin.add_fault(Fault("503", path="/games", page=2, times=2))
    standin.add_fault(Fault("502", path="/genres", times=-1))
    assert get(client, "/games").status_code == 200
    assert [get(client, "/games", page=2).status_code for _ in range(3)] == [503, 503, 200]
    assert [get(client, "/genres").status_code for _ in range(3)] == [502, 502, 502]
    standin.clear_faults()
    assert get(client, "/genres").status_code == 200
    recorded = standin.requests
    assert recorded[0] == RecordedRequest("/games", {}, 200)
    assert recorded[1] == RecordedRequest("/games", {"page": "2"}, 503)
    assert all("key" not in r.params for r in recorded)


def test_a_fault_with_skip_lets_that_many_matching_requests_pass_first(
    standin: StandinServer, client: httpx.Client
) -> None:
    standin.add_fault(Fault("429", path="/games", times=2, skip=3))
    standin.add_fault(Fault("503", path="/genres", skip=1))
    assert [get(client, "/games").status_code for _ in range(6)] == [200, 200, 200, 429, 429, 200]
    assert [get(client, "/genres").status_code for _ in range(3)] == [200, 503, 200]
    assert standin.faults == []
    with pytest.raises(ValueError, match="skip"):
        Fault.from_json({"kind": "500", "skip": "3"})


def test_admin_routes_drive_a_running_standin(standin: StandinServer) -> None:
    admin = standin.url.removesuffix("/api") + "/_standin"
    started = time.time()
    with httpx.Client(timeout=5) as http:
        assert http.get(f"{admin}/health").json()["status"] == "ok"
        added = http.post(f"{admin}/faults", json={"kind": "429-retry-after", "path": "/games"})
        assert added.status_code == 201
        assert http.get(f"{admin}/faults").json()[0]["kind"] == "429-retry-after"
        assert http.post(f"{admin}/faults", json={"kind": "nope"}).status_code == 400
        assert http.post(f"{admin}/faults", json={"path": "/games"}).status_code == 400
        api = f"{standin.url}/games"
        assert http.get(api, params={"key": KEY}).headers["retry-after"] == "1"
        http.post(f"{admin}/faults", json={"kind": "500", "times": -1})
        assert http.get(api, params={"key": KEY}).status_code == 500
        assert http.delete(f"{admin}/faults").status_code == 200
        assert http.get(api, params={"key": KEY, "page": "2"}).status_code == 200
        recorded = http.get(f"{admin}/requests").json()
        arrivals = [request.pop("received_at") for request in recorded]
        assert recorded == [
            {"path": "/games", "params": {}, "status": 429},
            {"path": "/games", "params": {}, "status": 500},
            {"path": "/games", "params": {"page": "2"}, "status": 200},
        ]
        assert started <= arrivals[0] <= arrivals[1] <= arrivals[2] <= time.time()
        assert http.delete(f"{admin}/requests").status_code == 200
        assert http.get(f"{admin}/requests").json() == []
        assert http.post(f"{admin}/latency", json={"latency_s": 0.01}).status_code == 200
        assert standin.latency_s == 0.01


# --- concurrency, speed, hygiene -----------------------------------------------------------


def test_latency_overlaps_across_16_concurrent_clients(standin: StandinServer) -> None:
    standin.latency_s = 0.3
    results: list[int] = []

    def fetch(page: int) -> None:
        with httpx.Client(timeout=5) as http:
            response = http.get(f"{standin.url}/games", params={"key": KEY, "page": page})
            results.append(response.status_code)

    started = time.monotonic()
    threads = [threading.Thread(target=fetch, args=(p % 5 + 1,)) for p in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == [200] * 16
    assert 0.3 <= elapsed < 1.5  # 16 x 0.3 s in sequence would be 4.8 s


def test_a_100k_games_day_answers_a_deep_page_fast() -> None:
    with (
        StandinServer(CatalogueConfig(games_per_day=100_000)) as big,
        httpx.Client(base_url=big.url, timeout=5) as http,
    ):
        started = time.monotonic()
        response = get(http, "/games", updated=DAY_RANGE, page_size=40, page=200)
        assert time.monotonic() - started < 1.0
        body = response.json()
        assert body["count"] == 100_000 and len(body["results"]) == 40
        started = time.monotonic()
        assert get(http, "/games", updated=DAY_RANGE, page_size=40, page=201).status_code == 200
        assert time.monotonic() - started < 0.1


def test_a_client_hanging_up_prints_nothing(
    standin: StandinServer, capfd: pytest.CaptureFixture[str]
) -> None:
    standin.latency_s = 0.2
    host, port = urlsplit(standin.url).netloc.split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(f"GET /api/games?key=k HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    time.sleep(0.5)
    assert capfd.readouterr().err == ""


def test_stop_closes_the_port_and_open_connections() -> None:
    standin = StandinServer(CatalogueConfig(games_per_day=5)).start()
    http = httpx.Client(base_url=standin.url, timeout=2)
    assert get(http, "/games").status_code == 200  # leaves a keep-alive connection open
    standin.add_fault(Fault("hang", hang_seconds=30))
    outcome: list[object] = []

    def hang() -> None:
        try:
            outcome.append(get(http, "/games").status_code)
        except httpx.HTTPError as error:
            outcome.append(error)

    hanging = threading.Thread(target=hang)
    hanging.start()
    time.sleep(0.2)
    started = time.monotonic()
    standin.stop()
    hanging.join(timeout=5)
    assert time.monotonic() - started < 2
    assert outcome and (outcome[0] == 500 or isinstance(outcome[0], httpx.HTTPError))
    with pytest.raises(httpx.ConnectError):
        httpx.get(standin.url.replace("/api", "/_standin/health"), timeout=2)
    http.close()


def test_the_standalone_command_prints_its_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.standin", "--port", "0",
         "--games-per-day", "7", "--latency-ms", "1", "--tba-share", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", url)
        body = httpx.get(f"{url}/games", params={"key": KEY, "updated": DAY_RANGE}).json()
        assert body["count"] == 7
        assert all(g["released"] for g in body["results"])
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stderr == ""

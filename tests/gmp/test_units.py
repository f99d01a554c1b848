"""Small pure pieces of the core: date rules, key stripping, the registry."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from gmp.dates import MIN_RUN_DATE, parse_range, parse_run_date
from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode, parse_endpoint_list
from gmp.errors import GmpError, UsageError
from gmp.redact import RedactingFilter, strip_key

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("link", "stripped"),
    [
        ("http://h/api/games?key=SECRET&page=2", "http://h/api/games?page=2"),
        ("http://h/api/games?page=2&key=SECRET", "http://h/api/games?page=2"),
        ("http://h/api/games?a=1&key=SECRET&page=3", "http://h/api/games?a=1&page=3"),
        ("http://h/api/games?key=SECRET", "http://h/api/games"),
    ],
)
def test_strip_key_removes_only_the_key_param(link: str, stripped: str) -> None:
    body = json.dumps({"count": 1, "next": link, "previous": None, "results": [{"n": "é"}]})
    out = strip_key(body.encode(), "SECRET")
    assert json.loads(out)["next"] == stripped
    assert out == body.replace(link, stripped).encode()  # nothing else changes


def test_strip_key_refuses_a_body_that_still_holds_the_key() -> None:
    body = b'{"count":1,"next":null,"previous":null,"results":[{"name":"SECRET"}]}'
    with pytest.raises(GmpError):
        strip_key(body, "SECRET")


def test_redacting_filter_scrubs_formatted_messages() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s", ("?key=SECRET",), None)
    RedactingFilter(["SECRET"]).filter(record)
    assert record.getMessage() == "url ?key=***"


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "2024-13-01",
        "24-01-01",
        "2024-1-1",
        "x",
        "",
        "２０２４-05-01",
        "2024-05-01T00",
    ],
)
def test_bad_run_dates(text: str) -> None:
    with pytest.raises(UsageError):
        parse_run_date(text, today=TODAY)


@pytest.mark.parametrize("text", [" 2024-05-01", "2024-05-01 ", "\t2024-05-01", "2024-05-01\n"])
def test_surrounding_whitespace_is_malformed(text: str) -> None:
    with pytest.raises(UsageError, match=r"YYYY-MM-DD form .* remove the surrounding whitespace"):
        parse_run_date(text, today=TODAY)


def test_run_dates_start_where_rawg_data_begins() -> None:
    assert dt.date(2010, 1, 1) == MIN_RUN_DATE
    assert parse_run_date("2010-01-01", today=TODAY) == MIN_RUN_DATE
    with pytest.raises(UsageError, match="before 2010-01-01, where RAWG's `updated` data begins"):
        parse_run_date("2009-12-31", today=TODAY)
    with pytest.raises(UsageError, match="start date 1999-01-01 is before 2010-01-01"):
        parse_range("1999-01-01", "2024-01-01", today=TODAY)
    assert len(parse_range("2015-01-01", "2024-12-31", today=TODAY)) == 3653


def test_run_date_must_be_before_today() -> None:
    assert parse_run_date("2026-11-26", today=TODAY) == dt.date(2026, 11, 26)
    with pytest.raises(UsageError, match="latest complete day is 2026-11-26"):
        parse_run_date("2026-11-27", today=TODAY)


def test_ranges_are_inclusive_and_ordered() -> None:
    days = parse_range("2024-02-28", "2024-03-01", today=TODAY)
    assert days == [dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)]
    with pytest.raises(UsageError, match="before start"):
        parse_range("2024-03-01", "2024-02-28", today=TODAY)
    with pytest.raises(UsageError, match="longer than"):
        parse_range("2010-01-01", "2026-01-01", today=TODAY)


def test_registry_names_and_modes() -> None:
    assert REGISTRY["games"].mode is Mode.INCREMENTAL
    assert REGISTRY["game_details"].mode is Mode.DETAIL == "detail"
    assert REGISTRY["game_details"].path == "/games/{id}"
    assert REGISTRY["games_released"].mode is Mode.INCREMENTAL
    per_day = ("games", "game_details", "games_released")
    lists = {n: e for n, e in REGISTRY.items() if n not in per_day}
    assert all(e.mode is Mode.SNAPSHOT for e in lists.values())
    daily = ("games", "game_details", "genres", "platforms", "stores", "tags")
    panel = ("games_popular", "games_rising", "games_upcoming", "games_released")
    assert daily + panel == DEFAULT_ENDPOINTS
    assert [e.name for e in parse_endpoint_list("games, creators")] == ["games", "creators"]
    with pytest.raises(UsageError, match="unknown endpoint"):
        parse_endpoint_list("games,nope")

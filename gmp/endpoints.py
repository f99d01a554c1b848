"""The endpoint registry: every RAWG list endpoint the pipeline lands, as plain data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from gmp.errors import UsageError


class Mode(StrEnum):
    INCREMENTAL = "incremental"  # the partition holds what changed on run_date
    SNAPSHOT = "snapshot"  # the partition holds the whole list as seen on run_date
    # the partition holds one GET per game of run_date's committed `games` partition (and the
    # backlog days before it left), capped per day: extractor/details.py
    DETAIL = "detail"


@dataclass(frozen=True)
class Endpoint:
    """One RAWG list endpoint. `name` is the word used everywhere: lake prefix, dbt source."""

    name: str
    path: str
    mode: Mode
    params: dict[str, str] = field(default_factory=dict)
    # Pages to take at most; None = all. Taxonomies with hundreds of thousands of rows are
    # capped so a daily snapshot does not spend the monthly quota (they are popularity-ordered,
    # so the cap keeps the most used ones).
    max_pages: int | None = None
    default: bool = True  # part of a daily run unless asked for explicitly
    # Incremental endpoints: the filter that makes a partition's day, `updated=D,D` (the games
    # RAWG changed on D) or `dates=D,D` (the games released on D: one release day, which the
    # page-cap split cannot bisect any further).
    day_filter: str = "updated"
    # A release-date range relative to run_date, in days (first, last), as `dates=A,B`.
    released: tuple[int, int] | None = None
    # The setting (GMP_*) that caps the rows taken: the first N of the listing, as
    # ceil(N / PAGE_SIZE) whole pages (gmp/settings.py; `--max-pages` overrides it).
    size_setting: str | None = None


PAGE_SIZE = 40  # RAWG's maximum; larger values are silently capped

REGISTRY: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("games", "/games", Mode.INCREMENTAL),
        Endpoint("game_details", "/games/{id}", Mode.DETAIL),
        Endpoint("genres", "/genres", Mode.SNAPSHOT),
        Endpoint("platforms", "/platforms", Mode.SNAPSHOT),
        Endpoint("stores", "/stores", Mode.SNAPSHOT),
        Endpoint("tags", "/tags", Mode.SNAPSHOT, max_pages=10),
        # The market panel: what RAWG counts today about the games that matter, most added
        # first. Like the taxonomies, a snapshot: a backfill takes each once, on its last day.
        Endpoint(
            "games_popular",
            "/games",
            Mode.SNAPSHOT,
            params={"ordering": "-added"},
            size_setting="GMP_POPULAR_GAMES",
        ),
        Endpoint(
            "games_rising",
            "/games",
            Mode.SNAPSHOT,
            params={"ordering": "-added"},
            released=(-364, 0),
            size_setting="GMP_RISING_GAMES",
        ),
        Endpoint(
            "games_upcoming",
            "/games",
            Mode.SNAPSHOT,
            params={"ordering": "-added"},
            released=(1, 365),
            size_setting="GMP_UPCOMING_GAMES",
        ),
        # The release calendar: every game released on run_date (per day, like `games`).
        Endpoint("games_released", "/games", Mode.INCREMENTAL, day_filter="dates"),
        Endpoint("publishers", "/publishers", Mode.SNAPSHOT, max_pages=10, default=False),
        Endpoint("developers", "/developers", Mode.SNAPSHOT, max_pages=10, default=False),
        Endpoint("creators", "/creators", Mode.SNAPSHOT, max_pages=10, default=False),
    )
}

DEFAULT_ENDPOINTS: tuple[str, ...] = tuple(n for n, e in REGISTRY.items() if e.default)
# The panels, in the order game_details takes their games (extractor/backlog.py).
PANEL_ENDPOINTS: tuple[str, ...] = ("games_popular", "games_rising", "games_upcoming")


def get_endpoint(name: str) -> Endpoint:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise UsageError(f"unknown endpoint {name!r}; known endpoints: {known}") from None


def split_names(text: str | None) -> list[str]:
    """The names in a JSON list (`["games","genres"]`, as Argo passes it) or a comma-separated
    list (`games, genres`): stripped, blanks dropped. Syntax only; names are checked by
    `parse_endpoint_list`."""
    text = (text or "").strip()
    if not text.startswith("["):
        return [n.strip() for n in text.split(",") if n.strip()]
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        raise UsageError(f"endpoints {text!r} is not a JSON list of names") from None
    if not isinstance(parsed, list) or not all(isinstance(n, str) for n in parsed):
        raise UsageError(f"endpoints {text!r} is not a JSON list of names")
    return [n.strip() for n in parsed if n.strip()]


def parse_endpoint_list(text: str | None) -> list[Endpoint]:
    """The one rule for an endpoint list, in every command: a JSON list or a comma-separated list;
    none named means the default (daily) set; an unknown name or one named twice is exit 2."""
    names = split_names(text)
    if len(set(names)) != len(names):
        raise UsageError(f"endpoints {names} names one endpoint twice")
    return [get_endpoint(n) for n in (names or DEFAULT_ENDPOINTS)]


def endpoint_names(text: str | None) -> list[str]:
    """`parse_endpoint_list`'s endpoints by name, in the order given."""
    return [e.name for e in parse_endpoint_list(text)]

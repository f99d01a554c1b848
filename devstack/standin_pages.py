"""RAWG's list endpoints over a Catalogue: `/games` filters, DRF page-number pagination, JSON."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from devstack.catalogue import REFERENCE_DAY, TAXONOMY_NAMES, Catalogue
from devstack.catalogue_items import clock_seconds, dumps
from devstack.standin_drift import PayloadDrift

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 40
_QUERY_CACHE_SIZE = 64
_CACHE_IDS = 4_000_000  # ids kept in cached orderings at most (a query's ids stay, however many)
# /games `ordering` fields (RAWG's documented ones); `-` for descending. Others are ignored, as
# DRF's OrderingFilter ignores them: the default order (id) stands.
ORDERINGS = ("name", "released", "added", "created", "updated", "rating", "metacritic")
_LAST = 1 << 62  # a null sorts after every value (PostgreSQL: last ascending, first descending)

Range = tuple[date, date]
Key = tuple[Range | None, tuple[Range, ...] | None, str | None, date | None]


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json"


NOT_FOUND = ApiResponse(404, dumps({"detail": "Not found."}).encode())
INVALID_PAGE = ApiResponse(404, dumps({"detail": "Invalid page."}).encode())


class BadFilter(ValueError):
    """A filter value RAWG would refuse with 400 (django-filter style body)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.response = ApiResponse(400, dumps({field: [message]}).encode())


@dataclass(frozen=True)
class _Games:
    """A `/games` query's matches: ids (ascending, or as ordered), and the day whose state each
    one shows."""

    ids: Sequence[int]
    days: Sequence[int] | None  # date ordinal per id; None: every id shows `day`
    day: date

    def day_of(self, index: int) -> date:
        return self.day if self.days is None else date.fromordinal(self.days[index])

    def day_ordinals(self) -> Sequence[int]:
        return self.days if self.days is not None else [self.day.toordinal()] * len(self.ids)

    @property
    def weight(self) -> int:
        """What keeping it costs the cache: its stored ids (a range costs nothing)."""
        return 0 if isinstance(self.ids, range) else len(self.ids)


def replace_query_param(url: str, key: str, value: str | None) -> str:
    """DRF's replace_query_param (value None: remove_query_param): query sorted by name."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    if value is None:
        params.pop(key, None)
    else:
        params[key] = [value]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def _parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadFilter(field, "Enter a valid date.") from None


def parse_ranges(value: str, field: str) -> tuple[Range, ...]:
    """`A,B` date ranges joined by '.' (a single `A` means `A,A`), inclusive."""
    ranges = []
    for chunk in value.split("."):
        parts = chunk.split(",")
        if not chunk.strip() or len(parts) > 2:
            raise BadFilter(field, "Enter a valid date range.")
        start = _parse_day(parts[0], field)
        ranges.append((start, _parse_day(parts[-1], field)))
    return tuple(ranges)


def _positive_int(text: str | None) -> int | None:
    try:
        number = int(text) if text is not None else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None


class RawgApi:
    """Answers `GET /api/<path>?<query>` like RAWG; thread-safe, `/games` matches cached."""

    def __init__(self, catalogue: Catalogue, page_cap: int = 250) -> None:
        self.catalogue = catalogue
        self.page_cap = page_cap
        # The stand-in's clock: what RAWG shows "today". Details show a game as of its latest
        # update on or before it (None: the real date, UTC); `/games` without `updated=` shows
        # the catalogue as of it (None: REFERENCE_DAY). Settable while running.
        self.today: date | None = None
        self.drift: PayloadDrift | None = None  # a payload change from a day on (standin_drift)
        self._lock = threading.Lock()
        self._games: OrderedDict[Key, _Games] = OrderedDict()

    def as_of(self) -> date:
        """The day `/games` without `updated=` shows the catalogue as of."""
        return self.today or REFERENCE_DAY

    def respond(self, path: str, query: str, host: str) -> ApiResponse:
        """`path` is after the /api prefix (e.g. "/games"); `query` is the raw query string."""
        resource = path.strip("/")
        if resource.startswith("games/") and resource.count("/") == 1:
            return self.detail(resource.split("/")[1])
        if resource != "games" and resource not in TAXONOMY_NAMES:
            return NOT_FOUND
        params = dict(parse_qsl(query, keep_blank_values=True))  # last value wins, like Django
        try:
            games = self._games_for(params) if resource == "games" else None
        except BadFilter as refused:
            return refused.response
        count = len(games.ids) if games else len(self.catalogue.taxonomy(resource))
        size = min(_positive_int(params.get("page_size")) or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        pages = max(1, -(-count // size))
        raw_page = params.get("page", "1")
        page = pages if raw_page == "last" else _positive_int(raw_page)
        if page is None or page > pages or page > self.page_cap:
            return INVALID_PAGE
        start, stop = (page - 1) * size, min(page * size, count)
        if games is not None:
            rendered = ",".join(
                self._game(games.ids[i], games.day_of(i)) for i in range(start, stop)
            )
        else:
            rendered = dumps(list(self.catalogue.taxonomy(resource)[start:stop]))[1:-1]
        url = f"http://{host}/api{path}?{query}"
        next_url = replace_query_param(url, "page", str(page + 1)) if page < pages else None
        previous = None
        if page > 1:
            previous = replace_query_param(url, "page", None if page == 2 else str(page - 1))
        body = (
            f'{{"count":{count},"next":{dumps(next_url)},"previous":{dumps(previous)},'
            f'"results":[{rendered}]}}'
        )
        return ApiResponse(200, body.encode("utf-8"))

    def detail(self, ident: str) -> ApiResponse:
        """`GET /games/{id}`: a numeric id or the game's slug (RAWG takes both); the game's
        state as of its latest update on or before `today` (None: the real date, UTC)."""
        game_id = self._game_id(ident)
        today = self.today or datetime.now(UTC).date()
        body = None if game_id is None else self.catalogue.game_detail_json(game_id, today)
        if body is not None and self.drift is not None and self.drift.applies(today):
            body = self.drift.apply(body)
        return NOT_FOUND if body is None else ApiResponse(200, body.encode("utf-8"))

    def _game(self, game_id: int, day: date) -> str:
        rendered = self.catalogue.game_json(game_id, day)
        drift = self.drift
        return drift.apply(rendered) if drift is not None and drift.applies(day) else rendered

    def _game_id(self, ident: str) -> int | None:
        if ident.isdigit():
            return int(ident)
        _, _, tail = ident.rpartition("-")  # slugs end in -<id> here
        if not tail.isdigit() or not 1 <= int(tail) <= self.catalogue.size:
            return None
        return int(tail) if self.catalogue.game(int(tail), REFERENCE_DAY)["slug"] == ident else None

    def _games_for(self, params: dict[str, str]) -> _Games:
        updated = params.get("updated")
        dates = params.get("dates")
        window = None
        if updated:
            (start, end), *more = parse_ranges(updated, "updated")
            if more:
                raise BadFilter("updated", "Enter a valid date range.")
            window = (start, end)
        released = parse_ranges(dates, "dates") if dates else None
        ordering = (params.get("ordering") or "").strip() or None
        if ordering is not None and ordering.removeprefix("-") not in ORDERINGS:
            ordering = None  # DRF's OrderingFilter drops fields it does not know
        key: Key = (window, released, ordering, self.as_of() if window is None else None)
        with self._lock:  # one computation per query; the others wait for it
            cached = self._games.get(key)
            if cached is None:
                cached = self._compute(window, released, key[3])
                if ordering is not None:
                    cached = self._ordered(cached, ordering)
                self._games[key] = cached
                self._evict()
            else:
                self._games.move_to_end(key)
            return cached

    def _evict(self) -> None:
        weight = sum(games.weight for games in self._games.values())
        while len(self._games) > 1 and (
            len(self._games) > _QUERY_CACHE_SIZE or weight > _CACHE_IDS
        ):
            weight -= self._games.popitem(last=False)[1].weight

    def _compute(
        self, window: Range | None, released: tuple[Range, ...] | None, as_of: date | None
    ) -> _Games:
        matched = self._updated(window, as_of or REFERENCE_DAY)
        if released is None:
            return matched
        ordinals = self.catalogue.released_ordinals()
        bounds = [(a.toordinal(), b.toordinal()) for a, b in released]
        if len(bounds) == 1 and matched.days is None and isinstance(matched.ids, range):
            low, high = bounds[0]  # the common case, over the whole catalogue: one tight loop
            ids = array("i", (i + 1 for i, o in enumerate(ordinals) if o and low <= o <= high))
            return _Games(ids, None, matched.day)
        keep = [
            i
            for i, game_id in enumerate(matched.ids)
            if (o := ordinals[game_id - 1]) and any(a <= o <= b for a, b in bounds)
        ]
        days = None if matched.days is None else [matched.days[i] for i in keep]
        return _Games([matched.ids[i] for i in keep], days, matched.day)

    def _ordered(self, games: _Games, ordering: str) -> _Games:
        """The matches in `ordering` (a field of ORDERINGS, `-` for descending), ties by id."""
        field = ordering.removeprefix("-")
        keys = self._sort_keys(games, field)
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=ordering.startswith("-"))
        ids = array("i", (games.ids[i] for i in order))
        if games.days is None:
            return _Games(ids, None, games.day)
        return _Games(ids, array("i", (games.days[i] for i in order)), games.day)

    def _sort_keys(self, games: _Games, field: str) -> list[Any]:
        """One sort key per match; ties keep id order (Python's sort is stable, also reversed)."""
        catalogue = self.catalogue
        if field == "added":
            market = catalogue.market()
            if games.days is None:
                return market.added_of(games.ids, games.day.toordinal())
            return [market.added(g, d) for g, d in zip(games.ids, games.days, strict=True)]
        if field == "released":
            ordinals = catalogue.released_ordinals()
            return [ordinals[g - 1] or _LAST for g in games.ids]
        if field == "created":
            return catalogue.market().joined(games.ids)
        seed = catalogue.config.seed
        days = games.day_ordinals()
        if field == "updated":
            return [
                d * 86_400 + clock_seconds(seed, g, date.fromordinal(d))
                for g, d in zip(games.ids, days, strict=True)
            ]
        # name, rating, metacritic: read off the rendered items (slow, but rarely asked for)
        keys = [
            catalogue.game(g, date.fromordinal(d))[field]
            for g, d in zip(games.ids, days, strict=True)
        ]
        return [(v is None, v) for v in keys]

    def _updated(self, window: Range | None, as_of: date) -> _Games:
        if window is None:
            return _Games(range(1, self.catalogue.size + 1), None, as_of)
        start, end = window
        if start == end:
            return _Games(self.catalogue.game_ids_updated_on(end), None, end)
        latest: dict[int, int] = {}  # id -> the latest day in the window it was updated on
        for ordinal in range(end.toordinal(), start.toordinal() - 1, -1):
            if len(latest) >= self.catalogue.size:
                break  # every game is already placed on a later day
            for game_id in self.catalogue.game_ids_updated_on(date.fromordinal(ordinal)):
                latest.setdefault(game_id, ordinal)
        ids = sorted(latest)
        return _Games(ids, [latest[i] for i in ids], end)

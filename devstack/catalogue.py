"""A deterministic synthetic RAWG catalogue: games that change by day, and the taxonomies."""

from __future__ import annotations

import json
import math
import random
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from devstack import catalogue_details as details
from devstack import catalogue_items as items
from devstack import catalogue_taxonomies as taxonomies
from devstack.catalogue_market import Market

Item = dict[str, Any]

REFERENCE_DAY = date(2024, 6, 1)
"""The day whose state `/games` without `updated=` shows, and taxonomy `games` samples use."""

TAXONOMY_NAMES = taxonomies.TAXONOMY_NAMES
_FIRST_RELEASE = date(1985, 1, 1).toordinal()
_LAST_RELEASE = date(2026, 12, 31).toordinal()
# The release calendar: this share of the dated games is dealt over these recent days in rounds,
# each round a shuffle of every day, so each day has a release once the catalogue is big enough
# (5,000 games: every day of 2022-2026 has one or more; 200,000: about 60 a day).
_CALENDAR_SHARE = 0.6
_CALENDAR_FIRST = date(2022, 1, 1).toordinal()
_CALENDAR_DAYS = _LAST_RELEASE - _CALENDAR_FIRST + 1
_DAY_CACHE_SIZE = 32
_DETAIL_LOOKBACK = 3_660  # days a detail looks back for the game's latest update


def _deal(seed: int, round_: int) -> tuple[int, int]:
    """A round of the release calendar: (stride, offset) of an affine bijection of its days."""
    rng = random.Random(f"{seed}:calendar:{round_}")
    stride = rng.randrange(1, _CALENDAR_DAYS)
    while math.gcd(stride, _CALENDAR_DAYS) != 1:
        stride = rng.randrange(1, _CALENDAR_DAYS)
    return stride, rng.randrange(_CALENDAR_DAYS)


@dataclass(frozen=True)
class CatalogueConfig:
    """Shape of the synthetic catalogue.

    When `catalogue_size` is smaller than `games_per_day` it is raised to twice
    `games_per_day`, so that different days still update different sets of games.
    """

    catalogue_size: int = 5_000
    games_per_day: int = 120
    tba_share: float = 0.05
    tags: int = 300
    publishers: int = 400
    developers: int = 600
    creators: int = 300
    seed: int = 7

    def __post_init__(self) -> None:
        counts = ("games_per_day", "tags", "publishers", "developers", "creators")
        for name in counts:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.tba_share <= 1.0:
            raise ValueError(f"tba_share must be within 0..1, got {self.tba_share}")
        if self.catalogue_size < max(1, self.games_per_day):
            object.__setattr__(self, "catalogue_size", max(1, 2 * self.games_per_day))


class Catalogue:
    """Every answer is a pure function of (config, arguments); results are cached, thread-safe.

    Returned taxonomy items and id sequences are shared cached objects: do not mutate them.
    """

    def __init__(self, config: CatalogueConfig | None = None) -> None:
        self.config = config or CatalogueConfig()
        self._lock = threading.RLock()
        self._days: OrderedDict[date, tuple[int, ...]] = OrderedDict()
        self._released: array[int] | None = None
        self._base: dict[str, list[Item]] = {}
        self._full: dict[str, tuple[Item, ...]] = {}
        self._embeds: items.Embeds | None = None
        self._company_pool: details.Companies | None = None
        self._market: Market | None = None

    @property
    def size(self) -> int:
        return self.config.catalogue_size

    def game_ids_updated_on(self, day: date) -> Sequence[int]:
        """The ids of the games whose `updated` falls on `day`: distinct, ascending."""
        with self._lock:
            cached = self._days.get(day)
            if cached is not None:
                self._days.move_to_end(day)
                return cached
        ids = self._updated_on(day)
        with self._lock:
            self._days[day] = ids
            while len(self._days) > _DAY_CACHE_SIZE:
                self._days.popitem(last=False)
        return ids

    def _day_map(self, day: date) -> tuple[int, int]:
        """The day's affine bijection of 0..n-1, (stride, offset): i -> (stride*i + offset) % n."""
        n = self.size
        rng = random.Random(f"{self.config.seed}:updated:{day.isoformat()}")
        stride = 1
        if n > 1:
            stride = rng.randrange(1, n)
            while math.gcd(stride, n) != 1:
                stride = rng.randrange(1, n)
        return stride, rng.randrange(n)

    def _updated_on(self, day: date) -> tuple[int, ...]:
        # An affine bijection of 0..n-1 picked per day: k distinct ids in O(k), no shuffles.
        n, k = self.size, self.config.games_per_day
        stride, offset = self._day_map(day)
        return tuple(sorted([(stride * i + offset) % n + 1 for i in range(k)]))

    def updated_on(self, game_id: int, day: date) -> bool:
        """Whether the game's `updated` falls on `day`: O(1), the day's bijection inverted."""
        n, k = self.size, self.config.games_per_day
        stride, offset = self._day_map(day)
        return ((game_id - 1 - offset) * pow(stride, -1, n)) % n < k

    def last_updated(self, game_id: int, today: date) -> date:
        """The latest day on or before `today` the game was updated on (what RAWG's detail shows
        today); REFERENCE_DAY when it was not updated within _DETAIL_LOOKBACK days."""
        for back in range(_DETAIL_LOOKBACK):
            day = date.fromordinal(today.toordinal() - back)
            if self.updated_on(game_id, day):
                return day
        return REFERENCE_DAY

    def game_detail_json(self, game_id: int, today: date) -> str | None:
        """`GET /games/{id}` as RAWG renders it, its state as of the game's latest update on or
        before `today`; None when RAWG answers 404 for it (outside the catalogue, or one of the
        ~1 % of ids that the list shows but the detail does not: deleted or merged games)."""
        if not 1 <= game_id <= self.size or details.missing(self.config.seed, game_id):
            return None
        listed = self.game_json(game_id, self.last_updated(game_id, today))
        return details.build_detail_json(self.config.seed, game_id, listed, self._companies())

    def _companies(self) -> details.Companies:
        companies = self._company_pool
        if companies is None:
            with self._lock:
                if self._company_pool is None:
                    self._company_pool = details.Companies.from_base(
                        self._base_items("developers"), self._base_items("publishers")
                    )
                companies = self._company_pool
        return companies

    def game(self, game_id: int, day: date) -> Item:
        """The `/games` list item for `game_id`, its state as of `day`, `updated` on `day`."""
        item: Item = json.loads(self.game_json(game_id, day))
        return item

    def game_json(self, game_id: int, day: date) -> str:
        """`game()` rendered as RAWG renders it (compact JSON); what the stand-in serves."""
        counts = self.market().counts(game_id, day.toordinal())
        return items.build_game_json(
            self.config.seed,
            game_id,
            day,
            self.released_on(game_id),
            self._embedded(),
            counts=counts,
        )

    def added(self, game_id: int, day: date) -> int:
        """The game's `added` on `day` (what its item shows), without rendering the item."""
        return self.market().added(game_id, day.toordinal())

    def market(self) -> Market:
        """The games' market parameters (`added` by day); built on first use."""
        market = self._market
        if market is None:
            with self._lock:
                if self._market is None:
                    self._market = Market(self.config.seed, self.size, self._released_ordinals())
                market = self._market
        return market

    def released_on(self, game_id: int) -> date | None:
        """The game's `released` date; None for TBA games. Cheap: one array lookup."""
        if not 1 <= game_id <= self.size:
            raise KeyError(f"no game {game_id}; ids run 1..{self.size}")
        released = self._released_ordinals()
        ordinal = released[game_id - 1]
        return date.fromordinal(ordinal) if ordinal else None

    def released_ordinals(self) -> array[int]:
        """`released` of game id i at index i-1, as a date ordinal; 0 for TBA games."""
        return self._released_ordinals()

    def _released_ordinals(self) -> array[int]:
        released = self._released
        if released is not None:
            return released
        with self._lock:
            if self._released is None:
                # One stream drawn in id order: id i's date depends on (seed, i) only.
                rng = random.Random(f"{self.config.seed}:released")
                tba, span = self.config.tba_share, _LAST_RELEASE - _FIRST_RELEASE
                values = array("i", bytes(4 * self.size))
                dealt = 0  # calendar releases so far, in id order
                stride = offset = 0
                for index in range(self.size):
                    u = rng.random()
                    if u < tba:
                        continue
                    if (u - tba) / (1 - tba) < _CALENDAR_SHARE:
                        if dealt % _CALENDAR_DAYS == 0:  # a round: an affine permutation of days
                            stride, offset = _deal(self.config.seed, dealt // _CALENDAR_DAYS)
                        slot = (stride * (dealt % _CALENDAR_DAYS) + offset) % _CALENDAR_DAYS
                        values[index] = _CALENDAR_FIRST + slot
                        dealt += 1
                    else:
                        values[index] = _FIRST_RELEASE + int(span * rng.random() ** 0.5)
                self._released = values
            return self._released

    def taxonomy(self, name: str) -> Sequence[Item]:
        """The full list items of a taxonomy endpoint, in RAWG's order (games_count desc, id)."""
        with self._lock:
            full = self._full.get(name)
            if full is None:
                seed, size = self.config.seed, self.size
                full = taxonomies.with_games(
                    name, seed, self._base_items(name), size,
                    lambda game_id: items.brief(
                        seed, game_id, self.added(game_id, REFERENCE_DAY)
                    ),
                )  # fmt: skip
                self._full[name] = full
            return full

    def _base_items(self, name: str) -> list[Item]:
        with self._lock:
            base = self._base.get(name)
            if base is None:
                count = getattr(self.config, name, 0)
                base = taxonomies.base_items(name, self.config.seed, count)
                self._base[name] = base
            return base

    def _embedded(self) -> items.Embeds:
        embeds = self._embeds
        if embeds is None:
            with self._lock:
                if self._embeds is None:
                    names = ("genres", "platforms", "stores", "tags")
                    self._embeds = items.Embeds.from_base({n: self._base_items(n) for n in names})
                embeds = self._embeds
        return embeds

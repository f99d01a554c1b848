"""Builds one synthetic RAWG `/games` list item: static traits per id, counts that grow by day."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from devstack import catalogue_words as words
from devstack.catalogue_taxonomies import PARENT_PLATFORMS, PLATFORM_PARENT, image_url

Item = dict[str, Any]

ESRB = (
    (1, "Everyone", "everyone"), (2, "Everyone 10+", "everyone-10-plus"), (3, "Teen", "teen"),
    (4, "Mature", "mature"), (5, "Adults Only", "adults-only"), (6, "Rating Pending",
    "rating-pending"),
)  # fmt: skip
RATING_TITLES = (
    (5, "exceptional", 5.0), (4, "recommended", 4.0), (3, "meh", 3.0), (1, "skip", 1.0),
)  # fmt: skip
STATUSES = ("yet", "owned", "beaten", "toplay", "dropped", "playing")
_PLAYED = ("yet", "owned", "beaten", "dropped", "playing")  # every status but toplay
_PLAYED_INDEX = tuple(STATUSES.index(s) for s in _PLAYED)
_EPOCH = date(2016, 1, 1).toordinal()  # ratings count from here on (see catalogue_market)
_REQUIREMENTS_EN = {
    "minimum": "Minimum:\nOS: Windows 10 64-bit\nProcessor: Intel Core i5-4460\n"
    "Memory: 8 GB RAM\nGraphics: NVIDIA GeForce GTX 960\nStorage: 20 GB available space",
    "recommended": "Recommended:\nOS: Windows 11 64-bit\nProcessor: Intel Core i7-8700\n"
    "Memory: 16 GB RAM\nGraphics: NVIDIA GeForce RTX 2070\nStorage: 20 GB available space",
}
_REQUIREMENTS_RU = {
    "minimum": "Минимальные:\nОС: Windows 10\nПроцессор: Intel Core i5\nОперативная память: 8 ГБ",
    "recommended": "Рекомендуемые:\nОС: Windows 11\nПроцессор: Intel Core i7\n"
    "Оперативная память: 16 ГБ",
}


def dumps(value: Any) -> str:
    """JSON exactly as Django REST Framework renders it (compact, UTF-8, not ASCII-escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_REQ_EN, _REQ_RU = dumps(_REQUIREMENTS_EN), dumps(_REQUIREMENTS_RU)
_ESRB_JSON = tuple(dumps({"id": i, "name": n, "slug": s}) for i, n, s in ESRB)
_PARENT_JSON = {
    pid: dumps({"platform": {"id": pid, "name": name, "slug": slug}})
    for pid, (name, slug) in PARENT_PLATFORMS.items()
}


@dataclass(frozen=True)
class Embeds:
    """Taxonomy items as a game embeds them, pre-rendered: (id, JSON), most popular first."""

    genres: tuple[tuple[int, str], ...]
    platforms: tuple[tuple[int, str], ...]
    stores: tuple[tuple[int, str], ...]
    tags: tuple[tuple[int, str], ...]

    @classmethod
    def from_base(cls, base: Mapping[str, Sequence[Item]]) -> Embeds:
        common = ("id", "name", "slug")
        return cls(
            genres=_project(base["genres"], (*common, "games_count", "image_background")),
            platforms=_project(
                base["platforms"],
                (*common, "image", "year_end", "year_start", "games_count", "image_background"),
            ),
            stores=_project(base["stores"], (*common, "domain", "games_count", "image_background")),
            tags=_project(base["tags"], (*common, "language", "games_count", "image_background")),
        )


def _project(items: Sequence[Item], keys: Sequence[str]) -> tuple[tuple[int, str], ...]:
    return tuple((item["id"], dumps({key: item[key] for key in keys})) for item in items)


@dataclass(frozen=True)
class _Growth:
    """A game's ratings (base, per-day increase) from the day it joined RAWG, and how its played
    count splits over the statuses (`added` itself comes from catalogue_market)."""

    joined: int
    ratings: tuple[tuple[int, float], ...]  # per RATING_TITLES
    shares: tuple[float, ...]  # per _PLAYED: yet, owned, beaten, dropped, playing

    def at(self, day: date) -> list[int]:
        age = max(0, day.toordinal() - self.joined)
        return [base + int(rate * age) for base, rate in self.ratings]


def _name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(words.GAME_NON_LATIN)
    adjective, noun = rng.choice(words.GAME_ADJECTIVES), rng.choice(words.GAME_NOUNS)
    if roll < 0.45:
        return f"{adjective} {noun}"
    if roll < 0.7:
        return f"{noun} of the {rng.choice(words.GAME_ADJECTIVES)} {rng.choice(words.GAME_NOUNS)}"
    if roll < 0.9:
        return f"{adjective} {noun}: {rng.choice(words.GAME_SUBTITLES)}"
    return f"{adjective} {noun} {rng.randint(2, 5)}"


def _growth(rng: random.Random) -> _Growth:
    joined = _EPOCH + rng.randrange(3_300)
    popularity = rng.lognormvariate(0.0, 1.4)
    quality = rng.random()
    weights = (quality**2, quality, 0.6 * (1 - quality) + 0.1, (1 - quality) ** 2 * 0.5)
    rated = rng.random() >= 0.1
    ratings = tuple(
        (int(popularity * 12 * w * rng.uniform(0.5, 1.5)), popularity * 0.02 * w * rng.random())
        if rated
        else (0, 0.0)
        for w in weights
    )
    if (
        rng.random() < 0.06
    ):  # the stream as before; whether `added_by_status` is null is the market's
        return _Growth(joined, ratings, (0.3, 1.0, 0.35, 0.12, 0.06))
    status_weights = (0.3, 1.0, 0.35, 0.25, 0.12, 0.06)
    drawn = [
        (popularity * 60 * w * rng.random(), popularity * 0.08 * w * rng.random())
        if rng.random() < 0.7
        else (0.0, 0.0)
        for w in status_weights
    ]
    shares = tuple(base + 40 * rate for base, rate in (drawn[i] for i in _PLAYED_INDEX))
    return _Growth(joined, ratings, shares)


def _traits(seed: int, game_id: int) -> tuple[random.Random, str, _Growth]:
    """The game's one RNG stream: name and counters first, then the static traits."""
    rng = random.Random(f"{seed}:game:{game_id}")
    name = _name(rng)
    return rng, name, _growth(rng)


@lru_cache(maxsize=8192)
def _slug_base(name: str) -> str:
    return words.slugify(name) or "game"


def game_slug(name: str, game_id: int) -> str:
    return f"{_slug_base(name)}-{game_id}"


def _split(played: int, shares: tuple[float, ...]) -> list[int]:
    """`played` over _PLAYED by the shares: floors, the rest to the biggest share (else owned)."""
    total = sum(shares)
    if total <= 0:
        return [0, played, 0, 0, 0]
    parts = [int(played * share / total) for share in shares]
    parts[max(range(len(shares)), key=shares.__getitem__)] += played - sum(parts)
    return parts


def _added(counts: tuple[int, int], shares: tuple[float, ...]) -> tuple[int, str]:
    """`added` and the rendered `added_by_status` (zero keys omitted; null when nothing)."""
    played, toplay = counts
    if played == 0 and toplay == 0:
        return 0, "null"
    values = dict(zip(_PLAYED, _split(played, shares), strict=True))
    values["toplay"] = toplay
    pairs = ",".join(f'"{k}":{values[k]}' for k in STATUSES if values[k])
    return played + toplay, f"{{{pairs}}}"


def brief(seed: int, game_id: int, added: int) -> Item:
    """`{id, slug, name, added}` as taxonomy items embed their sample games."""
    _, name, _ = _traits(seed, game_id)
    return {"id": game_id, "slug": game_slug(name, game_id), "name": name, "added": added}


def _pick(rng: random.Random, pool: Sequence[tuple[int, str]], count: int) -> list[tuple[int, str]]:
    """`count` distinct items, biased towards the front (popular) end of `pool`."""
    chosen: set[int] = set()
    count = min(count, len(pool))
    while len(chosen) < count:
        chosen.add(int(len(pool) * rng.random() ** 2.2))
    return [pool[i] for i in sorted(chosen)]


def _ratings(counts: list[int]) -> tuple[float, int, str, int]:
    """rating, rating_top, the rendered `ratings` array (by count, descending), ratings_count."""
    total = sum(counts)
    if total == 0:
        return 0.0, 0, "[]", 0
    rows = sorted(
        ((n, rid, title) for (rid, title, _), n in zip(RATING_TITLES, counts, strict=True) if n),
        reverse=True,
    )
    rendered = ",".join(
        f'{{"id":{rid},"title":"{title}","count":{n},"percent":{round(100 * n / total, 2)!r}}}'
        for n, rid, title in rows
    )
    score = sum(s * n for (_, _, s), n in zip(RATING_TITLES, counts, strict=True)) / total
    return round(score, 2), rows[0][1], f"[{rendered}]", total


def _platforms(rng: random.Random, embeds: Embeds, released: str | None) -> tuple[str, str]:
    entries, parents = [], set()
    for platform_id, platform in _pick(rng, embeds.platforms, rng.choice((1, 1, 2, 2, 3, 4, 5))):
        is_pc = platform_id == 4
        released_at = f'"{released}"' if released and rng.random() > 0.1 else "null"
        req_en = _REQ_EN if is_pc and rng.random() < 0.6 else "null"
        req_ru = _REQ_RU if is_pc and rng.random() < 0.15 else "null"
        entries.append(
            f'{{"platform":{platform},"released_at":{released_at},'
            f'"requirements_en":{req_en},"requirements_ru":{req_ru}}}'
        )
        parents.add(PLATFORM_PARENT[platform_id])
    parent_items = ",".join(_PARENT_JSON[p] for p in sorted(parents))
    return f"[{','.join(entries)}]", f"[{parent_items}]"


def _quoted(text: str | None) -> str:
    """A JSON string for text that needs no escaping (dates, URLs), or null."""
    return "null" if text is None else f'"{text}"'


def _joined(chosen: list[tuple[int, str]]) -> str:
    return f"[{','.join(fragment for _, fragment in chosen)}]"


def clock_seconds(seed: int, game_id: int, day: date) -> int:
    """The time of day of the game's `updated` on `day`, in seconds."""
    digest = hashlib.blake2b(f"{seed}:{game_id}:{day.isoformat()}".encode(), digest_size=8)
    return int.from_bytes(digest.digest()) % 86_400


def _clock(seed: int, game_id: int, day: date) -> str:
    seconds = clock_seconds(seed, game_id, day)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def build_game_json(
    seed: int, game_id: int, day: date, released: date | None, embeds: Embeds, *,
    counts: tuple[int, int],
) -> str:  # fmt: skip
    """The `/games` list item for `game_id` as of `day`, rendered as RAWG (DRF) renders it.

    Concatenates pre-rendered fragments: the same text `dumps()` gives for the parsed item,
    several times faster. `updated` falls on `day`; the counters are their values on `day`
    (`counts`: the game's (played, toplay) on `day`, from catalogue_market).
    """
    rng, name, growth = _traits(seed, game_id)
    unreleased = released is not None and day < released  # no ratings before the release
    rating, rating_top, ratings, ratings_count = _ratings(
        [0] * len(RATING_TITLES) if unreleased else growth.at(day)
    )
    added, added_by_status = _added(counts, growth.shares)
    released_text = released.isoformat() if released else None
    background = image_url(rng) if rng.random() >= 0.04 else None
    shots = [f'{{"id":-1,"image":"{background}"}}'] if background else []
    shots += [
        f'{{"id":{game_id * 8 + i},"image":"{image_url(rng, "screenshots")}"}}'
        for i in range(rng.randint(2, 6) if background else 0)
    ]
    platforms, parent_platforms = _platforms(rng, embeds, released_text)
    genres = [] if rng.random() < 0.08 else _pick(rng, embeds.genres, rng.randint(1, 3))
    stores = [] if rng.random() < 0.1 else _pick(rng, embeds.stores, rng.randint(1, 3))
    tags = [] if rng.random() < 0.08 else _pick(rng, embeds.tags, rng.randint(2, 14))
    esrb = _ESRB_JSON[rng.randrange(len(ESRB))] if rng.random() < 0.55 else "null"
    metacritic = str(rng.randint(45, 97)) if rng.random() < 0.28 else "null"
    reviews_text_count = int(ratings_count * rng.random() * 0.08)
    playtime, suggestions = int(rng.expovariate(1 / 7)), rng.randint(0, 720)
    store_links = ",".join(
        f'{{"id":{game_id * 20 + store_id},"store":{store}}}' for store_id, store in stores
    )
    return (
        f'{{"id":{game_id},"slug":"{game_slug(name, game_id)}","name":{encode_basestring(name)},'
        f'"released":{_quoted(released_text)},"tba":{"true" if released is None else "false"},'
        f'"background_image":{_quoted(background)},'
        f'"rating":{rating!r},"rating_top":{rating_top},"ratings":{ratings},'
        f'"ratings_count":{ratings_count},"reviews_text_count":{reviews_text_count},'
        f'"added":{added},"added_by_status":{added_by_status},"metacritic":{metacritic},'
        f'"playtime":{playtime},"suggestions_count":{suggestions},'
        f'"updated":"{day.isoformat()}T{_clock(seed, game_id, day)}","user_game":null,'
        f'"reviews_count":{ratings_count},"saturated_color":"0f0f0f","dominant_color":"0f0f0f",'
        f'"platforms":{platforms},"parent_platforms":{parent_platforms},'
        f'"genres":{_joined(genres)},"stores":[{store_links}],"clip":null,'
        f'"tags":{_joined(tags)},"esrb_rating":{esrb},"short_screenshots":[{",".join(shots)}]}}'
    )

"""Builds a synthetic RAWG `GET /games/{id}` body (GameSingle) from the game's list item.

The detail carries the list item's values (same game, same state) in RAWG's detail shape and key
order (the `GameSingle` schema of https://api.rawg.io/docs/, readable in the generated client's
https://github.com/uburuntu/rawg/blob/master/docs/GameSingle.md; the stand-in's detail:
docs/development.md): platforms with `requirements` instead of `requirements_en/_ru`,
stores as `[{id, url, store{}}]`, no `short_screenshots`; plus the detail-only fields:
`name_original`, `description` (HTML), `description_raw`, `website` ("" when none, as RAWG),
`developers[]` and `publishers[]` drawn from the shared company pools (the same items the
`/developers` and `/publishers` lists serve), and RAWG's counters and reddit fields.
A game's detail-only traits come from its own RNG stream: the same on every day.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devstack import catalogue_words as words
from devstack.catalogue_items import dumps
from devstack.catalogue_taxonomies import image_url

Item = dict[str, Any]

NOT_FOUND_PER_MILLE = 10  # ~1 % of the ids the list shows answer 404 on their detail
_COMPANY_KEYS = ("id", "name", "slug", "games_count", "image_background")
_SENTENCES = (
    "{name} is a game about the {adj} {noun}, and it's never quite what it seems.",
    "Explore a {adj} world, gather allies and build your own {noun}.",
    "Every choice you make shapes the {noun}: there's no going back.",
    "Play alone or with friends & rivals in a campaign of {count} chapters.",
    "Features:\n- a hand-made {adj} {noun}\n- {count} hours of story\n- no microtransactions",
    "The {adj} {noun} awaits those who dare to enter it.",
)


def missing(seed: int, game_id: int) -> bool:
    """Whether RAWG answers 404 for this listed game's detail (deleted or merged): ~1 %."""
    digest = hashlib.blake2b(f"{seed}:detail-404:{game_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) % 1000 < NOT_FOUND_PER_MILLE


@dataclass(frozen=True)
class Companies:
    """The developer and publisher pools, as a detail embeds them, most prolific first."""

    developers: tuple[Item, ...]
    publishers: tuple[Item, ...]

    @classmethod
    def from_base(cls, developers: Sequence[Item], publishers: Sequence[Item]) -> Companies:
        def project(items: Sequence[Item]) -> tuple[Item, ...]:
            return tuple({key: item[key] for key in _COMPANY_KEYS} for item in items)

        return cls(project(developers), project(publishers))


def _pick(rng: random.Random, pool: Sequence[Item], count: int) -> list[Item]:
    """`count` distinct companies, biased towards the prolific front of the pool: a few
    companies make many games, so games share them."""
    chosen: set[int] = set()
    count = min(count, len(pool))
    while len(chosen) < count:
        chosen.add(int(len(pool) * rng.random() ** 3))
    return [pool[i] for i in sorted(chosen)]


def _description(rng: random.Random, name: str) -> tuple[str, str]:
    """(description HTML, description_raw), as RAWG pairs them: paragraphs in `<p>`, `<br />`
    for line breaks, HTML escapes in the HTML only; the raw text keeps the characters."""
    fills = {
        "name": name,
        "adj": rng.choice(words.GAME_ADJECTIVES).lower(),
        "noun": rng.choice(words.GAME_NOUNS).lower(),
        "count": rng.randint(3, 40),
    }
    paragraphs = [s.format(**fills) for s in rng.sample(_SENTENCES, rng.randint(1, 4))]
    markup = "\n".join(
        "<p>" + html.escape(p, quote=True).replace("&#x27;", "&#39;").replace("\n", "<br />\n")
        + "</p>"
        for p in paragraphs
    )  # fmt: skip
    return markup, "\n".join(paragraphs)


def _platforms(platforms: list[Item]) -> list[Item]:
    """The detail's platform entries: `requirements` (`{}` when none) instead of `_en`/`_ru`."""
    entries = []
    for entry in platforms:
        requirements = entry.get("requirements_en") or {}
        entries.append(
            {
                "platform": entry["platform"],
                "released_at": entry["released_at"],
                "requirements": requirements,
            }
        )
    return entries


def _stores(slug: str, stores: list[Item]) -> list[Item]:
    return [
        {"id": link["id"], "url": f"https://{link['store']['domain']}/app/{slug}/",
         "store": link["store"]}
        for link in stores
    ]  # fmt: skip


def _metacritic_platforms(
    rng: random.Random, slug: str, metacritic: int | None, platforms: list[Item]
) -> list[Item]:
    if metacritic is None:
        return []
    return [
        {"metascore": max(1, min(100, metacritic + rng.randint(-6, 6))),
         "url": f"https://www.metacritic.com/game/{p['platform']['slug']}/{slug}",
         "platform": {"platform": p["platform"]["id"], "name": p["platform"]["name"],
                      "slug": p["platform"]["slug"]}}
        for p in platforms[:2]
    ]  # fmt: skip


def build_detail_json(seed: int, game_id: int, listed: str, companies: Companies) -> str:
    """The detail body for the game whose list item (as the stand-in renders it) is `listed`."""
    game: Item = json.loads(listed)
    rng = random.Random(f"{seed}:detail:{game_id}")
    name, slug = game["name"], game["slug"]
    description, description_raw = _description(rng, name)
    has_site = rng.random() < 0.7
    website = f"https://www.{words.slugify(name) or 'game'}.com" if has_site else ""
    developers = _pick(rng, companies.developers, rng.choice((0, 1, 1, 1, 1, 2, 2, 3)))
    publishers = _pick(rng, companies.publishers, rng.choice((0, 1, 1, 1, 1, 1, 2)))
    shots = len(game["short_screenshots"])
    has_reddit = rng.random() < 0.2
    reddit = f"https://www.reddit.com/r/{slug.replace('-', '')}/" if has_reddit else ""
    detail: Item = {
        "id": game["id"],
        "slug": slug,
        "name": name,
        "name_original": name,
        "description": description,
        "metacritic": game["metacritic"],
        "metacritic_platforms": _metacritic_platforms(
            rng, slug, game["metacritic"], game["platforms"]
        ),
        "released": game["released"],
        "tba": game["tba"],
        "updated": game["updated"],
        "background_image": game["background_image"],
        "background_image_additional": image_url(rng) if game["background_image"] else None,
        "website": website,
        "rating": game["rating"],
        "rating_top": game["rating_top"],
        "ratings": game["ratings"],
        "reactions": {str(i): rng.randint(1, 9) for i in range(1, rng.randint(1, 6))},
        "added": game["added"],
        "added_by_status": game["added_by_status"],
        "playtime": game["playtime"],
        "screenshots_count": max(0, shots - 1),
        "movies_count": rng.choice((0, 0, 0, 1, 2)),
        "creators_count": rng.randint(0, 12),
        "achievements_count": rng.choice((0, 0, rng.randint(5, 80))),
        "parent_achievements_count": rng.choice((0, 0, rng.randint(5, 80))),
        "reddit_url": reddit,
        "reddit_name": f"r/{slug.replace('-', '')}" if has_reddit else "",
        "reddit_description": "",
        "reddit_logo": "",
        "reddit_count": rng.randint(0, 300) if has_reddit else 0,
        "twitch_count": rng.randint(0, 40),
        "youtube_count": rng.randint(0, 1_000_000),
        "reviews_text_count": game["reviews_text_count"],
        "ratings_count": game["ratings_count"],
        "suggestions_count": game["suggestions_count"],
        "alternative_names": [],
        "metacritic_url": "",
        "parents_count": 0,
        "additions_count": rng.choice((0, 0, 0, 1, 3)),
        "game_series_count": rng.choice((0, 0, 2, 5)),
        "user_game": game["user_game"],
        "reviews_count": game["reviews_count"],
        "saturated_color": game["saturated_color"],
        "dominant_color": game["dominant_color"],
        "parent_platforms": game["parent_platforms"],
        "platforms": _platforms(game["platforms"]),
        "stores": _stores(slug, game["stores"]),
        "developers": developers,
        "genres": game["genres"],
        "tags": game["tags"],
        "publishers": publishers,
        "esrb_rating": game["esrb_rating"],
        "clip": game["clip"],
        "description_raw": description_raw,
    }
    return dumps(detail)

"""Reference data and generators for the stand-in's taxonomies (genres, platforms, stores, ...)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from devstack import catalogue_words as words
from gmp.endpoints import REGISTRY

Item = dict[str, Any]

# The registry's list endpoints other than /games (gmp/endpoints.py), in its order: the
# stand-in serves each (a new one needs its items below: `_fixed` or `_generated`).
TAXONOMY_NAMES = tuple(
    dict.fromkeys(e.path.strip("/") for e in REGISTRY.values() if not e.path.startswith("/games"))
)

# (id, name, slug, games_count): RAWG's 19 genres with their real ids.
GENRES = (
    (4, "Action", "action", 183_412), (51, "Indie", "indie", 77_630),
    (3, "Adventure", "adventure", 142_380), (5, "RPG", "role-playing-games-rpg", 57_140),
    (10, "Strategy", "strategy", 57_560), (2, "Shooter", "shooter", 59_210),
    (40, "Casual", "casual", 65_870), (14, "Simulation", "simulation", 70_330),
    (7, "Puzzle", "puzzle", 100_040), (11, "Arcade", "arcade", 22_610),
    (83, "Platformer", "platformer", 100_650), (59, "Massively Multiplayer",
    "massively-multiplayer", 3_480), (1, "Racing", "racing", 25_090),
    (15, "Sports", "sports", 21_960), (6, "Fighting", "fighting", 11_890),
    (19, "Family", "family", 5_390), (28, "Board Games", "board-games", 8_390),
    (34, "Educational", "educational", 15_680), (17, "Card", "card", 4_540),
)  # fmt: skip

# (id, name, slug, domain, games_count): the 10 stores RAWG lists.
STORES = (
    (1, "Steam", "steam", "store.steampowered.com", 100_120),
    (3, "PlayStation Store", "playstation-store", "store.playstation.com", 7_950),
    (2, "Xbox Store", "xbox-store", "microsoft.com", 4_810),
    (4, "App Store", "apple-appstore", "apps.apple.com", 75_470),
    (5, "GOG", "gog", "gog.com", 6_540),
    (6, "Nintendo Store", "nintendo", "nintendo.com", 9_080),
    (7, "Xbox 360 Store", "xbox360", "marketplace.xbox.com", 1_910),
    (8, "Google Play", "google-play", "play.google.com", 17_080),
    (9, "itch.io", "itch", "itch.io", 640_460),
    (11, "Epic Games", "epic-games", "epicgames.com", 1_340),
)

PARENT_PLATFORMS = {
    1: ("PC", "pc"), 2: ("PlayStation", "playstation"), 3: ("Xbox", "xbox"), 4: ("iOS", "ios"),
    8: ("Android", "android"), 5: ("Apple Macintosh", "mac"), 6: ("Linux", "linux"),
    7: ("Nintendo", "nintendo"), 9: ("Atari", "atari"), 10: ("Commodore / Amiga",
    "commodore-amiga"), 11: ("SEGA", "sega"), 12: ("3DO", "3do"), 13: ("Neo Geo", "neogeo"),
    14: ("Web", "web"),
}  # fmt: skip

# (id, name, slug, parent id, year_start, year_end), most popular first.
PLATFORMS: tuple[tuple[int, str, str, int, int | None, int | None], ...] = (
    (4, "PC", "pc", 1, None, None), (3, "iOS", "ios", 4, None, None),
    (21, "Android", "android", 8, None, None), (5, "macOS", "macos", 5, None, None),
    (6, "Linux", "linux", 6, None, None), (1, "Xbox One", "xbox-one", 3, None, None),
    (18, "PlayStation 4", "playstation4", 2, None, None),
    (7, "Nintendo Switch", "nintendo-switch", 7, None, None),
    (14, "Xbox 360", "xbox360", 3, None, None),
    (16, "PlayStation 3", "playstation3", 2, None, None),
    (187, "PlayStation 5", "playstation5", 2, 2020, None),
    (186, "Xbox Series S/X", "xbox-series-x", 3, 2020, None), (171, "Web", "web", 14, None, None),
    (8, "Nintendo 3DS", "nintendo-3ds", 7, None, None), (19, "PS Vita", "ps-vita", 2, None, None),
    (15, "PlayStation 2", "playstation2", 2, None, None),
    (9, "Nintendo DS", "nintendo-ds", 7, None, None), (17, "PSP", "psp", 2, None, None),
    (11, "Wii", "wii", 7, None, None), (10, "Wii U", "wii-u", 7, None, None),
    (27, "PlayStation", "playstation1", 2, None, None), (80, "Xbox", "xbox-old", 3, None, None),
    (105, "GameCube", "gamecube", 7, None, None),
    (83, "Nintendo 64", "nintendo-64", 7, None, None),
    (24, "Game Boy Advance", "game-boy-advance", 7, None, None),
    (166, "Commodore / Amiga", "commodore-amiga", 10, 1985, 1996),
    (79, "SNES", "snes", 7, None, None), (167, "Genesis", "genesis", 11, 1988, 1997),
    (49, "NES", "nes", 7, None, None), (43, "Game Boy Color", "game-boy-color", 7, None, None),
    (26, "Game Boy", "game-boy", 7, None, None),
    (13, "Nintendo DSi", "nintendo-dsi", 7, None, None),
    (55, "Classic Macintosh", "macintosh", 5, 1984, 2001),
    (41, "Apple II", "apple-ii", 5, 1977, 1993),
    (107, "SEGA Saturn", "sega-saturn", 11, 1994, 2000),
    (106, "Dreamcast", "dreamcast", 11, 1998, 2001),
    (74, "SEGA Master System", "sega-master-system", 11, 1985, 1996),
    (77, "Game Gear", "game-gear", 11, 1990, 1997), (119, "SEGA CD", "sega-cd", 11, 1991, 1996),
    (117, "SEGA 32X", "sega-32x", 11, 1994, 1996), (23, "Atari 2600", "atari-2600", 9, 1977, 1992),
    (31, "Atari 5200", "atari-5200", 9, 1982, 1984),
    (28, "Atari 7800", "atari-7800", 9, 1986, 1992),
    (22, "Atari Flashback", "atari-flashback", 9, 2004, None),
    (25, "Atari 8-bit", "atari-8-bit", 9, 1979, 1992), (34, "Atari ST", "atari-st", 9, 1985, 1993),
    (46, "Atari Lynx", "atari-lynx", 9, 1989, 1995),
    (50, "Atari XEGS", "atari-xegs", 9, 1987, 1992), (112, "Jaguar", "jaguar", 9, 1993, 1996),
    (111, "3DO", "3do", 12, 1993, 1996), (12, "Neo Geo", "neogeo", 13, 1990, 2004),
)  # fmt: skip
PLATFORM_PARENT = {pid: parent for pid, _, _, parent, _, _ in PLATFORMS}

POSITIONS = (
    (1, "writer", "writer"), (2, "director", "director"), (3, "composer", "composer"),
    (4, "producer", "producer"), (5, "programmer", "programmer"), (6, "artist", "artist"),
    (7, "game designer", "game-designer"),
)  # fmt: skip

# How many of each generated taxonomy the biggest item has games for (a Pareto tail follows).
_TOP_COUNTS = {"tags": 220_000, "publishers": 9_300, "developers": 5_200, "creators": 410}


def image_url(rng: random.Random, folder: str = "games") -> str:
    digest = f"{rng.getrandbits(128):032x}"
    return f"https://media.rawg.io/media/{folder}/{digest[:3]}/{digest}.jpg"


def _pareto(rng: random.Random, top: int, rank: int) -> int:
    return max(1, int(top * (rank + 1) ** -0.85 * rng.uniform(0.85, 1.15)))


def _ordered(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda item: (-item["games_count"], item["id"]))


def _fixed(name: str, rng: random.Random) -> list[Item]:
    if name == "genres":
        return [
            {"id": i, "name": n, "slug": s, "games_count": c, "image_background": image_url(rng)}
            for i, n, s, c in GENRES
        ]
    if name == "stores":
        return [
            {"id": i, "name": n, "domain": d, "slug": s, "games_count": c,
             "image_background": image_url(rng)}
            for i, n, s, d, c in STORES
        ]  # fmt: skip
    return [
        {"id": i, "name": n, "slug": s, "games_count": int(540_000 / (rank + 1) ** 1.45) + 60,
         "image_background": image_url(rng), "image": None, "year_start": ys, "year_end": ye}
        for rank, (i, n, s, _, ys, ye) in enumerate(PLATFORMS)
    ]  # fmt: skip


def _ids(rng: random.Random, count: int) -> list[int]:
    return rng.sample(range(1, max(60_000, 40 * count)), count)


def _tag_names(rng: random.Random, count: int) -> list[tuple[str, str, int]]:
    """(name, language, popularity rank) for `count` tags, about 15 % of them Russian."""
    rus = round(count * 0.15)
    eng = count - rus
    en_combos = words.combine(words.TAG_EN_ADJECTIVES, words.TAG_EN_NOUNS)
    ru_combos = words.combine(words.TAG_RU_ADJECTIVES, words.TAG_RU_NOUNS)
    english = words.unique_names(rng, words.TAG_EN_SEEDS, en_combos, eng)
    russian = words.unique_names(rng, words.TAG_RU_SEEDS, ru_combos, rus)
    slugs = {words.slugify(n) for n in english}
    russian = [n if words.slugify(n) not in slugs else f"{n} (рус)" for n in russian]
    return [(n, "eng", i) for i, n in enumerate(english)] + [
        (n, "rus", 3 * i + 2) for i, n in enumerate(russian)
    ]


def _generated(name: str, rng: random.Random, count: int) -> list[Item]:
    top = _TOP_COUNTS[name]
    ids = _ids(rng, count)
    if name == "tags":
        return [
            {"id": ids[k], "name": n, "slug": words.slugify(n),
             "games_count": _pareto(rng, top, rank), "image_background": image_url(rng),
             "language": lang}
            for k, (n, lang, rank) in enumerate(_tag_names(rng, count))
        ]  # fmt: skip
    if name == "creators":
        names = words.unique_names(
            rng, (), words.combine(words.FIRST_NAMES, words.LAST_NAMES), count
        )
        items = []
        for k, n in enumerate(names):
            picked = sorted(rng.sample(POSITIONS, rng.choice((1, 1, 1, 2, 2, 3))))
            items.append(
                {"id": ids[k], "name": n, "slug": words.slugify(n),
                 "image": image_url(rng, "persons") if rng.random() < 0.6 else None,
                 "image_background": image_url(rng), "games_count": _pareto(rng, top, k),
                 "positions": [{"id": i, "name": p, "slug": s} for i, p, s in picked]}
            )  # fmt: skip
        return items
    combos = words.combine(words.COMPANY_FIRST, words.COMPANY_SECOND, words.COMPANY_SUFFIXES)
    seeds = words.COMPANY_SEEDS if name == "publishers" else words.COMPANY_SEEDS[::-1]
    return [
        {"id": ids[k], "name": n, "slug": words.slugify(n),
         "games_count": _pareto(rng, top, k), "image_background": image_url(rng)}
        for k, n in enumerate(words.unique_names(rng, seeds, combos, count))
    ]  # fmt: skip


def base_items(name: str, seed: int, count: int) -> list[Item]:
    """The taxonomy's list items without their `games` sample, in RAWG's list order.

    `count` only matters for the generated taxonomies (tags, publishers, developers, creators).
    """
    if name not in TAXONOMY_NAMES:
        raise KeyError(f"unknown taxonomy {name!r}; one of {', '.join(TAXONOMY_NAMES)}")
    rng = random.Random(f"{seed}:taxonomy:{name}")
    if name in ("genres", "platforms", "stores"):
        return _ordered(_fixed(name, rng))
    return _ordered(_generated(name, rng, count))


def with_games(
    name: str, seed: int, items: Sequence[Item], catalogue_size: int,
    brief: Callable[[int], Item],
) -> tuple[Item, ...]:  # fmt: skip
    """The list items with RAWG's `games` sample: ~6 `{id,slug,name,added}`, most added first."""
    full = []
    for item in items:
        rng = random.Random(f"{seed}:sample:{name}:{item['id']}")
        size = min(catalogue_size, 6 if rng.random() < 0.9 else rng.randint(1, 5))
        sample = [brief(game_id) for game_id in rng.sample(range(1, catalogue_size + 1), size)]
        sample.sort(key=lambda game: (-game["added"], game["id"]))
        full.append({**item, "games": sample})
    return tuple(full)

"""Word lists, slugs and unique-name generation for the synthetic RAWG catalogue."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections.abc import Sequence

# fmt: off
_TRANSLIT = (
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
    "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "_", "y", "_", "e", "iu", "ia",
)
# fmt: on
_CYRILLIC = {
    ch: ("" if latin == "_" else latin)
    for ch, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _TRANSLIT, strict=True)
} | {"ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d"}
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """RAWG-style slug: Cyrillic transliterated, accents dropped, words joined by '-'."""
    lowered = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower() if ch not in "'’")
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text).strip("-")


def unique_names(
    rng: random.Random, seeds: Sequence[str], combos: list[str], count: int
) -> list[str]:
    """`count` distinct names (by slug): the seeds first, then shuffled combos, then numbered."""
    combos = list(combos)
    rng.shuffle(combos)
    names: list[str] = []
    slugs: set[str] = set()
    for candidate in itertools.chain(seeds, combos):
        if len(names) == count:
            return names
        slug = slugify(candidate)
        if slug and slug not in slugs:
            slugs.add(slug)
            names.append(candidate)
    pool = names or ["Item"]
    for number in itertools.count(2):
        if len(names) >= count:
            break
        for base in pool[: count - len(names)]:
            names.append(f"{base} {number}")
    return names[:count]


def combine(*parts: Sequence[str]) -> list[str]:
    return [" ".join(words) for words in itertools.product(*parts)]


# fmt: off
GAME_ADJECTIVES = (
    "Shadow", "Crystal", "Iron", "Silent", "Broken", "Eternal", "Hidden", "Lost", "Crimson",
    "Frozen", "Golden", "Hollow", "Infinite", "Last", "Neon", "Pixel", "Savage", "Sunken",
    "Wild", "Cosmic", "Forgotten", "Little", "Mighty", "Rusty", "Velvet", "Électrique",
)
GAME_NOUNS = (
    "Kingdom", "Legends", "Odyssey", "Frontier", "Tactics", "Chronicles", "Outpost", "Dungeon",
    "Racer", "Harvest", "Protocol", "Empire", "Saga", "Arena", "Drift", "Quest", "Signal",
    "Garden", "Citadel", "Heist", "Voyage", "Fjörd", "Mirage", "Colony", "Knight", "Café",
)
GAME_SUBTITLES = (
    "Remastered", "Definitive Edition", "Origins", "Reborn", "The Awakening", "Director's Cut",
    "Gold Edition", "Part II", "Rising", "Zero", "Deluxe", "Anniversary Edition",
)
GAME_NON_LATIN = (
    "Сказка о Тьме", "Звёздный Путь", "Тайны Севера", "Последний Рубеж", "夢幻の塔", "星の旅人",
    "龍の剣", "검은 사막의 전설", "Ōkami Tales", "Pokémon-like Adventure",
)
TAG_EN_SEEDS = (
    "Singleplayer", "Steam Achievements", "Multiplayer", "Full controller support",
    "Atmospheric", "Steam Cloud", "Great Soundtrack", "RPG", "Co-op", "Story Rich",
    "Open World", "cooperative", "First-Person", "2D", "Partial Controller Support",
    "Third Person", "Sci-fi", "Horror", "FPS", "Fantasy", "Funny", "Difficult", "Exploration",
    "Sandbox", "Survival", "Pixel Graphics", "Anime", "Stealth", "Retro", "Female Protagonist",
    "Physics", "Turn-Based", "Tactical", "Roguelike", "Puzzle", "Casual", "Family Friendly",
    "Online Co-Op", "PvP", "Local Co-Op",
)
TAG_EN_ADJECTIVES = (
    "Procedural", "Cozy", "Dark", "Hand-drawn", "Competitive", "Narrative", "Isometric",
    "Classic", "Relaxing", "Fast-Paced", "Minimalist", "Cinematic", "Asymmetric", "Realistic",
    "Surreal", "Colorful", "Gothic", "Post-apocalyptic", "Medieval", "Futuristic", "Turn-based",
    "Real-Time",
)
TAG_EN_NOUNS = (
    "Combat", "Exploration", "Crafting", "Building", "Farming", "Dungeons", "Racing", "Puzzles",
    "Platforming", "Shooter", "Strategy", "Management", "Horror", "Mystery", "Romance",
    "Sports", "Music", "Physics", "Stealth", "Survival", "Trading", "Card Battler",
)
TAG_RU_SEEDS = (
    "Для нескольких игроков", "Одиночная игра", "Атмосфера", "Отличный саундтрек", "Кооператив",
    "Открытый мир", "От первого лица", "Экшен", "Приключение", "Стратегия", "Головоломка",
    "Ужасы", "Фэнтези", "Научная фантастика", "Песочница", "Выживание", "Инди", "Реализм",
    "Пиксельная графика", "Аниме", "Казуальная игра", "Гонки", "Симулятор", "Платформер",
    "Стелс", "Шутер", "Исследование", "Достижения Steam", "Полная поддержка контроллеров",
    "Тактика", "Пошаговая", "Вид сверху", "Ретро", "Глубокий сюжет", "Протагонистка", "Насилие",
)
TAG_RU_ADJECTIVES = (
    "Тёмный", "Открытый", "Быстрый", "Древний", "Мрачный", "Весёлый", "Живой", "Пиксельный",
    "Тактический", "Кооперативный", "Сложный", "Уютный",
)
TAG_RU_NOUNS = (
    "мир", "лес", "город", "замок", "космос", "герой", "бой", "сюжет", "квест", "режим",
    "стиль", "крафт",
)
COMPANY_SEEDS = (
    "Electronic Arts", "Ubisoft Entertainment", "Square Enix", "SEGA", "Nintendo",
    "Sony Interactive Entertainment", "Xbox Game Studios", "Bandai Namco Entertainment",
    "Activision Blizzard", "Capcom", "Devolver Digital", "Paradox Interactive",
    "Annapurna Interactive", "Team17", "Focus Entertainment", "THQ Nordic", "505 Games",
    "Warner Bros. Interactive", "Bethesda Softworks", "Take-Two Interactive", "Konami",
    "Koei Tecmo", "Deep Silver", "Raw Fury", "Curve Games", "tinyBuild", "Humble Games",
    "Chucklefish", "Kalypso Media", "Big Fish Games", "CD PROJEKT RED", "Łódź Pixel Works",
    "Studio Kōhai", "Café Bohème Games", "1С-СофтКлаб",
)
COMPANY_FIRST = (
    "Blue", "Red", "Iron", "Silver", "Northern", "Lucky", "Quiet", "Brave", "Clever", "Little",
    "Hidden", "Wandering", "Golden", "Bright", "Electric", "Ancient", "Happy", "Stormy",
    "Rogue", "Cosmic", "Velvet", "Paper", "Glass", "Wooden", "Mad", "Sleepy", "Tiny", "Grand",
    "Noble", "Secret",
)
COMPANY_SECOND = (
    "Fox", "Owl", "Raven", "Bear", "Wolf", "Moose", "Otter", "Falcon", "Badger", "Tiger",
    "Pixel", "Anvil", "Lantern", "Compass", "Rocket", "Castle", "Harbor", "Forge", "Comet",
    "Cactus", "Mushroom", "Dragon", "Koi", "Lynx", "Panda", "Robot", "Kite", "Beacon", "Cloud",
    "Cobalt",
)
COMPANY_SUFFIXES = (
    "Games", "Interactive", "Studios", "Entertainment", "Publishing", "Digital", "Software",
    "Labs",
)
FIRST_NAMES = (
    "Alex", "Maria", "Hideo", "Yuki", "Sven", "Olga", "Dmitry", "Sarah", "John", "Aiko",
    "Lucas", "Chloé", "Mateusz", "Ingrid", "Kenji", "Fatima", "Carlos", "Elena", "Tomás",
    "Anna", "Ryan", "Mei", "Jonas", "Zoë", "Pavel", "Nadia", "Oscar", "Leila", "Hiroshi",
    "Grace", "Björn", "Amir", "Sofia", "Daniel", "Keiko", "Marcus", "Irina", "Noah", "Léa",
    "Viktor",
)
LAST_NAMES = (
    "Miyamoto", "Kowalski", "Ivanova", "Smith", "Tanaka", "Johansson", "Müller", "García",
    "Rossi", "Novak", "Petrov", "Kim", "Nguyen", "Dubois", "Andersen", "O'Brien", "Silva",
    "Yamada", "Schmidt", "Lindqvist", "Moreau", "Sato", "Wójcik", "Fischer", "Costa", "Larsen",
    "Hoffmann", "Nakamura", "Popescu", "Horvat", "Ito", "Bauer", "Eriksson", "Mendes",
    "Kuznetsov", "Fujita", "Laurent", "Varga", "Hughes", "Østergaard",
)
# fmt: on

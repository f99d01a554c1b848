"""The shape of a page's items: JSON paths with the types seen (extractor/shape.py)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from extractor.shape import ShapeCollector

GAME = {
    "id": 3498,
    "name": "Grand Theft Auto V",
    "rating": 4.47,
    "metacritic": None,
    "tba": False,
    "genres": [{"id": 4, "slug": "action"}],
    "ratings": [{"id": 5, "count": 10, "percent": 59.1}],
    "added_by_status": {"owned": 12, "beaten": 3},
    "esrb_rating": {"id": 4, "slug": "mature"},
    "reactions": {"1": 5, "23": 2},
    "short_screenshots": [],
    "tags_ids": [1, 2],
}


def page(*items: object) -> bytes:
    return json.dumps({"count": len(items), "next": None, "results": list(items)}).encode()


def test_paths_and_types_of_items() -> None:
    other = {**GAME, "metacritic": 92, "esrb_rating": None, "rating": 4}
    collector = ShapeCollector()
    collector.add_page(page(GAME, other))
    shape = collector.shape()
    assert shape["name"] == ["string"]
    assert shape["metacritic"] == ["integer", "null"]
    assert shape["rating"] == ["integer", "number"]
    assert shape["tba"] == ["boolean"]
    assert shape["genres"] == ["array"] and shape["genres[]"] == ["object"]
    assert shape["genres[].slug"] == ["string"]
    assert shape["ratings[].count"] == ["integer"] and shape["ratings[].percent"] == ["number"]
    assert shape["added_by_status.owned"] == ["integer"]
    assert shape["esrb_rating"] == ["null", "object"] and shape["esrb_rating.slug"] == ["string"]
    assert shape["reactions.*"] == ["integer"]  # ids are not fields
    assert shape["short_screenshots"] == ["array"] and "short_screenshots[]" not in shape
    assert shape["tags_ids[]"] == ["integer"]
    assert not any(p in shape for p in ("count", "next", "results"))  # the envelope is not shaped
    assert list(shape) == sorted(shape)


def test_union_over_pages_from_threads() -> None:
    collector = ShapeCollector()
    pages = [page({"id": n, "name": "x"}) for n in range(50)] + [page({"id": "7", "new": 1})]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(collector.add_page, pages))
    assert collector.shape() == {
        "id": ["integer", "string"],
        "name": ["string"],
        "new": ["integer"],
    }


def test_empty_and_unreadable_pages_add_nothing() -> None:
    collector = ShapeCollector()
    collector.add_page(page())
    collector.add_page(b"not json")
    collector.add_page(b"[1, 2]")
    assert collector.shape() == {}

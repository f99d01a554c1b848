"""The shape of an endpoint's items: every JSON path seen, with the JSON types seen at it.

A path names a value inside one item (never the page envelope): `name`, `esrb_rating.slug`,
`genres` (the array), `genres[]` (its elements), `genres[].slug`, `added_by_status.owned`.
Object keys made of digits only (RAWG's `reactions` maps ids to counts) are spelled `*`, so ids
never read as new fields. Types are JSON's: string, integer, number (non-integer), boolean,
null, object, array. The manifest keeps it as `item_shape`: {path: sorted list of types}
(docs/lake.md); `gmp drift` compares two days of it (extractor/drift.py).

ShapeCollector is fed every page as the partition is written, from several threads: each page
is walked into a local map, merged under a lock. Nothing is copied; the page is parsed once more
(orjson), which costs about a tenth of the walk.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

Shape = dict[str, list[str]]  # path -> sorted JSON types, as the manifest stores it

_TYPES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
}


def _walk_object(obj: dict[str, Any], prefix: str, seen: dict[str, set[str]]) -> None:
    """The values of one object, under `prefix` ("" at the top, else "path.")."""
    types = _TYPES
    for key, value in obj.items():
        path = prefix + ("*" if key.isdigit() else key)
        kind = types.get(type(value), "string")
        known = seen.get(path)
        if known is None:
            seen[path] = {kind}
        elif kind not in known:
            known.add(kind)
        if kind == "object":
            _walk_object(value, path + ".", seen)
        elif kind == "array" and value:
            _walk_array(value, path + "[]", seen)


def _walk_array(values: list[Any], path: str, seen: dict[str, set[str]]) -> None:
    """The elements of one non-empty array, all at `path` ("….[]")."""
    types = _TYPES
    known = seen.get(path)
    if known is None:
        seen[path] = known = set()
    for value in values:
        kind = types.get(type(value), "string")
        if kind not in known:
            known.add(kind)
        if kind == "object":
            _walk_object(value, path + ".", seen)
        elif kind == "array" and value:
            _walk_array(value, path + "[]", seen)


def item_paths(items: list[Any]) -> dict[str, set[str]]:
    """Every path seen in these items, with its types."""
    seen: dict[str, set[str]] = {}
    for item in items:
        if isinstance(item, dict):
            _walk_object(item, "", seen)
    return seen


class ShapeCollector:
    """The union of the shapes of every page fed to it; thread-safe."""

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def add_page(self, body: bytes) -> None:
        """Shape the `results` of one page in RAWG's list envelope; a body that is not one
        adds nothing (the extractor has already checked it)."""
        try:
            results = orjson.loads(body).get("results")
        except (orjson.JSONDecodeError, AttributeError):
            return
        if isinstance(results, list):
            self.add_items(results)

    def add_items(self, items: list[Any]) -> None:
        local = item_paths(items)
        with self._lock:
            for path, types in local.items():
                known = self._seen.get(path)
                if known is None:
                    self._seen[path] = types
                else:
                    known |= types

    def shape(self) -> Shape:
        with self._lock:
            return {path: sorted(self._seen[path]) for path in sorted(self._seen)}

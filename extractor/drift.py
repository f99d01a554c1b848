"""Schema drift: a day's item shape against the previous committed partition of its endpoint.

The shape is the manifest's `item_shape` (extractor/shape.py). For each endpoint, D's committed
partition is compared with the newest committed partition before D (found by one listing of the
endpoint's `run_date=` folders, newest first, not a GET per day back). Reported:

- paths added and removed; a path under one that is itself added or removed is implied, not
  listed. A path is only "removed" when the value holding it was still seen with content (its
  parent object or non-empty array): a nested field is not removed because every item of a small
  day had `esrb_rating: null` or an empty `genres` list; the same rule for "added";
- types changed: the set of non-null types differs, `integer` counted as `number` (RAWG writes
  4.0 as 4 at times). A path that only gained or lost `null` is not a type change (a nullable
  field is normal); nor is a path seen only as null on one of the days (`null_only`, listed in
  the JSON, not in the summary);
- removed paths the dbt models read (extractor/model_paths.py): `read_by_models`. The build does
  not fail on them (the models read nulls), so this is where they are named.

A partition without `item_shape` (written before gmp recorded it) has an unknown shape: no drift
is claimed either way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from extractor.lake import Lake
from extractor.layout import RUN_DATE, join_key
from extractor.model_paths import READ_BY_MODELS

Shape = dict[str, list[str]]

COMPARED = "compared"
NO_PARTITION = "no partition"  # D itself is not committed
NO_PREVIOUS = "no previous partition"  # D is the endpoint's first committed partition
UNKNOWN = "shape unknown"  # one of the two manifests has no item_shape
EMPTY = "no items"  # one of the two partitions holds no items: nothing to compare

_FOLDER = re.compile(RUN_DATE + r"=(\d{4}-\d{2}-\d{2})/$")
_CONTAINERS = {"object", "array"}


@dataclass(frozen=True)
class TypeChange:
    path: str
    old: str  # e.g. "number", "number|string"
    new: str


@dataclass
class EndpointDrift:
    endpoint: str
    run_date: dt.date
    status: str
    previous: dt.date | None = None
    reason: str = ""  # for UNKNOWN: which manifest lacks the shape
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    type_changed: list[TypeChange] = field(default_factory=list)
    null_only: list[str] = field(default_factory=list)
    read_by_models: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.added or self.removed or self.type_changed)

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "run_date": self.run_date.isoformat(),
            "status": self.status,
            "previous_run_date": self.previous.isoformat() if self.previous else None,
            "reason": self.reason or None,
            "drift": self.drifted,
            "added": self.added,
            "removed": self.removed,
            "read_by_models": self.read_by_models,
            "type_changed": [
                {"path": c.path, "old": c.old, "new": c.new} for c in self.type_changed
            ],
            "null_only": self.null_only,
        }


# -- comparing two shapes ---------------------------------------------------------------------


def parent(path: str) -> str | None:
    """The path of the value holding this one: `a.b` -> `a`, `a[]` -> `a`, `a[].b` -> `a[]`."""
    if path.endswith("[]"):
        return path[:-2]
    cut = path.rfind(".")
    return path[:cut] if cut > 0 else None


def _non_null(types: list[str]) -> set[str]:
    return {"number" if t == "integer" else t for t in types if t != "null"}


def _spell(types: set[str]) -> str:
    return "|".join(sorted(types))


def _with_content(shape: Shape) -> set[str]:
    """Paths whose value was seen with content: some path hangs below them."""
    return {p for p in (parent(path) for path in shape) if p is not None}


def _new_paths(ours: Shape, theirs: Shape) -> list[str]:
    """Paths in `ours` not in `theirs`, where `theirs` saw the holding value with content;
    only the topmost of a new subtree."""
    content = _with_content(theirs)
    found = []
    for path in ours:
        if path in theirs:
            continue
        above = parent(path)
        if above is None or (above in theirs and above in content):
            found.append(path)
    return sorted(found)


def compare(old: Shape, new: Shape) -> tuple[list[str], list[str], list[TypeChange], list[str]]:
    """(added, removed, type changes, seen only as null on one day) from old to new."""
    added, removed = _new_paths(new, old), _new_paths(old, new)
    changed, null_only = [], []
    for path in sorted(set(old) & set(new)):
        before, after = _non_null(old[path]), _non_null(new[path])
        if before == after:
            continue
        if not before or not after:
            null_only.append(path)
        else:
            changed.append(TypeChange(path, _spell(before), _spell(after)))
    return added, removed, changed, null_only


def read_by_models(endpoint: str, removed: list[str]) -> list[str]:
    """The removed paths the dbt models read, themselves or below them."""
    read = READ_BY_MODELS.get(endpoint, ())
    return [
        path
        for path in removed
        if any(r == path or r.startswith((path + ".", path + "[]")) for r in read)
    ]


# -- the lake ---------------------------------------------------------------------------------


def partition_days(lake: Lake, endpoint: str) -> list[dt.date]:
    """The endpoint's partition folders' days, newest first, committed or not: one delimited
    listing of the whole history (`gaps_lake.committed_days` lists every object of a range;
    over ten years of pages that would be a hundred times more LIST requests)."""
    days = []
    for folder in lake.folders(join_key(lake.prefix, endpoint) + "/"):
        match = _FOLDER.search(folder)
        if match:
            try:
                days.append(dt.date.fromisoformat(match.group(1)))
            except ValueError:
                continue
    return sorted(days, reverse=True)


def previous_manifest(
    lake: Lake, endpoint: str, run_date: dt.date
) -> tuple[dt.date, dict[str, Any]] | None:
    """The newest committed partition before run_date: its day and manifest."""
    for day in partition_days(lake, endpoint):
        if day >= run_date:
            continue
        manifest = lake.manifest(endpoint, day)  # a folder without one is mid-commit: skip it
        if manifest is not None:
            return day, manifest
    return None


def endpoint_drift(lake: Lake, endpoint: str, run_date: dt.date) -> EndpointDrift:
    result = EndpointDrift(endpoint, run_date, NO_PARTITION)
    current = lake.manifest(endpoint, run_date)
    if current is None:
        return result
    found = previous_manifest(lake, endpoint, run_date)
    if found is None:
        result.status = NO_PREVIOUS
        return result
    result.previous, before = found
    old, new = before.get("item_shape"), current.get("item_shape")
    if not isinstance(old, dict) or not isinstance(new, dict):
        result.status = UNKNOWN
        missing = [
            d for d, s in ((result.previous, old), (run_date, new)) if not isinstance(s, dict)
        ]
        result.reason = "no item_shape in the manifest of " + " and ".join(map(str, missing))
        return result
    if not old or not new:
        result.status = EMPTY
        return result
    result.status = COMPARED
    result.added, result.removed, result.type_changed, result.null_only = compare(old, new)
    result.read_by_models = read_by_models(endpoint, result.removed)
    return result


def drift(lake: Lake, run_date: dt.date, endpoints: list[str]) -> list[EndpointDrift]:
    return [endpoint_drift(lake, endpoint, run_date) for endpoint in endpoints]


# -- the one line -----------------------------------------------------------------------------


def _names(paths: list[str], limit: int = 4) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f", … {len(paths) - limit} more" if len(paths) > limit else "")


def _count(sign: str, paths: list[str]) -> str:
    return f"{sign}{len(paths)} field{'s' if len(paths) != 1 else ''}"


def _describe(result: EndpointDrift) -> str:
    parts = []
    if result.removed:
        read = result.read_by_models
        note = ""
        if read and len(read) == len(result.removed):
            note = ", read by models"
        elif read:
            note = f"; read by models: {_names(read)}"
        parts.append(f"{_count('-', result.removed)} ({_names(result.removed)}{note})")
    if result.added:
        parts.append(f"{_count('+', result.added)} ({_names(result.added)})")
    if result.type_changed:
        changes = [f"{c.path} {c.old}→{c.new}" for c in result.type_changed]
        parts.append("type changed: " + _names(changes, 3))
    return f"{result.endpoint} " + ", ".join(parts)


def summary_line(results: list[EndpointDrift]) -> str:
    """One line: "drift: none", or e.g. "drift: games -1 field (metacritic, read by models),
    +1 field (x); genres type changed: games_count number→string"."""
    if results and all(r.status == NO_PARTITION for r in results):
        return "drift: none compared (no partition of this day)"
    drifted = [_describe(r) for r in results if r.drifted]
    unknown = [r.endpoint for r in results if r.status == UNKNOWN]
    line = "drift: " + ("; ".join(drifted) if drifted else "none")
    if unknown:
        line += f" (shape unknown for {', '.join(unknown)})"
    return line


def removed_paths(results: list[EndpointDrift]) -> list[str]:
    """Removed paths, endpoint-qualified: `games.metacritic`."""
    return [f"{r.endpoint}.{path}" for r in results for path in r.removed]


def day_drift_fields(run_date: dt.date) -> dict[str, Any]:
    """What the daily run's outcome record carries: `drift` and `drift_removed`, over the daily
    endpoints, from the lake the settings name."""
    from gmp.context import lake_settings
    from gmp.endpoints import DEFAULT_ENDPOINTS

    lake = Lake(lake_settings())
    lake.check()
    results = drift(lake, run_date, list(DEFAULT_ENDPOINTS))
    return {"drift": summary_line(results), "drift_removed": removed_paths(results)}

"""Write extractor/model_paths.py: the item paths the dbt models read, per endpoint.

`gmp drift` marks a removed path "read by models" with it. Derived from the SQL, not by hand:
- staging `stg_rawg__{endpoint}`: `json_value('item', 'a.b', …)` reads `a.b`;
  `rawg_taxonomy_columns('item')` reads name, slug, games_count, image_background;
- intermediate models unnest a staging column (`json_array_elements(parse_json('x.col'), 'e')`):
  `json_value(json_element('e'), 'p', …)` reads `{col's path}[].p`,
  `rawg_taxonomy_columns(json_element('e'))` and `…(json_get(json_element('e'), 'q'))` the
  taxonomy columns there; `json_value(parse_json('col'), var, …)` inside
  `{% for var in [...] %}` reads `{col's path}.{each value}`.
tests/extractor/test_drift.py fails when the committed module is stale: run
`.venv/bin/python scripts/model_paths.py` and commit the result.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "dbt" / "models"
TARGET = ROOT / "extractor" / "model_paths.py"
TAXONOMY = ("name", "slug", "games_count", "image_background")

_ITEMS = re.compile(r"rawg_items\('(\w+)'\)")
_ITEM_VALUE = re.compile(r"json_value\('item', '([\w.]+)', '(\w+)'\)\s*}}\s*\)?\s*(?:,\s*''\s*\))?")
_ITEM_COLUMN = re.compile(r"json_value\('item', '([\w.]+)', '\w+'\)\s*}}\s*\)?\s*as (\w+)")
_REF = re.compile(r"ref\('stg_rawg__(\w+)'\)")
_UNNEST = re.compile(r"json_array_elements\(parse_json\('(?:\w+\.)?(\w+)'\), '(\w+)'\)")
_LOOP = re.compile(r"for (\w+) in \[([^\]]*)\]")
_LOOP_VALUE = re.compile(r"json_value\(parse_json\('(?:\w+\.)?(\w+)'\), (\w+),")


def _element_paths(sql: str, alias: str) -> list[str]:
    element = rf"json_element\('{alias}'\)"
    found = re.findall(rf"json_value\({element}, '([\w.]+)'", sql)
    if re.search(rf"rawg_taxonomy_columns\({element}\)", sql):
        found += TAXONOMY
    for inner in re.findall(rf"rawg_taxonomy_columns\(json_get\({element}, '([\w.]+)'\)\)", sql):
        found += [f"{inner}.{name}" for name in TAXONOMY]
    return found


def read_paths(models: Path = MODELS) -> dict[str, list[str]]:
    paths: dict[str, set[str]] = {}
    columns: dict[str, dict[str, str]] = {}  # endpoint -> staging column -> item path
    for sql_file in sorted(models.glob("staging/**/stg_rawg__*.sql")):
        sql = sql_file.read_text()
        source = _ITEMS.search(sql)
        if source is None:
            continue
        endpoint = source.group(1)
        found = paths.setdefault(endpoint, set())
        found.update(m.group(1) for m in _ITEM_VALUE.finditer(sql))
        if "rawg_taxonomy_columns('item')" in sql:
            found.update(TAXONOMY)
        columns[endpoint] = {m.group(2): m.group(1) for m in _ITEM_COLUMN.finditer(sql)}
    for sql_file in sorted(models.glob("**/*.sql")):
        sql = sql_file.read_text()
        for endpoint in set(_REF.findall(sql)):
            known = columns.get(endpoint, {})
            for column, alias in _UNNEST.findall(sql):
                if column in known:
                    base = known[column] + "[]"
                    paths[endpoint].update(f"{base}.{p}" for p in _element_paths(sql, alias))
            loops = {var: re.findall(r"'(\w+)'", values) for var, values in _LOOP.findall(sql)}
            for column, var in _LOOP_VALUE.findall(sql):
                if column in known and var in loops:
                    paths[endpoint].update(f"{known[column]}.{v}" for v in loops[var])
    return {endpoint: sorted(found) for endpoint, found in sorted(paths.items())}


def render(paths: dict[str, list[str]]) -> str:
    lines = [
        '"""The item paths the dbt models read, per endpoint (`gmp drift`: "read by models").',
        "",
        "Generated from dbt/models by scripts/model_paths.py; do not edit by hand.",
        '"""',
        "",
        "READ_BY_MODELS: dict[str, tuple[str, ...]] = {",
    ]
    for endpoint, found in paths.items():
        lines.append(f"    {endpoint!r}: (")
        lines += [f"        {p!r}," for p in found]
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines).replace("'", '"') + "\n"


def main() -> int:
    TARGET.write_text(render(read_paths()))
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

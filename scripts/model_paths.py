"""Write extractor/model_paths.py: the item paths the dbt models read, per endpoint.

`gmp drift` marks a removed path "read by models" with it. Derived from the SQL, not by hand:
- staging `stg_rawg__{endpoint}`: `json_value('item', 'a.b', …)` reads `a.b`;
  `rawg_taxonomy_columns('item')` reads name, slug, games_count, image_background;
- intermediate models unnest a staging column (`json_array_elements(parse_json('x.col'), 'e')`):
  `json_value(json_element('e'), 'p', …)` reads `{col's path}[].p`,
  `rawg_taxonomy_columns(json_element('e'))` and `…(json_get(json_element('e'), 'q'))` the
  taxonomy columns there; `json_columns(json_element('e'), [...])` the paths of the
  `(column, 'path', 'type')` tuples in the model and of `rawg_taxonomy_fields('prefix.')`;
  `json_value(parse_json('col'), var, …)` inside `{% for var in [...] %}` reads
  `{col's path}.{each value}`.
- a staging model that calls a macro (`{{ stg_rawg_game_list('games_popular') }}`: the /games
  list item, typed once for every endpoint of list items) reads what the macro's body reads,
  the `(column, 'path', 'type')` tuples of a field list included;
- a model that refs another model reads, through it, the endpoints that one refs (a union of
  staging models, `ref('stg_rawg__' ~ endpoint)` over a `{% set endpoints = [...] %}`, passes
  their columns on under the same names).
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
_MODEL_REF = re.compile(r"ref\('(\w+)'\)")
_REF_LOOP = re.compile(r"ref\('stg_rawg__' ~ (\w+)\)")
_SET_LIST = re.compile(r"set (\w+) = \[([^\]]*)\]")
_FOR = re.compile(r"for (\w+) in (\w+)\b")
_MACRO = re.compile(r"{%-? macro (\w+)\(.*?%}(.*?){%-? endmacro", re.DOTALL)
_MACRO_CALL = re.compile(r"{{\s*(\w+)\('(\w+)'")
_FIELD = re.compile(r"\('(\w+)', '([\w.]+)', '\w+'\)")
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
    if re.search(rf"json_columns\({element},", sql):  # the model's field list: its tuples
        found += [path for _, path in _FIELD.findall(sql)]
        for prefix in re.findall(r"rawg_taxonomy_fields\('([\w.]*)'\)", sql):
            found += [f"{prefix}{name}" for name in TAXONOMY]
        if "rawg_taxonomy_fields()" in sql:
            found += TAXONOMY
    return found


def _macros(models: Path) -> dict[str, str]:
    """Each macro's body by name, from the dbt project's macros/ beside models/."""
    bodies: dict[str, str] = {}
    for sql_file in sorted((models.parent / "macros").glob("**/*.sql")):
        bodies.update(_MACRO.findall(sql_file.read_text()))
    return bodies


def _with_macros(sql: str, macros: dict[str, str]) -> tuple[str, str | None]:
    """The SQL with the body of each macro it calls appended (and theirs), and the endpoint
    named by a called macro's first argument, when one is."""
    endpoint, seen, pending = None, set(), [sql]
    while pending:
        for name, argument in _MACRO_CALL.findall(pending.pop()):
            if name in macros and name not in seen:
                endpoint = endpoint or (argument if name.startswith("stg_") else None)
                seen.add(name)
                pending.append(macros[name])
                for called in re.findall(r"\b(\w+)\(\)", macros[name]):
                    if called in macros and called not in seen:
                        seen.add(called)
                        pending.append(macros[called])
    return sql + "".join(macros[name] for name in sorted(seen)), endpoint


def _direct_refs(sql: str) -> set[str]:
    """The staging endpoints a model refs by name or in a loop over a literal list."""
    found = set(_REF.findall(sql))
    lists = {name: re.findall(r"'(\w+)'", values) for name, values in _SET_LIST.findall(sql)}
    loops = {var: lists.get(seq, []) for var, seq in _FOR.findall(sql)}
    for var in _REF_LOOP.findall(sql):
        found.update(loops.get(var, []))
    return found


def _reads(texts: dict[str, str]) -> dict[str, set[str]]:
    """The staging endpoints each model reads, directly or through the models it refs."""
    reads: dict[str, set[str]] = {name: _direct_refs(sql) for name, sql in texts.items()}
    changed = True
    while changed:
        changed = False
        for name, sql in texts.items():
            for other in _MODEL_REF.findall(sql):
                extra = reads.get(other, set()) - reads[name]
                if extra and not other.startswith("stg_rawg__"):
                    reads[name] |= extra
                    changed = True
    return reads


def read_paths(models: Path = MODELS) -> dict[str, list[str]]:
    paths: dict[str, set[str]] = {}
    columns: dict[str, dict[str, str]] = {}  # endpoint -> staging column -> item path
    macros = _macros(models)
    for sql_file in sorted(models.glob("staging/**/stg_rawg__*.sql")):
        sql, called = _with_macros(sql_file.read_text(), macros)
        source = _ITEMS.search(sql)
        endpoint = source.group(1) if source else called
        if endpoint is None:
            continue
        found = paths.setdefault(endpoint, set())
        found.update(m.group(1) for m in _ITEM_VALUE.finditer(sql))
        if "rawg_taxonomy_columns('item')" in sql:
            found.update(TAXONOMY)
        columns[endpoint] = {m.group(2): m.group(1) for m in _ITEM_COLUMN.finditer(sql)}
        fields = dict(_FIELD.findall(sql))  # (column, 'path', 'type') tuples of a field list
        found.update(fields.values())
        columns[endpoint].update(fields)
    texts = {f.stem: f.read_text() for f in sorted(models.glob("**/*.sql"))}
    reads = _reads(texts)
    for name, sql in texts.items():
        for endpoint in reads[name] & set(paths):
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

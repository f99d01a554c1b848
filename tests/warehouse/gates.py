"""The warehouse's gates, read from dbt's manifest: every row-level rule a data test enforces.

A gate is one rule on one model, written as one line, e.g. `dim_games not_null game_id` or
`bridge_game_tags relationships tag_id -> dim_tags.tag_id`. It reads the same whether the
rule is its own dbt test (`not_null`, `unique`, `accepted_values`, `relationships`,
`unique_combination`, `at_least`) or one of the rules of a model's `gates` test
(dbt/tests/generic/gates.sql), so folding tests together can be checked to drop none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$""")


def _model(ref: str) -> str:
    found = _REF.match(ref)
    if found is None:
        raise ValueError(f"not a ref(): {ref!r}")
    return found.group(1)


def _gate(model: str, rule: str, detail: str, severity: str) -> str:
    warn = " (warn)" if severity.lower() == "warn" else ""
    return f"{model} {rule} {detail}{warn}"


def _values(values: Iterable[Any]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def single_test_gates(model: str, name: str, kwargs: Mapping[str, Any], severity: str) -> list[str]:
    """The one gate of a dbt test of one rule."""
    column = kwargs.get("column_name")
    if name == "not_null":
        return [_gate(model, "not_null", column, severity)]
    if name == "unique":
        return [_gate(model, "unique", column, severity)]
    if name == "unique_combination":
        return [_gate(model, "unique", ",".join(kwargs["columns"]), severity)]
    if name == "accepted_values":
        return [
            _gate(model, "accepted_values", f"{column} in {_values(kwargs['values'])}", severity)
        ]
    if name == "relationships":
        target = f"{_model(kwargs['to'])}.{kwargs['field']}"
        return [_gate(model, "relationships", f"{column} -> {target}", severity)]
    if name == "at_least":
        return [_gate(model, "at_least", f"{column} >= {kwargs['minimum']}", severity)]
    raise ValueError(f"unknown test {name!r} on {model}")


def gates_test_gates(model: str, kwargs: Mapping[str, Any], severity: str) -> list[str]:
    """The gates of one `gates` test: each of its rules, as if it were its own test."""
    found: list[str] = []
    for column in kwargs.get("not_null") or []:
        found.append(_gate(model, "not_null", column, severity))
    for key in kwargs.get("unique") or []:
        columns = key if isinstance(key, str) else ",".join(key)
        found.append(_gate(model, "unique", columns, severity))
    for column, values in (kwargs.get("accepted_values") or {}).items():
        found.append(_gate(model, "accepted_values", f"{column} in {_values(values)}", severity))
    for column, ref in (kwargs.get("relationships") or {}).items():
        found.append(_gate(model, "relationships", f"{column} -> {_model(ref)}.{column}", severity))
    for column, minimum in (kwargs.get("at_least") or {}).items():
        found.append(_gate(model, "at_least", f"{column} >= {minimum}", severity))
    return found


def node_gates(node: Mapping[str, Any], nodes: Mapping[str, Any]) -> list[str]:
    """The gates one data-test node of the manifest enforces."""
    meta = node.get("test_metadata")
    if not meta:
        raise ValueError(f"{node['unique_id']}: a singular test; name its gate in gates.py")
    attached = nodes[node["attached_node"]]["name"]
    kwargs = meta.get("kwargs") or {}
    severity = str(node["config"].get("severity") or "error")
    if meta["name"] == "gates":
        return gates_test_gates(attached, kwargs, severity)
    return single_test_gates(attached, meta["name"], kwargs, severity)


def manifest_gates(manifest: Mapping[str, Any], selected: Iterable[str] | None = None) -> list[str]:
    """Every gate of the manifest's data tests (only the `selected` unique_ids, if given)."""
    nodes = manifest["nodes"]
    chosen = set(selected) if selected is not None else None
    gates: list[str] = []
    for uid, node in nodes.items():
        if node["resource_type"] != "test" or (chosen is not None and uid not in chosen):
            continue
        gates += node_gates(node, nodes)
    return sorted(gates)

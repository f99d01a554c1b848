"""Every window ordering in dbt/models and dbt/macros says where NULLs go (`nulls last/first`).

Snowflake puts NULLs first in `order by ... desc` and DuckDB puts them last, so a
`row_number() ... = 1` or a `lag()` ordered by a nullable column without NULLS FIRST/LAST picks
different rows on prod and dev (tests/warehouse/prod/test_snowflake_parity.py shows it on the
emulator). The sources are read, not compiled: each `over (...)` / `within group (...)` ORDER BY
term must end in NULLS FIRST or NULLS LAST; a term spliced from a macro argument (`{{ order_by }}`)
is allowed only for the macros listed in ORDERING_ARGS, and then every call of that macro must
pass a string literal whose terms all state their NULL placement.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

DBT = Path(__file__).resolve().parents[2] / "dbt"
SOURCES = ("models", "macros")
# macro -> (position, name) of its argument that becomes (part of) a window's ORDER BY
ORDERING_ARGS = {"one_row_per": (1, "order_by"), "latest_state": (3, "tie_breaker")}

WINDOW = re.compile(r"\b(?:over|within\s+group)\s*\(", re.IGNORECASE)
ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
FRAME = re.compile(r"\b(?:rows|range|groups)\s+(?:between|unbounded|current)\b", re.IGNORECASE)
PLACED = re.compile(r"\bnulls\s+(?:first|last)$", re.IGNORECASE)
JINJA_TERM = re.compile(r"^\{\{-?\s*(\w+)\s*-?\}\}$")
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(([^)]*)\)")


def strip_comments(text: str) -> str:
    """Without Jinja comments and SQL line comments (same length: positions stay valid)."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return re.sub(r"--[^\n]*", blank, re.sub(r"\{#.*?#\}", blank, text, flags=re.DOTALL))


def closing(text: str, start: int) -> int:
    """The index of the `)` that closes the `(` just before `start`."""
    depth = 1
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise AssertionError(f"unbalanced parentheses after: {text[start : start + 80]!r}")


def terms(ordering: str) -> list[str]:
    """The comma-separated terms of an ORDER BY list (commas inside (...) or {{ }} kept)."""
    found, depth, current = [], 0, ""
    for char in ordering:
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            found.append(current)
            current = ""
        else:
            current += char
    return [" ".join(t.split()) for t in [*found, current] if t.strip()]


def unplaced(ordering: str) -> list[str]:
    """The terms of `ordering` that say nothing about NULLs (Jinja splices excepted)."""
    return [t for t in terms(ordering) if not PLACED.search(t) and not JINJA_TERM.match(t)]


def window_problems(name: str, text: str) -> list[str]:
    """Window ORDER BYs of one source file without NULL placement, or splicing an unchecked
    macro argument."""
    text = strip_comments(text)
    macros = [(m.start(), m.group(1), [p.split("=")[0].strip() for p in m.group(2).split(",")])
              for m in MACRO.finditer(text)]  # fmt: skip
    problems = []
    for window in WINDOW.finditer(text):
        body = text[window.end() : closing(text, window.end())]
        order_by = ORDER_BY.search(body)
        if order_by is None:
            continue
        ordering = body[order_by.end() :]
        frame = FRAME.search(ordering)
        ordering = ordering[: frame.start()] if frame else ordering
        problems += [f"{name}: `{t}` in a window ORDER BY" for t in unplaced(ordering)]
        for term in terms(ordering):
            spliced = JINJA_TERM.match(term)
            if spliced is None:
                continue
            inside = [m for m in macros if m[0] < window.start()]
            macro, params = (inside[-1][1], inside[-1][2]) if inside else ("", [])
            expected = ORDERING_ARGS.get(macro)
            if (
                expected is None
                or expected[1] != spliced.group(1)
                or (params[expected[0]] if expected[0] < len(params) else None) != spliced.group(1)
            ):
                problems.append(
                    f"{name}: window ORDER BY splices `{term}`, which is not an argument listed"
                    f" in ORDERING_ARGS (its callers cannot be checked)"
                )
    return problems


def call_problems(name: str, text: str) -> list[str]:
    """Calls of the ORDERING_ARGS macros whose ordering argument is not a literal list of
    terms that each state their NULL placement."""
    text = strip_comments(text)
    problems = []
    for macro, (position, _) in ORDERING_ARGS.items():
        for call in re.finditer(rf"(?<![\w.]){macro}\s*\(", text):
            if re.search(r"macro\s+$", text[: call.start()]):
                continue  # the definition
            source = text[call.start() : closing(text, call.end()) + 1]
            try:
                parsed = ast.parse(source, mode="eval").body
            except SyntaxError:
                problems.append(f"{name}: cannot read the call {source!r}")
                continue
            assert isinstance(parsed, ast.Call)
            args = parsed.args
            argument = args[position] if position < len(args) else None
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                problems.append(f"{name}: {macro}(...) ordering is not a string literal")
                continue
            problems += [f"{name}: `{t}` in {macro}(...)" for t in unplaced(argument.value)]
    return problems


def dbt_sources() -> dict[str, str]:
    return {
        str(path.relative_to(DBT)): path.read_text()
        for folder in SOURCES
        for path in sorted((DBT / folder).rglob("*.sql"))
    }


def test_every_window_ordering_in_the_project_states_where_nulls_go() -> None:
    sources = dbt_sources()
    problems = [p for name, text in sources.items() for p in window_problems(name, text)]
    problems += [p for name, text in sources.items() for p in call_problems(name, text)]
    assert not problems, "say `nulls last` or `nulls first`:\n" + "\n".join(problems)
    # It did look: windows and calls of both shared macros were found.
    text = "\n".join(sources.values())
    assert len(WINDOW.findall(text)) >= 5
    assert all(re.search(rf"(?<!macro ){m}\(", text) for m in ORDERING_ARGS)


def test_the_guard_finds_a_window_ordering_without_null_placement() -> None:
    bad = "select lag(x) over (partition by k order by run_date nulls last, updated_at desc) from t"
    assert window_problems("bad.sql", bad) == ["bad.sql: `updated_at desc` in a window ORDER BY"]
    good = "row_number() over (partition by k order by a desc nulls last, f(b, c) nulls first)"
    assert window_problems("good.sql", good) == []
    framed = "sum(x) over (order by d rows between unbounded preceding and current row)"
    assert window_problems("framed.sql", framed) == ["framed.sql: `d` in a window ORDER BY"]
    # A comment saying `nulls last` does not count.
    commented = "row_number() over (order by a desc -- nulls last\n)"
    assert window_problems("c.sql", commented) == ["c.sql: `a desc` in a window ORDER BY"]


def test_the_guard_finds_an_unchecked_spliced_ordering_and_a_bad_call() -> None:
    spliced = (
        "{% macro pick(how) %} qualify row_number() over (order by {{ how }}) = 1 {% endmacro %}"
    )
    assert "not an argument listed in ORDERING_ARGS" in window_problems("m.sql", spliced)[0]
    listed = (
        "{% macro one_row_per(columns, order_by) %} over (order by {{ order_by }}) {% endmacro %}"
    )
    assert window_problems("m.sql", listed) == []
    calls = (
        "{{ one_row_per('run_date, game_id', 'updated_at desc, page_key desc nulls last') }}\n"
        "{{ latest_state('o', 'id', columns, ordering) }}\n"
        "{{ latest_state('o', 'id', columns, 'games_count desc nulls last, name nulls last') }}"
    )
    assert call_problems("model.sql", calls) == [
        "model.sql: `updated_at desc` in one_row_per(...)",
        "model.sql: latest_state(...) ordering is not a string literal",
    ]

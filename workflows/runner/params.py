"""A template's `{{...}}` tags replaced the way workflow/common/util.go `SubstituteParams` does:
two passes, the second over what the first produced (Argo v4.0.10).

- Pass 1 replaces globals, locals and inputs (workflows/spec.py `substitute`, which, like
  fasttemplate, does not re-read what it inserted). A value that is itself a tag therefore
  survives it: a cron run's `workflow.parameters.run_date` is still the raw
  `{{=sprig...(workflow.scheduledTime)...}}` of the CronWorkflow's arguments, because
  operator.go `setGlobalParameters` copies the arguments before `substituteGlobalVariables`
  evaluates them (only `execWf.Spec`'s copy, which the entry template receives, gets the date).
- Pass 2 (`resolve_tags`, util/template `Replace` with allowUnresolved) reads the result again:
  a simple tag it knows is replaced, an expression tag (`{{=...}}`, expression_template.go
  `expressionReplaceCore`) is evaluated over the same names; one naming something missing is
  left as it is, as Argo leaves it. So the exit handler's `{{workflow.parameters.run_date}}`
  becomes the date there.
Expressions: only calls of `sprig.toDate`, `sprig.dateModify` and `sprig.dateInZone` over string
literals and variable names (what workflows/cron.py writes); anything else is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from workflows.runner.retry import seconds
from workflows.spec import SpecError, substitute

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"""\s*(?:(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(?P<op>[(),]))""",
    re.VERBOSE,
)
# Go reference-time layout elements → (strftime directive, regex for parsing)
_LAYOUT = [
    ("2006", "%Y", r"\d{4}"),
    ("Z07:00", "", r"Z|[+-]\d{2}:\d{2}"),
    ("01", "%m", r"\d{2}"),
    ("02", "%d", r"\d{2}"),
    ("15", "%H", r"\d{2}"),
    ("04", "%M", r"\d{2}"),
    ("05", "%S", r"\d{2}"),
]


class Missing(Exception):
    """The expression names a variable that is not set: Argo leaves the tag unresolved."""


def substitute_params(text: str, scope: Mapping[str, Any]) -> str:
    """common.SubstituteParams on one field: pass 1, then pass 2 over its result."""
    return resolve_tags(substitute(text, scope), scope)


def resolve_tags(text: str, scope: Mapping[str, Any]) -> str:
    """util/template Replace(allowUnresolved=true): known tags replaced, the others kept."""

    def value(match: re.Match[str]) -> str:
        tag = match.group(1)
        if not tag.startswith("="):
            found = scope.get(tag.strip())
            if found is None:
                return match.group(0)
            return found if isinstance(found, str) else json.dumps(found)
        try:
            return evaluate(tag[1:], scope)
        except Missing:
            return match.group(0)

    return _TAG.sub(value, text)


def evaluate(expression: str, scope: Mapping[str, Any]) -> str:
    """One `{{=...}}` tag's expression; Missing when it names a variable not set."""
    tokens, at = [], 0
    while expression[at:].strip():
        match = _TOKEN.match(expression, at)
        if match is None or not match.lastgroup:
            raise SpecError(f"expression {expression!r} is not supported locally")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    result, rest = _parse(tokens, scope, expression)
    if rest or not isinstance(result, str):
        raise SpecError(f"expression {expression!r} is not supported locally")
    return result


def _parse(tokens: list[tuple[str, str]], scope: Mapping[str, Any], text: str) -> tuple[Any, Any]:
    if not tokens:
        raise SpecError(f"expression {text!r} is not supported locally")
    (kind, token), rest = tokens[0], tokens[1:]
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", token[1:-1]), rest
    if kind != "name":
        raise SpecError(f"expression {text!r} is not supported locally")
    if not rest or rest[0] != ("op", "("):
        if token not in scope:
            raise Missing(token)
        return scope[token], rest
    args: list[Any] = []
    rest = rest[1:]
    while rest and rest[0] != ("op", ")"):
        arg, rest = _parse(rest, scope, text)
        args.append(arg)
        if rest and rest[0] == ("op", ","):
            rest = rest[1:]
    if not rest:
        raise SpecError(f"expression {text!r}: missing )")
    return _call(token, args, text), rest[1:]


def _call(name: str, args: list[Any], text: str) -> Any:
    """The sprig date functions (github.com/Masterminds/sprig/v3 date.go) the project uses."""
    if name == "sprig.toDate" and len(args) == 2:
        return _parse_time(str(args[0]), str(args[1]))
    if name == "sprig.dateModify" and len(args) == 2 and isinstance(args[1], dt.datetime):
        try:  # sprig: a bad duration returns the date unchanged
            sign = -1 if str(args[0]).startswith("-") else 1
            return args[1] + sign * dt.timedelta(seconds=seconds(str(args[0]).lstrip("+-")))
        except SpecError:
            return args[1]
    if name == "sprig.dateInZone" and len(args) == 3 and isinstance(args[1], dt.datetime):
        try:
            zone: dt.tzinfo = zoneinfo.ZoneInfo(str(args[2]))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC  # sprig: an unknown zone is UTC
        return _format(str(args[0]), args[1].astimezone(zone))
    raise SpecError(f"expression {text!r}: {name} is not supported locally")


def _elements(layout: str) -> list[tuple[str, str, str]]:
    """A Go layout as (element, strftime, regex); literal text has an empty element."""
    found, at = [], 0
    while at < len(layout):
        match = next((e for e in _LAYOUT if layout.startswith(e[0], at)), None)
        if match is None:
            found.append(("", layout[at], re.escape(layout[at])))
            at += 1
        else:
            found.append(match)
            at += len(match[0])
    return found


def _parse_time(layout: str, value: str) -> dt.datetime:
    """time.ParseInLocation for the layouts above (the controller's time.Local taken as UTC)."""
    elements = _elements(layout)
    pattern = "".join(f"({rx})" if element else rx for element, _, rx in elements)
    match = re.fullmatch(pattern, value)
    if match is None:  # sprig.toDate would give Go's zero time: nothing the project wants
        raise SpecError(f"sprig.toDate: {value!r} does not match the layout {layout!r}")
    parts = dict(zip([e for e, _, _ in elements if e], match.groups(), strict=True))
    zone = parts.get("Z07:00", "Z")
    return dt.datetime(
        int(parts.get("2006", "1")),
        int(parts.get("01", "1")),
        int(parts.get("02", "1")),
        int(parts.get("15", "0")),
        int(parts.get("04", "0")),
        int(parts.get("05", "0")),
        tzinfo=dt.UTC if zone == "Z" else dt.datetime.strptime(zone, "%z").tzinfo,
    )


def _format(layout: str, when: dt.datetime) -> str:
    def one(element: str, directive: str) -> str:
        if element == "Z07:00":
            offset = when.strftime("%z")
            return "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
        return when.strftime(directive) if element else directive

    return "".join(one(element, directive) for element, directive, _ in _elements(layout))


def rfc3339(when: dt.datetime) -> str:
    """Go's time.RFC3339, as workflow/common/convert.go writes the scheduled-time annotation."""
    return _format("2006-01-02T15:04:05Z07:00", when.replace(microsecond=0))

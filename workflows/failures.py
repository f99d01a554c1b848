"""`{{workflow.failures}}` as Argo passes it to the exit handler, reduced to the steps that failed.

What the controller puts there (argo-workflows v4.0.9, workflow/controller/operator.go, `operate`,
at "This strconv.Quote is necessary"): `strconv.Quote(json.Marshal(failures))`, where `failures`
holds one `failedNodeStatus` (displayName, message, templateName, phase, podName, finishedAt) for
EVERY node in phase Failed or Error, of any type. So the exit handler receives a JSON string whose
content is JSON (`"[{\"displayName\":...}]"`), or `"null"` when nothing failed. The list mixes:

- pod attempts of a retried step, named `<step>(<n>)` (operator.go `executeTemplate`:
  `fmt.Sprintf("%s(%d)", retryNodeName, retryNum)`), including attempts a later retry recovered;
- the Retry parent `<step>`, Failed only when its retries ran out or the retry expression said
  stop; its message is then Argo's ("No more retries left", "retryStrategy.expression evaluated
  to false"), so the useful message and pod are its last attempt's (`processNodeRetries`);
- TaskGroup nodes of a fan-out (`<task>`, children `<task>(<i>:<item>)`, dag.go) and DAG nodes
  (the entry DAG, each backfill day): they fail because a step inside failed.

Display names are relative to the enclosing DAG (operator.go `initializeNode`), so the same step
of two backfill days has the same display name; attempts are matched to a failed parent by name
and, when several parents share a name, by finishing time.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from workflows import names

# Our DAG templates: their nodes (entry, backfill days, the `days` fan-out) are never a step.
GROUP_TEMPLATES = frozenset(
    {names.DAILY_ENTRY, names.BACKFILL_ENTRY, names.BACKFILL_DAYS, names.BACKFILL_DAY}
)
_ATTEMPT = re.compile(r"^(?P<step>.+)\((?P<n>\d+)\)$")

Entry = dict[str, Any]


_GO_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_GO_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _go_unquote(quoted: str) -> str:
    """Undo Go's strconv.Quote, whose escapes JSON lacks (`\\a`, `\\v`, `\\xHH`, `\\UHHHHHHHH`)."""

    def one(match: re.Match[str]) -> str:
        code = match[1] or match[2] or match[3]
        if code:
            return chr(int(code, 16))
        return _GO_SIMPLE.get(match[4], match[4])

    return _GO_ESCAPE.sub(one, quoted[1:-1])


def _loads(text: str) -> Any:
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return _go_unquote(text)
        raise


def decode(text: str) -> list[Entry]:
    """The entries: from Argo's quoted form, from plain JSON (tests, other tools), or nothing."""
    value: Any = text.strip()
    for _ in range(2):  # quoted once by strconv.Quote, then JSON: decode until it is not a string
        if not isinstance(value, str):
            break
        if not value.strip() or value.strip() == "null":
            return []
        try:
            value = _loads(value.strip())
        except json.JSONDecodeError:
            return [{"displayName": "", "message": text.strip()}]
    if not isinstance(value, list):
        return [{"displayName": "", "message": text.strip()}]
    return [f for f in value if isinstance(f, dict)]


def _key(entry: Entry) -> tuple[str, str]:
    return (str(entry.get("templateName", "")), str(entry.get("displayName", "")))


def _is_fan_out(entry: Entry, others: list[Entry]) -> bool:
    """A TaskGroup: another failed node of the same template is one of its `(i:item)` children."""
    template, name = _key(entry)
    prefix = f"{name}("
    return any(
        _key(o)[0] == template
        and _key(o)[1].startswith(prefix)
        and not _ATTEMPT.match(_key(o)[1][len(name) :])
        for o in others
        if o is not entry
    )


def failed_steps(entries: list[Entry]) -> list[dict[str, Any]]:
    """One record per step that really failed: leaves only, never a recovered attempt."""
    attempts: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    nodes: list[Entry] = []
    for entry in entries:
        template, name = _key(entry)
        if template in GROUP_TEMPLATES:
            continue
        match = _ATTEMPT.match(name)
        if match:
            attempts[(template, match["step"])].append(entry)
        else:
            nodes.append(entry)
    steps = []
    for entry in nodes:
        if _is_fan_out(entry, nodes):
            continue
        last = _last_attempt(entry, attempts.get(_key(entry), []))
        steps.append(_record(entry, last))
    # Attempts with no failed parent were recovered by a later attempt: not failures.
    return steps


def _last_attempt(parent: Entry, candidates: list[Entry]) -> Entry | None:
    """The latest attempt that ended no later than the parent did; taken so no parent reuses it."""
    ended = str(parent.get("finishedAt") or "")
    fitting = [a for a in candidates if not ended or str(a.get("finishedAt") or "") <= ended]
    if not fitting:
        fitting = candidates
    if not fitting:
        return None
    best = max(fitting, key=lambda a: (str(a.get("finishedAt") or ""), _number(a)))
    candidates.remove(best)
    return best


def _number(entry: Entry) -> int:
    match = _ATTEMPT.match(str(entry.get("displayName", "")))
    return int(match["n"]) if match else -1


def _record(node: Entry, attempt: Entry | None) -> dict[str, Any]:
    source = attempt or node
    record: dict[str, Any] = {
        "step": node.get("displayName", ""),
        "template": node.get("templateName", ""),
        "phase": source.get("phase") or node.get("phase", ""),
        "message": source.get("message", "") or node.get("message", ""),
    }
    if source.get("podName"):
        record["pod"] = source["podName"]
    if attempt is not None:
        record["attempts"] = _number(attempt) + 1
    if source.get("finishedAt"):
        record["finished_at"] = source["finishedAt"]
    return record

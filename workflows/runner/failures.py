"""`{{workflow.failures}}` exactly as the controller builds it, and the Go encodings it needs.

workflow/controller/operator.go `operate`: every node of the workflow whose phase is Failed or
Error (the entry DAG, TaskGroups, nested DAGs, retry parents, and every failed pod attempt, also
one that a later retry recovered) becomes a `failedNodeStatus` {displayName, message,
templateName, phase, podName, finishedAt}; the list is `json.Marshal`led ("null" when empty) and
then `strconv.Quote`d ("This strconv.Quote is necessary ..."). The exit handler's argument is that
quoted string, outer quotes included.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES["\v"] = "\\v"
_MAX_POD_PREFIX = 253 - 10 - 1  # workflow/util/pod_name.go: maxPrefixLength - 1


@dataclass(frozen=True)
class FailedNode:
    """One entry of workflow.failures (operator.go `failedNodeStatus`)."""

    name: str  # the node's full name: "<workflow>.<task>(<i>:<item>)(<attempt>)"
    display_name: str
    template_name: str
    phase: str  # Failed | Error
    message: str
    finished_at: dt.datetime | None

    def as_go(self, workflow: str) -> dict[str, object]:
        finished = self.finished_at
        return {
            "displayName": self.display_name,
            "message": self.message,
            "templateName": self.template_name,
            "phase": self.phase,
            "podName": pod_name(workflow, self.name, self.template_name),
            "finishedAt": finished.strftime("%Y-%m-%dT%H:%M:%SZ") if finished else None,
        }


def fnv32a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def pod_name(workflow: str, node_name: str, template: str) -> str:
    """workflow/util/pod_name.go `GeneratePodName`, v2 names (the default)."""
    if node_name == workflow:
        return workflow
    prefix = f"{workflow}-{template}" if template else workflow
    return f"{prefix[:_MAX_POD_PREFIX]}-{fnv32a(node_name)}"


def go_json(value: object) -> str:
    """encoding/json.Marshal: compact, and <, >, & escaped as \\u003c, \\u003e, \\u0026."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def go_quote(text: str) -> str:
    """strconv.Quote: a double-quoted Go string literal."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def failures_parameter(workflow: str, nodes: list[FailedNode]) -> str:
    """The value of {{workflow.failures}}."""
    listed = [node.as_go(workflow) for node in nodes] or None
    return go_quote(go_json(listed))

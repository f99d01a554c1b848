"""The Argo spec as this project reads it: templates, task dependencies, `{{...}}`, the retry rule.

One module for what `gmp render`'s checks (workflows.checks) and the local runner
(workflows.runner) both need to know about the documents, so the two cannot read them differently:
- `Catalogue`: WorkflowTemplates and their templates by name, a task's template or templateRef
  resolved (workflow/templateresolution/context.go `GetTemplate`, `GetTemplateFromRef`).
- `dependencies`, `topological`: a DAG task's upstream tasks and an order that respects them.
- `variables`, `substitute`: the `{{...}}` names a text refers to, and their replacement.
- `retry_expression`, `no_retry_codes`: the retryStrategy expression `gmp render` writes, built
  and read back from one definition of its shape.
It imports nothing from the runner or from Hera.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gmp.errors import GmpError

Doc = dict[str, Any]


class SpecError(GmpError):
    """The manifests ask for something this project does not do, or name something missing."""


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """WorkflowTemplates by `metadata.name` (other kinds are ignored)."""

    templates: dict[str, Doc]

    @classmethod
    def of(cls, docs: list[Doc]) -> Catalogue:
        found = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "WorkflowTemplate"}
        return cls(found)

    def workflow_template(self, name: str) -> Doc:
        try:
            return self.templates[name]
        except KeyError:
            known = ", ".join(sorted(self.templates))
            raise SpecError(f"WorkflowTemplate {name!r} not found (have: {known})") from None

    def find(self, scope: str, name: str) -> Doc | None:
        """Template `name` inside WorkflowTemplate `scope`, or None when either is missing."""
        doc = self.templates.get(scope) or {}
        for template in doc.get("spec", {}).get("templates", []):
            if template.get("name") == name:
                return template  # type: ignore[no-any-return]
        return None

    def template(self, scope: str, name: str) -> Doc:
        """Template `name` inside WorkflowTemplate `scope`."""
        self.workflow_template(scope)
        found = self.find(scope, name)
        if found is None:
            raise SpecError(f"template {name!r} not found in WorkflowTemplate {scope!r}")
        return found

    def resolve(self, scope: str, task: Doc) -> tuple[str, Doc]:
        """A task's template and the WorkflowTemplate it lives in (a templateRef switches scope)."""
        if "templateRef" in task:
            ref = task["templateRef"]
            if ref.get("clusterScope"):
                raise SpecError("templateRef to a ClusterWorkflowTemplate is not supported")
            return ref["name"], self.template(ref["name"], ref["template"])
        if "template" in task:
            return scope, self.template(scope, task["template"])
        raise SpecError(f"task {task.get('name')!r} has neither template nor templateRef")

    def secret_keys(self) -> set[str]:
        """Every Secret key any container reads through secretKeyRef."""
        keys = set()
        for doc in self.templates.values():
            for template in doc["spec"].get("templates", []):
                for var in template.get("container", {}).get("env", []) or []:
                    ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        keys.add(ref["key"])
        return keys


# --- dependencies ----------------------------------------------------------------------------

_TASK_NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_]*$")
# common/ancestry.go: what a bare `a` in `depends` means, and the result names a term may carry.
_BARE = ("Succeeded", "Skipped", "Daemoned")
_RESULTS = {
    "Succeeded": ("Succeeded",),
    "Failed": ("Failed",),
    "Errored": ("Error",),
    "Skipped": ("Skipped",),
    "Omitted": ("Omitted",),
    "Daemoned": ("Daemoned",),
}


def _depends_terms(task: Doc) -> list[list[tuple[str, tuple[str, ...]]]]:
    """`depends` as OR-groups of AND-ed terms `(task, phases it may end in)`.

    Locally: task names, optionally with a result (`a.Failed`, `a.Errored`, ...), joined by `&&`
    and `||` (`&&` binding tighter, as in govaluate); no parentheses or `!`.
    """
    text = str(task["depends"])
    groups: list[list[tuple[str, tuple[str, ...]]]] = []
    for alternative in text.split("||"):
        group: list[tuple[str, tuple[str, ...]]] = []
        for term in alternative.split("&&"):
            name, _, result = term.strip().partition(".")
            phases = _BARE if not result else _RESULTS.get(result)
            if not _TASK_NAME.match(name) or phases is None:
                raise SpecError(
                    f"depends {text!r}: only task names, optionally .Succeeded/.Failed/.Errored/"
                    ".Skipped/.Omitted, joined by && and || locally"
                )
            group.append((name, phases))
        groups.append(group)
    return groups


def dependencies(task: Doc) -> list[str]:
    """The tasks a task waits for: those its `depends` names, or its `dependencies` list.

    common/ancestry.go: `depends: a` and `dependencies: [a]` both mean
    `a.Succeeded || a.Skipped || a.Daemoned`; `depends` may also ask for another result.
    """
    if "depends" in task:
        names = [name for group in _depends_terms(task) for name, _ in group]
        return list(dict.fromkeys(names))
    return list(task.get("dependencies", []) or [])


def depends_met(task: Doc, phases: Mapping[str, str | None]) -> bool:
    """Whether a task whose dependencies have all ended may run (else the DAG omits it:
    dag.go `executeDAGTask`, "omitted: depends condition not met")."""
    if "depends" not in task:
        return all(phases[name] in _BARE for name in dependencies(task))
    return any(
        all(phases[name] in allowed for name, allowed in group) for group in _depends_terms(task)
    )


def topological(tasks: list[Doc]) -> list[str]:
    """Task names in an order that respects dependencies; missing names and cycles are errors."""
    deps = {t["name"]: dependencies(t) for t in tasks}
    for name, needs in deps.items():
        for need in needs:
            if need not in deps:
                raise SpecError(f"task {name!r} depends on {need!r}, which is not a task here")
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise SpecError(f"tasks depend on each other in a cycle through {name!r}")
        visiting.add(name)
        for need in deps[name]:
            visit(need)
        visiting.discard(name)
        order.append(name)

    for name in deps:
        visit(name)
    return order


# --- variables -------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def variables(text: str) -> list[str]:
    """The names a text refers to, `{{ name }}` read as `name`."""
    return [m.group(1) for m in _VARIABLE.finditer(text)]


def substitute(text: str, scope: Mapping[str, Any]) -> str:
    """Replace every `{{name}}` from scope; `{{item.key}}` reads a key of an object item.

    Plain variable names only (util/template/replace.go `Replace` does more), and an unknown
    name is an error, not left in place.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("="):
            raise SpecError(f"expression {match.group(0)!r} is not supported locally")
        if name in scope:
            found = scope[name]
        elif name.startswith("item.") and isinstance(scope.get("item"), dict):
            found = scope["item"].get(name[5:])
            if found is None:
                raise SpecError(f"{match.group(0)}: the item has no key {name[5:]!r}")
        else:
            raise SpecError(f"{match.group(0)} names nothing declared here")
        return found if isinstance(found, str) else json.dumps(found)

    return _VARIABLE.sub(value, text)


# --- the retry expression --------------------------------------------------------------------

# The one shape: retry pod errors, and failures except the listed exit codes. operator.go
# `buildRetryStrategyLocalScope` gives the expression `lastRetry.exitCode` as a string ("-1"
# when there is none), so the codes are string literals: a number would never match.
_RETRY_SHAPE = 'lastRetry.status == "Error" || lastRetry.exitCode not in [{codes}]'
_RETRY_CODE = '"{code}"'
_RETRY_SEPARATOR = ", "


def retry_expression(no_retry: Iterable[int]) -> str:
    """The retryStrategy expression that retries everything except exits `no_retry`."""
    codes = _RETRY_SEPARATOR.join(_RETRY_CODE.format(code=int(code)) for code in no_retry)
    return _RETRY_SHAPE.format(codes=codes)


def no_retry_codes(expression: str) -> tuple[int, ...]:
    """The exit codes an expression of `retry_expression`'s shape refuses to retry.

    Read back with the same pieces that built it, and checked by building it again: any other
    expression is a SpecError, not a guess.
    """
    before, after = _RETRY_SHAPE.split("{codes}")
    inner = expression[len(before) : len(expression) - len(after)]
    code = re.escape(_RETRY_CODE).replace(re.escape("{code}"), r"(\d+)")
    found = tuple(int(c) for c in re.findall(code, inner))
    if retry_expression(found) != expression:
        shape = _RETRY_SHAPE.format(codes=_RETRY_CODE.format(code="N") + ", ...")
        raise SpecError(f"retry expression {expression!r} is not of the shape {shape!r}")
    return found

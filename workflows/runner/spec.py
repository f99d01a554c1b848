"""The loaded manifests: WorkflowTemplates and templates found by name, as Argo resolves them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gmp.errors import GmpError

Doc = dict[str, Any]


class SpecError(GmpError):
    """The manifests ask for something this runner does not do, or name something missing."""


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

    def template(self, scope: str, name: str) -> Doc:
        """Template `name` inside WorkflowTemplate `scope`."""
        for template in self.workflow_template(scope)["spec"].get("templates", []):
            if template.get("name") == name:
                return template  # type: ignore[no-any-return]
        raise SpecError(f"template {name!r} not found in WorkflowTemplate {scope!r}")

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

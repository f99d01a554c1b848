"""Argo semantics no schema checks: names resolve, parameters are declared, DAGs are acyclic.

`problems(docs)` lists what is wrong with a set of rendered documents (empty = fine). `gmp render`
refuses to write documents with problems; the tests run it on the committed files too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from workflows import names
from workflows.spec import (
    Catalogue,
    SpecError,
    dependencies,
    no_retry_codes,
    topological,
    variables,
)

Doc = dict[str, Any]
EXIT_ONLY = {"workflow.status", "workflow.failures"}
_SECRETISH = re.compile(r"(KEY|SECRET|PASSWORD|TOKEN)", re.IGNORECASE)
_EXPR_VARIABLE = re.compile(r"\bworkflow\.[A-Za-z_.]+")
_SECONDS = re.compile(r"^(\d+)s$")
# A pod's activeDeadlineSeconds counts its image pull (workflowpod.go `createWorkflowPod`).
MIN_POD_DEADLINE_S = 600
PARTITION_INPUTS = ("{{inputs.parameters.endpoint}}", "{{inputs.parameters.run_date}}")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def declared(params: list[Doc] | None) -> dict[str, Doc]:
    return {p["name"]: p for p in params or []}


class Checker:
    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.catalogue = Catalogue.of(docs)
        self.templates = self.catalogue.templates
        self.found: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.found.append(f"{where}: {what}")

    def template(self, wt: str, name: str) -> Doc | None:
        return self.catalogue.find(wt, name)

    def referenced(self) -> set[tuple[str, str]]:
        """(WorkflowTemplate, template) pairs some task reaches through templateRef."""
        refs = set()
        for doc in self.templates.values():
            for template in doc["spec"].get("templates", []):
                for task in template.get("dag", {}).get("tasks", []):
                    if "templateRef" in task:
                        refs.add((task["templateRef"]["name"], task["templateRef"]["template"]))
        # Whatever a referenced DAG calls by plain `template` runs there too.
        pending = list(refs)
        while pending:
            wt, name = pending.pop()
            for task in (self.template(wt, name) or {}).get("dag", {}).get("tasks", []):
                if "template" in task and (wt, task["template"]) not in refs:
                    refs.add((wt, task["template"]))
                    pending.append((wt, task["template"]))
        return refs

    def run(self) -> list[str]:
        referenced = self.referenced()
        for name, doc in self.templates.items():
            self.check_workflow_template(name, doc, referenced)
        for doc in self.docs:
            if doc["kind"] == "CronWorkflow":
                self.check_cron(doc)
        return self.found

    def check_workflow_template(
        self, name: str, doc: Doc, referenced: set[tuple[str, str]]
    ) -> None:
        spec = doc["spec"]
        for field in ("entrypoint", "onExit"):
            if field in spec and self.template(name, spec[field]) is None:
                self.problem(name, f"{field} {spec[field]!r} names no template")
        arguments = declared((spec.get("arguments") or {}).get("parameters"))
        for template in spec.get("templates", []):
            where = f"{name}/{template['name']}"
            allowed = {"workflow.name"} | {
                f"inputs.parameters.{p}"
                for p in declared((template.get("inputs") or {}).get("parameters"))
            }
            if (name, template["name"]) not in referenced:
                allowed |= {f"workflow.parameters.{p}" for p in arguments}
            if template["name"] == spec.get("onExit"):
                allowed |= EXIT_ONLY
            if "dag" in template:
                self.check_dag(name, template, allowed)
                self.check_fan_out(where, template, set(arguments))
                nested = (
                    template["name"] != spec.get("entrypoint")
                    or (name, template["name"]) in referenced
                )
                self.check_fail_fast(where, template, nested=nested)
            else:
                self.check_names(where, template, allowed)
            if "container" in template:
                self.check_container(where, template)
            if "parallelism" in template and not isinstance(template["parallelism"], int):
                self.problem(where, "parallelism must be a literal integer (Argo v4)")
            self.check_locks(where, template)

    def check_names(self, where: str, node: Any, allowed: set[str]) -> None:
        for text in strings(node):
            for variable in variables(text):
                if variable not in allowed:
                    self.problem(where, f"{{{{{variable}}}}} names nothing declared there")

    def check_dag(self, wt: str, template: Doc, allowed: set[str]) -> None:
        where = f"{wt}/{template['name']}"
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        try:
            topological(list(tasks.values()))
        except SpecError as exc:
            self.problem(where, str(exc))
            return
        for task in tasks.values():
            here = f"{where}/{task['name']}"
            scope = set(allowed)
            if "withItems" in task or "withParam" in task:
                scope |= {"item"} | {f"item.{k}" for k in self.item_keys(task)}
            for upstream in self.upstream(tasks, task["name"]):
                fanned = "withItems" in tasks[upstream] or "withParam" in tasks[upstream]
                if not fanned:
                    scope.add(f"tasks.{upstream}.outputs.result")
            self.check_names(here, {k: v for k, v in task.items() if k != "withParam"}, scope)
            self.check_names(here, task.get("withParam", ""), scope - {"item"})
            self.check_call(wt, here, task)

    @staticmethod
    def item_keys(task: Doc) -> set[str]:
        """The keys `{{item.x}}` may read: a withItems list's own; a withParam list's are known
        only when it runs (the local runner then refuses a key an item lacks, as Argo does)."""
        if "withParam" in task:
            text = json.dumps({k: v for k, v in task.items() if k != "withParam"})
            return set(re.findall(r"\{\{\s*item\.([A-Za-z0-9_]+)\s*\}\}", text))
        return {k for item in task.get("withItems", []) if isinstance(item, dict) for k in item}

    @staticmethod
    def upstream(tasks: dict[str, Doc], name: str) -> set[str]:
        seen: set[str] = set()
        pending = dependencies(tasks[name])
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.add(current)
                pending += dependencies(tasks[current])
        return seen

    def check_call(self, wt: str, where: str, task: Doc) -> None:
        if "templateRef" in task:
            ref = task["templateRef"]
            label = f"templateRef {ref['name']}/{ref['template']}"
        else:
            label = f"template {task.get('template')!r}"
        try:
            _, target = self.catalogue.resolve(wt, task)
        except SpecError:
            self.problem(where, f"{label} does not resolve")
            return
        given = declared((task.get("arguments") or {}).get("parameters"))
        inputs = declared((target.get("inputs") or {}).get("parameters"))
        for extra in sorted(set(given) - set(inputs)):
            self.problem(where, f"argument {extra!r} is not an input of {label}")
        for name, param in inputs.items():
            if name not in given and "default" not in param and "value" not in param:
                self.problem(where, f"input {name!r} of {label} is not given")

    def check_fan_out(self, where: str, template: Doc, user_arguments: set[str]) -> None:
        """withParam reads a checked JSON list; no template-level failFast over DAG children."""
        tasks = template["dag"]["tasks"]
        for task in tasks:
            param = str(task.get("withParam", ""))
            for variable in variables(param):
                name = variable.removeprefix("inputs.parameters.")
                if name != variable and name in user_arguments:
                    self.problem(
                        f"{where}/{task['name']}",
                        f"withParam reads the user's {name!r} as given: fan out over the output "
                        "of the step that validates it (it must be a JSON list, dag.go expandTask)",
                    )

    def check_fail_fast(self, where: str, template: Doc, *, nested: bool) -> None:
        """Template-level failFast only on a workflow's own entry DAG: anywhere else it can hang.

        operator.go `checkParallelism` marks a failFast DAG Failed once a child failed and no pod
        whose boundary is this DAG is active (`getActivePods`: not the pods inside a child DAG),
        and `executeTemplate` never walks it again: a child DAG still running, a withParam item
        held back by parallelism (dag.go `executeDAGTask` adds it to the TaskGroup first) or an
        open retry node stays unfulfilled, so dag.go `assessDAGPhase` keeps the DAG around it
        Running: no exit handler, locks held (read at v4.0.10). Only on the entry DAG does
        `operate` read the failed node's phase directly and end the workflow.
        """
        if template.get("failFast") is not True:
            return
        if nested:
            self.problem(
                where,
                "template-level `failFast: true` on a DAG inside another can hang the workflow on "
                "Argo (operator.go checkParallelism, dag.go assessDAGPhase): stop later work "
                "another way",
            )
            return
        wt = where.split("/", 1)[0]
        for task in template["dag"]["tasks"]:
            ref = task.get("templateRef") or {}
            called = (
                self.template(ref["name"], ref["template"])
                if ref
                else self.template(wt, task.get("template", ""))
            )
            if called is not None and ("dag" in called or "steps" in called):
                self.problem(
                    f"{where}/{task['name']}",
                    "template-level `failFast: true` over a DAG child: once one child fails, Argo "
                    "marks the DAG Failed and never walks the children still running again "
                    "(operator.go checkParallelism, executeTemplate): stop later days another way",
                )

    def check_locks(self, where: str, template: Doc) -> None:
        sync = template.get("synchronization") or {}
        mutexes = [m.get("name", "") for m in sync.get("mutexes") or []]
        for name in mutexes:
            if "/" in name:  # lock keys are <namespace>/Mutex/<name> (workflow/sync/lock_name.go)
                self.problem(where, f"mutex name {name!r} contains '/'")
        extracts = any(
            (s.get("configMapKeyRef") or {}).get("key") == names.EXTRACTOR_SEMAPHORE_KEY
            for s in sync.get("semaphores") or []
        )
        if extracts and not any(all(p in name for p in PARTITION_INPUTS) for name in mutexes):
            self.problem(where, "an extract needs a mutex keyed by endpoint and run_date")

    def check_retry_timing(self, where: str, template: Doc, strategy: Doc) -> None:
        deadline = template.get("activeDeadlineSeconds")
        if isinstance(deadline, int) and deadline < MIN_POD_DEADLINE_S:
            self.problem(
                where,
                f"activeDeadlineSeconds {deadline} leaves no time for a cold image pull "
                f"(at least {MIN_POD_DEADLINE_S})",
            )
        backoff = strategy.get("backoff") or {}
        parts = [_SECONDS.match(str(backoff.get(k, ""))) for k in ("duration", "cap")]
        if backoff and parts[0] and parts[1]:
            factor = int(backoff.get("factor", 1))
            last = int(parts[0][1]) * factor ** max(int(strategy.get("limit", 0)) - 1, 0)
            if int(parts[1][1]) > last:  # operator.go processNodeRetries: waits are capped
                self.problem(where, f"backoff cap {backoff['cap']} is never reached (last {last}s)")

    def check_container(self, where: str, template: Doc) -> None:
        container = template["container"]
        strategy = template.get("retryStrategy")
        if not strategy:
            self.problem(where, "no retryStrategy")
        else:
            self.check_retry_timing(where, template, strategy)
            try:
                codes = no_retry_codes(strategy.get("expression", ""))
            except SpecError as exc:
                self.problem(where, str(exc))
            else:
                if set(codes) != set(names.NO_RETRY_EXIT_CODES):
                    self.problem(
                        where,
                        f"retry gives up on exit codes {sorted(codes)}, the CLI contract says "
                        f"{sorted(names.NO_RETRY_EXIT_CODES)}",
                    )
        if "activeDeadlineSeconds" not in template:
            self.problem(where, "no activeDeadlineSeconds")
        for var in container.get("env", []) or []:
            ref = (var.get("valueFrom") or {}).get("secretKeyRef")
            secretish = var["name"] in names.SECRET_KEYS or _SECRETISH.search(var["name"])
            if "value" in var and secretish:
                self.problem(where, f"env {var['name']} carries a literal value: use secretKeyRef")
            if ref and (ref["name"] != names.SECRET or ref["key"] not in names.SECRET_KEYS):
                self.problem(where, f"env {var['name']} reads an unknown secret {ref}")
            elif ref and ref.get("optional") is not True:
                # A missing required key leaves the pod in CreateContainerConfigError, Pending
                # until its deadline, then retried; optional, `gmp` says what is missing (exit 2).
                self.problem(where, f"env {var['name']}: secretKeyRef must be optional")

    def check_cron(self, doc: Doc) -> None:
        where = f"CronWorkflow {doc['metadata']['name']}"
        spec = doc["spec"]
        if "schedule" in spec or not spec.get("schedules"):
            self.problem(where, "Argo v4 wants `schedules` (a list), not `schedule`")
        workflow = spec.get("workflowSpec", {})
        ref = (workflow.get("workflowTemplateRef") or {}).get("name", "")
        target = self.templates.get(ref)
        if target is None:
            self.problem(where, f"workflowTemplateRef {ref!r} does not resolve")
            return
        wanted = declared((target["spec"].get("arguments") or {}).get("parameters"))
        given = declared((workflow.get("arguments") or {}).get("parameters"))
        for extra in sorted(set(given) - set(wanted)):
            self.problem(where, f"argument {extra!r} is not a parameter of {ref}")
        for name, param in wanted.items():
            if name not in given and "value" not in param:
                self.problem(where, f"parameter {name!r} of {ref} is not given")
        for text in strings(given):
            for variable in variables(text):
                used = _EXPR_VARIABLE.findall(variable) if variable.startswith("=") else [variable]
                for name in used:
                    if name not in ("workflow.scheduledTime", "workflow.name"):
                        self.problem(where, f"{name} is not available to a cron-created run")


def problems(docs: list[Doc]) -> list[str]:
    """What is wrong with these rendered documents, one line each (empty: nothing found)."""
    return Checker(docs).run()

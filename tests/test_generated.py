"""Every copy of the endpoint registry (gmp/endpoints.py) is current: `make generate` wrote it."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode
from tests.helm.chart import CHART, RELEASE, helm

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "scripts" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_file_is_what_the_registry_gives() -> None:
    stale = _generator().stale()  # each file regenerated in memory and compared
    assert not stale, f"stale: {[str(p.relative_to(ROOT)) for p in stale]}: run `make generate`"


def test_the_generated_copies_hold_the_registry() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["definitions"]["endpointName"]["enum"] == list(REGISTRY)
    daily = schema["properties"]["workflows"]["properties"]["daily"]["properties"]["endpoints"]
    assert daily["items"] == {"$ref": "#/definitions/endpointName"}
    fake = (ROOT / "tests" / "workflows" / "fake_registry.py").read_text(encoding="utf-8")
    assert "do not edit" in fake
    snapshots = {n for n, e in REGISTRY.items() if e.mode is Mode.SNAPSHOT}
    assert set(re.findall(r'"(\w+)"', fake)) == snapshots


def test_a_stale_copy_is_found_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    old = tmp_path / "fake_registry.py"
    old.write_text('SNAPSHOTS = ("genres",)\n', encoding="utf-8")
    monkeypatch.setattr(generator, "GENERATED", {old: generator.fake_text})
    assert list(generator.stale()) == [old]


def test_the_chart_accepts_every_registry_endpoint(tmp_path: Path) -> None:
    values = tmp_path / "all.yaml"
    values.write_text(f"workflows:\n  daily:\n    endpoints: {json.dumps(list(REGISTRY))}\n")
    proc = helm("template", RELEASE, str(CHART), "-f", str(values), check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_makefiles_endpoints_are_the_registrys_default_set() -> None:
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "endpoints: ; @echo $(ENDPOINTS)",
         "endpoints"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert tuple(shown.stdout.split()) == DEFAULT_ENDPOINTS


def test_every_registry_endpoint_has_its_dbt_source_and_staging_model() -> None:
    # Not generated (each holds its own description and SQL), so checked: the name is the
    # contract (docs/development.md, "Add an endpoint").
    staging = ROOT / "dbt" / "models" / "staging" / "rawg"
    sources = yaml.safe_load((staging / "_rawg__sources.yml").read_text(encoding="utf-8"))
    tables = {t["name"] for s in sources["sources"] if s["name"] == "rawg" for t in s["tables"]}
    assert set(REGISTRY) <= tables, f"no dbt source for {sorted(set(REGISTRY) - tables)}"
    missing = [n for n in REGISTRY if not (staging / f"stg_rawg__{n}.sql").exists()]
    assert missing == [], f"no staging model stg_rawg__<name>.sql for {missing}"

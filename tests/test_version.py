"""The version is written once, in pyproject.toml; everything else follows it or is checked here."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml

import gmp
from workflows import names

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "game-market-pipeline"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

# Files that cannot compute the version and so spell it (each checked below), and the YAML
# `gmp render` writes from it. Prose (*.md) and tests may quote it.
SPELLED = {
    "pyproject.toml",
    "helm/game-market-pipeline/Chart.yaml",
    "helm/game-market-pipeline/ci/prod-values.yaml",
    "dbt/dbt_project.yml",
}


def _yaml(path: Path) -> dict[str, object]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_package_and_gmp_render_take_the_version_from_pyproject() -> None:
    assert gmp.__version__ == VERSION
    assert names.VERSION == VERSION
    images = (names.EXTRACTOR_IMAGE, names.DBT_IMAGE)
    assert images == (
        f"game-market-pipeline/extractor:{VERSION}",
        f"game-market-pipeline/dbt:{VERSION}",
    )


def test_rendered_argo_yaml_tags_every_image_with_the_version() -> None:
    images = [
        image
        for path in sorted((CHART / "files").glob("*.yaml"))
        for image in re.findall(r"^\s*image: (\S+)$", path.read_text(), re.MULTILINE)
    ]
    assert images
    assert {image.rsplit(":", 1)[1] for image in images} == {VERSION}


def test_chart_and_dbt_project_spell_pyprojects_version() -> None:
    chart = _yaml(CHART / "Chart.yaml")
    assert (chart["version"], chart["appVersion"]) == (VERSION, VERSION)
    assert _yaml(ROOT / "dbt" / "dbt_project.yml")["version"] == VERSION
    # values.yaml leaves the tags empty, so the images follow appVersion; the prod example pins
    # the production images (devstack is for kind only).
    defaults = _yaml(CHART / "values.yaml")["images"]
    prod = _yaml(CHART / "ci" / "prod-values.yaml")["images"]
    assert isinstance(defaults, dict) and isinstance(prod, dict)
    assert {role: image["tag"] for role, image in defaults.items()} == {
        "extractor": "",
        "dbt": "",
        "devstack": "",
    }
    assert {role: image["tag"] for role, image in prod.items()} == {
        "extractor": VERSION,
        "dbt": VERSION,
    }


def test_make_images_tags_with_pyprojects_version() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"IMAGE_TAG", "MAKEFLAGS"}}
    out = subprocess.run(
        ["make", "-n", "images"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert f"-t game-market-pipeline/extractor:{VERSION} " in out
    assert f"-t game-market-pipeline/dbt:{VERSION} " in out


def test_no_other_file_spells_the_version() -> None:
    found = subprocess.run(
        ["git", "grep", "-l", "-F", VERSION, "--", ".", ":!*.md", ":!tests/", ":!*/files/*.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    stray = set(found) - SPELLED
    assert not stray, f"spell the version only in pyproject.toml, not in {stray}"

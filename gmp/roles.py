"""The package's role extras, and the one line a command says when its role is not installed.

Each image installs one role (`pip install 'game-market-pipeline[extract]'`, `[transform]` or
`[orchestrate]`) on top of the base (typer, rich, pydantic): a command whose role is missing exits
2 with one line naming the install, not a ModuleNotFoundError from deep inside.
"""

from __future__ import annotations

import importlib.util

from gmp.errors import UsageError

PACKAGE = "game-market-pipeline"

# The top-level modules each extra brings (pyproject.toml [project.optional-dependencies]).
# Checked with find_spec, which imports nothing: the check costs microseconds.
ROLE_MODULES: dict[str, tuple[str, ...]] = {
    "extract": ("boto3", "httpx", "orjson", "stamina"),
    "transform": ("duckdb", "duckdb_extension_httpfs", "dbt", "boto3", "yaml"),
    "orchestrate": ("hera", "kubernetes", "yaml"),
    "devstack": ("devstack",),
}


def not_installed(command: str, extra: str, what: str | None = None) -> UsageError:
    """The one line for `gmp COMMAND` whose extra is missing: what it needs, how to install it."""
    return UsageError(
        f"gmp {command} needs {what or f'the {extra} extra'}, which is not installed: "
        f"pip install '{PACKAGE}[{extra}]' (or `make setup` in a checkout)"
    )


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # an import hook refusing it; a broken half-install
        return False


def require(command: str, *extras: str) -> None:
    """Exit 2 in one line, naming the first of `extras` whose modules cannot all be imported."""
    for extra in extras:
        if not all(installed(m) for m in ROLE_MODULES[extra]):
            raise not_installed(command, extra)

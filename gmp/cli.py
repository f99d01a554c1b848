"""The `gmp` command line: one entry point for every part of the pipeline."""

from __future__ import annotations

import inspect
import re

import typer
from typer.main import get_command_name
from typer.models import CommandInfo

from gmp.boundary import OneLineUsage
from gmp.commands import (
    drift,
    extract,
    gaps,
    local,
    quota,
    report,
    sandbox,
    steps,
    submit,
    transform,
)

# `gmp --help` lists the commands in these panels, in this order; a command missing here fails
# tests/gmp/test_help.py. Each docstring's first paragraph is one sentence: the list's summary.
PANELS: dict[str, tuple[str, ...]] = {
    "Run and backfill": ("run", "backfill", "sandbox"),
    "Inspect": ("plan", "status", "gaps", "quota", "drift", "report"),
    "Cluster": ("render", "submit", "submit-backfill"),
    "The workflow's own steps": (
        "extract", "transform", "validate", "dates", "gate", "outcome",
    ),
}  # fmt: skip

# A line break inside a paragraph, unless the next line starts a list item or is indented.
_SOFT_BREAK = re.compile(r"(?<!\n)\n(?![\n\s]|[-*] )")

app = typer.Typer(
    name="gmp",
    help="Game Market Pipeline: RAWG -> S3 data lake -> dbt warehouse, run by Argo Workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineUsage,
)
for group in (drift, extract, gaps, sandbox, steps, local, submit, transform, report, quota):
    group.register(app)


def reflow(doc: str) -> str:
    """A docstring as help text: each paragraph one line, so the terminal wraps it where it
    ends (typer keeps a docstring's line breaks, which cut a sentence on any other width)."""
    return _SOFT_BREAK.sub(" ", inspect.cleandoc(doc))


def _arrange(app: typer.Typer) -> None:
    """Each command in its panel, in PANELS' order, with its help text reflowed (a command
    PANELS does not name comes last, under "Commands": the help test fails, gmp still works)."""
    order = [name for names in PANELS.values() for name in names]

    def name(info: CommandInfo) -> str:
        return info.name or get_command_name(info.callback.__name__)  # type: ignore[union-attr]

    for info in app.registered_commands:
        info.rich_help_panel = next((p for p, n in PANELS.items() if name(info) in n), None)
        info.help = reflow(info.help or inspect.getdoc(info.callback) or "")
    app.registered_commands.sort(
        key=lambda info: order.index(name(info)) if name(info) in order else len(order)
    )


_arrange(app)

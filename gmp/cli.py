"""The `gmp` command line: one entry point for every part of the pipeline."""

from __future__ import annotations

import typer

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

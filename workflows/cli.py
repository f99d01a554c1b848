"""The `gmp` command line: one entry point for every part of the pipeline."""

from __future__ import annotations

import typer

from extractor import cli as extractor_cli
from extractor.boundary import OneLineUsage
from workflows import local, steps, submit, transform

app = typer.Typer(
    name="gmp",
    help="Game Market Pipeline: RAWG -> S3 data lake -> dbt warehouse, run by Argo Workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineUsage,
)
extractor_cli.register(app)
steps.register(app)
local.register(app)
submit.register(app)
transform.register(app)

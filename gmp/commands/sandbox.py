"""`gmp sandbox`: the offline dev stack (RAWG stand-in + local S3), from the `devstack` extra."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.boundary import cli_errors
from gmp.context import setup_logs
from gmp.roles import not_installed

if TYPE_CHECKING:
    from devstack.stack import Sandbox


def devstack_sandbox() -> type[Sandbox]:
    """The dev stack's Sandbox; the `devstack` extra (package + SeaweedFS's `weed`) or exit 2."""
    try:
        from devstack.s3server import S3ServerError, weed_binary
        from devstack.stack import Sandbox
    except ImportError:
        raise not_installed("sandbox", "devstack", "the dev stack") from None
    try:
        weed_binary()
    except S3ServerError:
        raise not_installed("sandbox", "devstack", "the dev stack") from None
    return Sandbox


def sandbox(
    command: Annotated[
        list[str] | None, typer.Argument(help="Run this command with the sandbox env, then stop.")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--dir", help="Keep data here.")] = None,
    games_per_day: Annotated[int, typer.Option(help="Games updated per day.")] = 120,
    latency_ms: Annotated[float, typer.Option(help="Stand-in latency per request.")] = 0.0,
    env_file: Annotated[Path | None, typer.Option(help="Also write the env to this file.")] = None,
) -> None:
    """Start the offline stack (RAWG stand-in + local S3) and print the env that points gmp at it.

    With a COMMAND (after `--`), run it inside that env and stop the stack when it ends.
    """
    with cli_errors():
        stack = devstack_sandbox()
        setup_logs()
        with stack(data_dir, games_per_day=games_per_day, latency_s=latency_ms / 1000) as box:
            exports = "\n".join(f"export {k}={v}" for k, v in box.env.items())
            if env_file:  # whole or not at all: scripts wait for this file to appear
                partial = env_file.with_name(env_file.name + ".partial")
                partial.write_text(exports + "\n")
                partial.replace(env_file)
            if command:
                code = box.run(command)
                raise typer.Exit(code)
            typer.echo(exports)
            typer.echo("# sandbox running — press Ctrl-C to stop", err=True)
            box.wait()
            typer.echo("# stopping the sandbox", err=True)
        typer.echo("# sandbox stopped", err=True)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_interspersed_args": False})(sandbox)

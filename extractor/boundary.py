"""The CLI boundary: settings from the environment, secrets to hide, failures as one line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError

from extractor.errors import GmpError, UsageError
from extractor.redact import redact_text

T = TypeVar("T")


def load_settings(factory: Callable[[], T]) -> T:
    """Build a settings object from the environment; a bad value is a usage error."""
    try:
        return factory()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = first.get("loc", ("?",))[0]
        raise UsageError(f"setting {name} is invalid: {first.get('msg')}") from None


def known_secrets() -> list[str]:
    """Values that must never be printed: read once here, at the CLI boundary."""
    names = ("RAWG_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return [os.environ[n] for n in names if os.environ.get(n)] + [
        v for k, v in os.environ.items() if k.startswith(("DBT_ENV_SECRET_", "SNOWFLAKE_PASS"))
    ]


@contextmanager
def cli_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and the contract's exit code."""
    secrets = known_secrets()
    try:
        yield
    except typer.Exit:
        raise
    except GmpError as exc:
        typer.echo(f"gmp: error: {redact_text(str(exc), secrets)}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo(
            "gmp: interrupted; nothing was committed for the partition in progress", err=True
        )
        raise typer.Exit(130) from None
    except Exception as exc:  # anything else: still one line, still no secret
        if os.environ.get("GMP_DEBUG"):
            import traceback

            typer.echo(redact_text(traceback.format_exc(), secrets), err=True)
        message = redact_text(f"{type(exc).__name__}: {exc}", secrets)
        typer.echo(f"gmp: unexpected error: {message}", err=True)
        raise typer.Exit(1) from None

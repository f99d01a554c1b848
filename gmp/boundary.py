"""The CLI boundary: settings from the environment, secrets to hide, failures as one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, TypeAdapter, ValidationError
from typer._click import exceptions as click_errors  # typer 0.29 vendors click (pinned)
from typer.core import TyperGroup

from gmp.errors import GmpError, UsageError
from gmp.redact import redact_text

T = TypeVar("T", bound=BaseModel)

# pydantic's error types, said the way an operator reads them.
_PROBLEMS: dict[str, str] = {
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_parsing": "is not a number",
    "finite_number": "is not a finite number (NaN and infinity are refused)",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be above {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be below {lt}",
    "literal_error": "must be one of {expected}",
    "bool_parsing": "is not a yes/no value (1/0, true/false, yes/no)",
    "path_not_file": "is not an existing file",
}


def _field(model: type[BaseModel], alias: str) -> Any:
    return next((f for f in model.model_fields.values() if f.alias == alias), None)


def describe_invalid(model: type[BaseModel], exc: ValidationError) -> str:
    """One line: the variable, what is wrong with its value, and an example of a good one.

    A secret's value is never repeated, nor a value that could hide one (user:pass@, ?key=).
    """
    first = exc.errors()[0]
    loc = first.get("loc") or ()
    kind, message = first["type"], str(first.get("msg", ""))
    problem = message.removeprefix("Value error, ")
    if kind in _PROBLEMS:
        problem = _PROBLEMS[kind].format(**first.get("ctx", {}))
    if not loc:  # a rule across variables: its message names them
        return problem
    name = str(loc[0])
    field = _field(model, name)
    value = first.get("input")
    secret = field is not None and "SecretStr" in repr(field.annotation)
    shown = ""
    if isinstance(value, str) and not secret and not any(c in value for c in "@?"):
        shown = "=" + repr(value if len(value) <= 80 else value[:77] + "...")
    example = (field.examples or [None])[0] if field is not None else None
    hint = f"; e.g. {name}={example}" if example is not None else ""
    return f"setting {name}{shown} {problem}{hint}"


def load_settings(factory: Callable[[], T], model: type[BaseModel] | None = None) -> T:
    """Build a settings object (from the environment); a bad value is a usage error (exit 2).

    `model` names the class when `factory` is not the class itself (for the examples).
    """
    try:
        return factory()
    except ValidationError as exc:
        model = model or (factory if isinstance(factory, type) else BaseModel)
        raise UsageError(describe_invalid(model, exc)) from None


def known_secrets() -> list[str]:
    """Values that must never be printed: read once here, at the CLI boundary."""
    names = ("RAWG_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GMP_ALERT_WEBHOOK")
    return [os.environ[n] for n in names if os.environ.get(n)] + [
        v for k, v in os.environ.items() if k.startswith(("DBT_ENV_SECRET_", "SNOWFLAKE_PASS"))
    ]


def service_failure(exc: BaseException) -> str | None:
    """S3 or RAWG failing mid-run, said in one line with the service named; else None.

    Checked by type name through the modules already loaded, so a command that never touched
    boto3 or httpx does not import them here.
    """
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is not None and isinstance(exc, botocore.BotoCoreError | botocore.ClientError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url") or ""
        where = "/".join(url.split("/")[:3]) if "://" in url else "the lake's S3 endpoint"
        if isinstance(exc, botocore.ClientError):
            error = exc.response.get("Error", {})
            what = f"answered {error.get('Code', '?')} to {exc.operation_name}"
        else:
            what = f"failed ({type(exc).__name__}: {_first_line(exc)})"
        return f"S3 at {where} {what} mid-run; nothing more was committed; exit 1 is retried"
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.HTTPError):
        return (
            f"RAWG request failed mid-run ({type(exc).__name__}: {_first_line(exc)}); "
            "nothing was committed for this partition; exit 1 is retried"
        )
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no detail"


def _debug() -> bool:
    """GMP_DEBUG read as LogSettings reads it (an invalid value was refused at start-up)."""
    try:
        return bool(TypeAdapter(bool).validate_python(os.environ.get("GMP_DEBUG") or False))
    except ValidationError:
        return False


# Kubernetes mounts this file in every container (terminationMessagePath's default) and copies
# what a process writes there into the container's terminated `message`; Argo's controller then
# makes the node message "main: Error (exit code N): <it>" (workflow/controller/operator.go
# `inferFailedReason`, v4.0.9), and argoexec's emissary leaves it alone when the command exits
# non-zero (cmd/argoexec/main.go). So `argo get`, `{{workflow.failures}}` and the failure alert
# carry the one error line, not just the code. Locally the runner names a file of its own.
TERMINATION_LOG_ENV = "GMP_TERMINATION_LOG"
TERMINATION_LOG = "/dev/termination-log"
TERMINATION_MAX_BYTES = 1024  # kept short: it rides in every node message and workflow.failures


def say_error(line: str) -> None:
    """The one error line: on stderr, and as the container's termination message when the file
    exists (in a pod, or under the local runner); never created here, never fatal."""
    typer.echo(line, err=True)
    path = os.environ.get(TERMINATION_LOG_ENV) or TERMINATION_LOG
    if not os.path.isfile(path):
        return
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(line.encode()[:TERMINATION_MAX_BYTES].decode(errors="ignore"))
    except OSError:
        pass


@contextmanager
def cli_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and the contract's exit code."""
    secrets = known_secrets()
    try:
        yield
    except typer.Exit:
        raise
    except GmpError as exc:
        say_error(f"gmp: error: {redact_text(str(exc), secrets)}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo(
            "gmp: interrupted; nothing was committed for the partition in progress", err=True
        )
        raise typer.Exit(130) from None
    except Exception as exc:  # anything else: still one line, still no secret
        if _debug():
            import traceback

            typer.echo(redact_text(traceback.format_exc(), secrets), err=True)
        service = service_failure(exc)
        if service is not None:
            say_error(f"gmp: error: {redact_text(service, secrets)}")
            raise typer.Exit(1) from None
        message = redact_text(f"{type(exc).__name__}: {exc}", secrets)
        say_error(f"gmp: unexpected error: {message}")
        raise typer.Exit(1) from None


class OneLineUsage(TyperGroup):
    """Click's usage errors (missing option, value of the wrong type, unknown command) as one
    `gmp: error:` line and exit 2, like every other bad input, instead of a boxed usage text."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # `gmp` alone: the help, as before
            exc.show()
            code = exc.exit_code
        except click_errors.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            say_error(f"gmp: error: {exc.format_message().rstrip('.')}{where}")
            code = exc.exit_code
        except typer.Abort:
            typer.echo("gmp: interrupted", err=True)
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

"""Logging: JSON lines off a terminal (containers), readable text on one; secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter
from rich.console import Console
from rich.logging import RichHandler

from gmp.redact import RedactingFilter

_NOISY = ("httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer", "stamina")


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def setup_logging(secrets: Iterable[str], *, level: str = "INFO", json: bool | None = None) -> None:
    """Configure the root logger once, at the CLI entry."""
    use_json = not stderr_is_terminal() if json is None else json
    handler: logging.Handler
    if use_json:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler = RichHandler(console=Console(stderr=True), show_path=False, markup=False)
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Their request logs would print URLs, and RAWG's carry the key.
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)

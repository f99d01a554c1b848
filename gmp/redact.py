"""Keeping secrets out of the lake and the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from gmp.errors import GmpError

# `"next":"https://...?key=K&page=2"` — the only place RAWG echoes the key back.
_LINK = re.compile(rb'("(?:next|previous)"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_KEY_PARAM = re.compile(rb"([?&])key=[^&#]*(&?)")


def _drop_key_param(match: re.Match[bytes]) -> bytes:
    separator, trailing = match.group(1), match.group(2)
    # ?key=K&x -> ?x ; &key=K&x -> &x ; ?key=K -> "" ; &key=K -> ""
    return separator if trailing else b""


def strip_key(body: bytes, secret: str) -> bytes:
    """The body with `key=...` removed from its next/previous links, byte for byte otherwise.

    Refuses (raises) if the secret still appears anywhere: a page is never stored with it.
    """
    stripped = _LINK.sub(
        lambda m: m.group(1) + _KEY_PARAM.sub(_drop_key_param, m.group(2)) + m.group(3), body
    )
    if secret and secret.encode() in stripped:
        raise GmpError("a RAWG response echoes the API key outside next/previous; not stored")
    return stripped


class RedactingFilter(logging.Filter):
    """Replaces every known secret in a log record's final message with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = redact_text(record.getMessage(), self._secrets)
            record.msg, record.args = message, None
        return True


def redact_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text

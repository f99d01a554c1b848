"""Errors a user can cause or meet, each carrying the exit code the CLI contract gives it."""

from __future__ import annotations


class GmpError(Exception):
    """An expected failure: printed as one line on stderr, no traceback."""

    exit_code = 1


class UsageError(GmpError):
    """Bad input or a missing setting: a bad date, an unknown endpoint, an empty key."""

    exit_code = 2


class AuthRefused(GmpError):
    """RAWG refused the API key (401/403). Never retried."""

    exit_code = 3


class QuotaExhausted(GmpError):
    """RAWG kept answering 429 after the whole retry budget."""

    exit_code = 4


class Refused(GmpError):
    """Refused before spending, and retrying cannot change it: a day RAWG cannot serve whole,
    a run that would overrun the monthly budget. Never retried (exit 5)."""

    exit_code = 5


class UpstreamError(GmpError):
    """RAWG kept failing (5xx, hangs, resets, non-JSON bodies) after the retry budget."""


class LakeError(GmpError):
    """The lake could not be reached or written."""


class IncompleteExtract(GmpError):
    """What was fetched does not add up to what RAWG reported: nothing is committed."""


class Terminated(GmpError):
    """SIGTERM (Argo stopping the workflow, a deadline passing): the run stopped where it was,
    after recording its spend in the quota ledger. 128 + 15, as a shell reports it."""

    exit_code = 143

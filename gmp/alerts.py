"""Failure alerts: the message a finished workflow's outcome deserves, POSTed to a chat webhook.

The payload is what Slack's and Mattermost's incoming webhooks accept (`text`, plain text with
their `*bold*`/`` `code` `` markup; both ignore keys they do not know), plus the outcome's facts as
structured keys for any other receiver. Stdlib only: the onExit handler's image needs no extra.
The webhook URL is a secret (Slack's embeds its token): it is never printed, not even on failure.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from gmp.errors import AuthRefused, QuotaExhausted, Refused, UsageError
from gmp.redact import redact_text

log = logging.getLogger(__name__)

# What each exit code of the CLI contract means to the person reading the alert. Argo's node
# message for a failed pod is "main: Error (exit code N)", then ": <the step's own error line>"
# when gmp left one as the termination message (gmp/boundary.py `say_error`).
EXIT_MEANINGS: dict[int, str] = {
    UsageError.exit_code: "bad input or a missing setting (not retried)",
    AuthRefused.exit_code: "RAWG refused the API key (not retried)",
    QuotaExhausted.exit_code: "RAWG kept answering 429: quota or rate limit exhausted",
    Refused.exit_code: "refused before spending (not retried)",
}
REFUSAL_WORDS = ("refused before spending", "would overrun the monthly quota")
MAX_STEPS = 20  # a long backfill can fail many days: the text lists this many, then counts
MAX_MESSAGE = 300
_EXIT_CODE = re.compile(r"exit code (\d+)")


def exit_code(message: str) -> int | None:
    found = _EXIT_CODE.search(message)
    return int(found[1]) if found else None


def is_refusal(step: dict[str, Any]) -> bool:
    message = str(step.get("message", ""))
    return exit_code(message) == Refused.exit_code or any(w in message for w in REFUSAL_WORDS)


def when(record: dict[str, Any]) -> dict[str, str]:
    """The run's date (daily) or range (backfill), as the outcome record's --detail gave them."""
    keys = ("run_date", "start_date", "end_date")
    return {k: str(record[k]) for k in keys if record.get(k)}


def _when_text(dates: dict[str, str]) -> str:
    if "run_date" in dates:
        return f" — run_date {dates['run_date']}"
    if dates:
        return f" — {dates.get('start_date', '?')} to {dates.get('end_date', '?')}"
    return ""


def _step_line(step: dict[str, Any]) -> str:
    message = str(step.get("message") or "no message")
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    code = exit_code(message)
    meaning = EXIT_MEANINGS.get(code) if code is not None else None
    if meaning and meaning.split(" (")[0] not in message:
        message = f"{message} — {meaning}"
    where = [f"template {step['template']}"] if step.get("template") else []
    if step.get("attempts"):
        where.append(f"{step['attempts']} attempt{'s' if step['attempts'] != 1 else ''}")
    if step.get("pod"):
        where.append(f"pod {step['pod']}")
    extra = f" ({', '.join(where)})" if where else ""
    return f"• `{step.get('step') or '?'}`{extra}: {message}"


def build_alert(record: dict[str, Any]) -> dict[str, Any] | None:
    """The message for this outcome record, or None when there is nothing to tell a person.

    A run that did not succeed always alerts; a run that succeeded alerts only when RAWG removed
    fields the models read (`drift_removed`, "endpoint.path" each).
    """
    workflow = str(record.get("workflow", "?"))
    status = str(record.get("status", "?"))
    failed = [s for s in record.get("failed_steps") or [] if isinstance(s, dict)]
    removed = [str(p) for p in record.get("drift_removed") or []]
    drift = record.get("drift")
    if status == "Succeeded" and not removed:
        return None
    dates = when(record)
    lines: list[str]
    if status == "Succeeded":
        lines = [
            f":warning: *{workflow}* succeeded{_when_text(dates)}, but RAWG removed fields read "
            f"by models: {', '.join(removed)}"
        ]
    else:
        refused = any(is_refusal(s) for s in failed)
        headline = f"{status}, refused before spending" if refused else status
        lines = [f":red_circle: *{workflow}* {headline}{_when_text(dates)}"]
        if failed:
            lines.append(f"Failed step{'s' if len(failed) > 1 else ''}:")
            lines += [_step_line(s) for s in failed[:MAX_STEPS]]
            if len(failed) > MAX_STEPS:
                lines.append(f"…and {len(failed) - MAX_STEPS} more (see `argo get {workflow}`)")
        else:
            lines.append("No step failed on its own (a workflow deadline, or a stopped run?).")
        if removed:
            lines.append(f":warning: RAWG removed fields read by models: {', '.join(removed)}")
    if drift:
        # the summary line already reads "drift: …" (extractor/drift.py summary_line)
        text = str(drift).removeprefix("drift:").strip()
        lines.append(f"Drift: {text}")
    return {
        "text": "\n".join(lines),
        "workflow": workflow,
        "status": status,
        **dates,
        "failed_steps": failed,
        "drift": drift,
        "drift_removed": removed,
    }


def redact_payload(value: Any, secrets: Iterable[str]) -> Any:
    """Every string inside, with each secret replaced by `***` (JSON escaping stays intact)."""
    secrets = [s for s in secrets if s]
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: redact_payload(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_payload(v, secrets) for v in value]
    return value


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code == 429
    return True  # connection refused, reset, timeout, DNS: the receiver may be back in a moment


def _why(exc: Exception) -> str:
    """What went wrong, in words that never carry the URL (urllib's messages can)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"the receiver answered HTTP {exc.code}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return "the receiver did not answer in time"
    if isinstance(reason, OSError) and reason.strerror:
        return f"could not reach the receiver ({reason.strerror})"
    return f"could not reach the receiver ({type(reason).__name__})"


def deliver(
    payload: dict[str, Any],
    url: str,
    *,
    timeout_s: float = 10.0,
    attempts: int = 3,
    backoff_s: float = 1.0,
) -> bool:
    """POST the payload as JSON; True once the receiver accepted it (2xx). Never raises.

    Retries a connection error, a timeout, 429 or 5xx (`attempts` tries in all); a 4xx other
    than 429 is final. A failure is a warning naming GMP_ALERT_WEBHOOK, never its value.
    """
    if not url.lower().startswith(("http://", "https://")):
        log.warning("alert not sent: GMP_ALERT_WEBHOOK is not an http(s) URL")
        return False
    body = json.dumps(payload).encode()
    why = "nothing tried"
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
                response.read()
            return True
        except Exception as exc:  # delivery must never fail the exit handler
            why = redact_text(_why(exc), [url])
            if not _retryable(exc) or attempt == attempts:
                break
        time.sleep(backoff_s * 2 ** (attempt - 1))
    log.warning("alert not delivered to GMP_ALERT_WEBHOOK after %d attempt(s): %s", attempt, why)
    return False

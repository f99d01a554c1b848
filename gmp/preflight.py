"""`gmp run` and `gmp backfill`: every input and setting their steps need, checked before the
first step starts, and the run's outcome said in one `gmp: error:` line when it fails."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gmp.boundary import known_secrets
from gmp.redact import redact_text

if TYPE_CHECKING:
    from workflows.runner import RunResult


def check_settings() -> None:
    """What the extracts and the transform would refuse: refused now, in one line (exit 2), so
    no step starts and nothing is spent. Dates and endpoints stay the first step's job
    (`validate` / `dates`), as on Argo: the run reports that step's exit 2."""
    from extractor.lake import Lake
    from gmp.context import lake_settings, quota_settings, rawg_settings, setup_logs
    from warehouse.dbt import dbt_settings

    setup_logs()
    rawg_settings()
    quota_settings()
    lake = Lake(lake_settings())
    dbt_settings(os.environ)
    lake.check()  # the bucket exists and takes these credentials


def failure_line(result: RunResult) -> str:
    """The failing step, why, and where its log is: what `gmp: error:` says after the summary."""
    failed = result.failures()
    if not failed:
        return f"{result.workflow} {result.status.lower()} (exit {result.exit_code()})"
    step = failed[0]
    why = _own_error(step.log_path) or step.message or f"exit code {step.exit_code}"
    more = f"; {len(failed) - 1} more step(s) failed" if len(failed) > 1 else ""
    text = (
        f"{result.workflow} failed at step {step.name} ({why}){more}; exit {result.exit_code()}; "
        f"its log: {step.log_path}"
    )
    return redact_text(text, known_secrets())


def _own_error(log_path: object) -> str | None:
    """The step's own `gmp: error:` line (its last), e.g. the quota guard's refusal."""
    from pathlib import Path

    if not isinstance(log_path, str | Path):
        return None
    try:
        lines = Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    found = [line for line in lines if line.startswith("gmp: error: ")]
    return found[-1].removeprefix("gmp: error: ") if found else None

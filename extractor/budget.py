"""The quota guard: a run whose planned cost exceeds what remains of RAWG's month is refused.

Planned cost: `plan_run`'s probes (the same `gmp plan` makes), recorded in the ledger as command
"guard". Remaining: GMP_MONTHLY_QUOTA less the month's spend in the ledger (those probes
included). Over it: Refused (exit 5, never retried), in one line (gmp/guard.py skips all this when
the run is allowed over quota). When the probes
themselves fail (a refused key, 429s, RAWG down) the guard refuses nothing and says so: the run's
own first request meets the same failure, with its own exit code.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import httpx

from extractor.client import RawgClient
from extractor.lake import Lake
from extractor.ledger import current_month, read_month, recording
from extractor.plan import plan_run
from extractor.resume import Todo
from gmp.endpoints import Endpoint, Mode
from gmp.errors import AuthRefused, IncompleteExtract, QuotaExhausted, Refused, UpstreamError
from gmp.settings import RawgSettings

log = logging.getLogger(__name__)

OVERRIDE = "--allow-over-quota (workflow parameter allow_over_quota=true)"


@dataclass(frozen=True)
class Budget:
    month: str
    quota: int
    spent: int
    planned: int

    @property
    def remaining(self) -> int:
        return self.quota - self.spent

    def summary(self) -> str:
        return (
            f"quota guard: this run plans {self.planned:,} RAWG requests but only "
            f"{max(self.remaining, 0):,} of {self.quota:,} remain in {self.month} (RAWG's month, "
            f"UTC; {self.spent:,} spent)"
        )

    def refusal(self) -> str:
        return f"{self.summary()}; refused before spending — override with {OVERRIDE}"


def plan_cost(
    lake: Lake,
    rawg: RawgSettings,
    endpoints: list[Endpoint],
    days: list[dt.date],
    todo: Todo | None = None,
) -> int | None:
    """The run's planned requests, its probes recorded as "guard"; None when probing failed."""
    details_lake = lake if any(e.mode is Mode.DETAIL for e in endpoints) else None
    try:
        with RawgClient(rawg) as client, recording(lake, "guard", client.tally):
            lines = plan_run(
                endpoints, days, client, page_cap=rawg.page_cap, lake=details_lake,
                details_cap=rawg.details_max_per_day, todo=todo, sizes=rawg.sizes(),
            )  # fmt: skip
    except (AuthRefused, QuotaExhausted, UpstreamError, IncompleteExtract, httpx.HTTPError) as exc:
        log.warning(
            "quota guard: the plan's probes failed (%s); refusing nothing — the run will meet "
            "the same failure and report it",
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return None
    return sum(line.requests for line in lines)


def check_budget(
    lake: Lake,
    rawg: RawgSettings,
    endpoints: list[Endpoint],
    days: list[dt.date],
    *,
    quota: int,
    todo: Todo | None = None,
) -> Budget | None:
    """Refuse (exit 5) a run that would overrun the month; the budget seen (None: unknown).
    `todo`: a backfill's work left (extractor/resume.py): committed partitions cost nothing."""
    planned = plan_cost(lake, rawg, endpoints, days, todo)
    if planned is None:
        return None
    month = current_month()
    budget = Budget(month, quota, read_month(lake, month).total, planned)
    if planned == 0 or planned <= budget.remaining:  # nothing to fetch is never refused
        log.info(
            "quota guard: this run plans %d RAWG requests; %d of %d remain in %s",
            planned,
            budget.remaining,
            quota,
            month,
        )
        return budget
    raise Refused(budget.refusal())

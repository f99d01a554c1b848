"""Request cost of a detail endpoint, day by day: the games the extraction will select, within
the cap (extractor/backlog.py), simulated in date order.

The first day's backlog is read from the lake exactly as the extraction reads it. A day's games
are known by id when its `games` partition is committed, else only by RAWG's count. A range is
a backfill's (`gmp plan --start/--end`, the backfill's quota guard): a game's details are fetched
once over it, so a day's games leave out those an earlier day of the range fetched (or a
committed `game_details` partition of another day of it answered) — exactly where the ids are
known. Later days carry, oldest listing day first, what the cap left, and drop what falls out of
the look-back, as the extraction will. Where a count stands for ids, overlaps can only lower it:
the line is then an upper bound ("at most"), unless the cap is filled before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from extractor.backlog import (
    LOOKBACK_DAYS,
    SOURCE,
    Once,
    answered_before,
    backlog,
    listed_games,
    range_answers,
)
from extractor.lake import Lake
from extractor.plan import PlanLine
from gmp.endpoints import Endpoint


@dataclass
class Owed:
    """Games of one listing day still to fetch: by id when known, else only how many."""

    listed_on: dt.date
    count: int
    ids: list[int] | None = None  # in fetch order

    def take(self, n: int) -> list[int]:
        """Fetch the first `n`: the ids taken (none known for a count)."""
        self.count -= n
        if self.ids is None:
            return []
        taken, self.ids = self.ids[:n], self.ids[n:]
        return taken


def plan_details(
    endpoint: Endpoint,
    days: list[dt.date],
    lake: Lake | None,
    *,
    cap: int,
    games_count: Callable[[dt.date], int],
    lookback: int = LOOKBACK_DAYS,
    panel: Callable[[dt.date], list[int] | int] | None = None,
) -> list[PlanLine]:
    """`panel`: a day's panel games, first in the selection: their ids (committed panels) or,
    before the panels are extracted, how many at most (their sizes)."""
    once = Once(days[0], days[-1]) if len(days) > 1 else None
    lines: list[PlanLine] = []
    note = f"at most {cap} a day; the panel's games, then the backlog (look-back {lookback} days)"
    if once is not None:
        note += "; each game once over the range"
    if lake is None:
        note += "; backlog unknown: LAKE_BUCKET is not set"
    # Per day of the range, the ids its details answered: the lake's, then the simulation's.
    answers = {} if lake is None else range_answers(lake, once)
    owed: list[Owed] = []
    blind = False  # a count was fetched: known ids may repeat games it stood for
    recent: set[int] | None = None  # what the look-back before the range answered (lake)
    for index, day in enumerate(days):
        skip = set().union(*(ids for d, ids in answers.items() if d != day))
        due_panel = panel(day) if panel is not None else []
        if isinstance(due_panel, list) and due_panel:
            if recent is None:
                recent = set() if lake is None else answered_before(lake, days[0], lookback)
            fetched = recent | {
                i for d, ids in answers.items() if d < day and (day - d).days <= lookback
                for i in ids
            }  # fmt: skip
            ids = [i for i in dict.fromkeys(due_panel) if i not in skip and i not in fetched]
            panel_owed = Owed(day, len(ids), ids)
        else:
            panel_owed = Owed(day, due_panel if isinstance(due_panel, int) else 0)
        if index == 0:
            owed = _first_backlog(day, lake, cap, skip | set(panel_owed.ids or []))
        owed = [o for o in owed if o.count and (day - o.listed_on).days <= lookback]
        known = skip | {i for o in [panel_owed, *owed] for i in o.ids or []}
        listed = _listed(lake, day)
        if listed is None:
            own = Owed(day, games_count(day))
        else:
            ids = [i for i in listed if i not in known]
            own = Owed(day, len(ids), ids)
        queue = [*([panel_owed] if panel_owed.count else []), *owed, own]
        due = sum(o.count for o in queue)
        requests = left = min(cap, due)
        # Without a lake the backlog is unknown: exact only when the day alone fills the cap.
        # Panels not extracted yet count their sizes: an upper bound (they overlap, and the
        # games fetched in the look-back are left out).
        estimated = _estimated(panel_owed)
        exact = not blind and (lake is not None or own.count >= cap) and not estimated
        answers[day] = set()
        for group in queue:
            n = min(left, group.count)
            if n == 0:
                break
            if group.ids is None:
                # A count may hold games answered or owed already; it cannot when nothing is
                # known yet, and it makes no difference when the day's games alone fill the cap.
                clean = not known or (group is own and group.count >= cap and not skip)
                exact, blind = exact and clean, True
            answers[day].update(group.take(n))
            left -= n
        lines.append(
            PlanLine(endpoint.name, day, due, requests, exact, note,
                     upper_bound=not exact and (lake is not None or requests == cap))
        )  # fmt: skip
        blind = blind or estimated
        owed = [o for o in queue if o.count and o is not panel_owed]
    return lines


def _estimated(group: Owed) -> bool:
    """A panel's games counted by size, not known by id."""
    return group.ids is None and group.count > 0


def _first_backlog(day: dt.date, lake: Lake | None, cap: int, skip: set[int]) -> list[Owed]:
    """The first day's backlog, by listing day, as the extraction reads it (none without a lake:
    unknown, and the line says "at least")."""
    if lake is None:
        return []
    owed: dict[dt.date, Owed] = {}
    for candidate in backlog(lake, day, cap + 1, skip=skip):
        group = owed.setdefault(candidate.listed_on, Owed(candidate.listed_on, 0, []))
        group.count += 1
        group.ids.append(candidate.game_id)  # type: ignore[union-attr]
    return sorted(owed.values(), key=lambda o: o.listed_on)


def _listed(lake: Lake | None, day: dt.date) -> list[int] | None:
    """The ids of the day's committed `games` partition, most popular first; None when unknown."""
    manifest = None if lake is None else lake.manifest(SOURCE, day)
    if lake is None or manifest is None:
        return None
    return [c.game_id for c in listed_games(lake, manifest)]

"""How the synthetic market moves: each game's `added` on a day, a pure function of (seed, id, day).

A game's `added` is two counters:

- *played* (yet, owned, beaten, dropped, playing): 0 until the game's release; from then on it
  grows by a base rate with a weekly rhythm, a launch boost that fades (new releases gain fast,
  old ones slowly) and periodic surges (a sale, an update, a streamer: a burst of a few days).
  Games released before they joined RAWG arrive with a backlog and have no launch.
- *toplay* (want to play): slow wishlisting from the day the game joined RAWG, then a hype that
  accelerates up to its release, then a trickle. TBA games only ever gain toplay.

Every term is closed-form and non-decreasing in the day, so a game's counters never fall and the
whole catalogue can be ranked by `added` for any day without replaying history. The per-game
parameters come from one random stream drawn in id order (id i's depend on seed and i only),
packed in arrays: a few bytes per game, cheap enough to rank 900,000 games in seconds.
"""

from __future__ import annotations

import math
import random
import threading
from array import array
from collections.abc import Iterable

EPOCH = 736_329  # date(2016, 1, 1).toordinal(): games "join" RAWG between here and ~2025
_JOIN_SPAN = 3_300
_NULL_SHARE = 0.06  # games whose added_by_status is null (nothing counted)
_WEEK = 2 * math.pi / 7


class Market:
    """Per-game market parameters of a catalogue, built once (lazily, thread-safe)."""

    def __init__(self, seed: int, size: int, released: array[int]) -> None:
        self.seed, self.size, self._released = seed, size, released
        self._lock = threading.Lock()
        self._params: tuple[array[float], array[int], array[int]] | None = None

    def params(self) -> tuple[array[float], array[int], array[int]]:
        """(popularity, joined ordinal, packed shape bits) at index id-1."""
        params = self._params
        if params is None:
            with self._lock:
                if self._params is None:
                    rng = random.Random(f"{self.seed}:market")
                    popularity = array("d", bytes(8 * self.size))
                    joined = array("i", bytes(4 * self.size))
                    shape = array("Q", bytes(8 * self.size))
                    for index in range(self.size):
                        null = rng.random() < _NULL_SHARE
                        scale = 0.35 * rng.lognormvariate(0.0, 1.3)
                        popularity[index] = 0.0 if null else scale
                        joined[index] = EPOCH + int(_JOIN_SPAN * rng.random())
                        shape[index] = rng.getrandbits(64)
                    self._params = (popularity, joined, shape)
                params = self._params
        return params

    def counts(self, game_id: int, day: int) -> tuple[int, int]:
        """(played, toplay) of the game on the day (an ordinal); `added` is their sum."""
        popularity, joined, shape = self.params()
        index = game_id - 1
        return counts(popularity[index], joined[index], self._released[index], shape[index], day)

    def added(self, game_id: int, day: int) -> int:
        played, toplay = self.counts(game_id, day)
        return played + toplay

    def added_of(self, game_ids: Iterable[int], day: int) -> list[int]:
        """`added` of each game on the day (an ordinal), in the order given."""
        popularity, joined, shape = self.params()
        released = self._released
        out = []
        for game_id in game_ids:
            i = game_id - 1
            played, toplay = counts(popularity[i], joined[i], released[i], shape[i], day)
            out.append(played + toplay)
        return out


def counts(popularity: float, joined: int, released: int, bits: int, day: int) -> tuple[int, int]:
    """(played, toplay) on `day` of a game with these parameters (ordinals; released 0: TBA)."""
    if popularity == 0.0:
        return 0, 0
    rate = popularity * (0.05 + ((bits >> 51) & 63) / 63 * 0.95)
    if released == 0:  # TBA: only wishlisted
        return 0, int(rate * 0.3 * max(0, day - joined))
    if released < joined:  # joined RAWG after its release: a backlog, no launch, no hype
        backlog = min(joined - released, 2_000)
        toplay = rate * (0.05 * backlog + 0.15 * max(0, day - joined))
        if day < joined:  # nothing played before the release
            return (int(rate * 0.5 * backlog) if day >= released else 0), int(toplay)
        return int(rate * (0.5 * backlog + _grown(bits, joined, day, launch=False))), int(toplay)
    hype_days = 30 + ((bits >> 38) & 255) * 1.5
    intensity = 0.5 + ((bits >> 46) & 31) * 0.25
    until = min(day, released)
    ramp = min(1.0, max(0.0, (until - (released - hype_days)) / hype_days))
    toplay = rate * (
        0.1 * max(0, until - joined) + intensity * hype_days * ramp * ramp
        + 0.15 * max(0, day - released)
    )  # fmt: skip
    if day < released:
        return 0, int(toplay)
    return int(rate * _grown(bits, released, day, launch=True)), int(toplay)


def _grown(bits: int, start: int, day: int, *, launch: bool) -> float:
    """Played counts gained from `start` to `day`, in units of the game's base daily rate."""
    age = day - start
    wobble = ((bits >> 57) & 7) / 8 * 0.8 * 7 / (2 * math.pi)
    phase = ((bits >> 60) & 15) / 16 * 2 * math.pi
    total = age - wobble * (math.cos(_WEEK * day + phase) - math.cos(_WEEK * start + phase))
    if launch:
        fade = 10 + (bits & 127)
        boost = 2 + ((bits >> 7) & 31) * 0.5
        total += boost * fade * math.log1p(age / fade)
    period = 30 + ((bits >> 12) & 255) * 2
    first = ((bits >> 20) & 1023) / 1024 * period
    if age >= first:
        size = 2 + ((bits >> 30) & 63)
        length = 1 + ((bits >> 36) & 3)
        surges = int((age - first) // period)
        into = age - first - surges * period
        total += size * (surges + min(1.0, (into + 1) / length))
    return total

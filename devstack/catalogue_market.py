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
parameters are a hash of (seed, id): one game's cost a hash, and ranking the catalogue packs
everybody's in arrays once (20 bytes a game) and ranks 900,000 games in seconds.
"""

from __future__ import annotations

import hashlib
import math
import threading
from array import array
from collections.abc import Iterable

EPOCH = 736_329  # date(2016, 1, 1).toordinal(): games "join" RAWG between here and ~2025
_JOIN_SPAN = 3_300
_NULL_SHARE = 0.06  # games whose added_by_status is null (nothing counted)
_WEEK = 2 * math.pi / 7


class Market:
    """Per-game market parameters of a catalogue: one game's on demand, every game's in arrays
    (built once, lazily, thread-safe) when the catalogue is ranked."""

    def __init__(self, seed: int, size: int, released: array[int]) -> None:
        self.seed, self.size, self._released = seed, size, released
        self._key = f"{seed}:market:".encode()
        self._lock = threading.Lock()
        self._params: tuple[array[float], array[int], array[int]] | None = None

    def game_params(self, game_id: int) -> tuple[float, int, int]:
        """(popularity, joined ordinal, packed shape bits) of one game: a hash of (seed, id)."""
        digest = hashlib.blake2b(self._key + game_id.to_bytes(8, "little"), digest_size=16)
        bits = int.from_bytes(digest.digest(), "little")
        if (bits >> 64) & 0xFFFF < _NULL_SHARE * 0x10000:
            popularity = 0.0
        else:  # log-logistic: a lognormal's shape, with a heavier tail
            u = (((bits >> 80) & 0xFFFFFF) + 0.5) / 0x1000000
            popularity = 0.35 * math.exp(0.72 * math.log(u / (1 - u)))
        joined = EPOCH + ((bits >> 104) & 0xFFFF) * _JOIN_SPAN // 0x10000
        return popularity, joined, bits & 0xFFFF_FFFF_FFFF_FFFF

    def params(self) -> tuple[array[float], array[int], array[int]]:
        """game_params() of every game, at index id-1: popularity, joined, shape bits."""
        params = self._params
        if params is None:
            with self._lock:
                if self._params is None:
                    popularity = array("d", bytes(8 * self.size))
                    joined = array("i", bytes(4 * self.size))
                    shape = array("Q", bytes(8 * self.size))
                    for index in range(self.size):
                        pop, day, bits = self.game_params(index + 1)
                        popularity[index], joined[index], shape[index] = pop, day, bits
                    self._params = (popularity, joined, shape)
                params = self._params
        return params

    def counts(self, game_id: int, day: int) -> tuple[int, int]:
        """(played, toplay) of the game on the day (an ordinal); `added` is their sum."""
        popularity, joined, bits = self.game_params(game_id)
        return counts(popularity, joined, self._released[game_id - 1], bits, day)

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

    def joined(self, game_ids: Iterable[int]) -> list[int]:
        """The day (an ordinal) each game joined RAWG (its `created`), in the order given."""
        _, joined, _ = self.params()
        return [joined[game_id - 1] for game_id in game_ids]


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

"""What the RAWG stand-in can be told to do wrong (Fault), and what it saw (RecordedRequest)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal, get_args

FaultKind = Literal[
    "429", "429-retry-after", "500", "502", "503", "401", "403", "hang", "reset", "truncated",
    "partial",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


def _normal_path(path: str) -> str:
    return "/" + path.strip("/")


@dataclass
class Fault:
    """Make matching `/api` requests fail; `times` matches, then pass again (-1 = forever)."""

    kind: FaultKind
    # e.g. "/games", after the /api prefix; `*` matches any run of characters ("/games/*": every
    # game's detail, never the list); None = any path
    path: str | None = None
    page: int | None = None  # None = any page (a request without `page` is page 1)
    times: int = 1
    retry_after: int = 1  # seconds, for "429-retry-after"
    hang_seconds: float = 30.0  # for "hang": then 500, as RAWG has been seen to do
    # matching requests that pass before this fault starts: faults spread over a run (chaos)
    skip: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")

    def matches(self, path: str, page: int | None) -> bool:
        path_ok = self.path is None or fnmatchcase(_normal_path(path), _normal_path(self.path))
        return path_ok and (self.page is None or self.page == page)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A Fault from a JSON object of its fields; ValueError when it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object of Fault's fields")
        names = {f.name for f in dataclasses.fields(cls)}
        if unknown := set(data) - names:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        checks = {"path": (str, type(None)), "page": (int, type(None)), "times": (int,),
                  "retry_after": (int,), "hang_seconds": (int, float), "skip": (int,)}  # fmt: skip
        for name, types in checks.items():
            if name in data and (not isinstance(data[name], types) or isinstance(data[name], bool)):
                raise ValueError(f"fault field {name!r} has the wrong type")
        if "kind" not in data:
            raise ValueError("a fault needs a `kind`")
        return cls(**data)


@dataclass(frozen=True)
class RecordedRequest:
    path: str  # e.g. "/games"
    params: dict[str, str]  # query parameters without `key`
    status: int  # status sent; 0 for "reset" and "partial"
    # Arrival (Unix time): `make images-test` times a container's start to its first request.
    received_at: float = field(default=0.0, compare=False)

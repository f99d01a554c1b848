"""One rule for an endpoint list, in the core and in every command that takes one."""

from __future__ import annotations

import subprocess

import pytest

from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, endpoint_names, split_names
from gmp.errors import UsageError
from tests.conftest import GMP, RUN_DATE

KNOWN = ", ".join(REGISTRY)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("games,genres", ["games", "genres"]),
        (" games , genres ", ["games", "genres"]),
        ('["games","genres"]', ["games", "genres"]),
        ('[" games", "genres "]', ["games", "genres"]),
        ("genres,games", ["genres", "games"]),  # the order given is kept
        ("games,,genres,", ["games", "genres"]),
    ],
)
def test_a_json_or_comma_list_names_the_same_endpoints(text: str, names: list[str]) -> None:
    assert endpoint_names(text) == names


@pytest.mark.parametrize("text", [None, "", "  ", ",", "[]", '[" "]'])
def test_none_named_means_the_default_set(text: str | None) -> None:
    assert endpoint_names(text) == list(DEFAULT_ENDPOINTS)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("games,games", "names one endpoint twice"),
        ('["games", " games"]', "names one endpoint twice"),
        ("games,gamez", f"unknown endpoint 'gamez'; known endpoints: {KNOWN}"),
        ('["games"', "is not a JSON list of names"),
        ('["games", 1]', "is not a JSON list of names"),
    ],
)
def test_a_duplicate_an_unknown_name_or_bad_json_is_refused(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        endpoint_names(text)


def test_split_names_checks_only_the_syntax() -> None:
    assert split_names("games,gamez,games") == ["games", "gamez", "games"]


COMMANDS = [
    ["validate", "--run-date", RUN_DATE],
    ["plan", "--run-date", RUN_DATE],
    ["status", "--run-date", RUN_DATE],
    ["submit", "--run-date", RUN_DATE],
    ["submit-backfill", "--start", RUN_DATE, "--end", RUN_DATE],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("games,games", "gmp: error: endpoints ['games', 'games'] names one endpoint twice"),
        ("games,gamez", f"gmp: error: unknown endpoint 'gamez'; known endpoints: {KNOWN}"),
    ],
    ids=["duplicate", "unknown"],
)
def test_every_command_refuses_the_same_lists_the_same_way(
    command: list[str], given: str, says: str
) -> None:
    # Refused before any setting, S3, RAWG or cluster is touched: the env here has none.
    proc = subprocess.run(
        [GMP, *command, "--endpoints", given],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [says]

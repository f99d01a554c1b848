"""Fixtures for the prod (Snowflake) path: the emulator server, a mirror of the lake, dbt on it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.warehouse.prod.emulator import EmulatorDbt, LakeMirror, SnowflakeEmulator


@pytest.fixture(scope="session")
def snowflake_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnowflakeEmulator]:
    emulator = SnowflakeEmulator(tmp_path_factory.mktemp("emulator") / "emulator.log").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator_database(request: pytest.FixtureRequest) -> str:
    """A database of its own per test: the emulator creates it on first login."""
    return "T_" + re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)[:60].upper()


@pytest.fixture
def emulator_dbt(
    tmp_path: Path, snowflake_emulator: SnowflakeEmulator, emulator_database: str
) -> Callable[..., EmulatorDbt]:
    """dbt on the `emulator` target; with a lake, its stage is a file:// mirror of that prefix."""

    def make(
        *, client: object = None, bucket: str = "", prefix: str = "", **env: str
    ) -> EmulatorDbt:
        mirror = None
        if client is not None:
            mirror = LakeMirror(client, bucket, prefix, tmp_path / "lake-mirror")
            mirror.dest.mkdir(exist_ok=True)
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            **snowflake_emulator.env(emulator_database),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        return EmulatorDbt({**base, **env}, tmp_path, mirror)

    return make

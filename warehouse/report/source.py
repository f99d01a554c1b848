"""Where the report reads its datasets: the dev DuckDB file, or Snowflake through dbt's profile.

Read only. Snowflake's connection is the committed profile's target (dbt/profiles.yml),
rendered by dbt and opened with dbt-snowflake's own credentials logic, so every auth mode
`gmp transform` accepts works here too (and the tests' emulator target).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from gmp.errors import GmpError, UsageError

SCHEMA = "reports"


class Source(Protocol):
    """Runs a query, returns its rows as dicts keyed by lower-case column names."""

    def rows(self, sql: str) -> list[dict[str, Any]]: ...


class DuckDBSource:
    def __init__(self, path: Path) -> None:
        import duckdb

        if not path.is_file():
            raise UsageError(
                f"no dev warehouse at {path}: set DUCKDB_PATH to the warehouse file "
                "`gmp transform` built (the sandbox prints it), or run `gmp transform` first"
            )
        try:
            self._con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            raise GmpError(f"cannot open the warehouse {path} read-only: {exc}") from None

    def rows(self, sql: str) -> list[dict[str, Any]]:
        import duckdb

        try:
            cursor = self._con.execute(sql)
        except duckdb.CatalogException as exc:
            raise UsageError(_missing(exc)) from None
        names = [d[0].lower() for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self._con.close()


class SnowflakeSource:
    def __init__(self, connection: Any) -> None:
        self._con = connection

    def rows(self, sql: str) -> list[dict[str, Any]]:
        from snowflake.connector.errors import ProgrammingError

        cursor = self._con.cursor()
        try:
            cursor.execute(sql)
        except ProgrammingError as exc:
            if "does not exist" in str(exc):
                raise UsageError(_missing(exc)) from None
            raise
        names = [d[0].lower() for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self._con.close()


def _missing(exc: Exception) -> str:
    first = str(exc).strip().splitlines()[0][:200]
    return (
        f"the warehouse has no report models ({first}): run `gmp transform` to build "
        f"the `{SCHEMA}` models"
    )


def snowflake_connection(
    project_dir: Path, profiles_dir: Path, target: str, env: Mapping[str, str]
) -> Any:
    """A connection to the profile's Snowflake target, opened as dbt-snowflake opens it."""
    import snowflake.connector
    from dbt.adapters.snowflake.connections import SnowflakeCredentials
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    del project_dir  # the profile names the project's target; kept for symmetry with dbt
    set_invocation_context(dict(env))
    raw = read_profile(str(profiles_dir))
    _, data = Profile.render_profile(raw["game_market"], "game_market", target, ProfileRenderer({}))
    if data.get("type") != "snowflake":
        raise UsageError(f"DBT_TARGET={target} is not a Snowflake target of the profile")
    creds = SnowflakeCredentials.from_dict(
        {k: v for k, v in data.items() if k not in ("type", "threads")}
    )
    return snowflake.connector.connect(
        account=creds.account,
        database=creds.database,
        warehouse=creds.warehouse,
        role=creds.role,
        autocommit=True,
        application="gmp-report",
        login_timeout=creds.connect_timeout or 30,
        network_timeout=300,
        **creds.auth_args(),  # type: ignore[no-untyped-call]
    )


@contextlib.contextmanager
def open_source(
    target: str, duckdb_path: Path, project_dir: Path, profiles_dir: Path, env: Mapping[str, str]
) -> Iterator[Source]:
    """The warehouse of DBT_TARGET, read-only, closed on the way out."""
    source: DuckDBSource | SnowflakeSource
    if target == "dev":
        source = DuckDBSource(duckdb_path)
    else:
        source = SnowflakeSource(snowflake_connection(project_dir, profiles_dir, target, env))
    try:
        yield source
    finally:
        source.close()

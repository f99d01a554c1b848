"""The report in a real browser: Debian's Chromium, headless, offline (file://, no network).

Skips, saying why, where Chromium or playwright is missing (`make browser` installs Chromium
with apt-get where the machine allows it). The screenshot lands in test-artifacts/ (ignored by
git) for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.report.conftest import Reported
from tests.warehouse.report.test_report_file import CHARTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
# The flags a root user needs for headless Chromium, and none that reach out to the network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Per chart: its title, both axis titles, and how many of its marks (bars, points) have an
# area on screen (a bar of height 0 does not count).
CHART_STATE = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((plot) => ({
  id: plot.id,
  title: (plot.querySelector('.gtitle') || {}).textContent || '',
  x: (plot.querySelector('.xtitle') || {}).textContent || '',
  y: (plot.querySelector('.ytitle') || {}).textContent || '',
  marks: Array.from(plot.querySelectorAll('.trace .point')).filter((mark) => {
    const box = mark.getBBox();
    return box.width > 0 && box.height > 0;
  }).length,
}))
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no chromium on PATH: `make browser` installs Debian's (root + apt-get)")
    return found


def test_the_report_draws_every_chart_offline_without_console_errors(
    reported: Reported, tmp_path: Path
) -> None:
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    assert reported.result.code == 0, reported.result.stderr[-3000:]
    errors: list[str] = []
    outside: list[str] = []

    def refuse_network(route: Any) -> None:
        if not route.request.url.startswith(("file://", "data:", "blob:", "about:")):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_api.sync_playwright() as pw:
        # A fresh profile for this run (playwright passes it as --user-data-dir).
        context = pw.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=executable,
            args=FLAGS,
            viewport={"width": 1200, "height": 900},
            offline=True,
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.route("**/*", refuse_network)
            page.goto(reported.page.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(CHARTS)}"
            )
            charts = page.evaluate(CHART_STATE)
            page_empty = page.evaluate("document.querySelectorAll('[data-empty=\"true\"]').length")
            screenshot = tmp_path / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "report.png")
    assert not errors, f"console errors: {errors}"
    assert not outside, f"the page tried to reach the network: {outside}"
    assert len(charts) == len(CHARTS), charts
    assert page_empty == 0, "a chart of the full fixture is data-empty"
    for chart in charts:
        assert chart["title"] and chart["x"] and chart["y"], chart
        assert chart["marks"] > 0, f"{chart['id']} drew nothing: {chart}"
    assert screenshot.stat().st_size > 10_000

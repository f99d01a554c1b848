"""Windows: how a day too large for RAWG's page cap is split by release date."""

from __future__ import annotations

import datetime as dt

from extractor.windows import Window, partition_window, size_pages
from gmp.endpoints import REGISTRY


def test_window_halves_cover_the_range_without_overlap() -> None:
    window = Window(
        {"updated": "2024-05-01,2024-05-01"}, (dt.date(2020, 1, 1), dt.date(2020, 1, 4))
    )
    left, right = window.halves()  # type: ignore[misc]
    assert left.query()["dates"] == "2020-01-01,2020-01-02"
    assert right.query()["dates"] == "2020-01-03,2020-01-04"
    assert left.query()["updated"] == "2024-05-01,2024-05-01"
    single = Window({}, (dt.date(2020, 1, 1), dt.date(2020, 1, 1)))
    assert single.halves() is None


def test_each_endpoint_s_query_for_a_run_date() -> None:
    day = dt.date(2024, 5, 1)
    queries = {name: partition_window(REGISTRY[name], day).query() for name in REGISTRY}
    assert queries["games"] == {"updated": "2024-05-01,2024-05-01"}
    assert queries["games_released"] == {"dates": "2024-05-01,2024-05-01"}
    assert queries["games_popular"] == {"ordering": "-added"}
    assert queries["games_rising"] == {"ordering": "-added", "dates": "2023-05-03,2024-05-01"}
    assert queries["games_upcoming"] == {"ordering": "-added", "dates": "2024-05-02,2025-05-01"}
    assert queries["genres"] == {}
    # A release day cannot be split further: games_released over the cap is refused, not split.
    assert partition_window(REGISTRY["games_released"], day).halves() is None


def test_a_panel_takes_the_whole_pages_of_its_size() -> None:
    sizes = {"GMP_POPULAR_GAMES": 500, "GMP_RISING_GAMES": 41, "GMP_UPCOMING_GAMES": 200}
    assert size_pages(REGISTRY["games_popular"], sizes) == 13
    assert size_pages(REGISTRY["games_rising"], sizes) == 2
    assert size_pages(REGISTRY["games_upcoming"], sizes) == 5
    assert size_pages(REGISTRY["tags"], sizes) == 10  # the registry's cap
    assert size_pages(REGISTRY["games"], sizes) is None

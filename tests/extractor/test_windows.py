"""Windows: how a day too large for RAWG's page cap is split by release date."""

from __future__ import annotations

import datetime as dt

from extractor.windows import Window


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

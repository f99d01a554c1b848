"""A payload change from a given day on, so tests can produce schema drift (`gmp drift`).

RAWG changes its payloads without notice; the stand-in can too: from `from_day` on, every
`/games` item whose partition day (its `updated` day) is on or after it loses the `drop` fields
and has the `retype` fields rendered as strings (`12` becomes `"12 h"`: not castable back to a
number). Game details change the same way once the stand-in's `today` reaches `from_day`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PayloadDrift:
    from_day: date
    drop: tuple[str, ...] = ("metacritic",)
    retype: tuple[str, ...] = ("playtime",)

    def applies(self, day: date) -> bool:
        return day >= self.from_day

    def apply(self, item_json: str) -> str:
        """The item rendered with the change (compact JSON, as the stand-in renders items)."""
        item: dict[str, Any] = json.loads(item_json)
        for name in self.drop:
            item.pop(name, None)
        for name in self.retype:
            if name in item and item[name] is not None:
                item[name] = f"{item[name]} h"
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"))

"""Rewrite the chart schema's list of IANA timezone names from Python's zoneinfo.

Argo accepts a CronWorkflow `timezone` only if Go's time.LoadLocation knows it (an unknown name
renders fine and the CronWorkflow then never runs, showing a SpecError condition), so the chart
allows only IANA names. tests/helm/test_schedule_schema.py fails when the list is out of date:
run `.venv/bin/python scripts/update_timezones.py` and commit the schema.
"""

from __future__ import annotations

import json
import re
import sys
import zoneinfo
from pathlib import Path

SCHEMA = (
    Path(__file__).resolve().parents[1] / "helm" / "game-market-pipeline" / "values.schema.json"
)
# Files in the zoneinfo tree that are not zones a user would name.
NOT_ZONES = {"Factory", "localtime", "posixrules"}
_LINE = re.compile(r'^(?P<indent>\s*)"ianaTimezone": .*$', re.MULTILINE)


def names() -> list[str]:
    """ "" (= keep the rendered UTC) and every IANA name zoneinfo knows here."""
    return ["", *sorted(zoneinfo.available_timezones() - NOT_ZONES)]


def line(indent: str) -> str:
    definition = {
        "description": "An IANA timezone name (scripts/update_timezones.py); empty = as rendered",
        "type": "string",
        "enum": names(),
    }
    return f'{indent}"ianaTimezone": {json.dumps(definition, ensure_ascii=False)},'


def main() -> int:
    text = SCHEMA.read_text(encoding="utf-8")
    match = _LINE.search(text)
    if not match:
        print(f'{SCHEMA}: no "ianaTimezone" line to rewrite', file=sys.stderr)
        return 1
    SCHEMA.write_text(text[: match.start()] + line(match["indent"]) + text[match.end() :])
    print(f"{SCHEMA}: {len(names()) - 1} timezone names")
    return 0


if __name__ == "__main__":
    sys.exit(main())

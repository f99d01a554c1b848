"""The chart's `workflows.cron` values accept only what Argo's CronWorkflow CRD accepts.

Argo's CRD validates `spec.schedules[*]` with the kubebuilder marker on `Schedules` in
pkg/apis/workflow/v1alpha1/cron_workflow_types.go. v4.0.0-v4.0.5 allow digits only in the five
fields; v4.0.6+ (including v4.0.9) also allow names (MON-FRI). The chart keeps the digit form: a
schedule it accepts is valid on every v4 CRD, also one left behind by an older install. A
timezone Go's time.LoadLocation does not know renders fine and the CronWorkflow never runs
(a SpecError condition), so only IANA names pass.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helm.chart import CHART, RELEASE, ROOT, helm

# git show v4.0.5:pkg/apis/workflow/v1alpha1/cron_workflow_types.go (items:Pattern marker)
CRD_V405 = (
    r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\s+([0-9]+(ns|us|µs|ms|s|m|h))+"
    r"|([0-9*,/?-]+\s+){4}[0-9*,/?-]+)$"
)
# git show v4.0.9:pkg/apis/workflow/v1alpha1/cron_workflow_types.go (same marker, names allowed)
CRD_V409 = (
    r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\s+([0-9]+(ns|us|µs|ms|s|m|h))+"
    r"|([A-Za-z0-9*,/?-]+\s+){4}[A-Za-z0-9*,/?-]+)$"
)
SCHEMA = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
CRON = SCHEMA["properties"]["workflows"]["properties"]["cron"]["properties"]


def template(tmp_path: Path, cron: dict[str, Any]) -> Any:
    values = tmp_path / "cron.yaml"
    values.write_text(json.dumps({"workflows": {"cron": cron}}))
    return helm("template", RELEASE, str(CHART), "-f", str(values), check=False)


def test_the_schema_uses_the_crds_schedule_pattern() -> None:
    assert CRON["schedules"]["items"]["pattern"] == CRD_V405


@pytest.mark.parametrize(
    "schedule",
    ["30 2 * * *", "@daily", "@every 1h30m", "*/15 0-6 1,15 * 1-5", "30 2 * * MON-FRI",
     "CRON_TZ=UTC 30 2 * * *", "30 2 * *", "every day"],
)  # fmt: skip
def test_what_the_schema_accepts_the_v409_crd_accepts_too(schedule: str) -> None:
    if re.fullmatch(CRD_V405, schedule):
        assert re.fullmatch(CRD_V409, schedule)


def test_helm_refuses_day_names_and_accepts_daily(tmp_path: Path) -> None:
    refused = template(tmp_path, {"schedules": ["30 2 * * MON-FRI"]})
    assert refused.returncode != 0 and "schema" in refused.stderr, refused.stderr
    refused = template(tmp_path, {"schedules": ["CRON_TZ=UTC 30 2 * * *"]})
    assert refused.returncode != 0 and "schema" in refused.stderr, refused.stderr
    accepted = template(tmp_path, {"schedules": ["@daily", "30 2 * * 1-5"]})
    assert accepted.returncode == 0, accepted.stderr
    assert "- '@daily'" in accepted.stdout and "- 30 2 * * 1-5" in accepted.stdout


def test_helm_accepts_only_iana_timezones(tmp_path: Path) -> None:
    accepted = template(tmp_path, {"timezone": "Europe/Paris"})
    assert accepted.returncode == 0, accepted.stderr
    assert "timezone: Europe/Paris" in accepted.stdout
    refused = template(tmp_path, {"timezone": "Mars/Olympus_Mons"})
    assert refused.returncode != 0 and "schema" in refused.stderr, refused.stderr


def test_the_timezone_list_is_current() -> None:
    spec = importlib.util.spec_from_file_location("tz", ROOT / "scripts" / "update_timezones.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    enum = SCHEMA["definitions"]["ianaTimezone"]["enum"]
    assert enum == module.names(), "run `.venv/bin/python scripts/update_timezones.py`"
    assert {"", "UTC", "Europe/Paris", "America/New_York"} <= set(enum)

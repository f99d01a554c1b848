"""values.schema.json refuses what would break an install; NOTES tell the next steps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helm.chart import CHART, RELEASE, helm

BAD_VALUES = {
    "unknown top-level key": "replicas: 3\n",
    "typo in a nested key": "workflows:\n  backfil:\n    parallelism: 2\n",
    "unknown setting": "config:\n  LAKE_BUCKETS: x\n",
    "setting that is not a string": "config:\n  GMP_CONCURRENCY: 4\n",
    "parallelism as a string": "workflows:\n  backfill:\n    parallelism: four\n",
    "suspend as a string": "workflows:\n  cron:\n    suspend: 'yes'\n",
    "latest tag": "images:\n  dbt:\n    tag: latest\n",
    "bad digest": "images:\n  dbt:\n    digest: sha256:abc\n",
    "resources without limits": (
        "workflows:\n  resources:\n    extract:\n      requests: {cpu: 1, memory: 1Gi}\n"
    ),
    "unknown endpoint": "workflows:\n  daily:\n    endpoints: [games, gamez]\n",
    "bad DBT_TARGET": "config:\n  DBT_TARGET: staging\n",
    "unknown secret key": "secrets:\n  values:\n    RAWG_KEY: x\n",
    "semaphore as a string": "sync:\n  rawgExtractors: '4'\n",
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_schema_rejects_bad_values(case: str, tmp_path: Path) -> None:
    values = tmp_path / "bad.yaml"
    values.write_text(BAD_VALUES[case])
    proc = helm("template", RELEASE, str(CHART), "-f", str(values), check=False)
    assert proc.returncode != 0, f"{case}: accepted"
    assert "schema" in proc.stderr, proc.stderr


def test_chart_refuses_resources_for_a_template_that_does_not_exist(tmp_path: Path) -> None:
    values = tmp_path / "typo.yaml"
    values.write_text(
        "workflows:\n  resources:\n    extrct:\n"
        "      requests: {cpu: 1, memory: 1Gi}\n      limits: {cpu: 1, memory: 1Gi}\n"
    )
    proc = helm("template", RELEASE, str(CHART), "-f", str(values), check=False)
    assert proc.returncode != 0
    assert "extrct" in proc.stderr and "extract" in proc.stderr


def test_dev_lake_needs_credentials() -> None:
    proc = helm("template", RELEASE, str(CHART), "--set", "devLake.enabled=true",
                "--set", "config.LAKE_BUCKET=lake", check=False)  # fmt: skip
    assert proc.returncode != 0 and "AWS_ACCESS_KEY_ID" in proc.stderr


def test_every_value_is_documented() -> None:
    """Each value in values.yaml, or the map holding it, has a `# --` comment (helm-docs style)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    documented_at: list[tuple[int, bool]] = []  # (indent, documented) of the enclosing keys
    undocumented = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z_][\w.-]*):(.*)$", line)
        if not m:
            continue
        indent = len(m.group(1))
        while documented_at and documented_at[-1][0] >= indent:
            documented_at.pop()
        inherited = any(doc for _, doc in documented_at)
        documented = inherited or _comment_above(lines, i)
        is_section = m.group(3).strip() == "" and _has_children(lines, i, indent)
        if not is_section and not documented:
            undocumented.append(line.strip())
        documented_at.append((indent, documented))
    assert not undocumented, f"values without a `# --` comment: {undocumented}"


def _has_children(lines: list[str], i: int, indent: int) -> bool:
    for nxt in lines[i + 1 :]:
        if not nxt.strip() or nxt.strip().startswith("#"):
            continue
        return len(nxt) - len(nxt.lstrip()) > indent
    return False


def _comment_above(lines: list[str], i: int) -> bool:
    """The comment block right above line i has a `# --` line."""
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("#"):
        if lines[j].strip().startswith("# --"):
            return True
        j -= 1
    return False


def render_notes(tmp_path: Path, values: Path) -> str:
    """NOTES.txt as `helm install` prints it.

    `helm template` skips NOTES and `helm install` needs a cluster, so a copy of the chart wraps
    NOTES in a define and renders it into a YAML string.
    """
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    notes = (chart / "templates" / "NOTES.txt").read_text()
    (chart / "templates" / "_notes_probe.tpl").write_text(
        '{{- define "notes.probe" -}}' + notes + "{{- end -}}"
    )
    (chart / "templates" / "notes-probe.yaml").write_text(
        'notes: {{ include "notes.probe" . | toJson }}\n'
    )
    out = helm("template", RELEASE, str(chart), "--namespace", "game-market", "-f", str(values),
               "--show-only", "templates/notes-probe.yaml").stdout  # fmt: skip
    return str(yaml.safe_load(out)["notes"])


def test_notes_number_the_next_steps(tmp_path: Path) -> None:
    text = render_notes(tmp_path, CHART / "ci" / "kind-values.yaml")
    steps = re.findall(r"^(\d)\. ", text, flags=re.MULTILINE)
    assert steps == ["1", "2", "3", "4", "5"]
    assert "argo -n game-market submit --from workflowtemplate/game-market-daily" in text
    assert "exec deploy/game-market-pipeline-warehouse-inspector" in text
    assert "WARNING" not in text  # the stand-in needs no key


def test_notes_warn_when_no_rawg_key_is_configured(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("{}\n")
    assert "WARNING: no RAWG key" in render_notes(tmp_path, empty)

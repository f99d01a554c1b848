"""The alert webhook in the chart: a key of the Secret, read by the exit handlers, nowhere else."""

from __future__ import annotations

import base64

from tests.helm.chart import CHART, RELEASE, by_key, helm, is_argo, render

WEBHOOK = "https://hooks.example.invalid/services/T000/B000/secret-token-0123456789"
SECRET = "Secret/game-market-pipeline-secrets"


def test_the_webhook_set_in_values_is_a_secret_key_and_appears_nowhere_else() -> None:
    docs = render("default", (f"secrets.values.GMP_ALERT_WEBHOOK={WEBHOOK}",))
    data = by_key(docs)[SECRET]["data"]
    assert base64.b64decode(data["GMP_ALERT_WEBHOOK"]).decode() == WEBHOOK
    for doc in docs:
        if doc["kind"] != "Secret":
            assert "secret-token" not in repr(doc), f"{doc['kind']}/{doc['metadata']['name']}"
    exit_handlers = [
        t
        for doc in docs
        if is_argo(doc) and doc["kind"] == "WorkflowTemplate"
        for t in doc["spec"]["templates"]
        if t["name"] == doc["spec"]["onExit"]
    ]
    assert len(exit_handlers) == 2  # daily and backfill
    for template in exit_handlers:
        refs = [v["valueFrom"]["secretKeyRef"] for v in template["container"]["env"]]
        assert {"name": SECRET.split("/")[1], "key": "GMP_ALERT_WEBHOOK", "optional": True} in refs


def test_without_a_webhook_the_secret_has_no_such_key() -> None:
    data = by_key(render("default"))[SECRET]["data"]
    assert "GMP_ALERT_WEBHOOK" not in data  # the optional secretKeyRef: the variable stays unset


def test_a_malformed_webhook_is_not_echoed_by_a_schema_error() -> None:
    # No `pattern` in the schema on purpose: helm prints the offending value in its error, and a
    # URL without its scheme is still the secret. `gmp outcome` says "not an http(s) URL" instead.
    bad = "hooks.slack.com/services/T000/B000/secret-token-0123456789"
    proc = helm("template", RELEASE, str(CHART), "--set", f"secrets.values.GMP_ALERT_WEBHOOK={bad}")
    assert "secret-token" not in proc.stderr
    assert "secret-token" not in "".join(
        line for line in proc.stdout.splitlines() if "GMP_ALERT_WEBHOOK:" not in line
    )

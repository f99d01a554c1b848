"""GMP_ALERT_WEBHOOK reaches the exit handler only, by an optional secretKeyRef, never a value."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GMP
from tests.workflows.conftest import Fake
from workflows import names

WEBHOOK = "https://hooks.example.invalid/services/T000/B000/secret-token-0123456789"


def exit_handler(doc: dict[str, Any]) -> dict[str, Any]:
    on_exit = doc["spec"]["onExit"]
    return next(t for t in doc["spec"]["templates"] if t["name"] == on_exit)


@pytest.mark.parametrize("kind", ["daily", "backfill"])
def test_the_exit_handler_reads_the_webhook_from_an_optional_secret_key(
    rendered: dict[str, Any], kind: str
) -> None:
    env = exit_handler(rendered[kind])["container"]["env"]
    (var,) = [v for v in env if v["name"] == "GMP_ALERT_WEBHOOK"]
    # Kubernetes: an optional secretKeyRef whose key is absent leaves the variable unset, and
    # the pod still starts (no CreateContainerConfigError): no key, no alert, same run.
    assert var == {
        "name": "GMP_ALERT_WEBHOOK",
        "valueFrom": {
            "secretKeyRef": {"name": names.SECRET, "key": "GMP_ALERT_WEBHOOK", "optional": True}
        },
    }
    others = [
        t["name"]
        for t in rendered[kind]["spec"]["templates"]
        for v in t.get("container", {}).get("env", [])
        if v["name"] == "GMP_ALERT_WEBHOOK" and t is not exit_handler(rendered[kind])
    ]
    assert others == [], "only the exit handler may read the webhook"


def test_rendering_with_the_webhook_set_never_writes_its_value(tmp_path: Path) -> None:
    proc = subprocess.run(
        [GMP, "render", "--out", str(tmp_path)],
        env={"PATH": "/usr/bin:/bin", "GMP_ALERT_WEBHOOK": WEBHOOK},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    written = "".join(p.read_text() for p in tmp_path.glob("*.yaml"))
    assert "GMP_ALERT_WEBHOOK" in written and "secret-token" not in written
    assert "secret-token" not in proc.stdout + proc.stderr


def test_locally_only_the_exit_handler_gets_the_webhook(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GMP_ALERT_WEBHOOK", WEBHOOK)
    args = {"run_date": "2024-05-01", "endpoints": "games,genres"}
    result = fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args)
    assert result.status == "Succeeded", [(s.name, s.status, s.message) for s in result.steps]
    seen = {c["argv"][0]: c["alert_webhook"] for c in fake_gmp.calls()}
    assert seen["outcome"] == WEBHOOK
    assert {c: v for c, v in seen.items() if c != "outcome"} == dict.fromkeys(
        set(seen) - {"outcome"}
    )


def test_locally_an_unset_webhook_leaves_the_exit_handlers_variable_unset(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GMP_ALERT_WEBHOOK", raising=False)
    args = {"run_date": "2024-05-01", "endpoints": "games"}
    result = fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args)
    assert result.status == "Succeeded" and result.exit_handler is not None
    assert result.exit_handler.status == "Succeeded"
    (call,) = [c for c in fake_gmp.calls() if c["argv"][0] == "outcome"]
    assert call["alert_webhook"] is None

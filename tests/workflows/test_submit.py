"""`gmp submit`: the Workflow it builds, and both ways of sending it, against a local fake API."""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY_KEY, GMP
from workflows import names
from workflows.cluster import build_workflow


@dataclass
class FakeApi:
    """Answers like an Argo Server (/api/v1/workflows) and a Kubernetes API server (/apis/...)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    refuse: bool = False
    phase: str = "Succeeded"


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    state = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "body": body,
                    "auth": self.headers.get("Authorization"),
                }
            )
            if state.refuse:
                self._reply(
                    401,
                    {
                        "code": 16,
                        "message": "Unauthorized",
                        "kind": "Status",
                        "status": "Failure",
                        "reason": "Unauthorized",
                    },
                )
                return
            workflow = body.get("workflow", body)
            workflow["metadata"]["name"] = workflow["metadata"]["generateName"] + "x7k2p"
            self._reply(200, workflow)

        def do_GET(self) -> None:
            state.requests.append(
                {"method": "GET", "path": self.path, "auth": self.headers.get("Authorization")}
            )
            name = self.path.rstrip("/").rsplit("/", 1)[-1]
            self._reply(
                200, {"metadata": {"name": name}, "spec": {}, "status": {"phase": state.phase}}
            )

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()


def gmp(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "RAWG_API_KEY": CANARY_KEY}
    return subprocess.run(
        [GMP, *args], env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_workflow_built_is_only_a_reference_to_the_template_and_its_parameters() -> None:
    workflow = build_workflow(names.DAILY_TEMPLATE, {"run_date": "2024-05-01"}, "ns").to_dict()
    assert workflow == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "generateName": "game-market-daily-",
            "namespace": "ns",
            "labels": {
                "app.kubernetes.io/part-of": "game-market-pipeline",
                "app.kubernetes.io/managed-by": "gmp",
            },
        },
        "spec": {
            "arguments": {"parameters": [{"name": "run_date", "value": "2024-05-01"}]},
            "workflowTemplateRef": {"name": "game-market-daily"},
        },
    }


def test_submit_through_an_argo_server_with_hera(fake_api: FakeApi) -> None:
    proc = gmp(
        "submit",
        "--run-date",
        "2024-05-01",
        "--endpoints",
        "games,tags",
        "--wait",
        ARGO_SERVER=fake_api.url,
        ARGO_TOKEN="argo-token-1",
        ARGO_NAMESPACE="pipelines",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "game-market-daily-x7k2p"
    create, poll = fake_api.requests[0], fake_api.requests[-1]
    assert create["path"] == "/api/v1/workflows/pipelines"
    assert create["auth"] == "Bearer argo-token-1"
    sent = create["body"]["workflow"]
    assert sent["spec"]["workflowTemplateRef"] == {"name": "game-market-daily"}
    assert sent["spec"]["arguments"]["parameters"] == [
        {"name": "run_date", "value": "2024-05-01"},
        {"name": "endpoints", "value": '["games", "tags"]'},
    ]
    assert CANARY_KEY not in json.dumps(create["body"])
    assert poll["path"] == "/api/v1/workflows/pipelines/game-market-daily-x7k2p"
    assert "Succeeded" in proc.stderr


def test_submit_backfill_waits_and_fails_when_the_workflow_fails(fake_api: FakeApi) -> None:
    fake_api.phase = "Failed"
    proc = gmp(
        "submit-backfill",
        "--start",
        "2024-05-01",
        "--end",
        "2024-05-05",
        "--wait",
        ARGO_SERVER=fake_api.url,
    )
    assert proc.returncode == 1
    sent = fake_api.requests[0]["body"]["workflow"]
    assert sent["spec"]["workflowTemplateRef"] == {"name": "game-market-backfill"}
    assert {p["name"]: p["value"] for p in sent["spec"]["arguments"]["parameters"]} == {
        "start_date": "2024-05-01",
        "end_date": "2024-05-05",
    }
    assert "ended Failed" in proc.stderr


def test_submit_backfill_refresh_is_the_template_parameter(fake_api: FakeApi) -> None:
    proc = gmp(
        "submit-backfill", "--start", "2024-05-01", "--end", "2024-05-02", "--refresh",
        ARGO_SERVER=fake_api.url,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    sent = fake_api.requests[0]["body"]["workflow"]
    assert {p["name"]: p["value"] for p in sent["spec"]["arguments"]["parameters"]} == {
        "start_date": "2024-05-01",
        "end_date": "2024-05-02",
        "refresh": "true",
    }


def test_submit_through_the_kubernetes_api_when_there_is_no_argo_server(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "test",
                "clusters": [{"name": "c", "cluster": {"server": fake_api.url}}],
                "users": [{"name": "u", "user": {"token": "k8s-token-1"}}],
                "contexts": [
                    {"name": "test", "context": {"cluster": "c", "user": "u", "namespace": "x"}}
                ],
            }
        )
    )
    proc = gmp(
        "submit",
        "--run-date",
        "2024-05-01",
        "--namespace",
        "game-market",
        KUBECONFIG=str(kubeconfig),
    )
    assert proc.returncode == 0, proc.stderr
    (create,) = fake_api.requests
    assert create["path"] == "/apis/argoproj.io/v1alpha1/namespaces/game-market/workflows"
    assert create["auth"] == "Bearer k8s-token-1"
    assert create["body"]["kind"] == "Workflow"
    assert create["body"]["spec"]["workflowTemplateRef"] == {"name": "game-market-daily"}
    assert proc.stdout.strip() == "game-market-daily-x7k2p"


def test_bad_input_is_refused_before_anything_is_sent(fake_api: FakeApi) -> None:
    for args in (
        ["submit", "--run-date", "2024-02-30"],
        ["submit-backfill", "--start", "2024-05-05", "--end", "2024-05-01"],
        ["submit", "--run-date", "2024-05-01", "--endpoints", "gamez"],
    ):
        proc = gmp(*args, ARGO_SERVER=fake_api.url)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("gmp: error:")
    assert fake_api.requests == []


def test_a_refused_token_is_one_clear_line(fake_api: FakeApi) -> None:
    fake_api.refuse = True
    proc = gmp(
        "submit", "--run-date", "2024-05-01", ARGO_SERVER=fake_api.url, ARGO_TOKEN=CANARY_KEY
    )
    assert proc.returncode == 2
    assert "ARGO_TOKEN" in proc.stderr and CANARY_KEY not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_cluster_at_all_says_what_to_set(tmp_path: Path) -> None:
    proc = gmp("submit", "--run-date", "2024-05-01", KUBECONFIG=str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert "ARGO_SERVER" in proc.stderr


def test_submit_backfill_dry_run_prints_each_workflow_without_a_cluster(tmp_path: Path) -> None:
    proc = gmp(
        "submit-backfill",
        "--start",
        "2015-01-01",
        "--end",
        "2024-12-31",
        "--dry-run",
        KUBECONFIG=str(tmp_path / "missing"),
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 10
    assert all(set(line) == {"start_date", "end_date", "days"} for line in lines)
    assert lines[0]["start_date"] == "2015-01-01" and lines[-1]["end_date"] == "2024-12-31"
    assert all(line["days"] <= names.MAX_WORKFLOW_DAYS for line in lines)
    assert sum(line["days"] for line in lines) == 3653  # every day once, none twice
    for before, after in itertools.pairwise(lines):
        gap = date.fromisoformat(after["start_date"]) - date.fromisoformat(before["end_date"])
        assert gap.days == 1


def test_a_long_backfill_runs_as_consecutive_workflows_one_after_the_other(
    fake_api: FakeApi,
) -> None:
    proc = gmp(
        "submit-backfill",
        "--start",
        "2022-01-01",
        "--end",
        "2024-01-01",
        "--endpoints",
        "games",
        "--poll",
        "0.1",
        ARGO_SERVER=fake_api.url,
    )
    assert proc.returncode == 0, proc.stderr
    sent = [
        {p["name"]: p["value"] for p in r["body"]["workflow"]["spec"]["arguments"]["parameters"]}
        for r in fake_api.requests
        if r["method"] == "POST"
    ]
    assert sent == [
        {"start_date": "2022-01-01", "end_date": "2023-01-01", "endpoints": '["games"]'},
        {"start_date": "2023-01-02", "end_date": "2024-01-01", "endpoints": '["games"]'},
    ]
    # The second is created only after the first was seen Succeeded.
    methods = [r["method"] for r in fake_api.requests]
    assert methods.index("GET") < len(methods) - 1 - methods[::-1].index("POST")


def test_a_failed_chunk_stops_the_long_backfill_and_says_how_to_resume(fake_api: FakeApi) -> None:
    fake_api.phase = "Failed"
    proc = gmp(
        "submit-backfill",
        "--start",
        "2022-01-01",
        "--end",
        "2024-01-01",
        "--poll",
        "0.1",
        ARGO_SERVER=fake_api.url,
    )
    assert proc.returncode == 1
    assert [r["method"] for r in fake_api.requests].count("POST") == 1
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("gmp: error:") and "ended Failed" in last
    assert "gmp submit-backfill --start 2022-01-01 --end 2024-01-01" in last

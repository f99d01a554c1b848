"""S3 or RAWG failing mid-run: one line naming the service and what happened, exit 1 (retried),
never "unexpected error"."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import botocore.exceptions
import httpx

from devstack.s3server import SeaweedS3
from devstack.standin import StandinServer
from gmp.boundary import service_failure
from tests.conftest import CANARY_KEY, GMP, RUN_DATE


def test_s3_failures_name_s3_and_say_they_are_retried() -> None:
    down = botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1/lake/x")
    line = service_failure(down)
    assert line is not None and line.startswith("S3 at http://127.0.0.1:1 failed")
    assert "EndpointConnectionError" in line and "mid-run" in line and "retried" in line
    refused = botocore.exceptions.ClientError(
        {"Error": {"Code": "InternalError", "Message": "boom"}}, "PutObject"
    )
    line = service_failure(refused)
    assert line is not None and "answered InternalError to PutObject mid-run" in line


def test_rawg_transport_errors_name_rawg() -> None:
    request = httpx.Request("GET", "http://rawg.example/api/games")
    line = service_failure(httpx.ConnectError("connection refused", request=request))
    assert line is not None and line.startswith("RAWG request failed mid-run (ConnectError")
    assert "retried" in line
    assert service_failure(ValueError("a bug")) is None  # bugs stay "unexpected error"


def test_s3_dying_mid_run_is_one_line_naming_s3_exit_1(
    tmp_path: Path, standin_factory: Callable[..., StandinServer]
) -> None:
    standin = standin_factory(4000, latency_s=0.05)  # 100 pages: a few seconds of paging
    server = SeaweedS3(tmp_path / "weed", bucket="lake")
    s3 = server.start()
    try:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "RAWG_API_KEY": CANARY_KEY,
            "RAWG_BASE_URL": standin.url,
            **s3.env(),
            "GMP_MAX_RPS": "0",
            "GMP_CONCURRENCY": "2",
        }
        proc = subprocess.Popen(
            [GMP, "extract", "games", "--run-date", RUN_DATE],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(standin.requests) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the extract ended before S3 could die"
        server.stop()
        _, err = proc.communicate(timeout=120)
    finally:
        server.stop()
    assert proc.returncode == 1, err[-3000:]
    errors = [line for line in err.splitlines() if "gmp: " in line]
    assert len(errors) == 1, err[-3000:]
    assert errors[0].startswith(f"gmp: error: S3 at {s3.endpoint}")
    assert "mid-run" in errors[0] and "retried" in errors[0]
    assert "unexpected" not in err and CANARY_KEY not in err and s3.secret_key not in err

"""Shared fixtures: a real SeaweedFS S3 server and RAWG stand-ins on free loopback ports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from devstack.catalogue import CatalogueConfig
from devstack.s3server import S3Credentials, SeaweedS3
from devstack.standin import StandinServer
from extractor import layout

GMP = str(Path(sys.executable).with_name("gmp"))
# A canary key: if these characters show up anywhere they should not, a test fails.
CANARY_KEY = "canary0key0f00dfeedbeef1234567890"
RUN_DATE = "2024-05-01"


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Credentials]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"), bucket="lake")
    credentials = server.start()
    yield credentials
    server.stop()


@pytest.fixture(scope="session")
def s3_client(s3: S3Credentials):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name=s3.region,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def standin_factory() -> Iterator[Callable[..., StandinServer]]:
    """Start stand-ins with a given catalogue (games per day, page cap, latency...)."""
    started: list[StandinServer] = []

    def start(
        games_per_day: int = 95,
        *,
        page_cap: int = 250,
        latency_s: float = 0.0,
        tba_share: float = 0.05,
        **catalogue: int,
    ) -> StandinServer:
        config = CatalogueConfig(games_per_day=games_per_day, tba_share=tba_share, **catalogue)
        server = StandinServer(config, page_cap=page_cap, latency_s=latency_s).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def standin(standin_factory: Callable[..., StandinServer]) -> StandinServer:
    return standin_factory()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout.strip().splitlines()[-1])


@dataclass
class Gmp:
    """Runs the real `gmp` command in a subprocess against one test's lake prefix."""

    env: dict[str, str]
    s3: S3Credentials
    client: object
    prefix: str
    runs: list[Result] = field(default_factory=list)

    def __call__(self, *args: str, timeout: float = 120, **env: str) -> Result:
        proc = subprocess.run(
            [GMP, *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        self.runs.append(result)
        return result

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [GMP, *args],
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def point_at(self, standin: StandinServer) -> None:
        self.env["RAWG_BASE_URL"] = standin.url

    def list_keys(self, under: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
        keys = []
        for page in paginator.paginate(Bucket=self.s3.bucket, Prefix=f"{self.prefix}/{under}"):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def read(self, key: str) -> bytes:
        obj = self.client.get_object(Bucket=self.s3.bucket, Key=key)  # type: ignore[attr-defined]
        return obj["Body"].read()  # type: ignore[no-any-return]

    def partition(self, endpoint: str, run_date: str = RUN_DATE) -> str:
        """The partition's folder below the prefix (extractor.layout)."""
        return layout.partition_prefix("", endpoint, run_date)

    def manifest(self, endpoint: str, run_date: str = RUN_DATE) -> dict | None:  # type: ignore[type-arg]
        key = layout.manifest_key(self.prefix, endpoint, run_date)
        return json.loads(self.read(key)) if key in self.list_keys() else None

    def pages(self, endpoint: str, run_date: str = RUN_DATE) -> list[dict]:  # type: ignore[type-arg]
        keys = self.list_keys(self.partition(endpoint, run_date))
        return [
            json.loads(self.read(k)) for k in keys if layout.PAGE_RE.fullmatch(k.split("/")[-1])
        ]


@pytest.fixture
def gmp(
    request: pytest.FixtureRequest, s3: S3Credentials, s3_client: object, standin: StandinServer
) -> Gmp:
    prefix = "t/" + re.sub(r"[^a-zA-Z0-9_-]+", "-", request.node.name)[:80] + "/raw/rawg"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "RAWG_API_KEY": CANARY_KEY,
        "RAWG_BASE_URL": standin.url,
        **s3.env(),
        "LAKE_PREFIX": prefix,
        "GMP_RETRY_ATTEMPTS": "3",
        "GMP_RETRY_WAIT_INITIAL": "0.05",
        "GMP_RETRY_WAIT_MAX": "0.5",
        "GMP_READ_TIMEOUT": "2",
        "GMP_MAX_RPS": "0",
    }
    return Gmp(env, s3, s3_client, prefix)

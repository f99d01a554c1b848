"""The S3 data lake: page keys, staged writes and the manifest that commits a partition."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from extractor.errors import LakeError, UsageError
from extractor.settings import LakeSettings

MANIFEST = "_manifest.json"


def page_name(number: int) -> str:
    return f"page-{number:05d}.json"


@dataclass(frozen=True)
class PageEntry:
    """What the manifest records of one stored page."""

    key: str
    bytes: int
    sha256: str
    records: int


class Lake:
    """An S3 bucket holding `{prefix}/{endpoint}/run_date=D/` partitions."""

    def __init__(self, settings: LakeSettings, *, max_connections: int = 10) -> None:
        if not settings.bucket:
            raise UsageError("LAKE_BUCKET is not set: name the S3 bucket that holds the lake")
        self.bucket = settings.bucket
        self.prefix = settings.prefix.strip("/")
        self.endpoint = settings.endpoint or None
        secret = settings.secret_access_key
        self._s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id or None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                # S3-compatible servers (SeaweedFS, MinIO) are addressed path-style.
                s3={"addressing_style": "path" if self.endpoint else "auto"},
                retries={"max_attempts": 4, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                max_pool_connections=max_connections,
            ),
        )

    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (
            f" at {self.endpoint}" if self.endpoint else ""
        )

    def check(self) -> None:
        """Fail fast, before spending RAWG quota, when the bucket cannot be used."""
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except EndpointConnectionError:
            raise LakeError(f"cannot reach the S3 endpoint for {self.where()}") from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("403", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"):
                raise UsageError(
                    f"S3 refused the credentials for bucket {self.bucket!r}; check "
                    "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
                ) from None
            if code in ("404", "NoSuchBucket"):
                raise UsageError(
                    f"bucket {self.bucket!r} does not exist ({self.where()})"
                ) from None
            raise LakeError(f"S3 error {code} on bucket {self.bucket!r}") from None
        except BotoCoreError as exc:
            raise LakeError(f"cannot use {self.where()}: {type(exc).__name__}") from None

    def partition_prefix(self, endpoint: str, run_date: dt.date) -> str:
        return f"{self.prefix}/{endpoint}/run_date={run_date.isoformat()}/"

    def staging_prefix(self, endpoint: str, run_date: dt.date) -> str:
        # Outside `{endpoint}/run_date=*/`, so no reader's glob ever sees half a run.
        return f"{self.prefix}/_incoming/{endpoint}/run_date={run_date.isoformat()}/"

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def get(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def put(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def copy(self, source: str, target: str) -> None:
        self._s3.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def manifest(self, endpoint: str, run_date: dt.date) -> dict[str, Any] | None:
        """The committed manifest of a partition, or None when it is not committed."""
        try:
            data: dict[str, Any] = json.loads(
                self.get(self.partition_prefix(endpoint, run_date) + MANIFEST)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return data


class PartitionWriter:
    """Writes a partition's pages, then commits them in one step that ends with the manifest.

    A partition with no commit yet (the daily and backfill case) is written in place: there is
    nothing to protect, and readers ignore it until the manifest appears. A partition that is
    already committed is re-run through a staging prefix instead, so a run that fails half-way
    leaves the previous commit untouched — an old day cannot always be fetched again as it was
    (RAWG moves a game to the day it was last updated). Commit: drop the old manifest, copy the
    staged pages into place, delete pages the new run did not produce, write the new manifest,
    clear the staging area. A crash inside commit leaves no manifest: the partition is invisible
    until a re-run, which finds the staged pages gone or cleared and starts again.
    """

    def __init__(self, lake: Lake, endpoint: str, run_date: dt.date, *, threads: int) -> None:
        self._lake = lake
        self._final = lake.partition_prefix(endpoint, run_date)
        self._staging = lake.staging_prefix(endpoint, run_date)
        self._threads = threads
        self._target = self._staging

    @property
    def staged(self) -> bool:
        return self._target == self._staging

    def begin(self) -> None:
        """Clear what an interrupted run may have staged; choose where pages go."""
        self._clear_staging()
        committed = self._lake.exists(self._final + MANIFEST)
        self._target = self._staging if committed else self._final

    def abort(self) -> None:
        """Best effort: a failed run leaves nothing behind (a re-run would clear it too)."""
        with contextlib.suppress(Exception):  # the original failure is what the user must see
            self._clear_staging()
            if not self.staged:  # written in place, and nothing was committed there before
                self._lake.delete(list(self._lake.keys(self._final)))

    def put_page(self, number: int, body: bytes, records: int) -> PageEntry:
        name = page_name(number)
        self._lake.put(self._target + name, body)
        return PageEntry(self._final + name, len(body), hashlib.sha256(body).hexdigest(), records)

    def commit(self, manifest: dict[str, Any], pages: list[PageEntry]) -> None:
        lake, final = self._lake, self._final
        names = [p.key.removeprefix(final) for p in pages]
        if self.staged:
            lake.delete([final + MANIFEST])
            with ThreadPoolExecutor(self._threads) as pool:
                list(pool.map(lambda n: lake.copy(self._staging + n, final + n), names))
        wanted = {final + n for n in names} | {final + MANIFEST}
        lake.delete([k for k in lake.keys(final) if k not in wanted])
        body = {**manifest, "pages": [asdict(p) for p in pages]}
        lake.put(final + MANIFEST, json.dumps(body, indent=2, sort_keys=True).encode() + b"\n")
        self._clear_staging()

    def _clear_staging(self) -> None:
        self._lake.delete(list(self._lake.keys(self._staging)))

"""The S3 data lake: clean keys, listings with sizes, conditional writes, the server's clock."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from extractor import layout
from extractor.layout import INCOMING, join_key
from gmp.errors import LakeError, UsageError
from gmp.settings import LakeSettings


def clean_prefix(prefix: str) -> str:
    """LAKE_PREFIX as key segments joined by one '/': no leading, trailing or doubled '/'.

    S3 servers rewrite such keys (SeaweedFS drops a leading '/' and folds '//'), so a key the
    lake wrote would not be the key it lists. '.' and '..' segments are refused outright.
    """
    segments = [s for s in prefix.strip().split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise UsageError(
            f"LAKE_PREFIX {prefix!r} has a '.' or '..' segment; use a plain path such as raw/rawg"
        )
    return "/".join(segments)


@dataclass(frozen=True)
class Stored:
    """One object as the server lists it."""

    key: str
    size: int
    etag: str


@dataclass(frozen=True)
class Head:
    """An object's ETag and age by the server's own clock (no skew between machines)."""

    etag: str
    size: int
    age_s: float


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _missing(exc: ClientError) -> bool:
    return error_code(exc) in ("404", "NoSuchKey", "NotFound")


def _refused(exc: ClientError) -> bool:
    """A failed precondition: 412, or 409 when a concurrent conditional write won (AWS)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status in (409, 412) or error_code(exc) in (
        "PreconditionFailed",
        "ConditionalRequestConflict",
    )


class Lake:
    """An S3 bucket holding `{prefix}/{endpoint}/run_date=D/` partitions (extractor.layout)."""

    def __init__(self, settings: LakeSettings, *, max_connections: int = 10) -> None:
        if not settings.bucket:
            raise UsageError("LAKE_BUCKET is not set: name the S3 bucket that holds the lake")
        self.bucket = settings.bucket
        self.prefix = clean_prefix(settings.prefix)
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
        self._conditional: bool | None = None

    def where(self) -> str:
        return f"s3://{join_key(self.bucket, self.prefix)}" + (
            f" at {self.endpoint}" if self.endpoint else ""
        )

    def check(self) -> None:
        """Fail fast, before spending RAWG quota, when the bucket cannot be used."""
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except EndpointConnectionError:
            raise LakeError(f"cannot reach the S3 endpoint for {self.where()}") from None
        except ClientError as exc:
            code = error_code(exc)
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
        return layout.partition_prefix(self.prefix, endpoint, run_date)

    def incoming_prefix(self, endpoint: str, run_date: dt.date) -> str:
        return layout.incoming_prefix(self.prefix, endpoint, run_date)

    def manifest_key(self, endpoint: str, run_date: dt.date) -> str:
        return layout.manifest_key(self.prefix, endpoint, run_date)

    # -- reading ------------------------------------------------------------------------------

    def listing(self, prefix: str, *, start_after: str = "") -> Iterator[Stored]:
        """Every object under prefix in key order (after `start_after`, when given)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        extra = {"StartAfter": start_after} if start_after else {}
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, **extra):
            for item in page.get("Contents", []):
                yield Stored(item["Key"], int(item["Size"]), str(item.get("ETag", "")))

    def keys(self, prefix: str) -> Iterator[str]:
        return (item.key for item in self.listing(prefix))

    def folders(self, prefix: str) -> list[str]:
        """The `prefix…/` folders one level below prefix."""
        paginator = self._s3.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            found += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return found

    def head(self, key: str) -> Head | None:
        try:
            answer = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        now = email.utils.parsedate_to_datetime(answer["ResponseMetadata"]["HTTPHeaders"]["date"])
        age = (now - answer["LastModified"]).total_seconds()
        return Head(str(answer["ETag"]), int(answer["ContentLength"]), age)

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def get(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def get_json(self, key: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self.get(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return data

    def manifest(self, endpoint: str, run_date: dt.date) -> dict[str, Any] | None:
        """The committed manifest of a partition, or None when it is not committed."""
        return self.get_json(self.manifest_key(endpoint, run_date))

    # -- writing ------------------------------------------------------------------------------

    def put(self, key: str, body: bytes, content_type: str = "application/json") -> str:
        """Store body at key; returns the ETag."""
        answer = self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type
        )
        return str(answer.get("ETag", ""))

    def put_if(self, key: str, body: bytes, *, etag: str | None) -> str | None:
        """Write only if key is absent (etag None) or still has this ETag: the new ETag, or
        None when the condition failed. Without conditional writes (see `conditional`) this is
        a plain write: callers must say so."""
        kwargs: dict[str, Any] = {}
        if self.conditional:
            kwargs = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        try:
            answer = self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", **kwargs
            )
        except ClientError as exc:
            if _refused(exc) or (etag is not None and _missing(exc)):
                return None
            raise
        return str(answer.get("ETag", ""))

    def delete_if(self, key: str, etag: str) -> bool:
        """Delete key only while it still has this ETag; False when it changed or is gone."""
        if not self.conditional:
            head = self.head(key)
            if head is None or head.etag != etag:
                return False
            self._s3.delete_object(Bucket=self.bucket, Key=key)
            return True
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=key, IfMatch=etag)
        except ClientError as exc:
            if _refused(exc) or _missing(exc):
                return False
            raise
        return True

    def copy(self, source: str, target: str) -> str:
        answer = self._s3.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )
        return str(answer.get("CopyObjectResult", {}).get("ETag", ""))

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    @property
    def conditional(self) -> bool:
        """Whether the server honours `If-None-Match: *` / `If-Match` on PUT (AWS since 2024,
        MinIO, SeaweedFS ≥ 3.97). Probed once: a create-only write of a fresh key twice."""
        if self._conditional is None:
            import secrets

            probe = join_key(self.prefix, INCOMING, f".conditional-probe-{secrets.token_hex(6)}")
            try:
                self._s3.put_object(Bucket=self.bucket, Key=probe, Body=b"1", IfNoneMatch="*")
            except ClientError as exc:  # old AWS: 501 NotImplemented for the header
                if error_code(exc) not in ("NotImplemented", "501"):
                    raise
                self._conditional = False
                return False
            try:
                self._s3.put_object(Bucket=self.bucket, Key=probe, Body=b"2", IfNoneMatch="*")
                self._conditional = False
            except ClientError as exc:
                if not _refused(exc):
                    raise
                self._conditional = True
            finally:
                self._s3.delete_object(Bucket=self.bucket, Key=probe)
        return self._conditional

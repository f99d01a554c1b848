"""The lake never loses a commit: clean keys, no deletion of keys it cannot account for, and a
commit that is checked before it counts. Real SeaweedFS, the RAWG stand-in, in-process runs
where a test needs a lake that misbehaves (a server that stores keys other than those sent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest

from devstack.standin import StandinServer
from extractor.client import RawgClient
from extractor.commit import PartitionWriter
from extractor.extract import Extraction
from extractor.lake import Lake
from gmp.endpoints import REGISTRY
from gmp.errors import LakeError, UsageError
from gmp.settings import LakeSettings, RawgSettings
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

DAY = dt.date.fromisoformat(RUN_DATE)


def lake_settings(gmp: Gmp, prefix: str | None = None) -> LakeSettings:
    """The test lake's settings; `prefix` goes in unchecked (model_copy skips validation), so the
    lake layer itself is tested with prefixes that the settings would normalise or refuse."""
    env = {k: v for k, v in gmp.env.items() if k.startswith(("LAKE_", "S3_", "AWS_"))}
    settings = LakeSettings(**env)  # type: ignore[arg-type]
    return settings if prefix is None else settings.model_copy(update={"prefix": prefix})


def extract(lake: Lake, standin: StandinServer) -> None:
    settings = RawgSettings(  # type: ignore[call-arg]
        RAWG_API_KEY=CANARY_KEY, RAWG_BASE_URL=standin.url, GMP_MAX_RPS=0, GMP_RETRY_ATTEMPTS=1
    )
    with RawgClient(settings) as client:
        Extraction(
            REGISTRY["games"], DAY, client=client, lake=lake, secret=CANARY_KEY,
            concurrency=2, page_cap=250, lease_seconds=1.0,
        ).run()  # fmt: skip


def whole(gmp: Gmp) -> dict:
    """The committed manifest, after checking every page it lists (size and sha256)."""
    manifest = gmp.manifest("games")
    assert manifest is not None
    for entry in manifest["pages"]:
        body = gmp.read(entry["key"])
        assert (len(body), hashlib.sha256(body).hexdigest()) == (entry["bytes"], entry["sha256"])
    return manifest


@pytest.mark.parametrize("prefix", ["", "/", "/raw", "raw/", "raw//rawg", " /raw/rawg/ "])
def test_keys_are_clean_whatever_the_prefix(gmp: Gmp, prefix: str) -> None:
    lake = Lake(lake_settings(gmp, prefix))
    for key in (lake.partition_prefix("games", DAY), lake.incoming_prefix("games", DAY)):
        assert not key.startswith("/") and "//" not in key
        assert key.endswith(f"games/run_date={RUN_DATE}/")


@pytest.mark.parametrize("prefix", ["..", "../x", "raw/./x", "raw/../../x"])
def test_dot_segments_are_refused(gmp: Gmp, prefix: str) -> None:
    with pytest.raises(UsageError, match="LAKE_PREFIX"):
        Lake(lake_settings(gmp, prefix))


def test_a_prefix_with_stray_slashes_commits_pages_that_exist(gmp: Gmp, standin) -> None:
    extract(Lake(lake_settings(gmp, f"/{gmp.prefix}//")), standin)
    manifest = whole(gmp)  # the keys it lists are the keys the server holds
    assert all(e["key"].startswith(gmp.prefix + "/games/") for e in manifest["pages"])


class RewritingLake(Lake):
    """A server that stores pages under a key other than the one sent (as SeaweedFS does with
    a leading '/')."""

    def put(self, key: str, body: bytes, content_type: str = "application/json") -> str:
        return super().put(key.replace("/page-", "/Page-"), body, content_type)


def test_a_server_that_rewrites_keys_fails_loudly_and_loses_nothing(gmp: Gmp, standin) -> None:
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    before = whole(gmp)
    keys = gmp.list_keys(gmp.partition("games"))
    with pytest.raises(LakeError, match="rewrite keys"):
        extract(RewritingLake(lake_settings(gmp)), standin)
    assert whole(gmp) == before
    assert gmp.list_keys(gmp.partition("games")) == keys
    assert gmp.list_keys("_incoming/") == []  # the failed run removed what it wrote


class LosingLake(Lake):
    """A server that answers 200 to a copy and keeps nothing."""

    def copy(self, source: str, target: str) -> str:
        return "" if target.endswith("page-00002.json") else super().copy(source, target)


def test_a_page_missing_after_the_swap_commits_nothing_then_rolls_forward(
    gmp: Gmp, standin, standin_factory
) -> None:
    gmp.point_at(standin_factory(3 * 40 + 1))  # a previous commit with other pages
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    with pytest.raises(LakeError, match="not in place"):
        extract(LosingLake(lake_settings(gmp)), standin)
    assert gmp.manifest("games") is None  # no manifest over a missing page
    # The staged copy and the lease stay; the next run of the partition finishes the commit.
    writer = PartitionWriter(Lake(lake_settings(gmp)), "games", DAY, threads=2, lease_seconds=1)
    for _ in range(20):
        if writer.recover():
            break
        time.sleep(0.25)
    assert whole(gmp)["record_count"] == 95
    assert gmp.list_keys("_incoming/") == []


def test_the_commit_leaves_keys_it_cannot_account_for(gmp: Gmp, standin_factory) -> None:
    gmp.point_at(standin_factory(3 * 40 + 1))
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    stray = f"{gmp.prefix}/{gmp.partition('games')}notes.txt"
    gmp.client.put_object(Bucket=gmp.s3.bucket, Key=stray, Body=b"mine")  # type: ignore[attr-defined]
    gmp.point_at(standin_factory(40 + 1))
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0
    names = [k.rsplit("/", 1)[1] for k in gmp.list_keys(gmp.partition("games"))]
    assert names == ["_manifest.json", "notes.txt", "page-00001.json", "page-00002.json"]
    assert whole(gmp)["record_count"] == 41


def test_the_server_here_supports_conditional_writes(gmp: Gmp) -> None:
    assert Lake(lake_settings(gmp)).conditional is True


def test_a_killed_runs_staging_is_removed_once_its_heartbeat_is_stale(gmp: Gmp, standin) -> None:
    import signal

    from devstack.standin import Fault

    standin.add_fault(Fault("hang", path="/games", page=2, times=1, hang_seconds=20))
    proc = gmp.popen("extract", "games", "--run-date", RUN_DATE, GMP_LEASE_SECONDS="1")
    deadline = time.monotonic() + 20
    while not any(k.endswith("page-00001.json") for k in gmp.list_keys("_incoming/")):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    standin.clear_faults()
    time.sleep(4.5)  # three lease times without a heartbeat: the run is dead
    assert gmp("extract", "games", "--run-date", RUN_DATE, GMP_LEASE_SECONDS="1").code == 0
    assert gmp.list_keys("_incoming/") == []
    assert whole(gmp)["record_count"] == 95


def test_without_conditional_writes_the_advisory_lease_still_commits(gmp: Gmp, standin) -> None:
    """The fallback for servers that ignore If-None-Match/If-Match: write, wait, read back."""
    lake = Lake(lake_settings(gmp))
    lake._conditional = False  # as the probe concludes on such a server
    extract(lake, standin)
    extract(lake, standin)
    assert whole(gmp)["record_count"] == 95
    assert gmp.list_keys("_incoming/") == []

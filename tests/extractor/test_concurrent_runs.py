"""Two `gmp extract` runs of one partition at once, faults in one of them, many times.

Each trial starts run A (the one that is hurt) and run B (healthy) against one real SeaweedFS,
each with its own RAWG stand-in serving a different number of games for the day, so whose data
a commit holds is plain from its record count and any mix of the two fails the sha256 check.
A's S3 traffic goes through a link that slows it (so its commit swap lasts long enough to hit)
and can be cut. Faults: RAWG 500s while paging, kill -9 and S3 cut at chosen moments (while
paging; just after A took the commit lease; in the middle of A's swap, after the previous
manifest is gone). After both runs end the partition must hold one complete commit: every page
its manifest lists present with its size and sha256, no other page, and the data of one run.
A commit A left half-done is rolled forward by the next run (here: the same code in-process).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import signal
import time
from collections import Counter
from dataclasses import dataclass

from devstack.standin import Fault, StandinServer
from extractor.commit import PartitionWriter
from extractor.lake import Lake
from extractor.layout import PAGE_RE
from gmp.settings import LakeSettings
from tests.conftest import RUN_DATE, Gmp
from tests.extractor.s3_link import S3Link

A_GAMES, B_GAMES = 10 * 40 - 7, 7 * 40 + 3
LEASE_SECONDS = "1"
DAY = dt.date.fromisoformat(RUN_DATE)


@dataclass(frozen=True)
class Trial:
    fault: str  # none | rawg-500 | kill | s3-cut
    moment: str  # paging | lease | swap
    lead_s: float  # how long A starts before B (negative: after)

    def __str__(self) -> str:
        return f"{self.fault}@{self.moment} lead={self.lead_s:+.1f}s"


TRIALS = [
    Trial("none", "-", 0.0),
    Trial("rawg-500", "paging", 0.0),
    Trial("kill", "paging", -0.3),
    Trial("kill", "lease", 1.5),
    Trial("kill", "swap", 1.5),
    Trial("kill", "swap", -0.3),
    Trial("s3-cut", "lease", -0.3),
    Trial("s3-cut", "swap", 1.5),
    Trial("s3-cut", "swap", -0.3),
]


def holder_pid(gmp: Gmp, lease_key: str) -> int | None:
    try:
        body = json.loads(gmp.read(lease_key))
    except Exception:  # absent, or between writes
        return None
    return int(body["holder"].rsplit(":", 1)[1])


def check_commit(gmp: Gmp) -> str | None:
    """Whose complete commit the partition holds ("A"/"B"), None when uncommitted; fails on a
    manifest whose pages are missing, altered, or joined by other pages."""
    manifest = gmp.manifest("games")
    if manifest is None:
        return None
    listed = set()
    for entry in manifest["pages"]:
        body = gmp.read(entry["key"])
        assert len(body) == entry["bytes"], entry["key"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry["key"]
        listed.add(entry["key"])
    on_disk = {k for k in gmp.list_keys(gmp.partition("games")) if PAGE_RE.search(k)}
    assert on_disk == listed, "pages outside the manifest"
    assert manifest["record_count"] == sum(e["records"] for e in manifest["pages"])
    return {A_GAMES: "A", B_GAMES: "B"}[manifest["record_count"]]


def lake_for(gmp: Gmp) -> Lake:
    env = {k: v for k, v in gmp.env.items() if k.startswith(("LAKE_", "S3_", "AWS_"))}
    return Lake(LakeSettings(**env))  # type: ignore[arg-type]


def roll_forward(gmp: Gmp) -> bool:
    """What the next run of the partition does first: finish an expired, half-done commit."""
    lake = lake_for(gmp)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        writer = PartitionWriter(lake, "games", DAY, threads=2, lease_seconds=1.0)
        if writer.recover():
            return True
        time.sleep(0.25)
    return False


def run_trial(gmp: Gmp, trial: Trial, a: StandinServer, b: StandinServer, s3: object) -> dict:
    started = time.monotonic()
    a.clear_faults()
    a.reset_requests()
    link = S3Link(s3.endpoint, delay_s=0.02)  # type: ignore[attr-defined]
    if trial.fault == "rawg-500":
        a.add_fault(Fault("500", path="/games", page=3, times=-1))
    env_a = {"RAWG_BASE_URL": a.url, "S3_ENDPOINT": link.endpoint}
    env_b = {"RAWG_BASE_URL": b.url}
    common = {"GMP_LEASE_SECONDS": LEASE_SECONDS, "GMP_CONCURRENCY": "2"}
    lease_key = f"{gmp.prefix}/_incoming/games/run_date={RUN_DATE}/_lease.json"
    manifest_key = f"{gmp.prefix}/{gmp.partition('games')}_manifest.json"
    args = ("extract", "games", "--run-date", RUN_DATE)
    first, second = (env_a, env_b) if trial.lead_s >= 0 else (env_b, env_a)
    procs = {id(first): gmp.popen(*args, **common, **first)}
    time.sleep(abs(trial.lead_s))
    procs[id(second)] = gmp.popen(*args, **common, **second)
    proc_a, proc_b = procs[id(env_a)], procs[id(env_b)]
    holders: list[str] = []
    hit = trial.fault in ("none", "rawg-500")
    deadline = time.monotonic() + 60
    while proc_a.poll() is None or proc_b.poll() is None:
        assert time.monotonic() < deadline, f"{trial}: runs did not end"
        pid = holder_pid(gmp, lease_key)
        who = {proc_a.pid: "A", proc_b.pid: "B"}.get(pid or -1)
        if who and (not holders or holders[-1] != who):
            holders.append(who)
        if not hit and proc_a.poll() is None:
            if trial.moment == "paging":
                hit = len(a.requests) >= 3
            elif trial.moment == "lease":
                hit = who == "A"
            else:  # swap: A holds the lease and has removed the previous manifest
                hit = who == "A" and manifest_key not in gmp.list_keys(gmp.partition("games"))
            if hit:
                if trial.fault == "kill":
                    proc_a.send_signal(signal.SIGKILL)
                else:
                    link.cut()
        time.sleep(0.02)
    out_a, out_b = proc_a.communicate(), proc_b.communicate()
    link.cut()
    assert proc_b.returncode == 0, f"{trial}: healthy run B failed: {out_b[1][-800:]}"
    state = check_commit(gmp)
    rolled = False
    if state is None:
        rolled = roll_forward(gmp)
        state = check_commit(gmp)
    assert state is not None, f"{trial}: no commit left; A said {out_a[1][-800:]}"
    return {
        "trial": str(trial),
        "hit": hit,
        "a_code": proc_a.returncode,
        "lease_order": "".join(holders),
        "final": state + (" rolled forward" if rolled else ""),
        "seconds": round(time.monotonic() - started, 1),
    }


def test_two_runs_of_one_partition_always_leave_one_whole_commit(
    gmp: Gmp, standin_factory, s3
) -> None:
    a = standin_factory(A_GAMES, latency_s=0.01)
    b = standin_factory(B_GAMES)
    gmp.point_at(b)
    assert gmp("extract", "games", "--run-date", RUN_DATE).code == 0  # a previous commit
    results = [run_trial(gmp, trial, a, b, s3) for trial in TRIALS]
    for line in results:
        print(line)
    print("final states:", Counter(r["final"] for r in results))
    print("lease orders:", Counter(r["lease_order"] for r in results))
    for result in results:
        trial = result["trial"]
        if trial.startswith("none"):
            assert result["a_code"] == 0 and result["final"] in ("A", "B")
        else:
            assert result["a_code"] != 0 or not result["hit"], trial
        if "paging" in trial and result["hit"]:
            # A failed before it could commit: B's commit stands, A removed nothing of it.
            assert result["final"] == "B", trial
    # The chosen moments were really hit, mid-swap included.
    hit = {r["trial"].split(" ")[0] for r in results if r["hit"]}
    assert {"kill@lease", "kill@swap", "s3-cut@lease", "s3-cut@swap"} <= hit
    # Both orders of the commit happened: B waited for A's lease, and the other way round.
    orders = {r["lease_order"] for r in results}
    assert any(o.startswith("AB") for o in orders) and any(o.startswith("BA") for o in orders)

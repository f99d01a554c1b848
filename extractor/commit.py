"""Run-scoped staging and the commit swap of one partition (docs/lake.md, "The commit protocol").

Each run stages its pages under `_incoming/{endpoint}/run_date=D/{run_id}/`, which no other
run ever writes, checks them by listing, records the manifest it means to write next to them
(the intent), and only then takes the partition's commit lease (extractor/lease.py) for the
swap: drop the old manifest, copy the staged pages into place, delete the old pages past the
new count (only keys named like pages: a key it cannot account for is left alone), check by
listing that every page is there with its size (and ETag), write the manifest create-only
(`If-None-Match: *`), check it, release the lease. A run that fails before the swap removes
its own staging folder and nothing else. A run killed or cut off during the swap leaves its
lease and its complete staged copy: the next run of the partition, once the lease has expired,
rolls that commit forward before doing anything else (no RAWG request needed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from extractor.lake import Lake, Stored
from extractor.layout import MANIFEST, PAGE_RE, page_name
from extractor.lease import ALIVE, LEASE, Heartbeat, Lease
from extractor.shape import ShapeCollector
from gmp.errors import LakeError

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 30.0


@dataclass(frozen=True)
class PageEntry:
    """What the manifest records of one stored page."""

    key: str
    bytes: int
    sha256: str
    records: int


def new_run_id() -> str:
    """Sortable by start time, unique across pods."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


class PartitionWriter:
    """Stages one run's pages, then commits them with a swap under the partition's lease."""

    def __init__(
        self,
        lake: Lake,
        endpoint: str,
        run_date: dt.date,
        *,
        threads: int,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._lake, self._threads, self._seconds = lake, threads, lease_seconds
        self._final = lake.partition_prefix(endpoint, run_date)
        self._incoming = lake.incoming_prefix(endpoint, run_date)
        self.run_id = new_run_id()
        self._staging = f"{self._incoming}{self.run_id}/"
        self._heartbeat = Heartbeat(lake, self._staging + ALIVE, seconds=lease_seconds)
        self._etags: dict[str, str] = {}  # staged page name -> the ETag the server answered
        self._md5_etags = True  # the server's ETags are the bodies' MD5 (AWS SSE-S3, MinIO, weed)
        self._lease: Lease | None = None
        self._swapping = False
        self.shape = ShapeCollector()  # the items' JSON paths and types: manifest `item_shape`

    def _new_lease(self, staged: str) -> Lease:
        return Lease(self._lake, self._incoming + LEASE, self.run_id, staged, seconds=self._seconds)

    def begin(self) -> None:
        """Start the heartbeat; finish a commit a dead run left half-done."""
        self._heartbeat.start()
        self.recover()

    def put_page(self, number: int, body: bytes, records: int) -> PageEntry:
        name = page_name(number)
        etag = self._lake.put(self._staging + name, body)
        self.shape.add_page(body)
        self._etags[name] = etag
        if etag.strip('"') != hashlib.md5(body, usedforsecurity=False).hexdigest():
            self._md5_etags = False
        return PageEntry(self._final + name, len(body), hashlib.sha256(body).hexdigest(), records)

    def commit(self, manifest: dict[str, Any], pages: list[PageEntry]) -> None:
        """Swap the staged pages into place and write the manifest; LakeError if any check
        fails (nothing committed by this run, and no commit of another run removed)."""
        record = {**manifest, "item_shape": self.shape.shape(), "run_id": self.run_id,
                  "pages": [asdict(p) for p in pages]}  # fmt: skip
        body = json.dumps(record, indent=2, sort_keys=True).encode() + b"\n"
        expected = self._staged_pages(self._staging, pages)
        self._lake.put(self._staging + MANIFEST, body)  # the intent, for a roll-forward
        self._lease = lease = self._new_lease(self._staging)
        lease.acquire(wait_max=max(60.0, 20 * self._seconds))
        self._heartbeat.lease = lease
        self._swapping = True
        self._swap(self._staging, body, expected, lease, md5_etags=self._md5_etags)
        self._swapping = False
        self._heartbeat.stop()
        try:  # housekeeping: the commit is done and checked whatever happens here
            self._collect_garbage()
            self._remove(self._staging)
            lease.release()
        except Exception:
            log.warning("commit done; cleaning %s failed", self._incoming, exc_info=True)

    def abort(self) -> None:
        """After a failure: remove this run's own staging folder, and nothing else. A swap
        already under way keeps its staged copy and its lease, for the roll-forward."""
        try:
            self._abort()
        except Exception:  # the original failure is what the user must see
            log.warning("could not clean up after run %s", self.run_id, exc_info=True)

    def _abort(self) -> None:
        self._heartbeat.stop()
        if self._swapping and not (self._lease is not None and self._lease.lost):
            log.error(
                "the commit of run %s was interrupted; the next run of this partition "
                "completes it from %s once the lease has expired",
                self.run_id,
                self._staging,
            )
            return
        self._remove(self._staging)
        if self._lease is not None:
            self._lease.release()

    # -- the swap -----------------------------------------------------------------------------

    def _staged_pages(self, staged: str, pages: list[PageEntry]) -> dict[str, Stored]:
        """The staged copy, checked by listing: exactly the pages meant, each with its size.
        A server that stores keys other than those written (rewrites them) fails here, before
        the committed partition is touched."""
        listed = {
            s.key: s for s in self._lake.listing(staged) if PAGE_RE.fullmatch(s.key[len(staged) :])
        }
        expected: dict[str, Stored] = {}
        for page in pages:
            name = page.key.rsplit("/", 1)[1]
            stored = listed.pop(staged + name, None)
            if stored is None or stored.size != page.bytes:
                raise LakeError(
                    f"staged page {staged}{name} is missing or has the wrong size in the lake "
                    f"({'absent' if stored is None else stored.size} vs {page.bytes} bytes): "
                    "the S3 server may rewrite keys; nothing committed"
                )
            expected[name] = stored
        if listed:
            raise LakeError(f"unexpected pages in {staged}: {sorted(listed)[:3]}; not committed")
        return expected

    def _swap(
        self,
        staged: str,
        manifest: bytes,
        expected: dict[str, Stored],
        lease: Lease,
        *,
        md5_etags: bool,
    ) -> None:
        lake, final = self._lake, self._final
        lease.check()
        lake.delete([final + MANIFEST])  # from here on the partition is invisible to readers

        def copy(name: str) -> None:
            lease.check()
            lake.copy(staged + name, final + name)

        with ThreadPoolExecutor(self._threads) as pool:
            list(pool.map(copy, sorted(expected)))
        lease.check()
        stale = self._check_final(expected, md5_etags=md5_etags)
        lake.delete(stale)
        written = lake.put_if(final + MANIFEST, manifest, etag=None)
        if written is None:
            raise LakeError(f"another run wrote {final}{MANIFEST} during this commit; not ours")
        head = lake.head(final + MANIFEST)
        problem = None
        if head is None or head.size != len(manifest):
            problem = f"{final}{MANIFEST} is missing or has the wrong size"
        else:
            try:
                self._check_final(expected, md5_etags=md5_etags, allow_stale=False)
            except LakeError as exc:
                problem = str(exc)
        if problem is not None:
            lake.delete_if(final + MANIFEST, written)  # only our own manifest
            raise LakeError(f"commit check failed: {problem}; nothing committed")

    def _check_final(
        self, expected: dict[str, Stored], *, md5_etags: bool, allow_stale: bool = True
    ) -> list[str]:
        """Every page in place with the staged size (and ETag); the stale pages to delete."""
        final = self._final
        found: dict[str, Stored] = {}
        stale: list[str] = []
        for item in self._lake.listing(final):
            name = item.key[len(final) :]
            if name in expected:
                found[name] = item
            elif PAGE_RE.fullmatch(name) and allow_stale:
                stale.append(item.key)
            elif name != MANIFEST:
                log.warning("leaving %s alone: not a page this commit accounts for", item.key)
        for name, want in expected.items():
            got = found.get(name)
            if got is None or got.size != want.size or (md5_etags and got.etag != want.etag):
                raise LakeError(
                    f"{final}{name} is not in place after the copy "
                    f"({'absent' if got is None else f'{got.size} bytes, ETag {got.etag}'}; "
                    f"want {want.size} bytes): the S3 server may rewrite keys"
                )
        return stale

    # -- recovery and housekeeping -------------------------------------------------------------

    def recover(self) -> bool:
        """Roll forward the commit of a run that died holding the lease, if its staged copy is
        complete; True when a commit was completed."""
        head = self._lake.head(self._incoming + LEASE)
        if head is None:
            return False
        probe = self._new_lease("")
        if not probe.expired(head.age_s):
            return False  # a live run is committing: this run will wait for it at its commit
        info = self._lake.get_json(self._incoming + LEASE) or {}
        staged = str(info.get("staged", ""))
        lease = self._new_lease(staged)
        if not lease.take_over(head.etag):
            return False
        self._heartbeat.lease = lease
        done = False
        try:
            ours = staged.startswith(self._incoming)
            intent = self._lake.get_json(staged + MANIFEST) if ours else None
            if intent is not None:
                done = self._roll_forward(staged, intent, lease)
            if ours and staged != self._staging:
                self._remove(staged)
        finally:
            self._heartbeat.lease = None
            lease.release()
        return done

    def _roll_forward(self, staged: str, intent: dict[str, Any], lease: Lease) -> bool:
        pages = [PageEntry(**p) for p in intent.get("pages", [])]
        try:
            expected = self._staged_pages(staged, pages)
        except LakeError:
            log.warning("cannot roll forward %s: its staged copy is incomplete", staged)
            return False
        body = self._lake.get(staged + MANIFEST)
        current = self._lake.head(self._final + MANIFEST)
        same_size = current is not None and current.size == len(body)
        if same_size and self._lake.get(self._final + MANIFEST) == body:
            return True  # the dead run had finished its swap, only not its cleanup
        self._swap(staged, body, expected, lease, md5_etags=False)
        log.warning("rolled forward the interrupted commit of run %s", intent.get("run_id"))
        return True

    def _collect_garbage(self) -> None:
        """Remove the staging folders of runs that died (no heartbeat for 3 lease times)."""
        for folder in self._lake.folders(self._incoming):
            if folder == self._staging:
                continue
            alive = self._lake.head(folder + ALIVE)
            if alive is None or alive.age_s > 3 * self._seconds + 1:
                self._remove(folder)

    def _remove(self, prefix: str) -> None:
        if prefix.startswith(self._incoming) and prefix.endswith("/"):
            self._lake.delete(list(self._lake.keys(prefix)))

"""The largest backfill one Workflow may hold stays far below Argo's workflow size limit.

Argo v4.0.9 (workflow/packer/packer.go `CompressWorkflowIfNeeded`/`compressWorkflow`): a workflow
whose JSON passes MAX_WORKFLOW_SIZE (default 1 MiB) gets its `status.nodes` replaced by
`compressedNodes` = base64(gzip(json.Marshal(nodes))) (util/file/fileutil.go
`CompressEncodeString`); if it is still too large the controller fails the workflow. Offloading
needs a database a default install lacks. This test builds the node status of a 366-day backfill
of the default endpoints node by node, as the controller names and fills them (each day: its gate,
then the daily DAG over the per-day endpoints `gmp dates` lists; the snapshots, taxonomies and
market panel, taken once for the range), and measures it
the same way; it must stay under 512 KiB, half the limit, leaving room for the spec and the
stored templates the workflow object carries too.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from typing import Any

from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode
from workflows import names
from workflows.daily import DETAIL_ENDPOINTS as DETAILS

LIMIT = 512 * 1024
WF = "game-market-backfill-x7k2p"  # generateName (submit.py) + Kubernetes' 5 random characters
RETRIED_SHARE = 10  # one pod in ten needs a second attempt: generous for a healthy cluster
PER_DAY = [e for e in DEFAULT_ENDPOINTS if REGISTRY[e].mode is not Mode.SNAPSHOT]
SNAPSHOTS = [e for e in DEFAULT_ENDPOINTS if REGISTRY[e].mode is Mode.SNAPSHOT]


def fnv32a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def node_id(name: str) -> str:
    """pkg/apis/workflow/v1alpha1/workflow_types.go `Workflow.NodeID`."""
    return WF if name == WF else f"{WF}-{fnv32a(name)}"


class Nodes:
    """status.nodes as the controller fills it (fields of NodeStatus, workflow_types.go)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.clock = dt.datetime(2026, 5, 1, 2, 30, tzinfo=dt.UTC)
        self.pods = 0

    def time(self, seconds: int) -> str:
        self.clock += dt.timedelta(seconds=seconds)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def add(
        self, name: str, display: str, kind: str, template: str, boundary: str, **extra: Any
    ) -> str:
        nid = node_id(name)
        started = self.time(1)
        node: dict[str, Any] = {
            "id": nid,
            "name": name,
            "displayName": display,
            "type": kind,
            "templateName": template,
            "templateScope": f"namespaced/{extra.pop('scope', names.DAILY_TEMPLATE)}",
            "phase": extra.pop("phase", "Succeeded"),
            "boundaryID": node_id(boundary),
            "startedAt": started,
            "finishedAt": self.time(20),
            "progress": "1/1",
            "resourcesDuration": {"cpu": 3, "memory": 25},
            **extra,
        }
        self.nodes[nid] = node
        return nid

    def step(
        self, name: str, display: str, template: str, boundary: str, params: dict[str, str],
        result: str | None = None, scope: str = names.DAILY_TEMPLATE,
    ) -> tuple[str, str]:  # fmt: skip
        """A retried container step: the Retry node and its Pod attempt(s) (operator.go)."""
        self.pods += 1
        attempts = 2 if self.pods % RETRIED_SHARE == 0 else 1
        inputs = {"parameters": [{"name": k, "value": v} for k, v in params.items()]}
        outputs: dict[str, Any] = {"exitCode": "0"}
        if result is not None:
            outputs["result"] = result
        children = []
        for n in range(attempts):
            last = n == attempts - 1
            children.append(
                self.add(
                    f"{name}({n})",
                    f"{display}({n})",
                    "Pod",
                    template,
                    boundary,
                    scope=scope,
                    phase="Succeeded" if last else "Failed",
                    message="" if last else "Error (exit code 1)",
                    inputs=inputs,
                    outputs=outputs if last else {"exitCode": "1"},
                    hostNodeName="ip-10-0-112-34.eu-west-1.compute.internal",
                    nodeFlag={"retried": True},
                    taskResultSynced=True,
                    estimatedDuration=42,
                )
            )
        retry = self.add(
            name, display, "Retry", template, boundary, scope=scope, inputs=inputs,
            outputs=outputs, children=children,
        )  # fmt: skip
        return retry, children[-1]


def backfill_nodes(days: int) -> dict[str, dict[str, Any]]:
    first = dt.date(2023, 1, 1)
    dates = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    endpoints = json.dumps(PER_DAY)  # a day's item: the per-day endpoints it lacks
    n = Nodes()
    scope = names.BACKFILL_TEMPLATE
    root = n.add(WF, WF, "DAG", names.BACKFILL_ENTRY, "", scope=scope)
    _, dates_pod = n.step(
        f"{WF}.dates", "dates", "dates", WF, {"start_date": dates[0], "end_date": dates[-1]},
        result=json.dumps(dates), scope=scope,
    )  # fmt: skip
    days_name = f"{WF}.days"
    days_node = n.add(
        days_name, "days", "DAG", names.BACKFILL_DAYS, WF, scope=scope,
        inputs={"parameters": [{"name": "days", "value": json.dumps(dates)},
                               {"name": "endpoints", "value": endpoints}]},
    )  # fmt: skip
    group = n.add(f"{days_name}.day", "day", "TaskGroup", "", days_name, scope=scope)
    day_ids = []
    for i, date in enumerate(dates):
        outer = f"{days_name}.day({i}:{date})"  # the backfill's one-day DAG: gate, day, stop
        day_ids.append(
            n.add(outer, f"day({i}:{date})", "DAG", "", days_name, scope=scope)
        )  # fmt: skip
        n.step(
            f"{outer}.gate", "gate", "gate", outer, {"run_date": date}, result="open", scope=scope
        )  # fmt: skip
        n.add(
            f"{outer}.stop", "stop", "Skipped", "stop-backfill", outer, scope=scope,
            phase="Skipped", message="when 'Succeeded == Failed' evaluated false",
        )  # fmt: skip
        day = f"{outer}.day"
        n.add(
            day, "day", "DAG", "", outer,
            templateRef={"name": names.DAILY_TEMPLATE, "template": names.DAILY_ENTRY},
            inputs={"parameters": [{"name": "run_date", "value": date},
                                   {"name": "endpoints", "value": endpoints},
                                   {"name": "transform", "value": "false"}]},
        )  # fmt: skip
        n.step(
            f"{day}.validate", "validate", "validate", day,
            {"run_date": date, "endpoints": endpoints}, result=endpoints,
        )  # fmt: skip
        # Two fan-outs over the same list (workflows/daily.py): each item runs in one and is a
        # Skipped node in the other (dag.go executeDAGTask, "when '...' evaluated false").
        for task, runs in (
            ("extract", lambda e: e not in DETAILS),
            ("extract-details", lambda e: e in DETAILS),
        ):
            fan = n.add(f"{day}.{task}", task, "TaskGroup", "extract", day)
            n.nodes[fan]["children"] = [
                n.step(
                    f"{day}.{task}({j}:{e})", f"{task}({j}:{e})", "extract", day,
                    {"endpoint": e, "run_date": date},
                )[0]
                if runs(e)
                else n.add(
                    f"{day}.{task}({j}:{e})", f"{task}({j}:{e})", "Skipped", "extract", day,
                    phase="Skipped",
                    message=f"when '{e} {'!=' if task == 'extract' else '=='} game_details' "
                    "evaluated false",
                )
                for j, e in enumerate(PER_DAY)
            ]  # fmt: skip
        n.add(
            f"{day}.transform", "transform", "Skipped", "transform", day,
            phase="Skipped", message="when 'false == true' evaluated false",
        )  # fmt: skip
    n.nodes[group]["children"] = day_ids
    snapshots = n.add(f"{WF}.snapshots", "snapshots", "TaskGroup", "extract-snapshot", WF)
    n.nodes[snapshots]["children"] = [
        n.step(
            f"{WF}.snapshots({j}:{e})", f"snapshots({j}:{e})", "extract-snapshot", WF,
            {"endpoint": e, "run_date": dates[-1], "covers_from": dates[0]}, scope=scope,
        )[0]
        for j, e in enumerate(SNAPSHOTS)
    ]  # fmt: skip
    n.step(
        f"{WF}.transform", "transform", "transform-range", WF,
        {"start_date": dates[0], "end_date": dates[-1]}, scope=scope,
    )  # fmt: skip
    n.step(f"{WF}.onExit", f"{WF}.onExit", "exit-handler", "", {}, scope=scope)
    n.nodes[root]["children"] = [node_id(f"{WF}.dates")]
    n.nodes[dates_pod]["children"] = [days_node]
    return n.nodes


def compressed_size(nodes: dict[str, Any]) -> int:
    """len(base64(gzip(json.Marshal(nodes)))): what packer.go puts in status.compressedNodes."""
    raw = json.dumps(nodes, separators=(",", ":")).encode()
    return len(base64.b64encode(gzip.compress(raw, compresslevel=6)))  # Go: DefaultCompression


def test_the_largest_allowed_backfill_stays_under_half_the_limit() -> None:
    nodes = backfill_nodes(names.MAX_WORKFLOW_DAYS)
    per_day = sum(1 for n in nodes.values() if "(0:games)" in n["name"] and n["type"] == "Retry")
    assert per_day == names.MAX_WORKFLOW_DAYS  # every day is there
    # per day: 2 DAGs, gate (2), stop, validate (2), 2 fan-outs, transform; per endpoint: a Retry
    # and its Pod in one fan-out, Skipped in the other; plus the retried attempts.
    assert len(nodes) > (9 + 3 * len(PER_DAY)) * names.MAX_WORKFLOW_DAYS
    size = compressed_size(nodes)
    assert size < LIMIT, f"{size} bytes compressed for {len(nodes)} nodes"


def test_the_estimate_fails_ranges_the_limit_now_refuses() -> None:
    # Not vacuous: 1,800 days (`gmp dates` used to allow 3,660) pass Argo's 1 MiB.
    assert compressed_size(backfill_nodes(1800)) > 1024 * 1024

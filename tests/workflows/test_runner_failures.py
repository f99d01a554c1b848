"""{{workflow.failures}} as the v4.0.9 controller hands it to the exit handler.

Source: workflow/controller/operator.go `operate` ("This strconv.Quote is necessary ...") builds
`failedNodeStatus` for every node whose phase is Failed or Error, json.Marshal's the list and
strconv.Quote's the result; util/template/simple_template.go `simpleReplaceStrict` then escapes
and unescapes it during substitution, so the container argument is the quoted string itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, task, workflow
from workflows.runner.failures import fnv32a, go_json, go_quote, pod_name

NO_BACKOFF_RETRY = {"limit": 1, "retryPolicy": "Always"}


def _failures(fake: Fake) -> str:
    (said,) = by_command(fake, "echo")
    return str(said["argv"][1])


def test_the_exit_handler_gets_the_quoted_json_of_every_failed_node(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go operate: every Failed/Error node - the entry DAG, the TaskGroup, retry parents,
    # and every failed attempt, also "tags(0)" that the retry "tags(1)" recovered.
    monkeypatch.setenv("FAKE_FAILS", "games=9,tags=1")
    tasks = [
        task("fan", "extract", withItems=["games", "tags"], arguments=args(endpoint="{{item}}")),
    ]
    doc = workflow(
        "wf",
        tasks,
        container(
            "extract",
            "fails",
            "{{inputs.parameters.endpoint}}",
            str(tmp_path),
            inputs=("endpoint",),
            retryStrategy=NO_BACKOFF_RETRY,
        ),
        container("bye", "echo", "{{workflow.failures}}"),
        onExit="bye",
    )
    result = fake_gmp.run([doc], "wf", {})
    argument = _failures(fake_gmp)
    assert argument == result.failures_parameter
    assert argument.startswith('"[{\\"displayName\\":')  # quoted: one decode gives a string
    decoded = json.loads(argument)
    assert isinstance(decoded, str)
    nodes = {n["displayName"]: n for n in json.loads(decoded)}
    wf = result.workflow
    assert set(nodes) == {wf, "fan", "fan(0:games)", "fan(0:games)(0)", "fan(0:games)(1)"} | {
        "fan(1:tags)(0)"
    }
    assert all(
        list(n) == ["displayName", "message", "templateName", "phase", "podName", "finishedAt"]
        for n in nodes.values()
    )
    assert nodes["fan(0:games)"]["message"] == "No more retries left"
    assert nodes["fan(0:games)(1)"]["message"] == "main: Error (exit code 1)"
    assert nodes["fan"]["templateName"] == "extract" and nodes[wf]["templateName"] == "main"
    # workflow/util/pod_name.go GeneratePodName (v2): <workflow>-<template>-<fnv32a(node name)>
    assert nodes["fan(1:tags)(0)"]["podName"] == f"{wf}-extract-{fnv32a(wf + '.fan(1:tags)(0)')}"
    assert nodes[wf]["podName"] == wf
    assert {s.name: s.status for s in result.steps} == {
        "fan(0:games)": "Failed",
        "fan(1:tags)": "Succeeded",
    }


def test_no_failure_is_the_quoted_null(fake_gmp: Fake) -> None:
    # operator.go operate: json.Marshal of a nil slice is "null", then strconv.Quote.
    doc = workflow(
        "wf",
        [task("ok", "ok")],
        container("ok", "echo", "fine"),
        container("bye", "echo", "{{workflow.failures}}"),
        onExit="bye",
    )
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"
    assert [c["argv"][1] for c in by_command(fake_gmp, "echo")] == ["fine", '"null"']


def test_go_encodings_match_encoding_json_and_strconv_quote() -> None:
    # encoding/json escapes <, > and & for HTML; strconv.Quote escapes quotes, backslashes and
    # control characters and keeps printable unicode.
    assert go_json([{"m": "<a & b>"}]) == '[{"m":"\\u003ca \\u0026 b\\u003e"}]'
    assert go_quote('say "hi"\n\x01é') == '"say \\"hi\\"\\n\\x01é"'
    assert go_quote(go_json(None)) == '"null"'
    assert fnv32a("") == 0x811C9DC5 and fnv32a("a") == 0xE40C292C  # FNV-1a reference values
    assert pod_name("wf", "wf", "main") == "wf"

"""The console's pure parts: escaping, the diagram layout, reading a history, and the access hook."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from stepstone.web.console import ConsoleApp, ConsoleSettings, console_allowed
from stepstone.web.console.diagram import build, render_svg
from stepstone.web.console.http import Request
from stepstone.web.console.markup import Markup, escape, fmt
from stepstone.web.console.timeline import history_lines, state_outcomes

T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_markup_escapes_everything_but_markup() -> None:
    assert fmt("<b>{x}</b>", x="<i>&\"'") == "<b>&lt;i&gt;&amp;&quot;&#x27;</b>"
    assert fmt("<b>{x}</b>", x=Markup("<i>ok</i>")) == "<b><i>ok</i></b>"
    assert fmt("{n:.1f}", n=2.25) == "2.2"
    assert isinstance(Markup("<a>") + "<b>", Markup) and Markup("<a>") + "<b>" == "<a>&lt;b&gt;"
    assert escape(None) == ""


def test_layers_follow_the_longest_path_and_loops_swing_back() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "x", "Next": "B",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "D"}]},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "BooleanEquals": True, "Next": "A"}],
                  "Default": "C"},
            "C": {"Type": "Pass", "Next": "D"},
            "D": {"Type": "Succeed"},
            "Orphan": {"Type": "Pass", "End": True},
        },
    }  # fmt: skip
    graph = build(definition)
    layers = {name: node.layer for name, node in graph.nodes.items()}
    assert layers == {"A": 0, "B": 1, "C": 2, "D": 3, "Orphan": 4}
    kinds = sorted((e.source, e.target, e.kind) for e in graph.edges)
    assert ("A", "D", "catch") in kinds and ("B", "A", "choice") in kinds and ("B", "C", "default") in kinds
    assert graph.nodes["A"].y < graph.nodes["B"].y < graph.nodes["C"].y < graph.nodes["D"].y
    svg = render_svg(definition)
    assert svg.count('class="edge e-catch"') == 1 and "e-default" in svg


def test_parallel_and_map_are_nested_boxes_and_names_are_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {"Type": "Parallel", "End": True, "Branches": [
                {"StartAt": hostile, "States": {hostile: {"Type": "Pass", "End": True}}},
                {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True,
                 "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}}}},
            ]},
        },
    }  # fmt: skip
    graph = build(definition)
    fan = graph.nodes["Fan"]
    assert len(fan.branches) == 2
    assert fan.w > sum(b.w for b in fan.branches)
    svg = render_svg(definition, {"Fan": "running", "Inner": "succeeded"})
    assert "<img" not in svg and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in svg
    assert "Parallel · 2 branches" in svg
    assert 'class="node t-Parallel o-running compound"' in svg and 'class="node t-Pass o-succeeded"' in svg
    assert 'class="node t-Map o-none compound"' in svg


def test_broken_definitions_draw_an_empty_diagram() -> None:
    for broken in ({}, {"StartAt": "X"}, {"StartAt": "X", "States": {"X": "not a state"}}):
        assert render_svg(broken).startswith('<svg class="diagram"')


def event(i: int, prev: int, kind: str, seconds: float = 0, **details: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": i,
        "previousEventId": prev,
        "type": kind,
        "timestamp": T0 + timedelta(seconds=seconds),
    }
    if details:
        key = (
            "stateEnteredEventDetails"
            if kind.endswith("Entered")
            else "stateExitedEventDetails"
            if kind.endswith("Exited")
            else kind[0].lower() + kind[1:] + "EventDetails"
        )
        out[key] = details
    return out


HISTORY = [
    event(1, 0, "ExecutionStarted", input="{}"),
    event(2, 1, "TaskStateEntered", name="Charge", input="{}"),
    event(3, 2, "TaskScheduled", resource="arn:x"),
    event(4, 3, "TaskFailed", 1.5, error="Card.Declined", cause="<no funds>"),
    event(5, 4, "TaskScheduled", 2, resource="arn:x"),
    event(6, 5, "TaskSucceeded", 3, output='{"ok":true}'),
    event(7, 6, "TaskStateExited", 3, name="Charge", output='{"ok":true}'),
    event(8, 7, "TaskStateEntered", 3, name="Ship", input="{}"),
    event(9, 8, "TaskScheduled", 3, resource="arn:y"),
    event(10, 9, "TaskFailed", 4, error="Ship.Lost"),
    event(11, 10, "TaskStateExited", 4, name="Ship", output="{}"),
    event(12, 11, "PassStateEntered", 4, name="Notify", input="{}"),
]


def test_history_lines_attribute_every_event_to_its_state() -> None:
    lines = history_lines(HISTORY)
    assert [line.state for line in lines] == [None] + ["Charge"] * 6 + ["Ship"] * 4 + ["Notify"]
    assert lines[3].tone == "fail" and lines[3].summary == "Card.Declined — <no funds>"
    assert lines[3].elapsed == timedelta(seconds=1.5)
    assert lines[5].data == '{\n  "ok": true\n}'


def test_outcomes_retry_then_success_caught_failure_and_where_it_stopped() -> None:
    lines = history_lines(HISTORY)
    assert state_outcomes(lines, "RUNNING") == {"Charge": "succeeded", "Ship": "caught", "Notify": "running"}
    assert state_outcomes(lines, "FAILED")["Notify"] == "failed"
    assert state_outcomes(lines, "ABORTED")["Notify"] == "aborted"


def request(**headers: str) -> Request:
    scope = {"headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    return Request("GET", "/console", {}, headers, {}, "http", scope=scope)


def test_console_allowed_is_open_when_the_api_is_and_locked_otherwise() -> None:
    async def ann_only(scope: Any) -> bool:
        return (b"x-user", b"ann") in scope["headers"]

    locked = [False]

    async def api_locked() -> bool:
        return locked[0]

    async def check(settings: ConsoleSettings, **headers: str) -> bool:
        return await console_allowed(request(**headers), settings)

    assert asyncio.run(check(ConsoleSettings()))
    assert not asyncio.run(check(ConsoleSettings(require_sign_in=True)))
    signed_in = ConsoleSettings(require_sign_in=True, signed_in=ann_only)
    assert asyncio.run(check(signed_in, **{"x-user": "ann"}))
    assert not asyncio.run(check(signed_in, **{"x-user": "bob"}))
    # The API locks when its first access key is made: the console follows without a restart.
    latching = ConsoleSettings(require_sign_in=api_locked, signed_in=ann_only)
    assert asyncio.run(check(latching, **{"x-user": "bob"}))
    locked[0] = True
    assert not asyncio.run(check(latching, **{"x-user": "bob"}))


class Untouchable:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a locked console called the service: {name}")


def call(app: ConsoleApp, method: str, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"csrf=x", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"host", b"h")],
        "query_string": b"",
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_a_locked_console_serves_nothing_but_its_stylesheet() -> None:
    app = ConsoleApp(Untouchable(), settings=ConsoleSettings(require_sign_in=True))  # type: ignore[arg-type]
    for method, path in [
        ("GET", "/console"),
        ("GET", "/console/tasks"),
        ("POST", "/console/executions/arn:aws:states:us-east-1:123456789012:execution:a:b/stop"),
    ]:
        status, headers, body = call(app, method, path)
        assert status == 401 and b"Sign-in required" in body
        assert b"content-security-policy" in headers  # fmt: skip
    assert call(app, "GET", "/console/static/console.css")[0] == 200
    linking = ConsoleSettings(require_sign_in=True, sign_in_url="/approve/sign-in")
    status, _, body = call(ConsoleApp(Untouchable(), settings=linking), "GET", "/console")  # type: ignore[arg-type]
    assert status == 401 and b'href="/approve/sign-in"' in body


def test_time_cells_carry_iso_timestamps_for_the_script() -> None:
    from stepstone.web.console.components import when

    assert re.fullmatch(
        r'<time datetime="2024-01-02T03:04:05\+00:00">2024-01-02 03:04:05\.000 UTC</time>', when(T0)
    )


def test_an_approval_note_reads_as_its_kind_approver_and_comment_in_its_state() -> None:
    events = [
        {"id": 1, "previousEventId": 0, "timestamp": T0, "type": "TaskStateEntered",
         "stateEnteredEventDetails": {"name": "Ask", "input": "{}"}},
        {"id": 2, "previousEventId": 1, "timestamp": T0 + timedelta(minutes=5), "type": "ApprovalNote",
         "approvalNoteEventDetails": {"kind": "vote", "approver": "bob", "decision": "approve",
                                      "comment": ""}},
    ]  # fmt: skip
    note = history_lines(events)[1]
    assert (note.state, note.summary, note.tone) == ("Ask", "vote — bob — approve", "")

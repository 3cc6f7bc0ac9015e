"""`ApprovalNote`: a vote, reminder or escalation on an open approval task becomes one history event of
stepstone's own, and changes nothing else; a closed task ignores it."""

from __future__ import annotations

import copy

from stepstone.engine.events import ApprovalNote, TaskSucceeded
from stepstone.engine.history import to_aws
from stepstone.runtime.codec import decode_event, encode_event
from tests.engine.harness import start

APPROVAL = "arn:stepstone:states:::approval:request.waitForTaskToken"
MACHINE = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": APPROVAL, "End": True}}}
VOTE = {"kind": "vote", "approver": "bob", "decision": "approve", "comment": "fine"}


def test_a_note_on_an_open_task_is_one_history_event_and_nothing_else() -> None:
    run = start(MACHINE, {})
    (invoke,) = run.invocations()
    before = copy.deepcopy(run.state)
    last = run.history[-1]["id"]
    decision = run.send(ApprovalNote(invoke.task_id, VOTE), at=run.after(30))
    assert decision.commands == [] and decision.ignored is None
    [event] = decision.history
    assert event["type"] == "ApprovalNote" and event["previousEventId"] == last
    assert event["approvalNoteEventDetails"] == VOTE
    assert to_aws(event)["approvalNoteEventDetails"] == VOTE  # no data fields to render as text
    assert run.state is not None and before is not None
    assert run.state.open_tasks == before.open_tasks and run.state.timers == before.timers
    assert run.state.frames.keys() == before.frames.keys() and run.state.status == "RUNNING"
    run.send(TaskSucceeded(invoke.task_id, {"approved": True}))
    assert run.state.status == "SUCCEEDED" and run.types.count("ApprovalNote") == 1


def test_a_note_for_a_closed_task_is_ignored() -> None:
    ask = {"Type": "Task", "Resource": APPROVAL, "Next": "Later"}
    run = start(
        {"StartAt": "Ask", "States": {"Ask": ask, "Later": {"Type": "Wait", "Seconds": 60, "End": True}}}
    )
    (invoke,) = run.invocations()
    run.send(TaskSucceeded(invoke.task_id, {}))
    assert run.state is not None and run.state.status == "RUNNING"  # waiting in Later
    late = run.send(ApprovalNote(invoke.task_id, {"kind": "reminder", "to": ["group:managers"]}))
    assert late.ignored == f"no open task {invoke.task_id!r}" and late.history == []


def test_a_note_survives_the_inbox_codec() -> None:
    note = ApprovalNote("t-1", VOTE)
    assert decode_event(encode_event(note)) == note

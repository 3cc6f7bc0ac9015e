"""Determinism: JSON round trip of the state, identical decisions on replay, golden histories."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from stepstone.engine.decide import MAX_TRANSITIONS, decide
from stepstone.engine.events import Start, TaskFailed, TaskSucceeded, TimerFired
from stepstone.engine.history import to_aws
from stepstone.engine.state import ExecutionState
from tests.engine.harness import INFO, LAMBDA, Run, mint, start

GOLDEN = Path(__file__).parent / "golden"

APPROVAL = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n", "ids.$": "States.ArrayRange(1, 3, 1)"},
            "Next": "Fan",
        },
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.ids",
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": LAMBDA,
                        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "JitterStrategy": "FULL"}],
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.results",
            "Next": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Both"},
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
            ],
            "ResultPath": "$.both",
            "End": True,
        },
    },
}


def drive(run: Run, *, answer: bool = True) -> None:
    """Answer every task (the first attempt of item 2 fails with Flaky) and fire every timer."""
    failed_once = False
    for _ in range(50):
        assert run.state is not None
        if run.state.status != "RUNNING":
            return
        if answer and run.state.open_tasks:
            task_id = sorted(run.state.open_tasks)[0]
            payload = next(i.payload for i in run.invocations() if i.task_id == task_id)
            if payload == 2 and not failed_once:
                failed_once = True
                run.send(TaskFailed(task_id, "Flaky", "try again"), seed=len(run.log))
            else:
                run.send(TaskSucceeded(task_id, {"done": payload}), seed=len(run.log))
        else:
            timer_id, timer = sorted(run.state.timers.items())[0]
            run.send(TimerFired(timer_id), at=timer.due, seed=len(run.log))


def encode(event: Any) -> dict[str, Any]:
    return {"type": type(event).__name__, **{k: getattr(event, k) for k in event.__slots__ if k != "info"}}


def record(definition: dict[str, Any], data: Any) -> dict[str, Any]:
    run = start(definition, data)
    drive(run, answer="Fan" in definition["States"])
    return {
        "definition": definition,
        "events": [{"event": encode(e), "now": now.isoformat(), "seed": seed} for e, now, seed in run.log],
        "history": [to_aws(h) | {"timestamp": h["timestamp"].isoformat()} for h in run.history],
    }


def replay(golden: dict[str, Any]) -> list[dict[str, Any]]:
    from stepstone.engine import events as ev
    from stepstone.engine.program import load_program

    program = load_program(golden["definition"])
    state: ExecutionState | None = None
    history: list[dict[str, Any]] = []
    for entry in golden["events"]:
        fields = dict(entry["event"])
        kind = getattr(ev, fields.pop("type"))
        event = kind(info=INFO, **fields) if kind is Start else kind(**fields)
        if state is not None:  # replay through the persisted form, as the durable runtime does
            state = ExecutionState.from_json(json.loads(json.dumps(state.to_json())))
        decision = decide(
            program,
            state,
            event,
            now=datetime.fromisoformat(entry["now"]),
            seed=entry["seed"],
            mint_token=mint,
        )
        state = decision.state
        history.extend(to_aws(h) | {"timestamp": h["timestamp"].isoformat()} for h in decision.history)
    return history


@pytest.mark.parametrize(
    ("name", "definition", "data"),
    [
        ("fanout_retry_wait", APPROVAL, {"n": 1}),
        (
            "catch_and_fail",
            {
                "StartAt": "T",
                "States": {
                    "T": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "TimeoutSeconds": 3,
                        "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "F"}],
                        "End": True,
                    },
                    "F": {"Type": "Fail", "Error": "Gave up", "Cause": "too slow"},
                },
            },
            {"x": 1},
        ),
    ],
)
def test_golden_histories_replay_identically(name: str, definition: dict[str, Any], data: Any) -> None:
    path = GOLDEN / f"{name}.json"
    recorded = record(definition, data)
    if not path.exists():  # first run writes the golden file; review it like code
        path.write_text(json.dumps(recorded, indent=1) + "\n")
    golden = json.loads(path.read_text())
    assert recorded["history"] == golden["history"]
    assert replay(golden) == golden["history"]


def test_state_json_round_trip_is_exact_mid_flight() -> None:
    run = start(APPROVAL, {"n": 1})
    assert run.state is not None and run.state.frames and run.state.timers == {}
    raw = run.state.to_json()
    again = ExecutionState.from_json(json.loads(json.dumps(raw)))
    assert again == run.state
    assert again.to_json() == raw


def test_same_inputs_give_identical_decisions() -> None:
    a, b = record(APPROVAL, {"n": 1}), record(APPROVAL, {"n": 1})
    assert a == b


def test_an_endless_loop_yields_through_an_immediate_timer() -> None:
    loop = {
        "StartAt": "L",
        "States": {
            "L": {"Type": "Pass", "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "End"}],
                "Default": "L",
            },
            "End": {"Type": "Succeed"},
        },
    }
    run = start(loop, {})
    entered = [t for t in run.types if t.endswith("StateEntered")]
    assert len(entered) == MAX_TRANSITIONS
    ((timer_id, due),) = run.timers().items()
    assert due == run.now
    run.send(TimerFired(timer_id))
    entered = [t for t in run.types if t.endswith("StateEntered")]
    assert len(entered) == 2 * MAX_TRANSITIONS
    assert run.state is not None and run.state.status == "RUNNING"

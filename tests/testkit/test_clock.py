"""The virtual clock: `serve --clock virtual`, `Stepstone.AdvanceClock`, `stepstone clock advance`."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from stepstone.cli.main import main
from stepstone.runtime.clock import parse_duration
from stepstone.testkit import Stepstone, TestServer
from tests.testkit.calls import call_stepstone, signed_client

WAIT_THEN_RETRY = {
    "StartAt": "Sleep",
    "States": {
        "Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "Flaky"},
        "Flaky": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:missing"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 600, "MaxAttempts": 2,
                       "BackoffRate": 1.0}],
            "End": True,
        },
    },
}  # fmt: skip

#: A one-year approval: a reminder every 24 hours until someone answers, never longer than a year.
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:work"
APPROVALS = "arn:aws:states:us-east-1:123456789012:activity:approvals"

YEARLY_APPROVAL = {
    "StartAt": "Setup",
    "TimeoutSeconds": 366 * 86400,
    "States": {
        "Setup": {"Type": "Pass", "Result": 0, "ResultPath": "$.reminders", "Next": "Ask"},
        "Ask": {  # the approver's app takes the request with GetActivityTask and answers with the token
            "Type": "Task", "Resource": APPROVALS, "TimeoutSeconds": 86400,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "Remind"}],
            "ResultPath": "$.answer", "Next": "Approved",
        },
        "Remind": {  # e-mails the approver again: answered by the mock file in the test
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultPath": None,
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:remind",
                           "Payload": {"reminders.$": "$.reminders"}},
            "Next": "Count",
        },
        "Count": {"Type": "Pass", "Parameters": {"reminders.$": "States.MathAdd($.reminders, 1)"},
                  "Next": "Ask"},
        "Approved": {"Type": "Succeed"},
    },
}  # fmt: skip
YEARLY_MOCKS = {
    "StateMachines": {
        "yearly": {"TestCases": {"Year": {"Remind": "Sent"}}},
        "waits": {"TestCases": {"Down": {"Flaky": "Down"}}},
    },
    "MockedResponses": {
        "Sent": {"0": {"Return": {"StatusCode": 200, "Payload": {"sent": True}}}},
        "Down": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "down"}}},
    },
}


@pytest.fixture
def stepstone_mock_config(tmp_path: Path) -> Path:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(YEARLY_MOCKS))
    return path


def test_durations_parse_like_the_cli_promises() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("1d") == 86400
    assert parse_duration("1h30m") == 5400
    assert parse_duration("250ms") == 0.25
    assert parse_duration("2.5") == 2.5
    for bad in ("", "1x", "d", "-5", "1d-2h", "nan"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


def test_an_advance_fires_the_wait_and_each_retry_in_order_and_history_follows(stepstone: Stepstone) -> None:
    arn = stepstone.create("waits", WAIT_THEN_RETRY)
    start = stepstone.now()
    run = stepstone.start(arn, {}, test_case="Down")
    assert stepstone.status(run) == "RUNNING"
    stepstone.advance("59m")
    assert stepstone.path(run) == ["Sleep"]  # the Wait is not due yet
    stepstone.advance("1m")
    assert stepstone.path(run) == ["Sleep", "Flaky"]
    assert stepstone.status(run) == "RUNNING"  # the first retry waits 10 minutes
    stepstone.advance("1d")  # both retries fall due inside it, one after the other
    assert stepstone.status(run) == "FAILED"
    history = stepstone.history(run)
    failed = [e["timestamp"] for e in history if e["type"] == "TaskFailed"]
    assert len(failed) == 3
    offsets = [round((at - start).total_seconds()) for at in failed]
    assert offsets == [3600, 4200, 4800]  # the virtual clock's times, not the wall clock's
    assert stepstone.now() - start == timedelta(days=1, hours=1)


@pytest.fixture(params=["memory", "sqlite"])
def stepstone_database(request: pytest.FixtureRequest) -> str:
    return str(request.param)


#: Wall-time budgets of the one-year test; SQLite pays a thread hop per store call (about ten a day here).
BUDGET = {"memory": 1.0, "sqlite": 20.0}


def test_a_one_year_approval_with_daily_reminders_takes_under_a_second(
    stepstone: Stepstone, stepstone_database: str
) -> None:
    arn = stepstone.create("yearly", YEARLY_APPROVAL)
    began = time.monotonic()
    run = stepstone.start(arn, {}, test_case="Year")
    stepstone.advance("364d")  # 364 timeouts, reminders and new requests, each at its own time
    stepstone.succeed(run, {"approved": True}, state="Ask")
    elapsed = time.monotonic() - began
    assert stepstone.status(run) == "SUCCEEDED"
    assert stepstone.output(run) == {"reminders": 364, "answer": {"approved": True}}
    assert stepstone.path(run).count("Remind") == 364
    print(f"one year on {stepstone_database}: {elapsed:.3f} s")
    assert elapsed < BUDGET[stepstone_database], f"{elapsed:.2f} s of wall time"


def test_the_execution_timeout_fires_when_the_year_is_up(stepstone: Stepstone) -> None:
    arn = stepstone.create("yearly", YEARLY_APPROVAL)
    run = stepstone.start(arn, {}, test_case="Year")
    stepstone.advance("366d")
    assert stepstone.status(run) == "TIMED_OUT"


def test_advance_clock_over_the_api(stepstone_server: TestServer, stepstone: Stepstone) -> None:
    before = stepstone.now()
    answer = call_stepstone(stepstone_server, "AdvanceClock", {"duration": "2h"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["now"] == pytest.approx((before + timedelta(hours=2)).timestamp())
    answer = call_stepstone(stepstone_server, "AdvanceClock", {"seconds": 30})
    assert answer.status_code == 200
    for bad in ({}, {"duration": "soon"}, {"seconds": -1}, {"seconds": True}, {"duration": 5},
                {"duration": "1d", "seconds": 1}):  # fmt: skip
        refused = call_stepstone(stepstone_server, "AdvanceClock", bad)
        assert refused.status_code == 400 and refused.json()["__type"] == "ValidationException", bad
    assert stepstone.now() - before == timedelta(hours=2, seconds=30)


def test_the_cli_advances_a_running_server(stepstone_server: TestServer, stepstone: Stepstone,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    arn = stepstone.create("waits", WAIT_THEN_RETRY)
    run = stepstone.start(arn, {}, test_case="Down")
    assert main(["clock", "advance", "1h", "--endpoint", stepstone_server.endpoint]) == 0
    assert "now" in json.loads(capsys.readouterr().out)
    assert stepstone.path(run) == ["Sleep", "Flaky"]
    assert main(["clock", "advance", "eventually", "--endpoint", stepstone_server.endpoint]) == 2
    assert "not a duration" in capsys.readouterr().err


def test_a_system_clock_server_refuses_to_move(tmp_path: Path) -> None:
    with TestServer(tmp_path / "s.db", clock="system") as server:
        answer = call_stepstone(server, "AdvanceClock", {"duration": "1d"})
        assert answer.status_code == 400
        assert answer.json()["__type"] == "ValidationException"
        assert "--clock virtual" in answer.json()["message"]


def test_with_access_keys_only_a_key_that_allows_it_moves_the_clock(
    stepstone_server: TestServer, stepstone: Stepstone
) -> None:
    service = stepstone_server.service
    narrow, narrow_secret = stepstone_server.call(service.create_access_key("ci", ["StartExecution"], []))
    wide, wide_secret = stepstone_server.call(service.create_access_key("tests", ["AdvanceClock"], []))
    before = stepstone.now()
    anonymous = call_stepstone(stepstone_server, "AdvanceClock", {"duration": "1d"})
    assert anonymous.json()["__type"] == "MissingAuthenticationTokenException"
    denied = call_stepstone(
        stepstone_server, "AdvanceClock", {"duration": "1d"}, (narrow.key_id, narrow_secret)
    )
    assert denied.json()["__type"] == "AccessDeniedException"
    assert stepstone.now() == before
    allowed = call_stepstone(stepstone_server, "AdvanceClock", {"duration": "1d"}, (wide.key_id, wide_secret))
    assert allowed.status_code == 200, allowed.text
    assert stepstone.now() - before == timedelta(days=1)
    # signatures are checked against real time, so a day on the virtual clock breaks no signature
    client: Any = signed_client(stepstone_server, (wide.key_id, wide_secret))
    with pytest.raises(client.exceptions.ClientError, match="AccessDenied"):
        client.list_state_machines()


def test_a_heartbeat_that_stops_times_the_task_out(stepstone: Stepstone) -> None:
    arn = stepstone.create("beats", {
        "StartAt": "Work",
        "States": {"Work": {
            "Type": "Task", "Resource": ACTIVITY, "HeartbeatSeconds": 60, "TimeoutSeconds": 3600, "End": True,
        }},
    })  # fmt: skip
    run = stepstone.start(arn, {})
    [task] = stepstone.waiting(run, "Work")
    stepstone.advance("59s")
    stepstone.client.send_task_heartbeat(taskToken=task.token)  # alive: the next beat is due at 1m59s
    stepstone.advance("59s")
    assert stepstone.status(run) == "RUNNING"
    stepstone.advance("1m")
    assert stepstone.describe(run)["error"] == "States.HeartbeatTimeout"

"""Mocked service integrations on a real server: chosen by `<arn>#<TestCase>`, in front of every
integration (Lambda, activities, nested executions, callbacks), inside Map and Parallel, counted from
the execution's own rows so a restart answers the next invocation, not the first one again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stepstone.cli.main import main
from stepstone.engine.commands import InvokeTask
from stepstone.testkit import Stepstone, TestServer, free_port

LAMBDA = "arn:aws:states:::lambda:invoke"
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:review"
QUICK_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:quick"

MOCKS = {
    "StateMachines": {
        "orders": {"TestCases": {
            "Declined": {"Charge": "Declined"},
            "Flaky": {"Charge": "FlakyThenOk"},
            "Everything": {"Charge": "Charged", "Review": "Reviewed", "Child": "ChildDone",
                           "Approve": "ApprovedByMock", "Each": "ItemByItem", "Left": "LeftDone"},
            "Rejected": {"Charge": "Charged", "Review": "Reviewed", "Child": "ChildDone",
                         "Approve": "RejectedByMock"},
        }},
        "quick": {"TestCases": {"Fast": {"Charge": "Charged"}}},
    },
    "MockedResponses": {
        "Declined": {"0": {"Throw": {"Error": "Card.Declined", "Cause": "insufficient funds"}}},
        "FlakyThenOk": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "try again"}},
                        "1": {"Return": {"Payload": {"charged": 2}}}},
        "Charged": {"0": {"Return": {"Payload": {"charged": 1}}}},
        "Reviewed": {"0": {"Return": {"verdict": "fine"}}},
        "ChildDone": {"0": {"Return": {"Output": "{\"child\": true}", "Status": "SUCCEEDED"}}},
        "ApprovedByMock": {"0": {"Return": {"approved": True}}},
        "RejectedByMock": {"0": {"Throw": {"Error": "Rejected", "Cause": "no budget"}}},
        "ItemByItem": {"0": {"Return": "first"}, "1-2": {"Return": "later"}},
        "LeftDone": {"0": {"Return": "left"}},
    },
}  # fmt: skip


def task(name: str, resource: str, next_state: str | None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource, **extra}
    state.update({"Next": next_state} if next_state else {"End": True})
    return state


ORDERS = {
    "StartAt": "Charge",
    "States": {
        "Charge": task("Charge", LAMBDA, "Review", ResultSelector={"charged.$": "$.Payload.charged"},
                       ResultPath="$.charge", Parameters={"FunctionName": "charge"},
                       Retry=[{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 3600,
                               "MaxAttempts": 1}],
                       Catch=[{"ErrorEquals": ["Card.Declined"], "ResultPath": "$.error",
                               "Next": "NoMoney"}]),
        "Review": task("Review", ACTIVITY, "Child", ResultPath="$.review"),
        "Child": task("Child", "arn:aws:states:::states:startExecution.sync:2", "Approve",
                      ResultPath="$.child", Parameters={"StateMachineArn": QUICK_ARN}),
        "Approve": task("Approve", "arn:aws:states:::lambda:invoke.waitForTaskToken", "Fan",
                        Parameters={"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
                        ResultPath="$.approval",
                        Catch=[{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "NoApproval"}]),
        "Fan": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Done", "Branches": [
            {"StartAt": "Left",
             "States": {"Left": task("Left", LAMBDA, None, Parameters={"FunctionName": "x"})}},
            {"StartAt": "Items", "States": {"Items": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": True,
                "ItemProcessor": {"StartAt": "Each", "States": {
                    "Each": task("Each", LAMBDA, None, Parameters={"FunctionName": "x", "Payload.$": "$"})}},
            }}}]},
        "Done": {"Type": "Succeed"},
        "NoMoney": {"Type": "Fail", "Error": "NoMoney"},
        "NoApproval": {"Type": "Fail", "Error": "NoApproval"},
    },
}  # fmt: skip
QUICK = {
    "StartAt": "Charge",
    "States": {"Charge": task("Charge", LAMBDA, None, Parameters={"FunctionName": "c"})},
}


@pytest.fixture
def stepstone_mock_config(tmp_path: Path) -> Path:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCKS))
    return path


@pytest.fixture
def orders(stepstone: Stepstone) -> str:
    stepstone.create("quick", QUICK)
    return stepstone.create("orders", ORDERS)


def test_everything_mocked_runs_without_a_single_real_integration(stepstone: Stepstone, orders: str) -> None:
    run = stepstone.start(orders, {"items": [1, 2, 3]}, test_case="Everything")
    assert stepstone.status(run) == "SUCCEEDED", stepstone.describe(run)
    output: Any = stepstone.output(run)
    assert output["charge"] == {"charged": 1}
    assert output["review"] == {"verdict": "fine"}  # an activity no worker ever polled
    assert output["child"]["Status"] == "SUCCEEDED"
    assert output["approval"] == {"approved": True}  # the callback's output, with no callback sent
    assert output["fan"] == [
        "left",
        ["first", "later", "later"],
    ]  # Parallel and Map, invocation by invocation
    child_runs = stepstone.client.list_executions(stateMachineArn=QUICK_ARN)["executions"]
    assert child_runs == []  # the mocked nested execution never started
    stepstone.assert_path(
        run, ["Charge", "Review", "Child", "Approve", "Fan", "Left", "Items", "Each", "Each", "Each", "Done"]
    )
    types = [e["type"] for e in stepstone.history(run)]
    assert "TaskSubmitted" in types  # the callback task records its submission as a real one does
    assert "ActivitySucceeded" in types


def test_a_throw_fails_the_state_and_its_catcher_takes_it(stepstone: Stepstone, orders: str) -> None:
    run = stepstone.start(orders, {}, test_case="Declined")
    assert stepstone.describe(run)["error"] == "NoMoney"
    failed = [e for e in stepstone.history(run) if e["type"] == "TaskFailed"]
    assert failed[0]["taskFailedEventDetails"] == {
        "resourceType": "lambda", "resource": "invoke",
        "error": "Card.Declined", "cause": "insufficient funds",
    }  # fmt: skip


def test_a_mocked_callback_can_throw(stepstone: Stepstone, orders: str) -> None:
    run = stepstone.start(orders, {}, test_case="Rejected")
    assert stepstone.describe(run)["error"] == "NoApproval"
    failed = [e for e in stepstone.history(run) if e["type"] == "TaskFailed"]
    assert failed[-1]["taskFailedEventDetails"]["cause"] == "no budget"


def test_states_outside_the_test_case_run_for_real(stepstone: Stepstone, orders: str) -> None:
    run = stepstone.start(orders, {}, test_case="Flaky")
    stepstone.advance("1h")
    # Charge retried once (invocation 1 returns); Review is not mocked: a real activity task waits
    assert stepstone.path(run) == ["Charge", "Review"]
    assert [t.state for t in stepstone.waiting(run)] == ["Review"]


def test_start_sync_execution_on_a_test_case(stepstone: Stepstone) -> None:
    arn = stepstone.create("quick", QUICK, type="EXPRESS")
    answer = stepstone.client.start_sync_execution(stateMachineArn=f"{arn}#Fast", input="{}")
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"Payload": {"charged": 1}}


def test_an_unknown_test_case_is_refused_at_the_start(stepstone: Stepstone, orders: str) -> None:
    with pytest.raises(stepstone.client.exceptions.InvalidArn, match="no test case 'Nope'"):
        stepstone.client.start_execution(stateMachineArn=f"{orders}#Nope", input="{}")
    assert stepstone.client.list_executions(stateMachineArn=orders)["executions"] == []


def test_a_server_without_a_mock_file_refuses_a_test_case(tmp_path: Path) -> None:
    with TestServer() as server:
        kit = Stepstone(server)
        arn = kit.create("quick", QUICK)
        with pytest.raises(kit.client.exceptions.InvalidArn, match="no mock configuration file"):
            kit.client.start_execution(stateMachineArn=f"{arn}#Fast", input="{}")


def test_the_count_survives_a_restart_and_a_repeated_dispatch(
    tmp_path: Path, stepstone_mock_config: Path
) -> None:
    db = tmp_path / "stepstone.db"
    with TestServer(db, mock_config=stepstone_mock_config) as first:
        kit = Stepstone(first)
        kit.create("quick", QUICK)
        arn = kit.create("orders", ORDERS)
        run = kit.start(arn, {}, test_case="Flaky")
        assert kit.path(run) == ["Charge"]  # invocation 0 threw; the retry waits an hour
    with TestServer(db, mock_config=stepstone_mock_config) as second:
        kit = Stepstone(second)
        kit.advance("2h")
        # invocation 1 answered (a count kept in memory would have thrown again and failed the run)
        assert kit.path(run) == ["Charge", "Review"]
        failed = [e for e in kit.history(run) if e["type"] == "TaskFailed"]
        assert len(failed) == 1
        mocks = second.service.worker.mocks
        assert mocks is not None
        command = InvokeTask("task:3", "Charge", LAMBDA, "request_response", {})
        first_answer = second.call(mocks.answer(run, command))
        assert second.call(mocks.answer(run, command)) == first_answer  # at-least-once: the same answer
        assert first_answer is not None and first_answer.error == "Lambda.ServiceException"


def test_serve_refuses_to_start_on_a_broken_mock_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "MockConfigFile.json"
    broken.write_text(json.dumps({"StateMachines": {"m": {"TestCases": {"c": {"S": "Missing"}}}}}))
    code = main(["serve", "--mock-config", str(broken), "--port", str(free_port()), "--clock", "virtual"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{broken}: /StateMachines/m/TestCases/c/S: names the response 'Missing'" in err


def test_run_answers_from_a_test_case(tmp_path: Path, stepstone_mock_config: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    definition = tmp_path / "quick.asl.json"
    definition.write_text(json.dumps(ORDERS))
    code = main(["run", str(definition), "--mock-config", str(stepstone_mock_config), "--test-case",
                 "orders#Everything", "--input", '{"items": [7, 8]}'])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["status"] == "SUCCEEDED"
    assert result["output"]["fan"] == ["left", ["first", "later"]]
    assert result["output"]["approval"] == {"approved": True}
    assert (
        main(["run", str(definition), "--mock-config", str(stepstone_mock_config), "--test-case", "Fast"])
        == 2
    )
    assert "several state machines" in capsys.readouterr().err


def test_a_nested_execution_may_start_on_a_test_case_of_its_own(stepstone: Stepstone) -> None:
    stepstone.create("quick", QUICK)
    parent = stepstone.create("parent", {"StartAt": "Child", "States": {"Child": task(
        "Child", "arn:aws:states:::states:startExecution.sync:2", None,
        Parameters={"StateMachineArn": f"{QUICK_ARN}#Fast"}, OutputPath="$.Output",
    )}})  # fmt: skip
    run = stepstone.start(parent, {})
    assert stepstone.wait_until_done(run) == "SUCCEEDED", stepstone.describe(run)
    assert stepstone.output(run) == {"Payload": {"charged": 1}}  # the child's mocked Charge

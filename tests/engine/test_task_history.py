"""The history events a Task records, per kind of resource, in AWS's order and with AWS's ids."""

from __future__ import annotations

import json
from typing import Any

from stepstone.engine.events import TaskFailed, TaskStarted, TaskSubmitted, TaskSucceeded, TimerFired
from stepstone.engine.history import to_aws
from stepstone.engine.state import ExecutionState
from tests.engine.harness import LAMBDA, Run, start

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:approve"
INVOKE = "arn:aws:states:::lambda:invoke"
SQS_CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
NESTED_SYNC = "arn:aws:states:::states:startExecution.sync"


def task(resource: str, **fields: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **fields}}}


def task_events(run: Run) -> list[str]:
    """The types between the state's entry and exit."""
    return [t for t in run.types if not t.startswith("Execution") and not t.endswith(("Entered", "Exited"))]


def persisted(run: Run) -> None:
    """Round-trip the state through JSON, as the durable runtime does between transitions."""
    assert run.state is not None
    run.state = ExecutionState.from_json(json.loads(json.dumps(run.state.to_json())))


def test_a_service_integration_records_scheduled_and_started_at_once_then_succeeded() -> None:
    run = start(task(INVOKE, Parameters={"FunctionName": "f"}), {})
    assert task_events(run) == ["TaskScheduled", "TaskStarted"]
    started = run.history[-1]
    assert started["taskStartedEventDetails"] == {"resourceType": "lambda", "resource": "invoke"}
    assert (started["id"], started["previousEventId"]) == (4, 3)
    run.send(TaskSucceeded(run.invocations()[0].task_id, {"Payload": 1}))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    assert run.types[-2:] == ["TaskStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in run.history] == list(range(1, len(run.history) + 1))


def test_a_service_failure_records_task_failed_after_started() -> None:
    run = start(task(INVOKE, Parameters={"FunctionName": "f"}), {})
    run.send(TaskFailed(run.invocations()[0].task_id, "Lambda.Unknown", "why"))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskFailed"]
    failed = next(e for e in run.history if e["type"] == "TaskFailed")
    assert failed["taskFailedEventDetails"] == {
        "resourceType": "lambda",
        "resource": "invoke",
        "error": "Lambda.Unknown",
        "cause": "why",
    }


def test_wait_for_token_records_the_submission_answer_once_before_the_callback() -> None:
    run = start(task(SQS_CALLBACK, Parameters={"MessageBody": {"token.$": "$$.Task.Token"}}), {})
    task_id = run.invocations()[0].task_id
    persisted(run)
    answer = {"MessageId": "m-1", "MD5OfMessageBody": "x"}
    run.send(TaskSubmitted(task_id, answer))
    submitted = run.history[-1]
    assert submitted["type"] == "TaskSubmitted" and submitted["previousEventId"] == submitted["id"] - 1
    assert to_aws(submitted)["taskSubmittedEventDetails"] == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
        "output": json.dumps(answer, separators=(",", ":")),
        "outputDetails": {"truncated": False},
    }
    persisted(run)
    # dispatch is at-least-once: a repeated submission answer records nothing
    assert run.send(TaskSubmitted(task_id, answer)).ignored
    run.send(TaskSucceeded(task_id, "done"))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert run.state is not None and run.state.output == "done"


def test_wait_for_token_times_out_after_its_submission() -> None:
    run = start(task(SQS_CALLBACK, TimeoutSeconds=5), {})
    task_id = run.invocations()[0].task_id
    run.send(TaskSubmitted(task_id, {"MessageId": "m"}))
    run.send(TimerFired(f"timeout:{task_id}"), at=run.after(5))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskTimedOut"]


def test_a_nested_sync_start_records_the_started_execution_as_its_submission() -> None:
    run = start(task(NESTED_SYNC, Parameters={"StateMachineArn": "arn:child"}), {})
    task_id = run.invocations()[0].task_id
    run.send(TaskSubmitted(task_id, {"ExecutionArn": "arn:child:run", "StartDate": 1}))
    run.send(TaskSucceeded(task_id, {"Status": "SUCCEEDED"}))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    details = next(e for e in run.history if e["type"] == "TaskSubmitted")["taskSubmittedEventDetails"]
    assert (details["resourceType"], details["resource"]) == ("states", "startExecution.sync")


def test_a_lambda_arn_records_lambda_function_events_without_started_details() -> None:
    run = start(task(LAMBDA), {"x": 1})
    assert task_events(run) == ["LambdaFunctionScheduled", "LambdaFunctionStarted"]
    assert set(run.history[-1]) == {"id", "previousEventId", "timestamp", "type"}
    task_id = run.invocations()[0].task_id
    assert run.send(TaskSubmitted(task_id, {})).ignored  # a Lambda ARN has no submission
    run.send(TaskFailed(task_id, "Exception", "{}"))
    assert task_events(run) == ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed"]


def test_an_activity_is_started_when_a_worker_gets_it_not_when_scheduled() -> None:
    run = start(task(ACTIVITY, TimeoutSeconds=60), {})
    assert task_events(run) == ["ActivityScheduled"]
    task_id = run.invocations()[0].task_id
    run.send(TaskStarted(task_id, worker_name="w1"))
    assert run.history[-1]["activityStartedEventDetails"] == {"workerName": "w1"}
    run.send(TaskSucceeded(task_id, {"ok": True}))
    assert task_events(run) == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]


def test_a_started_notice_for_a_task_the_runtime_started_itself_records_nothing() -> None:
    run = start(task(INVOKE, Parameters={"FunctionName": "f"}), {})
    decision = run.send(TaskStarted(run.invocations()[0].task_id))
    assert decision.ignored and decision.history == []
    assert task_events(run).count("TaskStarted") == 1


def test_each_retry_attempt_records_scheduled_started_failed_so_causes_quote_aws_ids() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": INVOKE,
                "Parameters": {"FunctionName": "f"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Bad"}],
                "End": True,
            },
            "Bad": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": True},
        },
    }
    run = start(definition, {})
    run.send(TaskFailed(run.invocations()[0].task_id, "E", "c"))
    ((timer_id, due),) = [(t, d) for t, d in run.timers().items() if t.startswith("retry:")]
    run.send(TimerFired(timer_id), at=due)
    run.send(TaskFailed(run.invocations()[-1].task_id, "E", "c"))
    # 1 ExecutionStarted, 2 entered, 3-5 and 6-8 two attempts, 9 exited, 10 the Pass state entered
    assert task_events(run)[:6] == ["TaskScheduled", "TaskStarted", "TaskFailed"] * 2
    assert run.state is not None and run.state.status == "FAILED"
    assert "(entered at the event id #10)" in (run.state.cause or "")


def test_a_callback_that_overtakes_the_submission_answer_still_follows_a_task_submitted() -> None:
    run = start(task(SQS_CALLBACK), {})
    task_id = run.invocations()[0].task_id
    run.send(TaskSucceeded(task_id, "early"))  # the callback, before the runtime reported the answer
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert run.history[4]["taskSubmittedEventDetails"] == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
    }
    assert run.send(TaskSubmitted(task_id, {"MessageId": "m"})).ignored  # the late answer


def test_a_refused_submission_fails_the_task_without_a_task_submitted() -> None:
    run = start(task(SQS_CALLBACK), {})
    run.send(TaskFailed(run.invocations()[0].task_id, "SQS.QueueDoesNotExist", "no queue", direct=True))
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskFailed"]
    run = start(task(INVOKE, Parameters={"FunctionName": "f"}), {})
    run.send(TaskSucceeded(run.invocations()[0].task_id, {}))  # request-response: nothing is submitted
    assert task_events(run) == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]

from __future__ import annotations

from datetime import timedelta
from typing import Any

from stepstone.engine.commands import CancelTask, CancelTimer
from stepstone.engine.events import Stop, TaskFailed, TaskHeartbeat, TaskStarted, TaskSucceeded, TimerFired
from tests.engine.harness import LAMBDA, T0, start

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:approve"
CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def task(**fields: Any) -> dict[str, Any]:
    states: dict[str, Any] = {"T": {"Type": "Task", "End": True, **fields}}
    if "Catch" in fields:
        states["Handler"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


def test_wait_for_token_mints_a_token_per_attempt_and_exposes_it_in_context() -> None:
    run = start(task(Resource=CALLBACK, Parameters={"token.$": "$$.Task.Token", "x.$": "$.x"}), {"x": 1})
    (invoke,) = run.invocations()
    assert invoke.pattern == "wait_for_token"
    assert invoke.resource == "arn:aws:states:::sqs:sendMessage"
    assert invoke.payload == {"token": f"token/{invoke.task_id}", "x": 1}
    assert invoke.token == f"token/{invoke.task_id}"
    assert run.history[-2]["taskScheduledEventDetails"]["resource"] == "sendMessage.waitForTaskToken"


def test_retry_intervals_backoff_and_max_delay() -> None:
    retry = [
        {
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 2,
            "BackoffRate": 3,
            "MaxAttempts": 3,
            "MaxDelaySeconds": 10,
        }
    ]
    run = start(task(Resource=LAMBDA, Retry=retry), {})
    delays = []
    for _ in range(3):
        invoke = run.invocations()[-1]
        run.send(TaskFailed(invoke.task_id, "Boom", "bad"))
        ((timer_id, due),) = [
            (t, d) for t, d in run.timers().items() if t.startswith("retry:") and d >= run.now
        ][-1:]
        delays.append((due - run.now).total_seconds())
        run.send(TimerFired(timer_id), at=due)
    assert delays == [2, 6, 10]
    ids = [i.task_id for i in run.invocations()]
    assert len(set(ids)) == 4
    run.send(TaskFailed(ids[-1], "Boom", "bad"))
    assert run.state is not None and run.state.status == "FAILED"
    assert (run.state.error, run.state.cause) == ("Boom", "bad")
    assert run.types.count("TaskStateEntered") == 1
    assert run.types.count("LambdaFunctionScheduled") == 4


def test_retry_full_jitter_stays_within_bounds_and_is_seeded() -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 8, "JitterStrategy": "FULL"}]
    dues = []
    for _ in range(2):
        run = start(task(Resource=LAMBDA, Retry=retry), {})
        run.send(TaskFailed(run.invocations()[0].task_id, "E", "c"), seed=99)
        (due,) = run.timers().values()
        dues.append(due)
        assert T0 <= due <= T0 + timedelta(seconds=8)
    assert dues[0] == dues[1]


def test_max_attempts_zero_never_retries_and_runtime_is_not_retried_by_all() -> None:
    run = start(task(Resource=LAMBDA, Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 0}]), {})
    run.send(TaskFailed(run.invocations()[0].task_id, "E", "c"))
    assert run.state is not None and run.state.status == "FAILED"
    run = start(task(Resource=LAMBDA, Retry=[{"ErrorEquals": ["States.ALL"]}]), {})
    run.send(TaskFailed(run.invocations()[0].task_id, "States.Runtime", "c"))
    assert run.state is not None and run.state.status == "FAILED"


def test_catch_routes_error_output_through_result_path() -> None:
    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handler", "ResultPath": "$.err"}]
    run = start(task(Resource=LAMBDA, Catch=catch), {"a": 1})
    run.send(TaskFailed(run.invocations()[0].task_id, "Custom", "why"))
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == {"a": 1, "err": {"Error": "Custom", "Cause": "why"}}
    assert "LambdaFunctionFailed" in run.types


def test_task_failed_does_not_match_timeouts() -> None:
    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handler"}]
    run = start(task(Resource=LAMBDA, TimeoutSeconds=5, Catch=catch), {})
    run.send(TimerFired(f"timeout:{run.invocations()[0].task_id}"), at=run.after(5))
    assert run.state is not None and (run.state.status, run.state.error) == ("FAILED", "States.Timeout")


def test_timeout_cancels_the_task_and_records_timed_out() -> None:
    run = start(task(Resource=ACTIVITY, TimeoutSeconds=60, HeartbeatSeconds=10), {})
    invoke = run.invocations()[0]
    assert run.timers() == {f"timeout:{invoke.task_id}": run.after(60)}  # heartbeats start with a worker
    run.send(TaskStarted(invoke.task_id, worker_name="w1"))
    assert run.timers()[f"heartbeat:{invoke.task_id}"] == run.after(10)
    assert run.history[-1]["type"] == "ActivityStarted"
    assert run.history[-1]["activityStartedEventDetails"] == {"workerName": "w1"}
    decision = run.send(TaskHeartbeat(invoke.task_id), at=run.after(8))
    assert decision.history == []
    assert run.timers()[f"heartbeat:{invoke.task_id}"] == run.after(10)
    run.send(TimerFired(f"heartbeat:{invoke.task_id}"), at=run.after(10))
    assert run.state is not None and run.state.error == "States.HeartbeatTimeout"
    assert "ActivityTimedOut" in run.types
    assert CancelTask(invoke.task_id) in run.commands
    assert CancelTimer(f"timeout:{invoke.task_id}") in run.commands


def test_late_results_and_cancelled_timers_are_ignored() -> None:
    run = start(task(Resource=LAMBDA, TimeoutSeconds=5), {})
    task_id = run.invocations()[0].task_id
    run.send(TaskSucceeded(task_id, 1))
    assert run.send(TaskSucceeded(task_id, 2)).ignored
    assert run.send(TimerFired(f"timeout:{task_id}")).ignored


def test_stop_aborts_and_cancels_open_work() -> None:
    run = start(task(Resource=LAMBDA, TimeoutSeconds=5), {})
    task_id = run.invocations()[0].task_id
    decision = run.send(Stop("Manual", "operator"))
    assert run.state is not None and run.state.status == "ABORTED"
    assert decision.history[-1]["executionAbortedEventDetails"] == {"error": "Manual", "cause": "operator"}
    assert CancelTask(task_id) in decision.commands and CancelTimer(f"timeout:{task_id}") in decision.commands
    assert run.send(TaskSucceeded(task_id, 1)).ignored


def test_execution_timeout() -> None:
    definition = task(Resource=LAMBDA)
    definition["TimeoutSeconds"] = 100
    run = start(definition, {})
    run.send(TimerFired("execution-timeout"), at=run.after(100))
    assert run.state is not None and (run.state.status, run.state.error) == ("TIMED_OUT", "States.Timeout")
    assert run.types[-1] == "ExecutionTimedOut"


def test_an_activity_waiting_in_the_queue_outlives_its_heartbeat_but_not_its_timeout() -> None:
    run = start(task(Resource=ACTIVITY, TimeoutSeconds=3600, HeartbeatSeconds=10), {})
    task_id = run.invocations()[0].task_id
    scheduled = run.history[-1]
    assert scheduled["type"] == "ActivityScheduled"
    assert scheduled["activityScheduledEventDetails"]["heartbeatInSeconds"] == 10
    # a worker polls 25 minutes later: the task is still open, and the heartbeat clock starts then
    picked_up = T0 + timedelta(seconds=1500)
    run.send(TaskStarted(task_id, worker_name="late"), at=picked_up)
    assert run.state is not None and run.state.status == "RUNNING"
    assert run.timers() == {
        f"timeout:{task_id}": T0 + timedelta(seconds=3600),  # TimeoutSeconds counts from scheduling
        f"heartbeat:{task_id}": picked_up + timedelta(seconds=10),
    }
    run.send(TaskSucceeded(task_id, {"done": True}), at=picked_up + timedelta(seconds=9))
    assert run.state is not None and run.state.status == "SUCCEEDED"


def test_an_activity_nobody_picks_up_times_out_from_scheduling() -> None:
    run = start(task(Resource=ACTIVITY, TimeoutSeconds=60, HeartbeatSeconds=10), {})
    task_id = run.invocations()[0].task_id
    run.send(TimerFired(f"timeout:{task_id}"), at=T0 + timedelta(seconds=60))
    assert run.state is not None and run.state.error == "States.Timeout"
    assert "ActivityTimedOut" in run.types


def test_a_callback_task_heartbeat_clock_starts_at_scheduling() -> None:
    run = start(task(Resource=CALLBACK, Parameters={"t.$": "$$.Task.Token"}, HeartbeatSeconds=10), {})
    task_id = run.invocations()[0].task_id
    assert run.timers() == {f"heartbeat:{task_id}": T0 + timedelta(seconds=10)}
    assert run.send(TaskStarted(task_id)).ignored  # it was started when it was scheduled
    run.send(TimerFired(f"heartbeat:{task_id}"), at=T0 + timedelta(seconds=10))
    assert run.state is not None and run.state.error == "States.HeartbeatTimeout"

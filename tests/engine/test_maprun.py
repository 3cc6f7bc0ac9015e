"""A Distributed Map run decided purely: commands out, events in, counts in the state."""

from __future__ import annotations

import json
from typing import Any

from stepstone.engine.commands import CancelTask, InvokeTask
from stepstone.engine.events import MapRunUpdate, Start, Stop, TaskFailed, TaskSucceeded, TimerFired
from stepstone.engine.maprun import READ, RESULTS, START
from stepstone.engine.program import load_program
from stepstone.engine.state import ExecutionState
from tests.engine.harness import INFO, Run


def definition(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "End": True,
                **fields,
            }
        },
    }


READER = {
    "Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": {"InputType": "JSON"},
    "Parameters": {"Bucket": "b", "Key.$": "$.key"},
}


def started(fields: dict[str, Any], data: Any = None) -> Run:
    program = load_program(definition(**fields))
    program.map_runs = True
    run = Run(program)
    run.send(Start(input=data if data is not None else {"key": "k"}, info=INFO))
    return run


def last(run: Run, resource: str) -> InvokeTask:
    return [c for c in run.invocations() if c.resource == resource][-1]


def roundtrip(run: Run) -> None:
    assert run.state is not None
    raw = json.loads(json.dumps(run.state.to_json()))
    assert ExecutionState.from_json(raw).to_json() == raw


def test_a_run_reads_starts_counts_and_gathers() -> None:
    run = started({"ItemReader": READER, "MaxConcurrency": 2})
    assert run.types[-2:] == ["MapStateStarted", "MapRunStarted"]
    read = last(run, READ)
    assert read.payload["Reader"]["parameters"] == {"Bucket": "b", "Key": "k"}  # type: ignore[index]
    assert read.payload["Limit"] == 100  # type: ignore[index]
    run.send(
        TaskSucceeded(read.task_id, {"Items": [{"n": 0}, {"n": 1}], "Cursor": {"Offset": 9}, "Done": False})
    )
    start = last(run, START)
    assert start.payload["Children"] == [[0, 1, {"n": 0}], [1, 1, {"n": 1}]]  # type: ignore[index]
    roundtrip(run)
    key = read.task_id.split(":")[0]
    run.send(TaskSucceeded(f"{key}:c0:1", {"Status": "SUCCEEDED"}))
    # a repeated report of the same child changes nothing
    assert run.send(TaskSucceeded(f"{key}:c0:1", {"Status": "SUCCEEDED"})).ignored is not None
    read2 = last(run, READ)
    assert read2.task_id != read.task_id and read2.payload["Cursor"] == {"Offset": 9}  # type: ignore[index]
    run.send(TaskSucceeded(read2.task_id, {"Items": [{"n": 2}], "Cursor": {}, "Done": True}))
    for index in (1, 2):
        run.send(TaskSucceeded(f"{key}:c{index}:1", {"Status": "SUCCEEDED"}))
    for command in [c for c in run.invocations() if c.resource == START]:
        run.send(TaskSucceeded(command.task_id, {"Started": 1}))
    results = last(run, RESULTS)
    assert results.payload["Counts"]["items"]["succeeded"] == 3  # type: ignore[index]
    run.send(TaskSucceeded(results.task_id, {"Results": [{"n": 0}, {"n": 1}, {"n": 2}]}))
    assert run.state is not None and run.state.status == "SUCCEEDED"
    assert run.state.output == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert run.types[-4:] == ["MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    [mr] = run.state.map_runs.values()
    assert mr.status == "SUCCEEDED" and mr.executions.succeeded == 3 and mr.ready == [] and mr.running == []
    roundtrip(run)


def test_items_from_the_input_in_batches_with_a_tolerated_failure() -> None:
    fields = {"ItemBatcher": {"MaxItemsPerBatch": 2}, "ToleratedFailureCount": 2}
    run = started(fields, [1, 2, 3, 4, 5])
    start = last(run, START)
    batches = start.payload["Children"]  # type: ignore[index]
    assert [b[1] for b in batches] == [2, 2, 1]
    assert batches[2][2] == {"Items": [5]}
    key = start.task_id.split(":")[0]
    cause = json.dumps({"Status": "FAILED", "Error": "E"})
    run.send(TaskFailed(f"{key}:c0:2", "States.TaskFailed", cause))
    assert run.state is not None and run.state.status == "RUNNING"  # 2 failed items are tolerated
    run.send(TaskFailed(f"{key}:c1:2", "States.TaskFailed", cause))
    assert run.state.status == "FAILED" and run.state.error == "States.ExceedToleratedFailureThreshold"
    assert "MapRunFailed" in run.types
    # the run's own task is cancelled: the runtime stops the child still running
    assert CancelTask(key) in run.commands


def test_update_raises_concurrency_and_stop_aborts() -> None:
    run = started({"ItemReader": READER, "MaxConcurrency": 1})
    read = last(run, READ)
    items = [{"n": i} for i in range(3)]
    run.send(TaskSucceeded(read.task_id, {"Items": items[:1], "Cursor": {}, "Done": False}))
    [mr] = run.state.map_runs.values()  # type: ignore[union-attr]
    run.send(MapRunUpdate(mr.arn, max_concurrency=3))
    assert len([c for c in run.invocations() if c.resource == READ]) == 2  # free slots: read on
    assert run.state.map_runs[mr.key].max_concurrency == 3  # type: ignore[union-attr]
    run.send(Stop())
    assert run.state.status == "ABORTED"  # type: ignore[union-attr]
    assert run.state.map_runs[mr.key].status == "ABORTED"  # type: ignore[union-attr]
    assert run.state.map_runs[mr.key].executions.aborted == 1  # type: ignore[union-attr]
    assert "MapRunAborted" in run.types


def test_max_items_path_and_negative_max_items() -> None:
    reader = {**READER, "ReaderConfig": {"InputType": "CSV", "MaxItemsPath": "$.max"}}
    run = started({"ItemReader": reader}, {"key": "k", "max": -1})
    assert run.state is not None and run.state.error == "States.ItemReaderFailed"
    assert run.state.cause == "field MaxItems must be positive"
    run = started({"ItemReader": reader}, {"key": "k", "max": 2})
    assert last(run, READ).payload["Limit"] == 2  # type: ignore[index]  (no more than MaxItems)


def test_the_same_inputs_give_the_same_map_run() -> None:
    first = started({"ItemReader": READER})
    second = started({"ItemReader": READER})
    assert first.history == second.history and first.commands == second.commands


def test_a_retried_map_state_opens_a_new_run() -> None:
    retry = [{"ErrorEquals": ["States.ItemReaderFailed"], "MaxAttempts": 1, "IntervalSeconds": 1}]
    run = started({"ItemReader": READER, "Retry": retry})
    first = last(run, READ)
    run.send(TaskFailed(first.task_id, "States.ItemReaderFailed", "no such key"))
    [timer] = [t for t in run.timers() if t.startswith("retry")]
    run.send(TimerFired(timer), at=run.after(1))
    second = last(run, READ)
    assert second.task_id.split(":")[0] != first.task_id.split(":")[0]
    assert run.state is not None and len(run.state.map_runs) == 2
    assert [r.status for r in run.state.map_runs.values()] == ["FAILED", "RUNNING"]
    # a late answer for the first run changes nothing
    assert run.send(TaskSucceeded(first.task_id, {"Items": [], "Done": True})).ignored is not None

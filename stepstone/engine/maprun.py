"""Distributed Map as a Map Run: child executions that are real executions, driven by counts.

Entering a distributed Map state opens a run (`MapRun`, kept in `ExecutionState.map_runs`) and records
MapStateStarted and MapRunStarted. From then on the run advances with commands and events, never by
I/O here: the runtime's map-run integration carries out

    <RESOURCE>:read      read the next page of items from S3 (ItemReader); answers items + a cursor
    <RESOURCE>:start     start child executions (one per item or batch); each child's close comes
                         back as TaskSucceeded/TaskFailed for the task id `<key>:c<index>:<items>`
    <RESOURCE>:results   gather the children's results: the Map's output, or written to S3 (ResultWriter)

Items are read one page at a time, at most as many as free child slots (MaxConcurrency), so a run
of 100,000 items holds a page, never the items; the parent keeps counts. A child that fails counts
against ToleratedFailureCount/Percentage; past them the run fails with
States.ExceedToleratedFailureThreshold and its running children are stopped (the run's own open
task `<key>` is cancelled, which the integration answers by stopping them).

Events in the parent's history, as AWS names them: MapRunStarted, then MapRunSucceeded, MapRunFailed
(error, cause) or MapRunAborted; the item-level events live in the children's histories.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from stepstone.asl import errors
from stepstone.asl.errors import AslFailure, state_cause
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.model import MapState
from stepstone.engine import maprun_config
from stepstone.engine.commands import CancelTask, InvokeTask
from stepstone.engine.events import MapRunUpdate, TaskFailed, TaskSucceeded
from stepstone.engine.maprun_intake import MIN_READ, READ_PAGE, accept, per_batch
from stepstone.engine.maprun_state import MapRun
from stepstone.engine.program import CompiledState
from stepstone.engine.state import Frame, OpenTask

if TYPE_CHECKING:
    from stepstone.engine.interpreter import Interpreter

RESOURCE = "arn:stepstone:states:::maprun"
READ, START, RESULTS = f"{RESOURCE}:read", f"{RESOURCE}:start", f"{RESOURCE}:results"
#: Child executions at once when MaxConcurrency is 0 (AWS: up to 10,000).
UNLIMITED = 1000
#: Children per start command, at most.
START_CHUNK = 100
_KEY = "mr"


def is_distributed(run: Interpreter, cs: CompiledState) -> bool:
    """Whether this Map state runs as a Map Run (the durable runtime; S3 readers and writers anywhere)."""
    spec = cs.spec
    if not isinstance(spec, MapState) or spec.mode != "DISTRIBUTED":
        return False
    return run.program.map_runs or spec.item_reader is not None or spec.result_writer is not None


def owns(run: Interpreter, task_id: str) -> bool:
    """Whether a task event belongs to a Map Run of this execution."""
    return task_id.startswith(_KEY) and task_id.split(":", 1)[0] in run.state.map_runs


def _uuid(run: Interpreter) -> str:
    value = run.rng.getrandbits(128)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{text[16:20]}-{text[20:32]}"


def _map_run_arn(run: Interpreter, label: str) -> str:
    info = run.state.info
    parts = info.state_machine_arn.split(":")
    region, account = (parts[3], parts[4]) if len(parts) > 5 else ("us-east-1", "123456789012")
    return f"arn:aws:states:{region}:{account}:mapRun:{info.state_machine_name}/{label}:{_uuid(run)}"


def start(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    """Enter a distributed Map state: resolve its settings, open the run, start reading."""
    spec = cs.spec
    assert isinstance(spec, MapState)
    env = run.env(frame, cs)
    data = cs.io.effective_input(frame.input, env)
    config = maprun_config.resolve(cs, data, env)
    if config.max_items < 0:
        return run.fail_state(frame, cs, errors.ITEM_READER_FAILED, "field MaxItems must be positive")
    # keyed by its first event: a Retry of the Map state opens a new run, with task ids of its own
    key = f"{_KEY}{run.state.next_event_id}"
    run.emit("MapStateStarted", {"length": 0}, frame)
    label = spec.label or _uuid(run)  # AWS: the Label, else a UUID (ARNs `mapRun:<machine>/<label>:<id>`)
    mr = MapRun(
        key=key,
        arn=_map_run_arn(run, label),
        frame=frame.fid,
        state_name=cs.name,
        machine_key=cs.branches[0],
        label=label,
        execution_type=spec.execution_type,
        start=run.now,
        max_concurrency=config.max_concurrency,
        tolerated_count=config.tolerated_count,
        tolerated_percentage=config.tolerated_percentage,
        selector_input=data,
        reader=config.reader,
        items=config.items,
        max_items=min(config.max_items, maprun_config.MAX_ITEMS_LIMIT),
        batcher=config.batcher,
        writer=config.writer,
    )
    run.state.map_runs[key] = mr
    run.emit("MapRunStarted", {"mapRunArn": mr.arn}, frame)
    run.state.open_tasks[key] = _open_task(run, frame, cs, key, RESOURCE)
    frame.waiting = key
    _pump(run, mr)
    return False


def _open_task(run: Interpreter, frame: Frame, cs: CompiledState, task_id: str, resource: str) -> OpenTask:
    return OpenTask(task_id, frame.fid, cs.name, resource, "service", "maprun", resource, run.now)


def _invoke(run: Interpreter, mr: MapRun, what: str, resource: str, payload: JSONObject) -> str:
    frame = run.state.frames[mr.frame]
    cs = run.state_of(frame)
    mr.seq += 1
    task_id = f"{mr.key}:{what}:{mr.seq}"
    run.state.open_tasks[task_id] = _open_task(run, frame, cs, task_id, resource)
    payload = {"MapRunArn": mr.arn, "Key": mr.key, "Start": mr.start.isoformat(), **payload}
    run.commands.append(InvokeTask(task_id, cs.name, resource, "request_response", payload))
    return task_id


def _concurrency(mr: MapRun) -> int:
    return mr.max_concurrency if mr.max_concurrency > 0 else UNLIMITED


def _pump(run: Interpreter, mr: MapRun) -> None:
    """Hand ready items to children up to the concurrency, read more when slots would stay free, or finish."""
    if mr.failing:
        return
    while True:
        free = _concurrency(mr) - mr.executions.running
        while free > 0 and mr.ready:
            take = mr.ready[: min(free, START_CHUNK)]
            del mr.ready[: len(take)]
            children: list[JSON] = []
            for child_input, count in take:
                children.append([mr.launched, count, child_input])
                mr.running.append(mr.launched)
                mr.launched += 1
                mr.executions.running += 1
                mr.item_counts.running += int(count)
            free -= len(take)
            mr.starting += 1
            payload = {"Children": children, "ExecutionType": mr.execution_type, "MachineKey": mr.machine_key}
            _invoke(run, mr, "start", START, payload)
        if mr.reader_done or mr.read_task is not None or len(mr.ready) >= free:
            break
        if mr.max_items and mr.read >= mr.max_items:
            _accept(run, mr, [], True)
            continue
        # at least a small page, so that a low MaxConcurrency does not mean one S3 read per item
        want = min(max((free - len(mr.ready)) * per_batch(mr), MIN_READ), READ_PAGE)
        if mr.max_items:
            want = min(want, mr.max_items - mr.read)
        if mr.items is not None:  # the items came with the input: no I/O to wait for
            page = mr.items[mr.read : mr.read + want]
            done = mr.read + len(page) >= len(mr.items) or (
                mr.max_items and mr.read + len(page) >= mr.max_items
            )
            if not _accept(run, mr, page, bool(done)):
                return
            continue
        mr.read_task = _invoke(
            run, mr, "read", READ, {"Reader": mr.reader, "Cursor": mr.cursor, "Limit": want}
        )
        break
    if mr.status == "RUNNING" and _all_done(mr) and mr.results_task is None:
        if _exceeded(mr):
            _exceed(run, mr)
            return
        mr.results_task = _invoke(
            run, mr, "results", RESULTS, {"Writer": mr.writer, "Children": mr.launched, "Counts": _counts(mr)}
        )


def _accept(run: Interpreter, mr: MapRun, page: list[JSON], done: bool) -> bool:
    """Queue items read; False when an ItemSelector failed the run."""
    try:
        accept(run, mr, page, done)
    except AslFailure as failure:
        frame = run.state.frames[mr.frame]
        _fail(run, mr, failure.error, state_cause(mr.state_name, frame.entered_id, failure.cause))
        return False
    return True


def _all_done(mr: MapRun) -> bool:
    return mr.total_known and not mr.ready and mr.executions.running == 0 and mr.starting == 0


def _counts(mr: MapRun) -> JSONObject:
    return {"executions": mr.executions.to_json(), "items": mr.item_counts.to_json(), "total": mr.read}


_THRESHOLD = (
    errors.EXCEED_TOLERATED_FAILURE_THRESHOLD,
    "The specified tolerated failure threshold was exceeded",
)


def _exceeded(mr: MapRun) -> bool:
    """Past the tolerated failures? A percentage is judged once the total is known."""
    failures = mr.item_counts.failures
    if failures == 0:
        return False
    count, percentage = mr.tolerated_count, mr.tolerated_percentage
    if count is not None and failures <= count:
        return False
    if percentage is not None:
        if not mr.total_known:
            return False
        return failures * 100 > percentage * mr.read
    return True


def on_task_event(run: Interpreter, event: TaskSucceeded | TaskFailed | object) -> str | None:
    """A read, start or results task answered, or a child execution ended. Returns why it was ignored."""
    task_id: str = getattr(event, "task_id")  # noqa: B009 (any task event)
    key, _, rest = task_id.partition(":")
    mr = run.state.map_runs[key]
    if mr.status != "RUNNING":
        return f"the map run {mr.arn} has ended"
    if not isinstance(event, TaskSucceeded | TaskFailed):
        return None  # TaskStarted/TaskSubmitted/heartbeat: nothing to record for a run
    what = rest.split(":", 1)[0]
    if what.startswith("c"):
        return _child_ended(run, mr, rest, event)
    if run.state.open_tasks.pop(task_id, None) is None:
        return f"no open task {task_id!r}"
    if isinstance(event, TaskFailed) and mr.failing:
        _fail(run, mr, *_THRESHOLD)  # the results could not be written; the run fails as it would have
        return None
    if isinstance(event, TaskFailed):
        mr.starting -= what == "start"
        error = event.error
        if what == "read" and not error.startswith("States."):
            error = errors.ITEM_READER_FAILED
        _fail(run, mr, error, event.cause)
        return None
    if what == "read":
        mr.read_task = None
        answer = event.output if isinstance(event.output, dict) else {}
        items = answer.get("Items")
        mr.cursor = answer.get("Cursor")
        done = bool(answer.get("Done")) or (bool(mr.max_items) and mr.read + len(items or ()) >= mr.max_items)
        if not _accept(run, mr, list(items) if isinstance(items, list) else [], done):
            return None
    elif what == "start":
        mr.starting -= 1
    elif what == "results":
        if mr.failing:
            _fail(run, mr, *_THRESHOLD)
        else:
            _succeed(run, mr, event.output)
        return None
    _pump(run, mr)
    return None


def _child_ended(run: Interpreter, mr: MapRun, rest: str, event: TaskSucceeded | TaskFailed) -> str | None:
    index, count = (int(part) for part in rest[1:].split(":"))
    if index not in mr.running:
        return f"child {index} of {mr.arn} has already ended"  # a repeated report (at-least-once)
    mr.running.remove(index)
    mr.executions.running -= 1
    mr.item_counts.running -= count
    if isinstance(event, TaskSucceeded):
        outcome = "succeeded"
    else:
        status = _child_status(event.cause)
        outcome = {"TIMED_OUT": "timed_out", "ABORTED": "aborted"}.get(status, "failed")
    setattr(mr.executions, outcome, getattr(mr.executions, outcome) + 1)
    setattr(mr.item_counts, outcome, getattr(mr.item_counts, outcome) + count)
    if mr.failing:
        return None  # counted for the results being written; nothing more starts
    if outcome != "succeeded" and _exceeded(mr):
        _exceed(run, mr)
        return None
    _pump(run, mr)
    return None


def _child_status(cause: str) -> str:
    try:
        described = json.loads(cause)
    except ValueError:
        return "FAILED"
    status = described.get("Status") if isinstance(described, dict) else None
    return status if isinstance(status, str) else "FAILED"


def _release(run: Interpreter, mr: MapRun, *, stop_children: bool = True) -> None:
    """Close what the run still has open; cancelling its own task stops its running children."""
    prefix = f"{mr.key}:"
    for task_id in [t for t in run.state.open_tasks if t == mr.key or t.startswith(prefix)]:
        del run.state.open_tasks[task_id]
        if stop_children or task_id != mr.key:
            run.commands.append(CancelTask(task_id))


def _succeed(run: Interpreter, mr: MapRun, answer: JSON) -> None:
    _release(run, mr, stop_children=False)  # every child has ended
    mr.close("SUCCEEDED", run.now)
    frame = run.state.frames[mr.frame]
    cs = run.state_of(frame)
    frame.waiting = None
    run.emit("MapRunSucceeded", None, frame)
    run.emit("MapStateSucceeded", None, frame)
    output = answer.get("Results") if isinstance(answer, dict) and "Results" in answer else answer
    try:
        result, assigned = cs.io.finish(frame.input, output, run.env(frame, cs))
        moved_on = run.transition(frame, cs, result, None, assigned)
    except AslFailure as failure:
        moved_on = run.fail_state(
            frame, cs, failure.error, state_cause(cs.name, frame.entered_id, failure.cause)
        )
    run.proceed(frame, moved_on)


def _fail(run: Interpreter, mr: MapRun, error: str, cause: str | None) -> None:
    _release(run, mr)
    mr.close("FAILED", run.now, error, cause)
    frame = run.state.frames[mr.frame]
    cs = run.state_of(frame)
    frame.waiting = None
    details: JSONObject = {"error": error}
    if cause is not None:
        details["cause"] = cause
    run.emit("MapRunFailed", details, frame)
    run.emit("MapStateFailed", None, frame)
    run.proceed(frame, run.fail_state(frame, cs, error, cause))


def _exceed(run: Interpreter, mr: MapRun) -> None:
    """Past the tolerated failures: fail, after writing the results there are when a ResultWriter
    exports them (as AWS does); the running children are stopped at once."""
    writer = mr.writer
    if writer is None or writer.get("parameters") is None or mr.results_task is not None:
        _fail(run, mr, *_THRESHOLD)
        return
    _release(run, mr)
    mr.failing = True
    mr.read_task, mr.starting, mr.ready, mr.partial = None, 0, [], []
    payload = {"Writer": writer, "Children": mr.launched, "Counts": _counts(mr)}
    mr.results_task = _invoke(run, mr, "results", RESULTS, payload)


def abort(run: Interpreter, key: str) -> None:
    """The run's frame was cancelled or the execution closed: the run is aborted (children stopped)."""
    mr = run.state.map_runs.get(key)
    if mr is None or mr.status != "RUNNING":
        return
    _release(run, mr)
    mr.close("ABORTED", run.now)
    run.emit("MapRunAborted", None, run.state.frames.get(mr.frame))


def abort_all(run: Interpreter) -> None:
    """The execution is closing: abort every run still going."""
    for key, mr in list(run.state.map_runs.items()):
        if mr.status == "RUNNING":
            abort(run, key)


def on_update(run: Interpreter, event: MapRunUpdate) -> str | None:
    """UpdateMapRun: new concurrency or tolerated failures, applied from now on."""
    for mr in run.state.map_runs.values():
        if mr.arn == event.map_run_arn:
            break
    else:
        return f"no map run {event.map_run_arn}"
    if mr.status != "RUNNING" or mr.failing:
        return f"the map run {mr.arn} has ended"
    if event.max_concurrency is not None:
        mr.max_concurrency = event.max_concurrency
    if event.tolerated_failure_count is not None:
        mr.tolerated_count = event.tolerated_failure_count
    if event.tolerated_failure_percentage is not None:
        mr.tolerated_percentage = event.tolerated_failure_percentage
    if _exceeded(mr):
        _exceed(run, mr)
    else:
        _pump(run, mr)
    return None


__all__ = [
    "READ",
    "RESOURCE",
    "RESULTS",
    "START",
    "abort",
    "abort_all",
    "is_distributed",
    "on_task_event",
    "on_update",
    "owns",
    "start",
]

"""Task states: scheduling (payload, token, timers), results, heartbeats and timeouts.

History event names depend on the Resource: a plain Lambda ARN records LambdaFunction* events, an
activity ARN Activity* events, a service integration (`arn:aws:states:::service:action`) Task* events.
The sequences are AWS's:

    service integration   TaskScheduled, TaskStarted, [TaskSubmitted], TaskSucceeded | TaskFailed | ...
    Lambda function ARN   LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded | ...
    activity              ActivityScheduled, ActivityStarted (when a worker gets it), ActivitySucceeded | ...

TaskSubmitted (`.waitForTaskToken`, `.sync`) holds the resource's answer to the submission (the queue's
SendMessage response, the nested StartExecution response) and is recorded when the runtime reports it.
A callback may overtake that report (the token is out before the call returns): a result that is not
the invocation's own (`direct`) proves the submission was accepted, so TaskSubmitted is recorded then,
without the answer, and every history of a task has the same shape whatever the timing.

Where TaskStarted comes from: for every resource the runtime invokes itself (a Lambda function, a
service integration) `schedule` records it in the same decision as TaskScheduled. The runtime carries
the call out right after that transition commits, so nothing else can happen to the task between the
two events, and recording it here keeps the event ids, which AWS quotes in error causes ("entered at
the event id #N"), a pure function of the history: the same in the in-process runner, the durable
server and a replay, and it costs the server no second transaction per task. Its timestamp equals
TaskScheduled's (AWS's is a few milliseconds later). An activity is different: ActivityStarted marks
a worker's GetActivityTask, which may come hours later, so it arrives as a `TaskStarted` event with
the worker's name. The submission answer cannot be known at scheduling either, so TaskSubmitted
arrives as an event too.

When the clocks start: `TimeoutSeconds` bounds the whole task, so it runs from scheduling for every
resource (an activity's time in the queue counts, as the TaskScheduled/ActivityScheduled event's
`timeoutInSeconds` says). `HeartbeatSeconds` bounds the silence of whoever works on the task, and
only a holder of the token can send a heartbeat: for an activity the token exists from the worker's
GetActivityTask, so the heartbeat clock starts at ActivityStarted (a task that waits in the queue
longer than HeartbeatSeconds does not time out before a worker sees it); for `.waitForTaskToken`
the token goes out with the invocation, so it starts at scheduling; every heartbeat restarts it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from stepstone.asl import errors
from stepstone.asl.errors import AslFailure, state_cause
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.model import TaskState
from stepstone.asl.paths import ReferencePath, compact_json
from stepstone.engine.commands import CancelTask, InvokeTask
from stepstone.engine.dataflow import select
from stepstone.engine.events import TaskFailed, TaskHeartbeat, TaskStarted, TaskSubmitted, TaskSucceeded
from stepstone.engine.jsonata_io import states_binding
from stepstone.engine.path_numbers import as_integer, rendered
from stepstone.engine.program import CompiledState
from stepstone.engine.state import Frame, OpenTask, Timer

if TYPE_CHECKING:
    from stepstone.asl.env import Env
    from stepstone.engine.interpreter import Interpreter

#: Resource suffixes of the patterns whose submission AWS records as TaskSubmitted.
_SUBMITTING = (".waitForTaskToken", ".sync", ".sync:2")

#: (family, what happened) -> history event type.
EVENT_NAMES = {
    (family, what): f"{prefix}{what}"
    for family, prefix in (("lambda", "LambdaFunction"), ("activity", "Activity"), ("service", "Task"))
    for what in ("Scheduled", "Started", "Succeeded", "Failed", "TimedOut")
}


def _seconds(
    fixed: float | None, path: ReferencePath | None, field: str, data: JSON, env: Env
) -> float | None:
    if path is None:
        return fixed
    value = select(path.path, data, env)
    seconds = as_integer(value)
    if seconds is None or seconds < 1:
        raise AslFailure(
            errors.RUNTIME,
            f'The {field} field refers to value "{rendered(value)}" which is not a valid '
            f"positive integer: {path.text}",
        )
    return float(seconds)


def _jsonata_seconds(
    cs: CompiledState, field: str, fixed: float | None, data: JSON, env: Env
) -> float | None:
    expression = cs.expressions.get(field)
    if expression is None:
        return fixed
    value = expression.evaluate(states_binding(data, env), env, expected="number")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AslFailure(
            errors.QUERY_EVALUATION_ERROR,
            f"The {field} field must be a positive integer, but was: {compact_json(value)}",
        )
    return float(value)


def _submits(task: OpenTask) -> bool:
    """Whether AWS records a TaskSubmitted for this task (a service integration's callback or job)."""
    return task.family == "service" and task.resource_name.endswith(_SUBMITTING)


def _details(task: OpenTask, **fields: JSON) -> JSONObject:
    if task.family == "service":
        return {"resourceType": task.resource_type, "resource": task.resource_name, **fields}
    return dict(fields)


def schedule(run: Interpreter, frame: Frame, cs: CompiledState) -> bool:
    """Compute the payload and ask the runtime to invoke the resource; arm the task's timers."""
    target = cs.task
    spec = cs.spec
    assert target is not None and isinstance(spec, TaskState)
    state = run.state
    task_id = f"task:{state.next_event_id}"
    token = None
    if target.pattern == "wait_for_token":
        token = run.mint_token(state.info.execution_arn, task_id)
    env = run.env(frame, cs, token=token)
    payload = cs.io.effective_input(frame.input, env)
    if cs.jsonata:
        timeout = _jsonata_seconds(cs, "TimeoutSeconds", spec.timeout_seconds, frame.input, env)
        heartbeat = _jsonata_seconds(cs, "HeartbeatSeconds", spec.heartbeat_seconds, frame.input, env)
    else:
        timeout = _seconds(spec.timeout_seconds, cs.timeout_path, "TimeoutSecondsPath", frame.input, env)
        heartbeat = _seconds(
            spec.heartbeat_seconds, cs.heartbeat_path, "HeartbeatSecondsPath", frame.input, env
        )
    task = OpenTask(
        task_id=task_id,
        frame=frame.fid,
        state_name=cs.name,
        resource=target.resource,
        family=target.family,  # type: ignore[arg-type]
        resource_type=target.resource_type,
        resource_name=target.resource_name,
        entered_at=run.now,
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
    )
    if target.family == "service":
        details: JSONObject = {
            "resourceType": target.resource_type,
            "resource": target.resource_name,
            "region": target.region,
            "parameters": payload,
        }
    else:
        details = {"resource": target.resource_name, "input": payload}
    if timeout is not None:
        details["timeoutInSeconds"] = int(timeout)
    if heartbeat is not None and target.family != "lambda":
        details["heartbeatInSeconds"] = int(heartbeat)
    run.emit(EVENT_NAMES[target.family, "Scheduled"], details, frame)
    if target.family == "service":
        started: JSONObject | None = {"resourceType": target.resource_type, "resource": target.resource_name}
        run.emit("TaskStarted", started, frame)
    elif target.family == "lambda":
        run.emit("LambdaFunctionStarted", None, frame)
    run.commands.append(
        InvokeTask(
            task_id=task_id,
            state_name=cs.name,
            resource=target.resource,
            pattern=target.pattern,
            payload=payload,
            token=token,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
        )
    )
    if timeout is not None:
        task.timeout_due = run.now + timedelta(seconds=timeout)
        run.arm(f"timeout:{task_id}", "task_timeout", task_id, task.timeout_due)
    if heartbeat is not None and target.family != "activity":  # an activity's starts with the worker
        _arm_heartbeat(run, task)
    state.open_tasks[task_id] = task
    frame.waiting = task_id
    return False


def _arm_heartbeat(run: Interpreter, task: OpenTask) -> None:
    """(Re)start the task's HeartbeatSeconds clock from now, if it has one."""
    if task.heartbeat_seconds is not None:
        task.heartbeat_due = run.now + timedelta(seconds=task.heartbeat_seconds)
        run.arm(f"heartbeat:{task.task_id}", "heartbeat", task.task_id, task.heartbeat_due)


def _close(run: Interpreter, task: OpenTask) -> tuple[Frame, CompiledState]:
    run.disarm(f"timeout:{task.task_id}")
    run.disarm(f"heartbeat:{task.task_id}")
    frame = run.state.frames[task.frame]
    frame.waiting = None
    return frame, run.state_of(frame)


TaskEvent = TaskSucceeded | TaskFailed | TaskStarted | TaskSubmitted | TaskHeartbeat


def on_task_event(run: Interpreter, event: TaskEvent) -> str | None:
    """A task result, start notice, submission answer or heartbeat for an open task; why it was ignored."""
    state = run.state
    task = state.open_tasks[event.task_id]
    if isinstance(event, TaskHeartbeat):
        _arm_heartbeat(run, task)
        return None
    frame = state.frames[task.frame]
    if isinstance(event, TaskStarted):
        if task.family != "activity":
            return "the task was started when it was scheduled"
        details = {"workerName": event.worker_name} if event.worker_name is not None else {}
        run.emit("ActivityStarted", details, frame)
        _arm_heartbeat(run, task)
        return None
    if isinstance(event, TaskSubmitted):
        if task.family != "service" or task.submitted:
            return "no submission to record for this task"
        task.submitted = True
        run.emit("TaskSubmitted", _details(task, output=event.output), frame)
        return None
    del state.open_tasks[event.task_id]
    frame, cs = _close(run, task)
    if not event.direct and not task.submitted and _submits(task):
        # A callback (or the child's report) overtook the runtime's report of the submission answer:
        # the submission was accepted, so record it where AWS does; the late answer is then ignored.
        run.emit("TaskSubmitted", _details(task), frame)
    if isinstance(event, TaskSucceeded):
        run.emit(EVENT_NAMES[task.family, "Succeeded"], _details(task, output=event.output), frame)
        env = run.env(frame, cs)
        try:
            output, assigned = cs.io.finish(frame.input, event.output, env)
            moved_on = run.transition(frame, cs, output, None, assigned)
        except AslFailure as failure:
            cause = state_cause(cs.name, frame.entered_id, failure.cause)
            moved_on = run.fail_state(frame, cs, failure.error, cause)
    else:
        run.emit(
            EVENT_NAMES[task.family, "Failed"], _details(task, error=event.error, cause=event.cause), frame
        )
        moved_on = run.fail_state(frame, cs, event.error, event.cause)
    run.proceed(frame, moved_on)
    return None


def on_task_timer(run: Interpreter, timer: Timer) -> None:
    """TimeoutSeconds or HeartbeatSeconds ran out: the state fails with States.Timeout/HeartbeatTimeout."""
    task = run.state.open_tasks.pop(timer.ref)
    run.commands.append(CancelTask(task.task_id))
    frame, cs = _close(run, task)
    error = errors.TIMEOUT if timer.kind == "task_timeout" else errors.HEARTBEAT_TIMEOUT
    run.emit(EVENT_NAMES[task.family, "TimedOut"], _details(task, error=error), frame)
    run.proceed(frame, run.fail_state(frame, cs, error, None))

"""What happens to an execution: the inputs of `decide`.

Every event is plain, frozen data. Time and randomness do not live here: `decide` receives `now`
and a `seed` beside the event, so replaying the same events with the same (now, seed) pairs gives
the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepstone.asl.json import JSON


@dataclass(frozen=True, slots=True)
class ExecutionInfo:
    """Who the execution is: the identity fields of the Context object's `Execution` and `StateMachine`."""

    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str = "arn:aws:iam::123456789012:role/stepstone"
    redrive_count: int = 0
    #: The task waiting for this execution to end (a nested `.sync` start), as the runtime wrote it;
    #: the engine never reads it, the runtime reports the close to that task.
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Start:
    """Start the execution with this input."""

    input: JSON
    info: ExecutionInfo


@dataclass(frozen=True, slots=True)
class TaskStarted:
    """An activity worker picked the task up (GetActivityTask); AWS records ActivityStarted then.

    Other resources are started by the runtime as soon as they are scheduled, so `decide` records
    their TaskStarted / LambdaFunctionStarted itself (see `engine.tasks`) and ignores this event for them.
    """

    task_id: str
    worker_name: str | None = None


@dataclass(frozen=True, slots=True)
class TaskSubmitted:
    """The resource took a `.waitForTaskToken` or `.sync` task and answered `output`; the result comes later.

    AWS records it as TaskSubmitted (the SQS SendMessage response, the nested StartExecution
    response, ...) between TaskStarted and the task's close.
    """

    task_id: str
    output: JSON


@dataclass(frozen=True, slots=True)
class TaskSucceeded:
    """The task's resource (or a callback with the task token) returned this output.

    `direct`: the resource's own answer to the invocation, not a later report (callback, nested
    execution), so it says nothing about whether a submission was accepted first.
    """

    task_id: str
    output: JSON
    direct: bool = False


@dataclass(frozen=True, slots=True)
class TaskFailed:
    """The task's resource (or a callback with the task token) reported an error.

    `direct`: the invocation itself failed (for a `.waitForTaskToken` or `.sync` task: the submission
    was refused); otherwise a later report (callback, nested execution) after an accepted submission.
    """

    task_id: str
    error: str
    cause: str
    direct: bool = False


@dataclass(frozen=True, slots=True)
class TaskHeartbeat:
    """SendTaskHeartbeat for the task: its heartbeat timer starts again."""

    task_id: str


@dataclass(frozen=True, slots=True)
class ApprovalNote:
    """Something that happened to an open approval task (a vote, a reminder, an escalation).

    It changes nothing but the history, where it becomes stepstone's own `ApprovalNote` event with
    these details (`kind`, `approver`, `comment`, ...; never a token). A closed task ignores it.
    """

    task_id: str
    details: dict[str, JSON]


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer that a previous decision armed (ArmTimer) is due."""

    timer_id: str


@dataclass(frozen=True, slots=True)
class Stop:
    """StopExecution: abort with an optional error and cause."""

    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class Redrive:
    """RedriveExecution: restart a FAILED, TIMED_OUT or ABORTED execution where it stopped.

    `redrive_count` is the execution's count after this redrive (1 for the first), which the
    Context object shows as `$$.Execution.RedriveCount`.
    """

    redrive_count: int


@dataclass(frozen=True, slots=True)
class MapRunUpdate:
    """UpdateMapRun: the run's new MaxConcurrency and tolerated failures (None: unchanged)."""

    map_run_arn: str
    max_concurrency: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: float | None = None


Event = (
    Start
    | TaskStarted
    | TaskSubmitted
    | TaskSucceeded
    | TaskFailed
    | TaskHeartbeat
    | ApprovalNote
    | TimerFired
    | Stop
    | Redrive
    | MapRunUpdate
)

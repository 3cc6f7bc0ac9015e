"""The `Store` protocol: everything the service and the runtime keep, behind one narrow async port.

Rows are frozen dataclasses; JSON payloads travel as text (the store never parses user data) and
times as aware UTC datetimes. A transition (execution state + history + outbox + timers + task rows)
is committed by `commit_transition` in one transaction, guarded by the execution's version so the
same transition is never applied twice. Dialect-specific code stays inside each implementation.

    StoreConflict   the guarded commit lost: the execution moved on since it was read
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from stepstone.store.approval_policies import ApprovalPolicyStore
from stepstone.store.approvals import ApprovalStore
from stepstone.store.deployments import DeploymentStore
from stepstone.store.messages import MessageStore, MessageWaitRow
from stepstone.store.security import SecurityStore

TaskStatus = Literal["open", "closed"]


class StoreConflict(Exception):
    """The execution's version changed since it was read: the transition was not applied."""


@dataclass(frozen=True, slots=True)
class StateMachineRow:
    arn: str
    name: str
    type: str
    role_arn: str
    definition: str
    revision_id: str
    created: datetime
    updated: datetime
    description: str = ""
    status: str = "ACTIVE"
    config: str = "{}"  # JSON: loggingConfiguration, tracingConfiguration, encryptionConfiguration


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    arn: str
    state_machine_arn: str
    name: str
    revision_id: str
    status: str
    input: str
    start_date: datetime
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    state: str | None = None  # the engine's ExecutionState as JSON text
    version: int = 0
    next_event_id: int = 1
    redrive_count: int = 0
    redrive_date: datetime | None = None
    version_arn: str | None = None  # started through a version (or an alias routing to it)
    alias_arn: str | None = None
    trace_header: str | None = None  # StartExecution's traceHeader, returned by DescribeExecution


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    timestamp: datetime
    body: str  # the AWS-shaped event, JSON text


@dataclass(frozen=True, slots=True)
class InboxRow:
    """An event waiting for the execution's next transition (encoded engine event)."""

    id: int
    execution_arn: str
    event: str


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A claimed execution with work: its row and its oldest queued event, read together."""

    execution: ExecutionRow
    inbox: InboxRow


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A command committed with a transition and not yet carried out."""

    id: int
    execution_arn: str
    command: str


@dataclass(frozen=True, slots=True)
class TaskRow:
    """An open (or closed) task of an execution; the token only as its hash."""

    execution_arn: str
    task_id: str
    state_name: str
    resource: str
    since: datetime
    token_hash: str | None = None
    timeout_at: datetime | None = None
    heartbeat_seconds: float | None = None
    heartbeat_at: datetime | None = None
    status: TaskStatus = "open"
    result: str | None = None  # the callback that closed it, JSON text; None when the engine closed it
    closed: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivityRow:
    arn: str
    name: str
    created: datetime


@dataclass(frozen=True, slots=True)
class ActivityTaskRow:
    """A scheduled activity task waiting for GetActivityTask."""

    id: int
    activity_arn: str
    execution_arn: str
    task_id: str
    input: str
    deliveries: int = 0  # when claimed: how many times it was handed out before


@dataclass(frozen=True, slots=True)
class Transition:
    """One decision, to be committed atomically. `expected_version` guards against a double apply."""

    execution_arn: str
    expected_version: int
    consumed_inbox_id: int | None
    state: str | None
    status: str
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    stop_date: datetime | None = None
    history: Sequence[HistoryRow] = ()
    outbox: Sequence[str] = ()
    arm_timers: Sequence[tuple[str, datetime]] = ()
    cancel_timers: Sequence[str] = ()
    open_tasks: Sequence[TaskRow] = ()
    close_tasks: Sequence[str] = ()
    closed_at: datetime | None = None
    #: message waits of tasks opened here, registered with them so no message can slip in between
    message_waits: Sequence[MessageWaitRow] = ()


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    """What happened to a callback: accepted (first or identical repeat), or why not."""

    kind: Literal["accepted", "repeated", "unknown", "closed", "completed_differently"]
    task: TaskRow | None = None


@dataclass(frozen=True, slots=True)
class ExecutionPage:
    rows: list[ExecutionRow] = field(default_factory=list)
    next_after: str | None = None


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    """What the database holds right now, for gauges that every node sharing it reports alike."""

    open_tasks: dict[str, tuple[int, datetime]]  # resource -> (open tasks, the oldest one's start)
    activity_tasks: int  # queued for GetActivityTask
    oldest_activity_task: datetime | None
    outbox: int  # commands committed and not yet carried out
    inbox: int  # events queued for a transition
    timers: int  # armed
    timers_due: int  # due and not yet fired
    next_timer: datetime | None  # the earliest armed timer's due time


class Store(ApprovalStore, ApprovalPolicyStore, SecurityStore, DeploymentStore, MessageStore, Protocol):
    """The durable state of stepstone. Every method is one transaction."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # state machines
    async def create_state_machine(self, row: StateMachineRow) -> StateMachineRow:
        """Insert, or return the existing row with the same ARN (the caller compares)."""
        ...

    async def get_state_machine(self, arn: str) -> StateMachineRow | None: ...
    async def list_state_machines(self) -> list[StateMachineRow]: ...
    async def update_state_machine(self, row: StateMachineRow) -> None: ...
    async def delete_state_machine(self, arn: str) -> None: ...
    async def get_definition(self, arn: str, revision_id: str) -> str | None: ...

    # executions
    async def create_execution(self, row: ExecutionRow, start_event: str) -> tuple[ExecutionRow, bool]:
        """Insert the execution and queue its start event; (existing row, False) if the ARN is taken."""
        ...

    async def get_execution(self, arn: str) -> ExecutionRow | None: ...
    async def list_executions(
        self,
        state_machine_arn: str,
        status: str | None,
        limit: int,
        after: str | None,
        qualifier: str | None = None,
    ) -> ExecutionPage:
        """Newest first; `qualifier` keeps those started through that version or alias ARN."""
        ...

    async def history(self, arn: str, *, after: int, limit: int, reverse: bool) -> list[HistoryRow]: ...
    async def redrive_execution(self, arn: str, expected_version: int, event: str, now: datetime) -> bool: ...

    # the work queue
    async def enqueue(self, execution_arn: str, event: str) -> int: ...
    async def executions_with_work(self) -> list[str]: ...
    async def next_inbox(self, execution_arn: str) -> InboxRow | None: ...
    async def claim_work(self, limit: int) -> list[WorkItem]:
        """Executions with queued events, oldest first, each with its row and its oldest event, in one read.

        Where nodes share the store the executions are leased to this node (as `executions_with_work`);
        a lease is let go by the commit that consumes the execution's last queued event.
        """
        ...

    async def commit_transition(self, transition: Transition) -> None:
        """Apply the transition in one transaction; StoreConflict if the version moved."""
        ...

    async def fire_due_timers(self, now: datetime, encode: TimerEncoder) -> int: ...
    async def next_timer_due(self) -> datetime | None: ...
    async def pending_outbox(self) -> list[OutboxRow]: ...
    async def complete_outbox(
        self, outbox_id: int, result_event: str | None, activity_task: ActivityTaskRow | None = None
    ) -> None:
        """Forget the command, queueing its result event and/or activity task in the same transaction."""
        ...

    # tasks and callbacks
    async def get_task(self, execution_arn: str, task_id: str) -> TaskRow | None: ...
    async def list_tasks(self, execution_arn: str | None, status: TaskStatus | None) -> list[TaskRow]: ...
    async def close_task_by_callback(
        self, token_hash: str, result: str, event: str, now: datetime
    ) -> CallbackOutcome:
        """Close the open task holding this token with `result` and queue `event`; idempotent."""
        ...

    async def heartbeat_task(self, token_hash: str, event: str, now: datetime) -> CallbackOutcome: ...

    # activities
    async def create_activity(self, row: ActivityRow) -> ActivityRow: ...
    async def get_activity(self, arn: str) -> ActivityRow | None: ...
    async def list_activities(self) -> list[ActivityRow]: ...
    async def delete_activity(self, arn: str) -> None: ...
    async def claim_activity_task(
        self,
        activity_arn: str,
        started_event: TaskEventEncoder,
        *,
        now: datetime | None = None,
        hidden_until: datetime | None = None,
    ) -> ActivityTaskRow | None:
        """Take the oldest visible task of the activity, queueing its started event in the same transaction.

        Without `hidden_until` the task leaves the queue. With it the hand-out is provisional: the row
        stays, hidden until then, and is visible again (to a claim whose `now` has passed it) unless
        `confirm_activity_tasks`, a heartbeat or a callback of the task takes it away first. Only a
        task's first hand-out queues the started event.
        """
        ...

    async def confirm_activity_tasks(self, ids: Sequence[int]) -> None:
        """Forget provisional hand-outs now known delivered (ids of claimed rows; unknown ids are fine)."""
        ...

    # operations
    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        """The levels the gauges report, read from the database (the same on every node)."""
        ...

    async def schema_status(self) -> tuple[list[int], int]:
        """(missing, newest): the migrations this code ships that the database lacks, and the newest
        migration the database has (newer than this code's after a newer node migrated it)."""
        ...

    async def prune_closed(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` executions closed before `before`, with their history, tasks, timers,
        queued activity tasks, approvals and tags, in one transaction; how many went. An open execution,
        or a closed one with an event queued or a command still to carry out, is never touched."""
        ...

    # tags
    async def tag(self, arn: str, tags: dict[str, str]) -> None: ...
    async def untag(self, arn: str, keys: Sequence[str]) -> None: ...
    async def tags(self, arn: str) -> dict[str, str]: ...


class TimerEncoder(Protocol):
    def __call__(self, timer_id: str) -> str: ...


class TaskEventEncoder(Protocol):
    def __call__(self, task_id: str) -> str: ...

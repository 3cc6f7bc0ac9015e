"""The continuation of one execution as plain, serialisable data (`ExecutionState`).

Everything `decide` needs to carry on lives here, never on the Python stack: the frames (the root
machine, each Parallel branch, each Map iteration), the tasks awaiting a result, the timers that are
armed and the frames ready to run. `to_json()` / `from_json()` round-trip exactly, which is what lets
the runtime persist the state between transitions.

Ownership: `decide` updates the state it is given in place and returns it in the Decision (copying
it on every event would cost more than the transition itself). A caller that still needs the old
state keeps its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from stepstone.asl.json import JSON, JSONObject
from stepstone.engine.events import ExecutionInfo
from stepstone.engine.maprun_state import MapRun

Status = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
TimerKind = Literal["execution_timeout", "task_timeout", "heartbeat", "wait", "retry", "continue"]


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(slots=True)
class Fanout:
    """A Parallel or Map state waiting on its child frames."""

    kind: Literal["parallel", "map"]
    total: int
    results: list[JSON]
    running: list[str] = field(default_factory=list)
    next_index: int = 0
    items: list[JSON] = field(default_factory=list)
    max_concurrency: int = 0
    failures: int = 0
    tolerated_count: int | None = None
    tolerated_percentage: float | None = None
    selector_input: JSON = None

    def to_json(self) -> JSONObject:
        return {
            "kind": self.kind,
            "total": self.total,
            "results": self.results,
            "running": self.running,
            "next_index": self.next_index,
            "items": self.items,
            "max_concurrency": self.max_concurrency,
            "failures": self.failures,
            "tolerated_count": self.tolerated_count,
            "tolerated_percentage": self.tolerated_percentage,
            "selector_input": self.selector_input,
        }

    @classmethod
    def from_json(cls, raw: JSONObject) -> Fanout:
        return cls(**raw)


@dataclass(slots=True)
class Frame:
    """One running (sub-)machine: the root, a Parallel branch or a Map iteration.

    `state` and `input` name the state the frame is in (or about to enter, when it is runnable) and
    that state's raw input. `waiting` is the task id or timer id the frame is blocked on.
    """

    fid: str
    machine: str
    parent: str | None
    slot: int
    state: str
    input: JSON
    entered_id: int = 0
    entered_at: datetime | None = None
    retries: list[int] = field(default_factory=list)
    retry_count: int = 0
    waiting: str | None = None
    variables: dict[str, JSON] = field(default_factory=dict)
    item_index: int | None = None
    item_value: JSON = None
    last_event: int = 0
    fan: Fanout | None = None

    def to_json(self) -> JSONObject:
        # Fields at their default are left out (from_json restores them): a parked execution's state is
        # decoded and encoded again on every transition, and most of a frame is usually default.
        raw: JSONObject = {
            "fid": self.fid,
            "machine": self.machine,
            "parent": self.parent,
            "slot": self.slot,
            "state": self.state,
            "input": self.input,
        }
        if self.entered_id:
            raw["entered_id"] = self.entered_id
        if self.entered_at is not None:
            raw["entered_at"] = self.entered_at.isoformat()
        if self.retries:
            raw["retries"] = self.retries
        if self.retry_count:
            raw["retry_count"] = self.retry_count
        if self.waiting is not None:
            raw["waiting"] = self.waiting
        if self.variables:
            raw["variables"] = self.variables
        if self.item_index is not None:
            raw["item_index"] = self.item_index
        if self.item_value is not None:
            raw["item_value"] = self.item_value
        if self.last_event:
            raw["last_event"] = self.last_event
        if self.fan is not None:
            raw["fan"] = self.fan.to_json()
        return raw

    @classmethod
    def from_json(cls, raw: JSONObject) -> Frame:
        """Accepts both the lean form `to_json` writes and the full form earlier versions wrote."""
        values = dict(raw)
        entered_at = raw.get("entered_at")
        values["entered_at"] = None if entered_at is None else datetime.fromisoformat(entered_at)
        if "retries" in raw:
            values["retries"] = list(raw["retries"])
        if "variables" in raw:
            values["variables"] = dict(raw["variables"])
        fan = raw.get("fan")
        values["fan"] = None if fan is None else Fanout.from_json(fan)
        return cls(**values)


@dataclass(slots=True)
class OpenTask:
    """A task whose result the execution awaits.

    `family` picks the history event names (lambda -> LambdaFunction*, activity -> Activity*,
    service -> Task*); `resource_type` / `resource_name` fill the Task* event details.
    """

    task_id: str
    frame: str
    state_name: str
    resource: str
    family: Literal["lambda", "activity", "service"]
    resource_type: str
    resource_name: str
    entered_at: datetime
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    timeout_due: datetime | None = None
    heartbeat_due: datetime | None = None
    #: The resource's submission answer is recorded (TaskSubmitted): a repeated dispatch adds no second one.
    submitted: bool = False

    def to_json(self) -> JSONObject:
        raw: JSONObject = {
            "task_id": self.task_id,
            "frame": self.frame,
            "state_name": self.state_name,
            "resource": self.resource,
            "family": self.family,
            "resource_type": self.resource_type,
            "resource_name": self.resource_name,
            "entered_at": self.entered_at.isoformat(),
        }
        # the optional fields only when set (from_json restores the defaults)
        if self.timeout_seconds is not None:
            raw["timeout_seconds"] = self.timeout_seconds
        if self.heartbeat_seconds is not None:
            raw["heartbeat_seconds"] = self.heartbeat_seconds
        if self.timeout_due is not None:
            raw["timeout_due"] = self.timeout_due.isoformat()
        if self.heartbeat_due is not None:
            raw["heartbeat_due"] = self.heartbeat_due.isoformat()
        if self.submitted:
            raw["submitted"] = True
        return raw

    @classmethod
    def from_json(cls, raw: JSONObject) -> OpenTask:
        values = dict(raw)
        for key in ("entered_at", "timeout_due", "heartbeat_due"):
            value = raw.get(key)
            if value is not None:
                values[key] = datetime.fromisoformat(value)
        return cls(**values)


@dataclass(slots=True)
class Timer:
    """An armed timer: what it is for and the frame or task it belongs to."""

    kind: TimerKind
    ref: str
    due: datetime

    def to_json(self) -> JSONObject:
        return {"kind": self.kind, "ref": self.ref, "due": _time(self.due)}

    @classmethod
    def from_json(cls, raw: JSONObject) -> Timer:
        return cls(kind=raw["kind"], ref=raw["ref"], due=datetime.fromisoformat(raw["due"]))


@dataclass(slots=True)
class ExecutionState:
    """Where one execution stands; the only thing `decide` remembers between events."""

    info: ExecutionInfo
    input: JSON
    start_time: datetime
    status: Status = "RUNNING"
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    next_event_id: int = 1
    frames: dict[str, Frame] = field(default_factory=dict)
    open_tasks: dict[str, OpenTask] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    runnable: list[str] = field(default_factory=list)
    #: Where a redrive starts again: the root frame as it stood in the state that failed, timed out
    #: or was stopped (kept only once the execution has closed unsuccessfully).
    redrive_point: Frame | None = None
    #: The Distributed Map runs of this execution, running or ended (DescribeMapRun reads them here).
    map_runs: dict[str, MapRun] = field(default_factory=dict)

    def to_json(self) -> JSONObject:
        """The state as JSON-ready data (datetimes as ISO 8601 strings)."""
        info = self.info
        return {
            "info": {
                "execution_arn": info.execution_arn,
                "name": info.name,
                "state_machine_arn": info.state_machine_arn,
                "state_machine_name": info.state_machine_name,
                "role_arn": info.role_arn,
                "redrive_count": info.redrive_count,
                **({"parent": info.parent} if info.parent is not None else {}),
            },
            "input": self.input,
            "start_time": self.start_time.isoformat(),
            "status": self.status,
            "next_event_id": self.next_event_id,
            "frames": {fid: frame.to_json() for fid, frame in self.frames.items()},
            "open_tasks": {tid: task.to_json() for tid, task in self.open_tasks.items()},
            "timers": {tid: timer.to_json() for tid, timer in self.timers.items()},
            # what is usually at its default only when it is not (from_json restores the defaults)
            **({"output": self.output} if self.output is not None else {}),
            **({"error": self.error} if self.error is not None else {}),
            **({"cause": self.cause} if self.cause is not None else {}),
            **({"runnable": list(self.runnable)} if self.runnable else {}),
            **({"redrive_point": self.redrive_point.to_json()} if self.redrive_point is not None else {}),
            **({"map_runs": {k: r.to_json() for k, r in self.map_runs.items()}} if self.map_runs else {}),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ExecutionState:
        """Rebuild the state that `to_json` produced."""
        redrive_point = raw.get("redrive_point")
        return cls(
            info=ExecutionInfo(**raw["info"]),
            input=raw["input"],
            start_time=datetime.fromisoformat(raw["start_time"]),
            status=raw["status"],
            output=raw.get("output"),
            error=raw.get("error"),
            cause=raw.get("cause"),
            next_event_id=raw["next_event_id"],
            frames={fid: Frame.from_json(f) for fid, f in raw["frames"].items()},
            open_tasks={tid: OpenTask.from_json(t) for tid, t in raw["open_tasks"].items()},
            timers={tid: Timer.from_json(t) for tid, t in raw["timers"].items()},
            runnable=list(raw.get("runnable", ())),
            redrive_point=None if redrive_point is None else Frame.from_json(redrive_point),
            map_runs={k: MapRun.from_json(r) for k, r in raw.get("map_runs", {}).items()},
        )

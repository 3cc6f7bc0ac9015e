"""A Distributed Map run as plain, serialisable data: counts and a cursor, never lists of items or results.

The parent execution keeps one `MapRun` per run in `ExecutionState.map_runs` (keyed by the run's task
prefix, `mr<event id>`), for as long as the execution exists: DescribeMapRun and ListMapRuns read it
there. While the run is going it holds at most one page of items that are read but not yet handed to a
child (`ready`, bounded by the read size) and the batch being filled (`partial`); everything else is a
number. The child executions are rows of the store; the results are their outputs, gathered at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from stepstone.asl.json import JSON, JSONObject

#: Counters kept per outcome, for child executions and for the items they processed.
OUTCOMES = ("succeeded", "failed", "timed_out", "aborted")


@dataclass(slots=True)
class Counts:
    """How many child executions (or items) are running and how many ended which way."""

    running: int = 0
    succeeded: int = 0
    failed: int = 0
    timed_out: int = 0
    aborted: int = 0

    def to_json(self) -> JSONObject:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, raw: JSONObject) -> Counts:
        return cls(**raw)

    @property
    def ended(self) -> int:
        return self.succeeded + self.failed + self.timed_out + self.aborted

    @property
    def failures(self) -> int:
        """What counts against the tolerated failure threshold."""
        return self.failed + self.timed_out


@dataclass(slots=True)
class MapRun:
    """Where one Map Run stands. `reader` None: the items came from the state input (`items`)."""

    key: str
    arn: str
    frame: str
    state_name: str
    machine_key: str
    label: str
    execution_type: str
    start: datetime
    max_concurrency: int
    tolerated_count: int | None
    tolerated_percentage: float | None
    selector_input: JSON = None
    reader: JSONObject | None = None
    items: list[JSON] | None = None
    max_items: int = 0
    batcher: JSONObject | None = None
    writer: JSONObject | None = None
    status: str = "RUNNING"
    stop: datetime | None = None
    error: str | None = None
    cause: str | None = None
    cursor: JSON = None
    read: int = 0
    reader_done: bool = False
    read_task: str | None = None
    starting: int = 0  # start commands in flight
    results_task: str | None = None
    #: Past the tolerated failures with a ResultWriter: the results are written, then the run fails.
    failing: bool = False
    seq: int = 0
    launched: int = 0  # child executions handed out (the next child's index)
    #: Indices of the children running now (at most MaxConcurrency): a repeated report is ignored.
    running: list[int] = field(default_factory=list)
    ready: list[list[JSON]] = field(default_factory=list)  # [child input, item count]
    partial: list[JSON] = field(default_factory=list)
    partial_bytes: int = 0
    executions: Counts = field(default_factory=Counts)
    item_counts: Counts = field(default_factory=Counts)

    def to_json(self) -> JSONObject:
        raw: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Counts):
                value = value.to_json()
            elif isinstance(value, datetime):
                value = value.isoformat()
            raw[f.name] = value
        return raw

    @classmethod
    def from_json(cls, raw: JSONObject) -> MapRun:
        values = dict(raw)
        values["start"] = datetime.fromisoformat(raw["start"])
        values["stop"] = None if raw.get("stop") is None else datetime.fromisoformat(raw["stop"])
        values["executions"] = Counts.from_json(raw["executions"])
        values["item_counts"] = Counts.from_json(raw["item_counts"])
        return cls(**values)

    @property
    def total_known(self) -> bool:
        return self.reader_done and not self.partial

    def close(self, status: str, now: datetime, error: str | None = None, cause: str | None = None) -> None:
        """The run ended: keep its counts, drop what only a running run needs."""
        self.status = status
        self.stop = now
        self.error = error
        self.cause = cause
        self.ready = []
        self.partial = []
        self.items = None
        self.selector_input = None
        self.read_task = None
        self.results_task = None
        self.cursor = None
        self.running = []
        self.failing = False
        for counts in (self.executions, self.item_counts):  # children stopped with the run
            counts.aborted += counts.running
            counts.running = 0


__all__ = ["OUTCOMES", "Counts", "MapRun"]

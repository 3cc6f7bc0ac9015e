"""Run one execution in this process, on a virtual clock: the engine for tests and `stepstone run`.

The runner feeds `decide` one event at a time and carries out the commands it returns: InvokeTask goes
through the integrations registry (`dispatch`) and comes back as TaskSucceeded/TaskFailed; ArmTimer
goes into a heap. Whenever nothing can make progress (no event queued, no invocation in flight) the
clock jumps to the next timer, so a one-year Wait ends in milliseconds. While an invocation is in
flight the clock runs in real time, so a Task's TimeoutSeconds still interrupts a slow function.

A task waiting for a callback (.waitForTaskToken) is completed with `send_task_success`, `..._failure`
or `..._heartbeat`, from a test or from a function given the token (any thread). When an execution
waits on callbacks with no timer armed, `run_until_idle` returns with status RUNNING: call it again
after sending the callback.

Nothing here is durable: that is the server runtime's job. This runner shares its integrations.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stepstone.asl.json import JSON
from stepstone.engine.commands import ArmTimer, CancelTask, CancelTimer, Command, InvokeTask
from stepstone.engine.decide import decide
from stepstone.engine.events import (
    Event,
    ExecutionInfo,
    Start,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from stepstone.engine.history import HistoryEvent
from stepstone.engine.program import Program, load_program
from stepstone.engine.state import ExecutionState
from stepstone.engine.tokens import KeyRing
from stepstone.errors import InvalidToken, TaskTimedOut
from stepstone.integrations.base import Registry, dispatch, request_from_command, task_event

__all__ = ["InProcessRunner", "MaxEventsExceeded", "RunResult", "VirtualClock", "run_execution"]

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


class MaxEventsExceeded(RuntimeError):
    """The execution took more events than the runner allows (a loop that never ends?)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where the execution stands: a terminal status, or RUNNING when it waits on a callback."""

    status: str
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    history: list[HistoryEvent] = field(default_factory=list)

    def to_json(self) -> dict[str, JSON]:
        return {"status": self.status, "output": self.output, "error": self.error, "cause": self.cause}

    def __repr__(self) -> str:
        # Short: asyncio.run reprs the finished main task (and so its result) when it restores the
        # SIGINT handler, which for a full history of thousands of events took longer than the run.
        return (
            f"RunResult(status={self.status!r}, error={self.error!r}, cause={self.cause!r}, "
            f"history=<{len(self.history)} events>)"
        )


class VirtualClock:
    """Real time plus whatever the runner skipped: `advance_to` jumps forward, never back."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start if start is not None else datetime.now(UTC)
        self._origin = time.monotonic()
        self._skipped = timedelta(0)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin) + self._skipped

    def advance_to(self, when: datetime) -> None:
        gap = when - self.now()
        if gap > timedelta(0):
            self._skipped += gap


class InProcessRunner:
    """One execution of a definition, driven by `start` and `run_until_idle`."""

    def __init__(
        self,
        definition: dict[str, JSON] | str | Program,
        *,
        registry: Registry,
        clock: VirtualClock | None = None,
        max_events: int = 100_000,
        seed: int = 0,
        name: str | None = None,
        state_machine_name: str = "stepstone-run",
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        self.program = definition if isinstance(definition, Program) else load_program(definition)
        self.registry = registry
        self.clock = clock or VirtualClock()
        self.max_events = max_events
        machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{state_machine_name}"
        name = name or str(uuid.uuid4())
        self.info = ExecutionInfo(
            execution_arn=f"arn:aws:states:{region}:{account}:execution:{state_machine_name}:{name}",
            name=name,
            state_machine_arn=machine_arn,
            state_machine_name=state_machine_name,
        )
        self.history: list[HistoryEvent] = []
        self.task_states: dict[str, str] = {}  # task id -> the Task state that invoked it
        self._keys = KeyRing({"local": secrets.token_bytes(32)}, "local")
        self._rng = random.Random(seed)
        self._state: ExecutionState | None = None
        self._events_fed = 0
        self._inbox: deque[Event] = deque()  # deque appends are thread-safe: callbacks may come from threads
        self._timers: dict[str, tuple[datetime, int]] = {}
        self._heap: list[tuple[datetime, int, str]] = []
        self._sequence = itertools.count()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._tokens: dict[str, str] = {}  # open token -> task id
        self._closed_tokens: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # ------------------------------------------------------------------ driving
    @property
    def status(self) -> str:
        return "RUNNING" if self._state is None else self._state.status

    @property
    def open_tokens(self) -> dict[str, str]:
        """Tokens of the tasks now waiting for a callback, mapped to their task ids."""
        with self._lock:
            return dict(self._tokens)

    def start(self, input: JSON) -> None:
        """Queue the Start event; `run_until_idle` processes it."""
        if self._events_fed or self._inbox:
            raise RuntimeError("the execution has already started")
        self._inbox.append(Start(input=input, info=self.info))

    async def run_until_idle(self) -> RunResult:
        """Process events until the execution ends or only a callback can move it on."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            if self._inbox:
                self._feed(self._inbox.popleft())
                continue
            if self.status in TERMINAL:
                break
            timer = self._next_timer()
            if self._inflight:
                self._wake.clear()
                timeout = None if timer is None else max(0.0, (timer[0] - self.clock.now()).total_seconds())
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    self._fire(timer)
                continue
            if timer is None:
                break  # parked on callbacks (or finished)
            self.clock.advance_to(timer[0])
            self._fire(timer)
        if self.status in TERMINAL:
            self._cancel_all()
        return self.result()

    def result(self) -> RunResult:
        state = self._state
        return RunResult(
            status=self.status,
            output=None if state is None else state.output,
            error=None if state is None else state.error,
            cause=None if state is None else state.cause,
            history=list(self.history),
        )

    # ------------------------------------------------------------------ callbacks
    def send_task_success(self, token: str, output: JSON) -> None:
        self._callback(token, lambda task_id: TaskSucceeded(task_id, output), close=True)

    def send_task_failure(self, token: str, error: str = "", cause: str = "") -> None:
        self._callback(token, lambda task_id: TaskFailed(task_id, error, cause), close=True)

    def send_task_heartbeat(self, token: str) -> None:
        self._callback(token, TaskHeartbeat, close=False)

    def _callback(self, token: str, make: Callable[[str], Event], *, close: bool) -> None:
        with self._lock:
            task_id = self._tokens.get(token)
            if task_id is None:
                if token in self._closed_tokens:
                    raise TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
                raise InvalidToken("Invalid Token: the token does not name a waiting task")
            if close:
                del self._tokens[token]
                self._closed_tokens.add(token)
        self._inbox.append(make(task_id))
        self._notify()

    def _notify(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    # ------------------------------------------------------------------ the engine
    def _feed(self, event: Event) -> None:
        self._events_fed += 1
        if self._events_fed > self.max_events:
            raise MaxEventsExceeded(f"more than {self.max_events} events")
        decision = decide(
            self.program,
            self._state,
            event,
            now=self.clock.now(),
            seed=self._rng.getrandbits(63),
            mint_token=self._mint,
        )
        self._state = decision.state
        self.history.extend(decision.history)
        for command in decision.commands:
            self._carry_out(command)

    def _mint(self, execution_arn: str, task_id: str) -> str:
        token = self._keys.mint(execution_arn, task_id)
        with self._lock:
            self._tokens[token] = task_id
        return token

    def _carry_out(self, command: Command) -> None:
        if isinstance(command, InvokeTask):
            self.task_states[command.task_id] = command.state_name
            if command.token is not None:
                with self._lock:
                    self._tokens[command.token] = command.task_id
            self._inflight[command.task_id] = asyncio.ensure_future(self._invoke(command))
        elif isinstance(command, CancelTask):
            self._close_task(command.task_id)
        elif isinstance(command, ArmTimer):
            entry = (command.due, next(self._sequence))
            self._timers[command.timer_id] = entry
            heapq.heappush(self._heap, (*entry, command.timer_id))
        elif isinstance(command, CancelTimer):
            self._timers.pop(command.timer_id, None)

    async def _invoke(self, command: InvokeTask) -> None:
        try:
            result = await dispatch(self.registry, request_from_command(command, self.info.execution_arn))
        finally:
            self._inflight.pop(command.task_id, None)
        if not result.pending:
            self._close_task(command.task_id, cancel=False)
        self._inbox.append(task_event(command.task_id, result))  # a pending task's TaskSubmitted
        self._notify()

    def _close_task(self, task_id: str, *, cancel: bool = True) -> None:
        if cancel and (task := self._inflight.pop(task_id, None)) is not None:
            task.cancel()  # a function's thread runs on, but its result is no longer wanted
        with self._lock:
            for token in [t for t, owner in self._tokens.items() if owner == task_id]:
                del self._tokens[token]
                self._closed_tokens.add(token)

    def _cancel_all(self) -> None:
        for task_id in list(self._inflight):
            self._close_task(task_id)
        with self._lock:
            self._closed_tokens.update(self._tokens)
            self._tokens.clear()

    # ------------------------------------------------------------------ timers
    def _next_timer(self) -> tuple[datetime, int, str] | None:
        while self._heap:
            due, seq, timer_id = self._heap[0]
            if self._timers.get(timer_id) == (due, seq):
                return self._heap[0]
            heapq.heappop(self._heap)  # cancelled or moved
        return None

    def _fire(self, timer: tuple[datetime, int, str] | None) -> None:
        if timer is None:
            return
        heapq.heappop(self._heap)
        del self._timers[timer[2]]
        self._inbox.append(TimerFired(timer[2]))


async def run_execution(
    definition: dict[str, JSON] | str | Program,
    input: JSON,
    *,
    registry: Registry,
    clock: VirtualClock | None = None,
    max_events: int = 100_000,
    seed: int = 0,
) -> RunResult:
    """Run an execution until it ends or waits on a callback (status RUNNING) and return where it stands."""
    runner = InProcessRunner(definition, registry=registry, clock=clock, max_events=max_events, seed=seed)
    runner.start(input)
    return await runner.run_until_idle()

"""The pure interpreter: `decide(program, state, event) -> Decision(state, history, commands)`.

One call applies one event. Synchronous states (Pass, Choice, Succeed, Fail, a Wait already due)
run back to back inside the call; the call ends when every frame waits on a task, a timer or its
children, or when the execution closes. Time (`now`), randomness (`seed`) and task tokens
(`mint_token`) are arguments, so the same inputs always give the same decision.

ASL errors are values here: an `AslFailure` raised while a state is evaluated becomes that state's
failure, which Retry, Catch or the enclosing frame handles. Any other exception is a bug and
propagates to the caller untouched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from stepstone.asl import errors
from stepstone.asl.env import Env
from stepstone.asl.errors import AslFailure, state_cause
from stepstone.asl.json import JSON, JSONObject
from stepstone.engine import fanout, maprun, tasks
from stepstone.engine.commands import ArmTimer, CancelTask, CancelTimer, Command
from stepstone.engine.context import build_context
from stepstone.engine.events import (
    ApprovalNote,
    Event,
    MapRunUpdate,
    Redrive,
    Start,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)
from stepstone.engine.history import HistoryEvent, details_key
from stepstone.engine.interpreter import Step, TokenMinter
from stepstone.engine.program import CompiledState, Program
from stepstone.engine.retry import error_matches, retry_delay
from stepstone.engine.scopes import visible
from stepstone.engine.state import ExecutionState, Frame, Timer, TimerKind
from stepstone.engine.steps import STEPS
from stepstone.engine.variables import Assigned

#: Synchronous state entries per call before the call yields through an immediate timer.
MAX_TRANSITIONS = 1000
ROOT_FRAME = "root"
EXECUTION_TIMEOUT = "execution-timeout"
#: The statuses RedriveExecution accepts.
REDRIVABLE = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})

_DETAILS: dict[str, str] = {}
#: The state types whose Context object carries `State.RetryCount` (those that may have a Retry).
_RETRYING = frozenset({"Task", "Parallel", "Map"})


@dataclass(slots=True)
class Decision:
    """What one event did: the new state, the history events it appended, the commands to carry out."""

    state: ExecutionState
    history: list[HistoryEvent] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    ignored: str | None = None


def decide(
    program: Program,
    state: ExecutionState | None,
    event: Event,
    *,
    now: datetime,
    seed: int,
    mint_token: TokenMinter,
) -> Decision:
    """Apply `event` to the execution `state` (None before Start). `state` is updated in place."""
    if isinstance(event, Start):
        if state is not None:
            return Decision(state, ignored="the execution has already started")
        run = Decider(program, ExecutionState(event.info, event.input, now), now, seed, mint_token)
        run.start()
        return run.decision()
    if state is None:
        raise ValueError(f"{type(event).__name__} for an execution that has not started")
    if isinstance(event, Redrive):
        if state.status not in REDRIVABLE or state.redrive_point is None:
            return Decision(state, ignored=f"the execution is {state.status} and cannot be redriven")
        run = Decider(program, state, now, seed, mint_token)
        run.redrive(event)
        return run.decision()
    if state.status != "RUNNING":
        return Decision(state, ignored=f"the execution is {state.status}")
    run = Decider(program, state, now, seed, mint_token)
    ignored = run.apply(event)
    if ignored is not None:
        return Decision(state, ignored=ignored)
    return run.decision()


class Decider:
    """The working set of one `decide` call; the `Interpreter` the state types see.

    State-type behaviour lives in `steps`, `tasks` and `fanout`, reached through the `STEPS` table.
    """

    __slots__ = (
        "_rng",
        "commands",
        "history",
        "mint_token",
        "now",
        "program",
        "seed",
        "state",
        "transitions",
    )

    def __init__(
        self, program: Program, state: ExecutionState, now: datetime, seed: int, mint_token: TokenMinter
    ) -> None:
        self.program = program
        self.state = state
        self.now = now
        self.seed = seed
        self.mint_token = mint_token
        self.history: list[HistoryEvent] = []
        self.commands: list[Command] = []
        self.transitions = 0
        self._rng: random.Random | None = None

    def decision(self) -> Decision:
        return Decision(self.state, self.history, self.commands)

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng

    def _make_rng(self) -> random.Random:
        return self.rng

    def emit(self, event_type: str, details: JSONObject | None, frame: Frame | None = None) -> int:
        """Append a history event; return its id."""
        state = self.state
        event_id = state.next_event_id
        state.next_event_id = event_id + 1
        previous = frame.last_event if frame is not None and frame.last_event else event_id - 1
        event: HistoryEvent = {
            "id": event_id,
            "previousEventId": previous,
            "timestamp": self.now,
            "type": event_type,
        }
        if details is not None:
            key = _DETAILS.get(event_type)
            if key is None:
                key = _DETAILS[event_type] = details_key(event_type)
            event[key] = details
        self.history.append(event)
        if frame is not None:
            frame.last_event = event_id
        return event_id

    def env(
        self,
        frame: Frame,
        cs: CompiledState,
        *,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> Env:
        context = (
            build_context(
                self.state, frame, cs.name, token=token, item=item, retry_count=cs.kind in _RETRYING
            )
            if cs.needs_context or token is not None or item is not None
            else None
        )
        variables = frame.variables if frame.parent is None else visible(self.program, self.state, frame)
        return Env(context, variables, make_rng=self._make_rng)  # seeded on the first draw only

    def arm(self, timer_id: str, kind: TimerKind, ref: str, due: datetime) -> None:
        self.state.timers[timer_id] = Timer(kind, ref, due)
        self.commands.append(ArmTimer(timer_id, due))

    def disarm(self, timer_id: str) -> None:
        if self.state.timers.pop(timer_id, None) is not None:
            self.commands.append(CancelTimer(timer_id))

    def state_of(self, frame: Frame) -> CompiledState:
        return self.program.machines[frame.machine].states[frame.state]

    # -- events ---------------------------------------------------------------------------------

    def start(self) -> None:
        state = self.state
        self.emit(
            "ExecutionStarted",
            {"input": state.input, "roleArn": state.info.role_arn},
        )
        root = self.program.root
        if root.timeout_seconds is not None:
            due = self.now + timedelta(seconds=root.timeout_seconds)
            self.arm(EXECUTION_TIMEOUT, "execution_timeout", ROOT_FRAME, due)
        frame = Frame(ROOT_FRAME, root.key, None, 0, root.start_at, state.input)
        state.frames[ROOT_FRAME] = frame
        state.runnable.append(ROOT_FRAME)
        self.run()

    def redrive(self, event: Redrive) -> None:
        """Reopen the execution and enter again the root-level state where it stopped.

        That state gets its original input and the variables as they were; retry counters start
        over. A Map or Parallel state runs again as a whole (its iterations and branches included),
        and the execution's TimeoutSeconds counts again from the redrive.
        """
        state = self.state
        point = state.redrive_point
        assert point is not None
        state.status = "RUNNING"
        state.error = state.cause = None
        state.output = None
        state.redrive_point = None
        state.info = replace(state.info, redrive_count=event.redrive_count)
        self.emit("ExecutionRedriven", {"redriveCount": event.redrive_count})
        root = self.program.root
        if root.timeout_seconds is not None:
            due = self.now + timedelta(seconds=root.timeout_seconds)
            self.arm(EXECUTION_TIMEOUT, "execution_timeout", ROOT_FRAME, due)
        frame = Frame(ROOT_FRAME, root.key, None, 0, point.state, point.input)
        frame.variables = point.variables
        frame.last_event = state.next_event_id - 1
        state.frames[ROOT_FRAME] = frame
        state.runnable.append(ROOT_FRAME)
        self.run()

    def remember_redrive_point(self, frame: Frame | None) -> None:
        """Keep where the root frame stood, so that a redrive can enter that state again."""
        if frame is not None and frame.parent is None:
            self.state.redrive_point = Frame(
                frame.fid, frame.machine, None, 0, frame.state, frame.input, variables=dict(frame.variables)
            )

    def apply(self, event: Event) -> str | None:
        """Apply a non-Start event; return why it was ignored, or None when it applied."""
        if isinstance(event, TaskSucceeded | TaskFailed | TaskStarted | TaskSubmitted | TaskHeartbeat):
            if maprun.owns(self, event.task_id):
                ignored = maprun.on_task_event(self, event)
                if ignored is not None:
                    return ignored
            elif event.task_id not in self.state.open_tasks:
                return f"no open task {event.task_id!r}"
            else:
                ignored = tasks.on_task_event(self, event)
                if ignored is not None:
                    return ignored
        elif isinstance(event, ApprovalNote):
            task = self.state.open_tasks.get(event.task_id)
            if task is None:
                return f"no open task {event.task_id!r}"
            self.emit("ApprovalNote", dict(event.details), self.state.frames[task.frame])
        elif isinstance(event, TimerFired):
            timer = self.state.timers.pop(event.timer_id, None)
            if timer is None:
                return f"no armed timer {event.timer_id!r}"
            self.on_timer(event.timer_id, timer)
        elif isinstance(event, Stop):
            details: JSONObject = {}
            if event.error is not None:
                details["error"] = event.error
            if event.cause is not None:
                details["cause"] = event.cause
            self.close("ABORTED", "ExecutionAborted", details, event.error, event.cause)
        elif isinstance(event, MapRunUpdate):
            ignored = maprun.on_update(self, event)
            if ignored is not None:
                return ignored
        self.run()
        return None

    def on_timer(self, timer_id: str, timer: Timer) -> None:
        kind = timer.kind
        if kind == "execution_timeout":
            self.close("TIMED_OUT", "ExecutionTimedOut", {"error": errors.TIMEOUT}, errors.TIMEOUT, None)
        elif kind in ("task_timeout", "heartbeat"):
            tasks.on_task_timer(self, timer)
        elif kind == "wait":
            frame = self.state.frames[timer.ref]
            frame.waiting = None
            cs = self.state_of(frame)
            self.proceed(frame, self.guard(frame, cs, STEPS["WaitDone"]))
        elif kind == "retry":
            frame = self.state.frames[timer.ref]
            frame.waiting = None
            cs = self.state_of(frame)
            self.proceed(frame, self.guard(frame, cs, STEPS[cs.kind]))
        # "continue": the runnable frames are already in the state; run() picks them up.

    # -- running frames -------------------------------------------------------------------------

    def run(self) -> None:
        """Advance runnable frames until all wait, the execution closes, or the per-call cap is hit."""
        state = self.state
        runnable = state.runnable
        while runnable and state.status == "RUNNING":
            if self.transitions >= MAX_TRANSITIONS:
                # Yield so the runtime can commit; an immediate timer brings the frames back.
                self.arm(f"continue:{state.next_event_id}", "continue", runnable[0], self.now)
                return
            fid = runnable.pop(0)
            frame = state.frames.get(fid)
            if frame is not None:
                self.advance(frame)

    def advance(self, frame: Frame) -> None:
        """Enter the frame's current state and keep going while states complete synchronously."""
        machine = self.program.machines[frame.machine].states
        state = self.state
        while True:
            if self.transitions >= MAX_TRANSITIONS:
                state.runnable.insert(0, frame.fid)
                return
            self.transitions += 1
            cs = machine[frame.state]
            frame.entered_at = self.now
            frame.retry_count = 0
            if cs.retry:
                frame.retries = [0] * len(cs.retry)
            elif frame.retries:
                frame.retries = []
            frame.entered_id = self.emit(cs.entered, {"name": cs.name, "input": frame.input}, frame)
            if not self.guard(frame, cs, STEPS[cs.kind]) or frame.fid not in state.frames:
                return
            if state.status != "RUNNING":
                return

    def guard(self, frame: Frame, cs: CompiledState, step: Step) -> bool:
        """Run one step of a state; an ASL failure becomes the state's failure. True: frame moves on."""
        try:
            return step(self, frame, cs)
        except AslFailure as failure:
            return self.fail_state(
                frame, cs, failure.error, state_cause(cs.name, frame.entered_id, failure.cause)
            )

    def proceed(self, frame: Frame, moved_on: bool) -> None:
        """A frame that left a waiting state: queue it to enter its next state."""
        if moved_on:
            self.state.runnable.append(frame.fid)

    def transition(
        self,
        frame: Frame,
        cs: CompiledState,
        output: JSON,
        next_state: str | None = None,
        assigned: Assigned | None = None,
    ) -> bool:
        """Leave `cs` with `output` (committing `assigned` variables): on to the next state (True)
        or the frame ends (False)."""
        details: JSONObject = {"name": cs.name, "output": output}
        if assigned is not None:
            details["assignedVariables"] = assigned
            frame.variables.update(assigned)
        self.emit(cs.exited, details, frame)
        target = next_state if next_state is not None else cs.next
        if target is None:
            self.frame_done(frame, output)
            return False
        frame.state = target
        frame.input = output
        return True

    # -- failure handling -----------------------------------------------------------------------

    def fail_state(self, frame: Frame, cs: CompiledState, error: str, cause: str | None) -> bool:
        """The state failed: retry it, route it through a Catch, or fail the frame."""
        for index, retrier in enumerate(cs.retry):
            if error_matches(retrier.error_equals, error):
                attempts = frame.retries[index]
                if attempts < retrier.max_attempts:
                    delay = retry_delay(retrier, attempts, self.rng)
                    frame.retries[index] = attempts + 1
                    frame.retry_count += 1
                    timer_id = f"retry:{self.state.next_event_id - 1}"
                    self.arm(timer_id, "retry", frame.fid, self.now + timedelta(seconds=delay))
                    frame.waiting = timer_id
                    return False
                break
        for index, catcher in enumerate(cs.catch):
            if error_matches(catcher.error_equals, error):
                error_output: JSONObject = {"Error": error}
                if cause is not None:
                    error_output["Cause"] = cause
                try:
                    output, assigned = cs.io.caught(frame.input, error_output, index, self.env(frame, cs))
                except AslFailure as failure:
                    self.frame_failed(
                        frame, failure.error, state_cause(cs.name, frame.entered_id, failure.cause)
                    )
                    return False
                return self.transition(frame, cs, output, catcher.next, assigned)
        self.frame_failed(frame, error, cause)
        return False

    def frame_done(self, frame: Frame, output: JSON) -> None:
        state = self.state
        del state.frames[frame.fid]
        if frame.parent is None:
            state.status = "SUCCEEDED"
            state.output = output
            self.emit("ExecutionSucceeded", {"output": output})
            self.release_all()
            return
        fanout.child_done(self, frame, output)

    def frame_failed(self, frame: Frame, error: str, cause: str | None) -> None:
        state = self.state
        state.frames.pop(frame.fid, None)
        if frame.parent is None:
            self.remember_redrive_point(frame)
            details: JSONObject = {"error": error}
            if cause is not None:
                details["cause"] = cause
            self.close("FAILED", "ExecutionFailed", details, error, cause)
            return
        fanout.child_failed(self, frame, error, cause)

    def close(
        self, status: str, event_type: str, details: JSONObject, error: str | None, cause: str | None
    ) -> None:
        state = self.state
        maprun.abort_all(self)
        if state.redrive_point is None:
            # Stopped or timed out: the root frame is still where it waits.
            self.remember_redrive_point(state.frames.get(ROOT_FRAME))
        state.status = status  # type: ignore[assignment]
        state.error = error
        state.cause = cause
        self.emit(event_type, details)
        self.release_all()

    def release_all(self) -> None:
        """The execution closed: cancel what is still open and forget the frames."""
        state = self.state
        for task_id in state.open_tasks:
            self.commands.append(CancelTask(task_id))
        for timer_id in state.timers:
            self.commands.append(CancelTimer(timer_id))
        state.open_tasks.clear()
        state.timers.clear()
        state.frames.clear()
        state.runnable.clear()

    def cancel_frame(self, frame: Frame) -> None:
        """Abort a frame and everything under it (a sibling branch failed, a Map gave up)."""
        state = self.state
        state.frames.pop(frame.fid, None)
        if frame.fid in state.runnable:
            state.runnable.remove(frame.fid)
        waiting = frame.waiting
        if waiting is not None and maprun.owns(self, waiting):
            maprun.abort(self, waiting)
        elif waiting is not None:
            task = state.open_tasks.pop(waiting, None)
            if task is not None:
                self.commands.append(CancelTask(waiting))
                self.disarm(f"timeout:{waiting}")
                self.disarm(f"heartbeat:{waiting}")
            self.disarm(waiting)
        if frame.fan is not None:
            for child_id in frame.fan.running:
                child = state.frames.get(child_id)
                if child is not None:
                    self.cancel_frame(child)
            frame.fan = None


__all__ = ["MAX_TRANSITIONS", "Decider", "Decision", "TokenMinter", "decide"]

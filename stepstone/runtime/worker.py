"""The durable runtime: claim due work -> load state -> decide -> commit -> dispatch.

Work is a row: a start, a task result, a fired timer or a callback waits in the store's inbox, and
the worker processes each execution's inbox serially (one coroutine per execution *with work*; a
parked execution costs a row and nothing else). Each event becomes one transition committed in one
transaction, guarded by the execution's version. Commands go out through the outbox after the
commit: at-least-once, keyed by task id, so a repeat after a crash is ignored by `decide`.

The worker sleeps until the next due timer or until someone calls `wake()`: no polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from stepstone.engine.commands import ArmTimer, CancelTask, CancelTimer, InvokeTask
from stepstone.engine.decide import Decision, decide
from stepstone.engine.events import Redrive, TaskStarted, TimerFired
from stepstone.engine.program import Program, load_program
from stepstone.engine.state import ExecutionState
from stepstone.engine.tokens import KeyRing, resolve_token_references, token_hash, token_reference
from stepstone.integrations.activities import is_activity
from stepstone.integrations.base import Registry, dispatch, request_from_command, task_event
from stepstone.integrations.messages import MESSAGE_WAIT, wait_row
from stepstone.integrations.mock_services import MockedServices
from stepstone.integrations.status_events import EventDelivery
from stepstone.metrics import (
    DISPATCH_FAILURES,
    DISPATCHED,
    ENGINE_ERRORS,
    EXECUTIONS_CLOSED,
    EXECUTIONS_STARTED,
    STATE_TRANSITIONS,
    TIMER_LATENESS,
    WORKER_ROUND,
    resource_kind,
    state_machine_name,
)
from stepstone.runtime.clock import Clock, SystemClock
from stepstone.runtime.codec import (
    decode_event,
    decode_invoke,
    dumps,
    encode_event,
    encode_history_event,
    encode_invoke,
)
from stepstone.runtime.followups import cancellable, carry_out, decode_followup, encode_cancel, encode_report
from stepstone.runtime.polls import first_poll, poll_transition, submitted_task
from stepstone.runtime.signals import Signals
from stepstone.runtime.status_events import changes, encode_status_event, status_event
from stepstone.store.base import (
    ActivityTaskRow,
    ExecutionRow,
    HistoryRow,
    InboxRow,
    OutboxRow,
    Store,
    StoreConflict,
    TaskRow,
    Transition,
    WorkItem,
)
from stepstone.store.messages import MessageWaitRow

log = logging.getLogger("stepstone.runtime")

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
#: How long an execution whose transition crashed the engine waits before it is tried again.
ENGINE_BUG_RETRY = timedelta(seconds=5)
#: At most this many executions per round: a backlog of 100,000 starts is not 100,000 coroutines at once.
ROUND_LIMIT = 1000
#: How long a wake-up from another node waits for more of them before the worker looks (seconds).
PEER_WAKE_DEBOUNCE = 0.002
#: State machine ARN -> the name the execution counters are labelled with.
_MACHINE_NAMES: dict[str, str] = {}


def encode_timer(timer_id: str) -> str:
    return encode_event(TimerFired(timer_id))


def encode_started(task_id: str, worker_name: str | None = None) -> str:
    """The event a GetActivityTask queues: AWS records ActivityStarted with the worker's name."""
    return encode_event(TaskStarted(task_id, worker_name))


@dataclass(frozen=True, slots=True)
class Runtime:
    """What the service needs from the runtime: the store, the keys, the clock and the wake-ups."""

    store: Store
    keys: KeyRing
    clock: Clock
    signals: Signals


class Worker:
    """One per process: processes the inbox, fires timers, carries out commands."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        keys: KeyRing,
        *,
        clock: Clock | None = None,
        signals: Signals | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.keys = keys
        self.clock = clock or SystemClock()
        self.signals = signals or Signals()
        self._wake = asyncio.Event()
        self._busy: set[str] = set()
        self._retry_at: dict[str, datetime] = {}
        self._dispatching: dict[int, asyncio.Task[None]] = {}
        # outbox id -> when its dispatch finished (a count): a read of the outbox that was under way
        # then may still return it, and must not carry it out a second time
        self._finished: dict[int, int] = {}
        self._finish_count = 0
        self._outbox_written = False
        self._nudged: asyncio.TimerHandle | None = None
        self._worked = False  # the last round had executions to work on: look again before sleeping
        self._programs: dict[tuple[str, str], asyncio.Future[Program]] = {}
        self._stopped = False
        #: With other nodes on the same store: look for work (and orphaned commands) at least this often.
        self.poll_seconds = poll_seconds
        self.transitions = 0
        #: A mock file's test cases, answered in front of every integration (`serve --mock-config`).
        self.mocks: MockedServices | None = None
        self._holders = 0
        self._released = asyncio.Event()
        self._released.set()
        self._round_done = asyncio.Event()
        self._round_done.set()
        #: For readiness (monotonic seconds): when the loop last finished a round, and when the round in
        #: flight began (None while it sleeps); `running` while `run_forever` runs.
        self.last_round: float | None = None
        self.round_started: float | None = None
        self.running = False
        #: Where status-change events go (serve --events-url); None: none are emitted.
        self.events: EventDelivery | None = None

    # driving ----------------------------------------------------------------------------------------

    def wake(self) -> None:
        """New work is in the store (a start, a callback): look now rather than at the next timer."""
        self._wake.set()

    def nudge(self) -> None:
        """Another node queued work: look soon. A burst of nudges within `PEER_WAKE_DEBOUNCE` is one look.

        Every commit on every node that queues an event wakes all the others; answered one by one, a
        busy cluster spends its rounds claiming nothing. A nudge is answered by a round a moment later,
        and the ones that arrive meanwhile ride on it.
        """
        if self._nudged is None:
            self._nudged = asyncio.get_running_loop().call_later(PEER_WAKE_DEBOUNCE, self._answer_nudge)

    def _answer_nudge(self) -> None:
        self._nudged = None
        self._wake.set()

    async def recover(self) -> None:
        """At start: carry out every command committed but not done before the last stop."""
        await self._dispatch_pending()

    async def run_once(self) -> int:
        """Fire due timers and make one transition for every execution with queued work.

        One read claims the round: each execution's row and oldest event together (`claim_work`). An
        execution with more queued events gets its next transition in the next round, which keeps the
        round to one read however many executions it holds. Returns the number of transitions made.
        """
        await self.store.fire_due_timers(self.clock.now(), encode_timer)
        now = self.clock.now()
        claimed = await self.store.claim_work(ROUND_LIMIT)
        items = [
            item
            for item in claimed
            if item.execution.arn not in self._busy and self._retry_at.get(item.execution.arn, now) <= now
        ]
        self._worked = bool(items)
        if not items:
            return 0
        self._outbox_written = False
        made = sum(await asyncio.gather(*(self._step(item) for item in items)))
        if self._outbox_written:
            await self._dispatch_pending()  # once per round, not once per transition
        return made

    async def run_until_idle(self, max_rounds: int = 10_000) -> int:
        """Tests: run until no work is queued and no command is in flight (timers still armed wait)."""
        total = 0
        for _ in range(max_rounds):
            made = await self.run_once()
            total += made
            if self._dispatching:
                await asyncio.gather(*list(self._dispatching.values()), return_exceptions=True)
                continue
            if made == 0 and not await self.store.executions_with_work():
                return total
        raise RuntimeError("the worker did not become idle")

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """The caller drives the rounds (`run_until_idle`) while `run_forever` waits: a virtual clock's
        advance steps from timer to timer with no second loop claiming, sleeping or re-reading beside it."""
        self._holders += 1
        self._released.clear()
        try:
            await self._round_done.wait()  # the loop's current round ends first
            yield
        finally:
            self._holders -= 1
            if not self._holders:
                self._released.set()
                self.wake()

    async def run_forever(self) -> None:
        """Until `stop()`: work, then sleep until the next timer is due or someone wakes us."""
        self.running = True
        try:
            await self._run_forever()
        finally:
            self.running = False

    async def _run_forever(self) -> None:
        await self.recover()
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + (self.poll_seconds or 0.0)
        while not self._stopped:
            if self._holders:
                await self._released.wait()
                continue
            self._wake.clear()
            self._round_done.clear()
            started = self.round_started = time.monotonic()
            try:
                await self.run_once()
                if self.poll_seconds is not None and loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.poll_seconds
                    await self._dispatch_pending()  # commands a dead node held, once their lease ran out
            except Exception:  # a store hiccup must not kill the worker; the work stays queued
                log.exception("worker round failed")
                await asyncio.sleep(1)
            finally:
                self._round_done.set()
            self.round_started, self.last_round = None, time.monotonic()
            if self._worked:
                WORKER_ROUND.observe(self.last_round - started)
                continue  # look again at once: the next claim tells whether more is queued
            due = await self.store.next_timer_due()
            timeout = 3600.0 if due is None else max(0.0, (due - self.clock.now()).total_seconds())
            if self._retry_at:
                timeout = min(timeout, ENGINE_BUG_RETRY.total_seconds())
            if self.poll_seconds is not None:
                timeout = min(timeout, self.poll_seconds)  # the slow safety net under NOTIFY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def stop(self) -> None:
        self._stopped = True
        if self._nudged is not None:
            self._nudged.cancel()
        self._wake.set()
        for task in list(self._dispatching.values()):
            task.cancel()
        await asyncio.gather(*self._dispatching.values(), return_exceptions=True)

    # one execution ----------------------------------------------------------------------------------

    async def _program(self, row: ExecutionRow) -> Program:
        # The cache holds the loading task, not only its result: the executions of one round all ask at
        # once, and without this each of them would read and compile the same definition.
        key = (row.state_machine_arn, row.revision_id)
        loading = self._programs.get(key)
        if loading is None:
            loading = self._programs[key] = asyncio.ensure_future(self._load_program(key))
        try:
            return await asyncio.shield(loading)
        except Exception:
            if self._programs.get(key) is loading:
                del self._programs[key]  # a failed load is not cached
            raise

    async def _load_program(self, key: tuple[str, str]) -> Program:
        definition = await self.store.get_definition(*key)
        if definition is None:
            raise LookupError(f"no definition {key}")
        program = load_program(definition)
        program.map_runs = True  # distributed Map states run real child executions here
        return program

    async def _step(self, item: WorkItem) -> int:
        """One transition of one execution; 1 if it was committed, else 0 (the event stays queued)."""
        row, inbox = item.execution, item.inbox
        arn = row.arn
        self._busy.add(arn)
        try:
            return await self._transition_once(row, inbox)
        finally:
            self._busy.discard(arn)

    async def _transition_once(self, row: ExecutionRow, inbox: InboxRow) -> int:
        arn = row.arn
        now = self.clock.now()
        event = decode_event(inbox.event)
        before = ExecutionState.from_json(json.loads(row.state)) if row.state else None
        # decide mutates `before`: keep what was open (task id -> resource) for the transition
        open_before = {t: task.resource for t, task in before.open_tasks.items()} if before else {}
        timer = before.timers.get(event.timer_id) if before and isinstance(event, TimerFired) else None
        if isinstance(event, TimerFired) and (polled := poll_transition(row, inbox, event, open_before, now)):
            return await self._commit_poll(polled)  # a `.sync` job's poll timer: no decision to make
        submitting = submitted_task(before, event)  # a copy: decide mutates `before`
        was = before.status if before else None
        try:
            program = await self._program(row)
            decision = decide(
                program,
                before,
                event,
                now=now,
                seed=_seed(arn, row.version),
                mint_token=token_reference,  # stored data names the task; the secret is minted on dispatch
            )
        except Exception:  # an engine bug: keep the event, try again later; the execution is not failed
            log.exception(
                "decide failed for %s (event %s); retrying later", arn, type(event).__name__,
                extra={"execution_arn": arn},
            )  # fmt: skip
            ENGINE_ERRORS.inc()
            self._retry_at[arn] = now + ENGINE_BUG_RETRY
            return 0
        self._retry_at.pop(arn, None)
        transition = self._transition(row, inbox, open_before, decision, now, was, isinstance(event, Redrive))
        if submitting is not None and submitting.task_id in decision.state.open_tasks:
            poll = first_poll(self.registry, submitting, now)
            if poll is not None:  # a `.sync` job: its first poll is armed with its submission
                transition = dataclasses.replace(transition, arm_timers=[*transition.arm_timers, poll])
        try:
            await self.store.commit_transition(transition)
        except StoreConflict:
            log.debug("transition of %s lost its guard; the next round re-reads it", arn)
            return 0
        self.transitions += 1
        STATE_TRANSITIONS.inc()
        if before is None or (transition.status in TERMINAL and row.status not in TERMINAL):
            self._count_execution(row, before is None, transition.status)
        if timer is not None:
            TIMER_LATENESS.labels(timer.kind).observe(max(0.0, (now - timer.due).total_seconds()))
        if log.isEnabledFor(logging.DEBUG):
            where = {"execution_arn": arn, "state_name": _state_name(decision.state)}
            log.debug(
                "transition %s %s -> %s (+%d events)", arn, type(event).__name__, transition.status,
                len(transition.history), extra=where,
            )  # fmt: skip
        if transition.outbox:
            self._outbox_written = True
        if transition.arm_timers:
            self.wake()
        if transition.status in TERMINAL:
            self.signals.notify(f"execution:{arn}")
        return 1

    @staticmethod
    def _count_execution(row: ExecutionRow, started: bool, status: str) -> None:
        name = _MACHINE_NAMES.get(row.state_machine_arn)
        if name is None:  # one entry per state machine: the label's own bound
            name = _MACHINE_NAMES[row.state_machine_arn] = state_machine_name(row.state_machine_arn)
        if started:
            EXECUTIONS_STARTED.inc((name,))
        if status in TERMINAL:
            EXECUTIONS_CLOSED.inc((name, status))

    async def _commit_poll(self, transition: Transition) -> int:
        try:
            await self.store.commit_transition(transition)
        except StoreConflict:
            return 0
        self._outbox_written = self._outbox_written or bool(transition.outbox)
        if transition.arm_timers:
            self.wake()
        return 1

    def _transition(
        self,
        row: ExecutionRow,
        inbox: InboxRow,
        open_before: dict[str, str],
        decision: Decision,
        now: datetime,
        was: str | None = None,
        redriven: bool = False,
    ) -> Transition:
        state: ExecutionState = decision.state
        arn = row.arn
        outbox: list[str] = []
        arm: list[tuple[str, datetime]] = []
        cancel_timers: list[str] = []
        open_tasks: list[TaskRow] = []
        close: list[str] = []
        waits: list[MessageWaitRow] = []
        for command in decision.commands:
            if isinstance(command, InvokeTask):
                outbox.append(encode_invoke(command))
                open_tasks.append(self._task_row(arn, command, now))
                if command.resource == MESSAGE_WAIT and (
                    wait := wait_row(arn, command.task_id, command.payload, now)
                ):
                    waits.append(wait)
            elif isinstance(command, ArmTimer):
                arm.append((command.timer_id, command.due))
            elif isinstance(command, CancelTimer):
                cancel_timers.append(command.timer_id)
            elif isinstance(command, CancelTask):
                close.append(command.task_id)
                resource = open_before.get(command.task_id)
                if resource is not None and cancellable(self.registry, resource):
                    outbox.append(encode_cancel(resource, command.task_id))
        close.extend(sorted(set(open_before) - set(state.open_tasks) - set(close)))
        first_id = row.next_event_id
        formatted: dict[datetime, str] = {}  # the events of one transition share one time: format it once
        history: list[HistoryRow] = []
        for i, event in enumerate(decision.history):
            at = event.get("timestamp")
            text = None
            if isinstance(at, datetime):
                text = formatted.get(at)
                if text is None:
                    text = formatted[at] = at.isoformat()
            event_id = int(event.get("id", first_id + i))
            history.append(HistoryRow(event_id, at or now, encode_history_event(event, text)))
        terminal = state.status in TERMINAL
        if terminal and row.status not in TERMINAL and state.info.parent is not None:
            # a nested execution just closed and its parent's task waits: report in this same commit
            outbox.append(encode_report(state.info.parent))
        if self.events is not None:  # announced by the very commit that changes the status
            output = dumps(state.output) if state.status == "SUCCEEDED" else None
            for status in changes(arn, was, state.status, redriven=redriven):
                event = status_event(row, status, now, output=output, error=state.error, cause=state.cause)
                outbox.append(encode_status_event(event))
        return Transition(
            execution_arn=arn,
            expected_version=row.version,
            consumed_inbox_id=inbox.id,
            state=dumps(state.to_json()),
            status=state.status,
            output=dumps(state.output) if terminal and state.status == "SUCCEEDED" else None,
            error=state.error,
            cause=state.cause,
            stop_date=(row.stop_date or now) if terminal else None,
            history=history,
            outbox=outbox,
            arm_timers=arm,
            cancel_timers=cancel_timers,
            open_tasks=open_tasks,
            close_tasks=close,
            closed_at=now,
            message_waits=waits,
        )

    def _task_row(self, arn: str, command: InvokeTask, now: datetime) -> TaskRow:
        # a message wait gets a token hash too (never handed out): its address can heartbeat it
        with_token = (
            command.token is not None or is_activity(command.resource) or command.resource == MESSAGE_WAIT
        )
        token = self.keys.mint(arn, command.task_id)  # command.token is only its reference
        return TaskRow(
            execution_arn=arn,
            task_id=command.task_id,
            state_name=command.state_name,
            resource=command.resource,
            since=now,
            token_hash=token_hash(token) if with_token else None,
            timeout_at=None
            if command.timeout_seconds is None
            else now + timedelta(seconds=command.timeout_seconds),
            heartbeat_seconds=command.heartbeat_seconds,
            heartbeat_at=None
            if command.heartbeat_seconds is None
            else now + timedelta(seconds=command.heartbeat_seconds),
        )

    # commands ---------------------------------------------------------------------------------------

    async def _dispatch_pending(self) -> None:
        started = self._finish_count
        for row in await self.store.pending_outbox():
            if row.id not in self._dispatching and self._finished.get(row.id, -1) <= started:
                task = asyncio.create_task(self._dispatch(row))
                self._dispatching[row.id] = task
                task.add_done_callback(self._forget_dispatch)
        if len(self._finished) > 4096:  # only the latest can still be in a read under way
            self._finished = dict(sorted(self._finished.items(), key=lambda kv: kv[1])[-1024:])

    def _forget_dispatch(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._dispatching.items()):
            if running is task:
                del self._dispatching[key]
                if not task.cancelled() and task.exception() is None:  # completed: never again here
                    self._finish_count += 1
                    self._finished[key] = self._finish_count

    async def _waiting_token(self, arn: str, task_id: str) -> str:
        """The task's token as it was when its transition committed, even if the key ring rotated since.

        The stored hash tells which key signed it; with one key in the ring there is nothing to look up.
        """
        if len(self.keys) > 1:
            task = await self.store.get_task(arn, task_id)
            token = self.keys.remint(arn, task_id, task.token_hash if task is not None else None)
            if token is not None:
                return token
        return self.keys.mint(arn, task_id)

    async def _dispatch(self, row: OutboxRow) -> None:
        """Carry out one command; one that raises stays in the outbox and is tried again later."""
        try:
            await self._carry_out(row)
        except asyncio.CancelledError:
            raise
        except Exception:
            kind = _command_kind(row.command)
            DISPATCH_FAILURES.inc((kind,))
            log.exception(
                "dispatch of a %s command failed; it stays queued",
                kind,
                extra={"execution_arn": row.execution_arn},
            )

    async def _carry_out(self, row: OutboxRow) -> None:
        followup = decode_followup(row.command)
        if followup is not None:
            if await carry_out(self.store, self.registry, row, followup, self.events):
                self.wake()
            return
        command, has_token = decode_invoke(row.command)
        if self.mocks is not None and (mocked := await self.mocks.answer(row.execution_arn, command)):
            await self.store.complete_outbox(row.id, encode_event(mocked))
            self.wake()
            return
        if has_token:
            command = _with_token(command, await self._waiting_token(row.execution_arn, command.task_id))
        if is_activity(command.resource):  # the queue keeps references; GetActivityTask resolves them
            queued = ActivityTaskRow(
                0, command.resource, row.execution_arn, command.task_id, dumps(command.payload)
            )
            await self.store.complete_outbox(row.id, None, queued)
            DISPATCHED.inc(("activity", "queued"))
            self.signals.notify(command.resource)
            return
        if command.token is not None:
            arn, own, token = row.execution_arn, command.task_id, command.token
            payload = resolve_token_references(
                command.payload, lambda task_id: token if task_id == own else self.keys.mint(arn, task_id)
            )
            command = dataclasses.replace(command, payload=payload)
        result = await dispatch(self.registry, request_from_command(command, row.execution_arn))
        # a waiting task's submission answer (TaskSubmitted) is an event too: it takes the inbox's order
        await self.store.complete_outbox(row.id, encode_event(task_event(command.task_id, result)))
        outcome = "failed" if result.failed else "pending" if result.pending else "succeeded"
        DISPATCHED.inc((resource_kind(command.resource), outcome))
        self.wake()


def _state_name(state: ExecutionState) -> str | None:
    """The state the execution's root frame is in (a Map or Parallel state while branches run)."""
    return next((frame.state for frame in state.frames.values() if frame.parent is None), None)


def _command_kind(command: str) -> str:
    """The resource kind a queued command calls, for a bounded label (follow-ups are "followup")."""
    try:
        if decode_followup(command) is not None:
            return "followup"
        return resource_kind(decode_invoke(command)[0].resource)
    except Exception:  # an undecodable command is itself the failure being counted
        return "other"


def _with_token(command: InvokeTask, token: str) -> InvokeTask:
    return dataclasses.replace(command, token=token)


def _seed(arn: str, version: int) -> int:
    """A seed per transition, derived (not drawn) so a replay of the same history draws the same."""
    return int.from_bytes(hashlib.sha256(f"{arn}#{version}".encode()).digest()[:8], "big") >> 1


MintToken = Callable[[str], str]

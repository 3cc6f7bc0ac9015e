"""The worker: long-polls its activities, runs each task's function, heartbeats, calls back, stops cleanly.

One asyncio loop; every boto3 call runs on a daemon thread (`threads.in_thread`), so `concurrency`
slots per activity each poll, run and call back in turn. Sync functions run on a thread, async ones
on the loop. Nothing but the public Step Functions API is used: the same worker runs against AWS.

Stopping (SIGTERM or SIGINT under `run()`, or `stop()`): no new polls; polls still open are left to
end on their own (a task one of them returns is run like the others); tasks in flight get
`grace_seconds` to finish and call back; what is still running then is given back with
SendTaskFailure(error "WorkerStopped"), which a state's Retry can catch to run the task again. A
second signal gives back at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from stepstone.worker.activity import Activity
from stepstone.worker.calls import GONE, Answer, Backoff, call_until_answered, client_config, retryable
from stepstone.worker.logs import emit, task_ref
from stepstone.worker.threads import in_thread

#: The error of a task given back because the worker stopped before it finished.
STOPPED_ERROR = "WorkerStopped"
#: After the grace period, callbacks and give-backs still unanswered get this long, then are abandoned.
GIVE_BACK_SECONDS = 5.0
MAX_ERROR, MAX_CAUSE = 256, 32768  # what SendTaskFailure accepts


@dataclass(frozen=True, slots=True)
class Received:
    """A task as GetActivityTask handed it out."""

    token: str
    input: str

    @property
    def ref(self) -> str:
        return task_ref(self.token)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the function made of a task: its output (JSON text), or an error and a cause."""

    output: str | None = None
    error: str = ""
    cause: str = ""


class Worker:
    """Serves `activities` with their functions until stopped (see the module docstring)."""

    def __init__(
        self,
        activities: Sequence[Activity],
        *,
        client: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        name: str | None = None,
        grace_seconds: float = 30.0,
    ) -> None:
        if not activities:
            raise ValueError("a worker needs at least one activity")
        self.activities = tuple(activities)
        slots = sum(a.concurrency for a in self.activities)
        if client is None:
            import boto3  # only a worker that makes its own client needs boto3 itself

            client = boto3.client(
                "stepfunctions",
                endpoint_url=endpoint_url,
                region_name=region,
                config=client_config(2 * slots + 4),
            )
        self.client = client
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.grace_seconds = grace_seconds
        self.stats: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._forced = asyncio.Event()
        self._give_up_at = float("inf")
        self._running: set[asyncio.Task[None]] = set()
        self._stop_early = False

    # lifecycle ---------------------------------------------------------------------------------------

    @property
    def serving(self) -> bool:
        """True from the moment `serve()` runs until it returns (`stop()` works only meanwhile)."""
        return self._loop is not None

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; a second signal gives the tasks in flight back at once."""

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._on_signal, sig)
            await self.serve()

        asyncio.run(main())

    def _on_signal(self, sig: signal.Signals) -> None:
        emit(logging.INFO, "worker.signal", f"{sig.name}: stopping", signal=sig.name)
        self.stop(now=self._stopping.is_set())

    def stop(self, *, now: bool = False) -> None:
        """Stop polling; tasks in flight get the grace period (none if `now`). Safe from any thread."""
        loop = self._loop
        if loop is None:  # not serving yet: serve() will return at once
            self._stop_early = True
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._stop, now)

    def _stop(self, now: bool) -> None:
        self._stopping.set()
        if now:
            self._force()

    def _force(self) -> None:
        if not self._forced.is_set():
            self._give_up_at = asyncio.get_running_loop().time() + GIVE_BACK_SECONDS
            self._forced.set()

    async def serve(self) -> None:
        """Poll and run tasks until `stop()`, then finish or give back what is in flight."""
        self._loop = asyncio.get_running_loop()
        self._stopping, self._forced = asyncio.Event(), asyncio.Event()
        if self._stop_early:
            self._stopping.set()
        slots = [asyncio.create_task(self._slot(a)) for a in self.activities for _ in range(a.concurrency)]
        emit(logging.INFO, "worker.started", f"worker {self.name} serving {len(self.activities)} activities",
             worker=self.name, activities=[a.name for a in self.activities], slots=len(slots))  # fmt: skip
        try:
            await self._stopping.wait()
            emit(logging.INFO, "worker.stopping", f"stopping: {len(self._running)} tasks in flight",
                 running=len(self._running), grace_seconds=self.grace_seconds)  # fmt: skip
            await self._drain()
        finally:
            for slot in slots:
                slot.cancel()
            await asyncio.gather(*slots, return_exceptions=True)
            self._loop = None
        emit(logging.INFO, "worker.stopped", "stopped", **dict(self.stats))

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace_seconds
        forced = asyncio.ensure_future(self._forced.wait())
        try:
            while self._running and not self._forced.is_set() and loop.time() < deadline:
                await asyncio.wait({*self._running, forced}, timeout=deadline - loop.time(),
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            forced.cancel()
        if self._running:
            self._force()  # each task still running gives itself back
            await asyncio.wait(self._running, timeout=GIVE_BACK_SECONDS + 1)

    # polling -----------------------------------------------------------------------------------------

    async def _slot(self, activity: Activity) -> None:
        backoff = Backoff(first=0.2, cap=5.0)  # a restarting server is back within seconds
        while not self._stopping.is_set():
            poll = in_thread(partial(self._poll, activity), orphan=partial(self._give_back_now, activity))
            stopped = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not poll.done():  # stopping: the poll ends on its own; a task it brings is still run
                poll.add_done_callback(partial(self._late, activity))
                return
            try:
                received = poll.result()
            except Exception as exc:  # a poll that failed is tried again
                delay = backoff.next()
                level = logging.WARNING if retryable(exc) else logging.ERROR
                emit(level, "poll.failed", f"GetActivityTask failed ({exc}); again in {delay:.1f} s",
                     activity=activity.name, error=type(exc).__name__)  # fmt: skip
                await self._sleep(delay)
                continue
            backoff.reset()
            if received is not None:
                await asyncio.wait({self._start(activity, received)})

    def _poll(self, activity: Activity) -> Received | None:
        answer = self.client.get_activity_task(activityArn=activity.arn, workerName=self.name)
        token = answer.get("taskToken")
        return Received(token, answer.get("input") or "{}") if token else None

    def _late(self, activity: Activity, poll: asyncio.Future[Received | None]) -> None:
        if not poll.cancelled() and poll.exception() is None and (received := poll.result()) is not None:
            if self._loop is None:  # serve() has returned: nothing would run it
                threading.Thread(target=self._give_back_now, args=(activity, received), daemon=True).start()
            else:
                self._start(activity, received)

    async def _sleep(self, seconds: float) -> None:
        stopped = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({stopped}, timeout=seconds)
        stopped.cancel()

    # running one task --------------------------------------------------------------------------------

    def _start(self, activity: Activity, received: Received) -> asyncio.Task[None]:
        self.stats["received"] += 1
        task = asyncio.get_running_loop().create_task(self._run(activity, received))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def _run(self, activity: Activity, received: Received) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        emit(logging.INFO, "task.received", "task received", activity=activity.name, task=received.ref)
        beats = asyncio.ensure_future(self._heartbeats(activity, received))
        work = asyncio.ensure_future(self._work(activity, received))
        forced = asyncio.ensure_future(self._forced.wait())
        try:
            await asyncio.wait({work, forced}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            forced.cancel()
            beats.cancel()
        if not work.done():
            work.cancel()  # an async function is cancelled; a sync one runs on, its result unused
            await self._give_back(activity, received)
            return
        outcome = work.result()
        seconds = round(loop.time() - began, 3)
        if outcome.output is not None:
            answer = await self._callback(partial(
                self.client.send_task_success, taskToken=received.token, output=outcome.output
            ))  # fmt: skip
            if answer.code == "InvalidOutput":  # too large for the API, say: the task fails with why
                outcome = Outcome(None, "InvalidOutput", answer.message)
            else:
                self._reported(activity, received, answer, "succeeded", seconds=seconds)
                return
        answer = await self._callback(partial(
            self.client.send_task_failure, taskToken=received.token, error=outcome.error[:MAX_ERROR],
            cause=outcome.cause[:MAX_CAUSE],
        ))  # fmt: skip
        self._reported(activity, received, answer, "failed", seconds=seconds, error=outcome.error)

    async def _work(self, activity: Activity, received: Received) -> Outcome:
        try:
            payload = json.loads(received.input)
            if activity.is_async:
                output = await activity.handler(payload)
            else:
                output = await in_thread(partial(activity.handler, payload))
            return Outcome(json.dumps(output))
        except Exception as exc:  # the function's error is the task's error
            return Outcome(None, type(exc).__name__, str(exc))

    async def _heartbeats(self, activity: Activity, received: Received) -> None:
        delay = activity.heartbeat_every
        while True:
            await asyncio.sleep(delay)
            beat = partial(self.client.send_task_heartbeat, taskToken=received.token)
            answer = await call_until_answered(beat, give_up=lambda: True)  # the next beat is the retry
            delay = activity.heartbeat_every if answer.ok else min(activity.heartbeat_every, 1.0)
            if answer.code in GONE:
                emit(logging.WARNING, "task.gone", f"heartbeat answered {answer.code}: the task is not open",
                     activity=activity.name, task=received.ref, code=answer.code)  # fmt: skip
                return
            if not answer.ok:
                emit(logging.WARNING, "heartbeat.failed", f"heartbeat failed: {answer.message}",
                     activity=activity.name, task=received.ref)  # fmt: skip

    async def _callback(self, call: Callable[[], Any]) -> Answer:
        loop = asyncio.get_running_loop()
        return await call_until_answered(call, give_up=lambda: loop.time() > self._give_up_at)

    def _reported(
        self, activity: Activity, received: Received, answer: Answer, what: str, **fields: Any
    ) -> None:
        where = {"activity": activity.name, "task": received.ref, "attempts": answer.attempts, **fields}
        if answer.ok:
            self.stats[what] += 1
            emit(logging.INFO, f"task.{what}", f"task {what}", **where)
        elif answer.code in GONE:
            self.stats["gone"] += 1
            emit(logging.WARNING, "callback.gone",
                 f"callback answered {answer.code}"
                 + (" after a retry: an earlier attempt was probably accepted" if answer.attempts > 1
                    else ": the task was no longer open (timed out or stopped)"),
                 code=answer.code, **where)  # fmt: skip
        elif answer.code is None:
            self.stats["abandoned"] += 1
            emit(logging.ERROR, "callback.abandoned", f"callback never answered: {answer.message}", **where)
        else:
            self.stats["refused"] += 1
            emit(logging.ERROR, "callback.refused", f"callback refused: {answer.code}: {answer.message}",
                 code=answer.code, **where)  # fmt: skip

    # giving back -------------------------------------------------------------------------------------

    async def _give_back(self, activity: Activity, received: Received) -> None:
        answer = await self._callback(partial(self.client.send_task_failure, **self._stopped(received)))
        if answer.ok:
            self.stats["given_back"] += 1
            emit(logging.WARNING, "task.given_back", f"task given back ({STOPPED_ERROR})",
                 activity=activity.name, task=received.ref)  # fmt: skip
        else:
            self._reported(activity, received, answer, "given_back")

    def _give_back_now(self, activity: Activity, received: Received | None) -> None:
        """A task a poll brought after the worker's loop was gone: give it back from this thread."""
        if received is None:
            return
        try:
            self.client.send_task_failure(**self._stopped(received))
        except Exception as exc:  # the process is exiting; say so and go
            emit(logging.ERROR, "task.lost", f"a task came as the worker exited; not given back: {exc}",
                 activity=activity.name, task=received.ref)  # fmt: skip

    @staticmethod
    def _stopped(received: Received) -> dict[str, str]:
        return {"taskToken": received.token, "error": STOPPED_ERROR,
                "cause": "the worker stopped before the task finished"}  # fmt: skip

"""One task, start to end: the function, its heartbeats, its callback; given back if the worker must stop.

The runner's `forced` event is the worker's "time is up": a task still running then is given back
with SendTaskFailure(error "WorkerStopped"), and callbacks still unanswered get `GIVE_BACK_SECONDS`
more before they are abandoned.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from stepstone.worker.activity import Activity
from stepstone.worker.calls import GONE, Answer, call_until_answered
from stepstone.worker.logs import emit, task_ref
from stepstone.worker.threads import in_thread

#: The error of a task given back because the worker stopped before it finished.
STOPPED_ERROR = "WorkerStopped"
#: Once forced, callbacks and give-backs still unanswered get this long, then are abandoned.
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


class TaskRunner:
    """Runs tasks over one client, counting what became of them in `stats`."""

    def __init__(self, client: Any, stats: Counter[str]) -> None:
        self.client, self.stats = client, stats
        self.forced = asyncio.Event()
        self._give_up_at = float("inf")

    def force(self) -> None:
        """Time is up: running tasks are given back, callbacks get a last few seconds."""
        if not self.forced.is_set():
            self._give_up_at = asyncio.get_running_loop().time() + GIVE_BACK_SECONDS
            self.forced.set()

    async def run(self, activity: Activity, received: Received) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        emit(logging.INFO, "task.received", "task received", activity=activity.name, task=received.ref)
        beats = asyncio.ensure_future(self._heartbeats(activity, received))
        work = asyncio.ensure_future(self._work(activity, received))
        forced = asyncio.ensure_future(self.forced.wait())
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
            if answer.code != "InvalidOutput":
                self._reported(activity, received, answer, "succeeded", seconds=seconds)
                return
            outcome = Outcome(
                None, "InvalidOutput", answer.message
            )  # too large, say: the task fails, with why
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

    async def _give_back(self, activity: Activity, received: Received) -> None:
        answer = await self._callback(partial(self.client.send_task_failure, **stopped(received)))
        if answer.ok:
            self.stats["given_back"] += 1
            emit(logging.WARNING, "task.given_back", f"task given back ({STOPPED_ERROR})",
                 activity=activity.name, task=received.ref)  # fmt: skip
        else:
            self._reported(activity, received, answer, "given_back")


def give_back_now(client: Any, activity: Activity, received: Received | None) -> None:
    """A task that came when no loop could run it (the worker had stopped): give it back, blocking."""
    if received is None:
        return
    try:
        client.send_task_failure(**stopped(received))
    except Exception as exc:  # the process is exiting; say so and go
        emit(logging.ERROR, "task.lost", f"a task came as the worker exited; not given back: {exc}",
             activity=activity.name, task=received.ref)  # fmt: skip


def stopped(received: Received) -> dict[str, str]:
    """SendTaskFailure's arguments for a task given back."""
    return {
        "taskToken": received.token,
        "error": STOPPED_ERROR,
        "cause": "the worker stopped before the task finished",
    }

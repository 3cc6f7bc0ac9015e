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
import logging
import os
import signal
import socket
import threading
from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

from stepstone.worker.activity import Activity
from stepstone.worker.calls import Backoff, client_config, retryable
from stepstone.worker.logs import emit
from stepstone.worker.tasks import GIVE_BACK_SECONDS, Received, TaskRunner, give_back_now
from stepstone.worker.threads import in_thread


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
                region_name=region or (boto3.Session().region_name or "us-east-1" if endpoint_url else None),
                config=client_config(2 * slots + 4),
            )
        self.client = client
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.grace_seconds = grace_seconds
        self.stats: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._runner = TaskRunner(client, self.stats)
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
            self._runner.force()

    async def serve(self) -> None:
        """Poll and run tasks until `stop()`, then finish or give back what is in flight."""
        self._loop = asyncio.get_running_loop()
        self._stopping, self._runner = asyncio.Event(), TaskRunner(self.client, self.stats)
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
        forced = asyncio.ensure_future(self._runner.forced.wait())
        try:
            while self._running and not self._runner.forced.is_set() and loop.time() < deadline:
                await asyncio.wait({*self._running, forced}, timeout=deadline - loop.time(),
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            forced.cancel()
        if self._running:
            self._runner.force()  # each task still running gives itself back
            await asyncio.wait(self._running, timeout=GIVE_BACK_SECONDS + 1)

    # polling -----------------------------------------------------------------------------------------

    async def _slot(self, activity: Activity) -> None:
        backoff = Backoff(first=0.2, cap=5.0)  # a restarting server is back within seconds
        while not self._stopping.is_set():
            poll = in_thread(
                partial(self._poll, activity), orphan=partial(give_back_now, self.client, activity)
            )
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
                threading.Thread(
                    target=give_back_now, args=(self.client, activity, received), daemon=True
                ).start()
            else:
                self._start(activity, received)

    async def _sleep(self, seconds: float) -> None:
        stopped = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({stopped}, timeout=seconds)
        stopped.cancel()

    def _start(self, activity: Activity, received: Received) -> asyncio.Task[None]:
        self.stats["received"] += 1
        task = asyncio.get_running_loop().create_task(self._runner.run(activity, received))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

"""boto3 is blocking: each call runs on a daemon thread of its own and is awaited as a future.

Daemon threads, not a pool: a long poll (GetActivityTask holds up to 60 s) or a sync function still
running when the worker stops must not keep the process from exiting. A thread costs ~0.1 ms to
start, nothing next to the HTTP call it carries.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_thread(fn: Callable[[], T], orphan: Callable[[T], None] | None = None) -> asyncio.Future[T]:
    """Run `fn` on a new daemon thread; its result or exception settles the returned future.

    If nobody can take the result any more (the future was cancelled, or the event loop is gone),
    `orphan(result)` runs on the thread instead, so a task that arrives late is not dropped silently.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, value: object) -> None:
        if future.cancelled():
            if ok and orphan is not None:
                threading.Thread(target=orphan, args=(value,), daemon=True).start()
        elif ok:
            future.set_result(value)  # type: ignore[arg-type]
        else:
            future.set_exception(value)  # type: ignore[arg-type]

    def run() -> None:
        try:
            ok, value = True, fn()
        except BaseException as exc:  # carried to the awaiting side
            ok, value = False, exc  # type: ignore[assignment]
        try:
            loop.call_soon_threadsafe(settle, ok, value)
        except RuntimeError:  # the loop is closed: the worker has stopped
            if ok and orphan is not None:
                orphan(value)

    threading.Thread(target=run, daemon=True, name="stepstone-worker-call").start()
    return future

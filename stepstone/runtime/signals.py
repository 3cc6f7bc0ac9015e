"""In-process wake-ups: a long poll waits on a key, whoever makes work for that key notifies it.

Only waiting clients hold a future here; a parked execution holds nothing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class Signals:
    """Named wake-ups for one event loop."""

    def __init__(self) -> None:
        self._waiters: defaultdict[str, set[asyncio.Future[None]]] = defaultdict(set)
        #: Set by `close()` at shutdown: waits end at once, so long polls answer "nothing" and finish.
        self.closed = False

    def notify(self, key: str) -> None:
        for future in self._waiters.pop(key, set()):
            if not future.done():
                future.set_result(None)

    def subscribe(self, key: str) -> asyncio.Future[None]:
        """Register now, wait later: a notify that comes in between (while the caller looks for work
        in the store) is not lost. Pass the result to `wait`, or to `discard` when not waiting."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[key].add(future)
        return future

    def discard(self, key: str, future: asyncio.Future[None]) -> None:
        waiters = self._waiters.get(key)
        if waiters is not None:
            waiters.discard(future)
            if not waiters:
                del self._waiters[key]

    async def wait(self, key: str, timeout: float, subscription: asyncio.Future[None] | None = None) -> bool:
        """True when notified, False on timeout; cancellation propagates (shutdown)."""
        future = subscription if subscription is not None else self.subscribe(key)
        if self.closed:
            self.discard(key, future)
            return False
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.discard(key, future)

    def cancel_all(self) -> None:
        for waiters in self._waiters.values():
            for future in waiters:
                future.cancel()
        self._waiters.clear()

    def close(self) -> None:
        """Shutdown: wake every waiter (as if notified) and end every later wait at once."""
        self.closed = True
        for key in list(self._waiters):
            self.notify(key)

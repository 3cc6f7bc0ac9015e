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

    def notify(self, key: str) -> None:
        for future in self._waiters.pop(key, set()):
            if not future.done():
                future.set_result(None)

    async def wait(self, key: str, timeout: float) -> bool:
        """True when notified, False on timeout; cancellation propagates (shutdown)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[key].add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(future)
                if not waiters:
                    del self._waiters[key]

    def cancel_all(self) -> None:
        for waiters in self._waiters.values():
            for future in waiters:
                future.cancel()
        self._waiters.clear()

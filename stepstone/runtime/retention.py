"""Retention: closed executions and everything that belongs to them go after a while.

AWS keeps a closed standard execution's history for 90 days; so does stepstone by default. The
server prunes in the background (`Retention.run_forever`): small batches (`BATCH` executions, one
transaction each, with a pause between), so the worker's transitions never wait long behind a
delete, and several PostgreSQL nodes pruning at once take different rows (SKIP LOCKED). `stepstone
db prune` runs the same loop once. Open executions are never touched; neither is a closed one with
an event still queued or a command still to carry out. The audit log is kept: it is the record of
who did what, and has its own retention needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta

from stepstone.metrics import PRUNED
from stepstone.runtime.clock import Clock
from stepstone.store.base import Store

log = logging.getLogger("stepstone.retention")

#: AWS's retention of closed standard executions.
DEFAULT_RETENTION = timedelta(days=90)
#: Executions per delete transaction, and the pause between transactions (seconds).
BATCH = 200
PAUSE = 0.05
#: How often the background loop looks for newly expired executions (seconds).
EVERY = 300.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT = {"": 86400.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_retention(text: str) -> timedelta | None:
    """`30d`, `12h`, `90m`, `45s`, `2w` (a bare number is days); `0` keeps everything (None)."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (examples: 90d, 12h, 30m, 0 to keep everything)")
    seconds = float(match.group(1)) * _UNIT[match.group(2)]
    return None if seconds == 0 else timedelta(seconds=seconds)


async def prune(store: Store, before: datetime, *, batch: int = BATCH, pause: float = PAUSE) -> int:
    """Delete every execution closed before `before`, batch by batch; how many went."""
    total = 0
    while True:
        n = await store.prune_closed(before, batch)
        total += n
        PRUNED.inc(amount=n)
        if n < batch:
            return total
        await asyncio.sleep(pause)  # let the worker's transitions between two batches


class Retention:
    """The server's background pruning: every `every` seconds (default: a quarter of `keep`, at most
    `EVERY`), what closed more than `keep` ago."""

    def __init__(
        self, store: Store, clock: Clock, keep: timedelta, *, every: float | None = None, batch: int = BATCH
    ) -> None:
        self.store = store
        self.clock = clock
        self.keep = keep
        # looking far more often than the retention itself is wasted; a short retention looks often
        self.every = every if every is not None else min(EVERY, max(0.5, keep.total_seconds() / 4))
        self.batch = batch
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """End `run_forever` after the batch in flight (a cancel alone may land inside the driver)."""
        self._stopping.set()

    async def run_once(self) -> int:
        """Prune what has expired now."""
        return await prune(self.store, self.clock.now() - self.keep, batch=self.batch)

    async def run_forever(self) -> None:
        """Until `stop()`; a failed pass is logged and tried again at the next."""
        while not self._stopping.is_set():
            try:
                pruned = await self.run_once()
                if pruned:
                    log.info("retention deleted %d closed executions", pruned)
            except Exception:  # a database hiccup must not end retention for the life of the process
                log.exception("retention pass failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.every)

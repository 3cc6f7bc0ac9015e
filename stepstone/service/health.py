"""What the probes and the metrics endpoint ask: is the database there and current, is the worker alive.

`readiness()` answers GET /readyz: the database answers, it has every migration this code ships (a
newer one, applied by a newer node in a rolling upgrade, is fine), and the worker loop is running
and not stuck in one round. While
the process shuts down (`draining`), it is not ready: a load balancer stops sending it requests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from stepstone.runtime.clock import Clock
from stepstone.runtime.worker import Worker
from stepstone.store.base import OpsSnapshot, Store

__all__ = ["STUCK_ROUND_SECONDS", "Health", "OpsSnapshot", "Readiness"]

#: A round still in flight after this long means the worker is stuck (a round is milliseconds).
STUCK_ROUND_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Readiness:
    """The answer of GET /readyz: ready or not, with one entry per check."""

    ready: bool
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


class Health:
    """The probes' and the metrics' questions, over one store and one worker."""

    def __init__(self, store: Store, worker: Worker, clock: Clock) -> None:
        self.store = store
        self.worker = worker
        self.clock = clock
        self.draining = False

    async def snapshot(self) -> OpsSnapshot:
        """The database's levels now (open tasks, queues, timers): the gauges' values."""
        return await self.store.ops_snapshot(self.clock.now())

    async def readiness(self) -> Readiness:
        """Database reachable, schema current, worker loop alive; not ready while draining."""
        checks: dict[str, dict[str, Any]] = {}
        try:
            missing, newest = await self.store.schema_status()
            checks["database"] = {"ok": True}
            # a newer schema is fine (a newer node migrated it during a rolling upgrade: migrations only
            # add); a missing migration is not
            checks["schema"] = {"ok": not missing, "newest": newest, "missing": missing}
        except Exception as exc:  # any failure to answer is "not reachable", with its reason
            checks["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        checks["worker"] = self._worker_check()
        if self.draining:
            checks["shutdown"] = {"ok": False, "draining": True}
        return Readiness(all(check["ok"] for check in checks.values()), checks)

    def _worker_check(self) -> dict[str, Any]:
        worker, now = self.worker, time.monotonic()
        if not worker.running:
            return {"ok": False, "running": False}
        if worker.round_started is not None and now - worker.round_started > STUCK_ROUND_SECONDS:
            return {"ok": False, "running": True, "round_seconds": round(now - worker.round_started, 3)}
        since = None if worker.last_round is None else round(now - worker.last_round, 3)
        return {"ok": worker.last_round is not None, "running": True, "last_round_seconds_ago": since}

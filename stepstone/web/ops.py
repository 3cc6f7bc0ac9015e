"""GET /metrics, /healthz and /readyz: what Prometheus, load balancers and Kubernetes probes ask.

/metrics is Prometheus text: the process's counters and histograms (`stepstone.metrics`) and gauges
read from the database at scrape time (`DatabaseCollector`), so every node sharing one PostgreSQL
database reports the same levels, and a node that restarts reports them at once. /healthz answers
200 while the process serves; /readyz 200 or 503 with one JSON entry per check (`Health.readiness`).
These paths carry no secrets (no ARN, no token) and need no credentials, like a cloud load
balancer's health check; put them behind the network policy that guards the port.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stepstone.metrics import process_collectors, resource_kind
from stepstone.service.health import Health, OpsSnapshot

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
PATHS = ("/metrics", "/healthz", "/readyz")


class DatabaseCollector(Collector):
    """Gauges of one database snapshot (None: the database did not answer), plus the worker's liveness."""

    def __init__(self, snapshot: OpsSnapshot | None, now: datetime, health: Health) -> None:
        self.snapshot = snapshot
        self.now = now
        self.health = health

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        yield _gauge("stepstone_database_up", "1 when the database answered this scrape.", s is not None)
        worker = self.health.worker
        yield _gauge("stepstone_worker_running", "1 while this process's worker loop runs.", worker.running)
        if worker.last_round is not None:
            age = time.monotonic() - worker.last_round
            yield _gauge(
                "stepstone_worker_last_round_age_seconds", "Since this worker last finished a round.", age
            )
        if s is None:
            return
        by_kind: dict[str, tuple[int, datetime]] = {}
        for resource, (count, oldest) in s.open_tasks.items():
            n, first = by_kind.get(resource_kind(resource), (0, oldest))
            by_kind[resource_kind(resource)] = (n + count, min(first, oldest))
        open_tasks = GaugeMetricFamily(
            "stepstone_tasks_open",
            "Tasks waiting for a result (callbacks, activities, calls).",
            labels=["resource_kind"],
        )
        oldest_task = GaugeMetricFamily(
            "stepstone_tasks_open_oldest_age_seconds", "How long the oldest open task has waited.",
            labels=["resource_kind"],
        )  # fmt: skip
        for kind, (count, oldest) in sorted(by_kind.items()):
            open_tasks.add_metric([kind], count)
            oldest_task.add_metric([kind], self._age(oldest))
        yield open_tasks
        yield oldest_task
        yield _gauge(
            "stepstone_activity_tasks_queued",
            "Activity tasks no GetActivityTask has taken.",
            s.activity_tasks,
        )
        yield _gauge(
            "stepstone_activity_tasks_oldest_age_seconds", "How long the oldest queued activity task waited.",
            self._age(s.oldest_activity_task),
        )  # fmt: skip
        yield _gauge("stepstone_outbox_commands", "Commands committed and not yet carried out.", s.outbox)
        yield _gauge("stepstone_inbox_events", "Events queued for a transition.", s.inbox)
        yield _gauge(
            "stepstone_timers_armed", "Timers armed (Wait, timeouts, heartbeats, retries).", s.timers
        )
        yield _gauge("stepstone_timers_overdue", "Timers due and not yet fired.", s.timers_due)
        overdue = 0.0 if s.next_timer is None or s.next_timer > self.now else self._age(s.next_timer)
        yield _gauge(
            "stepstone_timers_oldest_overdue_seconds", "How late the most overdue timer is.", overdue
        )

    def _age(self, since: datetime | None) -> float:
        return 0.0 if since is None else max(0.0, (self.now - since).total_seconds())


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


class OpsApp:
    """The ASGI app for the three paths; mount it at each of `PATHS`."""

    def __init__(self, health: Health) -> None:
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        if scope.get("method") not in ("GET", "HEAD") or path not in PATHS:
            await _answer(send, 404 if path not in PATHS else 405, b"text/plain", b"Not Found")
        elif path == "/healthz":
            await _answer(send, 200, b"application/json", json.dumps({"status": "ok"}).encode())
        elif path == "/readyz":
            ready = await self.health.readiness()
            body = {"status": "ready" if ready.ready else "not ready", "checks": ready.checks}
            await _answer(send, 200 if ready.ready else 503, b"application/json", json.dumps(body).encode())
        else:
            await _answer(send, 200, CONTENT_TYPE_LATEST.encode(), await self.metrics())

    async def metrics(self) -> bytes:
        """The Prometheus text of the process's instruments and the database's gauges, now."""
        try:
            snapshot: OpsSnapshot | None = await self.health.snapshot()
        except Exception:  # the scrape still answers: stepstone_database_up 0 is the alert
            snapshot = None
        registry = CollectorRegistry(auto_describe=False)
        for collector in process_collectors():
            registry.register(collector)
        registry.register(DatabaseCollector(snapshot, self.health.clock.now(), self.health))
        return generate_latest(registry)


async def _answer(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

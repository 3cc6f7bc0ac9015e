"""Every counter and histogram the process records, created unregistered.

Each server builds its own `CollectorRegistry` from these plus its database gauges at scrape time,
so several servers in one process (tests) do not collide in prometheus-client's global registry.
Names follow prometheus-client's advice: `stepstone_<noun>_<unit>_total` for counters, `_seconds`
for durations; label values are bounded (`kinds.py`).
"""

from __future__ import annotations

from prometheus_client import Histogram
from prometheus_client.registry import Collector

from stepstone.metrics.tally import Tally

#: Sub-millisecond to a minute: commits, rounds, API calls.
FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
#: A second to a week: how long a callback or an activity keeps a task waiting.
SLOW = (1.0, 10.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0)
#: Timer lateness: on time is milliseconds; a backlog shows as seconds.
LATE = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

EXECUTIONS_STARTED = Tally(
    "stepstone_executions_started_total", "Executions that took their first transition.", ["state_machine"]
)
EXECUTIONS_CLOSED = Tally(
    "stepstone_executions_closed_total",
    "Executions that reached SUCCEEDED, FAILED, TIMED_OUT or ABORTED.",
    ["state_machine", "status"],
)
STATE_TRANSITIONS = Tally(
    "stepstone_state_transitions_total", "Durable transitions committed (each one transaction)."
)
ENGINE_ERRORS = Tally(
    "stepstone_engine_errors_total", "Transitions the engine raised on (kept queued and retried): a bug."
)
DISPATCHED = Tally(
    "stepstone_outbox_dispatched_total",
    "Commands carried out from the outbox, by outcome: succeeded, failed (a task failure), pending"
    " (waits for a callback or a child), queued (an activity task).",
    ["resource_kind", "outcome"],
)
DISPATCH_FAILURES = Tally(
    "stepstone_outbox_dispatch_failures_total",
    "Commands whose dispatch raised; they stay in the outbox and are tried again.",
    ["resource_kind"],
)
PRUNED = Tally(
    "stepstone_retention_pruned_executions_total", "Closed executions deleted by retention (with history)."
)
API_REQUESTS = Tally(
    "stepstone_api_requests_total", "API requests by operation and outcome (OK or the error code).",
    ["operation", "code"],
)  # fmt: skip
API_SECONDS = Histogram(
    "stepstone_api_request_duration_seconds", "API request latency, read to answer.", ["operation"],
    buckets=FAST, registry=None,
)  # fmt: skip
CALLBACK_WAIT = Histogram(
    "stepstone_callback_wait_seconds", "From a task's start to the callback that closed it.",
    ["resource_kind"], buckets=SLOW, registry=None,
)  # fmt: skip
TIMER_LATENESS = Histogram(
    "stepstone_timer_lateness_seconds", "From a timer's due time to the transition it fired.", ["kind"],
    buckets=LATE, registry=None,
)  # fmt: skip
WORKER_ROUND = Histogram(
    "stepstone_worker_round_duration_seconds", "One worker round with work: claim, decide, commit.",
    buckets=FAST, registry=None,
)  # fmt: skip
DB_COMMIT = Histogram(
    "stepstone_db_commit_duration_seconds",
    "A write transaction, BEGIN to COMMIT (SQLite: one group commit; PostgreSQL: one transition, "
    "alone or in a group commit).",
    ["store"], buckets=FAST, registry=None,
)  # fmt: skip


def process_collectors() -> list[Collector]:
    """The process's own instruments, to register into a server's registry."""
    return [
        EXECUTIONS_STARTED, EXECUTIONS_CLOSED, STATE_TRANSITIONS, ENGINE_ERRORS, DISPATCHED,
        DISPATCH_FAILURES, PRUNED, API_REQUESTS, API_SECONDS, CALLBACK_WAIT, TIMER_LATENESS, WORKER_ROUND,
        DB_COMMIT,
    ]  # fmt: skip

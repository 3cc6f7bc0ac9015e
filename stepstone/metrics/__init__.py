"""Prometheus metrics: the process's counters and histograms, named `stepstone_*`.

A leaf layer (like `errors`): every layer may record into it, it imports no stepstone module. The
gauges that describe the shared database are not here: they are read from the database at scrape
time (`web/ops.py`), so every node sharing one PostgreSQL database reports the same levels.
"""

from stepstone.metrics.instruments import (
    API_REQUESTS,
    API_SECONDS,
    CALLBACK_WAIT,
    DB_COMMIT,
    DISPATCH_FAILURES,
    DISPATCHED,
    ENGINE_ERRORS,
    EXECUTIONS_CLOSED,
    EXECUTIONS_STARTED,
    PRUNED,
    STATE_TRANSITIONS,
    TIMER_LATENESS,
    WORKER_ROUND,
    process_collectors,
)
from stepstone.metrics.kinds import resource_kind, state_machine_name
from stepstone.metrics.tally import Tally

__all__ = [
    "API_REQUESTS",
    "API_SECONDS",
    "CALLBACK_WAIT",
    "DB_COMMIT",
    "DISPATCHED",
    "DISPATCH_FAILURES",
    "ENGINE_ERRORS",
    "EXECUTIONS_CLOSED",
    "EXECUTIONS_STARTED",
    "PRUNED",
    "STATE_TRANSITIONS",
    "TIMER_LATENESS",
    "WORKER_ROUND",
    "Tally",
    "process_collectors",
    "resource_kind",
    "state_machine_name",
]

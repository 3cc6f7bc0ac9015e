"""Integrations whose `.sync` task ends when a job does: the runtime polls them on durable timers.

A Pollable integration starts the job in `invoke` (answering `TaskResult.waiting(start response)`),
names what to ask about in `poll_handle`, answers `poll` with the task's result, or with
`TaskResult.waiting()` while the job runs, and stops the job in `stop` when the task was cancelled.
The runtime (`runtime/polls.py`) keeps each wait as one timer row, so a waiting job costs a row,
never a thread or a coroutine.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from stepstone.asl.json import JSON
from stepstone.integrations.base import TaskResult

__all__ = ["Pollable", "poll_delay"]

#: Seconds before the first poll, doubling up to MAX (AWS polls a running job every few seconds).
FIRST_DELAY = 0.5
MAX_DELAY = 30.0


def poll_delay(attempt: int) -> float:
    """The wait before poll number `attempt` (0 for the first)."""
    return float(min(FIRST_DELAY * 2 ** min(attempt, 16), MAX_DELAY))


@runtime_checkable
class Pollable(Protocol):
    """An integration with `.sync` jobs to poll."""

    def poll_handle(self, resource: str, submitted: JSON) -> JSON | None:
        """What a poll asks about (a job id), from the start's answer; None: nothing to poll."""
        ...

    async def poll(self, resource: str, handle: JSON) -> TaskResult:
        """The job's end (output or failure), or `TaskResult.waiting()` while it still runs."""
        ...

    async def stop(self, resource: str, handle: JSON) -> None:
        """The task no longer wants the job (stopped, timed out, cancelled): stop it, best effort."""
        ...

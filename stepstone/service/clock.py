"""`Stepstone.AdvanceClock`: move a virtual clock forward, firing every timer that falls due, in order.

Only a server started with `--clock virtual` has a clock that can move. An advance runs the engine to
idle, then jumps to the next armed timer (a Wait, a TimeoutSeconds or HeartbeatSeconds, a retry
interval, an execution timeout, an approval policy's reminder, escalation or expiry) that falls inside
the advance, fires it, lets the engine run to idle again, and so on; the clock ends at now + the
advance, and the call returns when nothing is left to do. History timestamps are the virtual clock's,
so a one-year wait reads as one year in GetExecutionHistory.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from stepstone import errors as E
from stepstone.runtime.clock import Clock, FakeClock, SystemClock, parse_duration
from stepstone.service.base import ServiceBase

#: An advance that keeps arming timers inside itself (a loop with a zero-second Wait) stops here.
MAX_STEPS = 100_000
#: The longest advance accepted (a century): past it a datetime overflows.
LIMIT = 100 * 366 * 86400.0


class ClockOperations(ServiceBase):
    """Moving the virtual clock of a test server."""

    def wall_clock(self) -> Clock:
        """The clock signatures are checked against: real time, even while the engine's is virtual."""
        return SystemClock() if isinstance(self.clock, FakeClock) else self.clock

    def _virtual_clock(self) -> FakeClock:
        if not isinstance(self.clock, FakeClock):
            raise E.ValidationException(
                "This server's clock is the system clock; start it with `stepstone serve --clock virtual`"
            )
        return self.clock

    async def fire_approval_timers(self) -> int:
        """Fire the approval timers due now (`ApprovalTimerOperations` does; none without it)."""
        return 0

    async def _next_due(self) -> datetime | None:
        dues = [await self.store.next_timer_due(), await self.store.next_approval_timer_due()]
        return min((d for d in dues if d is not None), default=None)

    async def run_until_idle(self) -> None:
        """Let the engine work until nothing is queued and no command waits in the outbox.

        The server's worker loop waits meanwhile (`Worker.held`); a command a round of it committed
        but has not sent yet is in the outbox only, so the outbox is asked too, not just the inbox.
        """
        async with self.worker.held():
            await self._run_until_idle()

    async def _run_until_idle(self) -> None:
        for _ in range(MAX_STEPS):
            try:
                await self.worker.run_until_idle()
            except RuntimeError as exc:  # a runaway loop of zero-second timers, an engine bug retried
                raise E.ValidationException(f"The engine did not become idle: {exc}") from None
            if not await self.store.pending_outbox() and not await self.store.executions_with_work():
                return
            # a round of the worker loop that ran beside this one may have left its commands unsent
            await self.worker.recover()
            await asyncio.sleep(0.001)
        raise E.ValidationException("The engine did not become idle")

    async def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock `seconds` forward, firing what falls due on the way, in order; at idle."""
        clock = self._virtual_clock()
        target = clock.now() + timedelta(seconds=seconds)
        async with self.worker.held():
            await self._run_until_idle()
            steps = 0
            while steps < MAX_STEPS:
                due = await self._next_due()
                if due is None or due > target:
                    break
                clock.set(due)
                await self._run_until_idle()  # the engine's timers first, then the approvals'
                await self.fire_approval_timers()
                await self._run_until_idle()
                steps += 1
            else:
                raise E.ValidationException(f"Timers kept falling due: stopped after {MAX_STEPS} steps")
            clock.set(target)
            await self._run_until_idle()
        return {"now": clock.now(), "steps": steps}

    async def advance_clock(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Stepstone.AdvanceClock {"duration": "1d"}` (or `{"seconds": 86400}`): the clock's new time."""
        duration, seconds = request.get("duration"), request.get("seconds")
        if (duration is None) == (seconds is None):
            raise E.ValidationException("Give exactly one of 'duration' (e.g. \"1d\", \"90s\") or 'seconds'")
        if duration is not None:
            if not isinstance(duration, str):
                raise E.ValidationException('\'duration\' must be a string such as "1d" or "90s"')
            try:
                seconds = parse_duration(duration)
            except ValueError as exc:
                raise E.ValidationException(str(exc)) from None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= LIMIT:
            raise E.ValidationException("'seconds' must be a number from 0 to a century")
        return await self.advance(float(seconds))

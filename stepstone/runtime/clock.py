"""The runtime's clock, injected: the system clock in the server, a fake one in tests and virtual servers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to: a one-year Wait is one `advance` call."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Move to `when`; never back (a timer already fired stays fired)."""
        if when > self._now:
            self._now = when
        return self._now


def virtual_clock() -> FakeClock:
    """`serve --clock virtual`: starts at the wall-clock time, then moves only when told."""
    return FakeClock(datetime.now(UTC))


_UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|[wdhms])")


def parse_duration(text: str) -> float:
    """Seconds in `1d`, `90s`, `1h30m`, `250ms` or a bare number of seconds; ValueError otherwise."""
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        parts = _PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 1d, 1w, 1h30m)") from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"not a duration: {text!r} (it must be a finite number of seconds, not negative)")
    return seconds

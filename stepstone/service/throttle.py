"""Brute-force throttling of task tokens: too many invalid tokens from one key or address, and that
caller's callbacks are refused (ThrottlingException) until its failures age out of the window.

In memory, per process: each node of a cluster throttles on its own (an attacker spreading guesses
over N nodes gets N times the budget, which at 2^256 guesses per token changes nothing). The table
is bounded: the oldest callers are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from datetime import datetime, timedelta

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = timedelta(minutes=5)
MAX_CALLERS = 100_000


class TokenThrottle:
    """Counts invalid-token failures per caller key ("key:<id>", "addr:<ip>") in a sliding window."""

    def __init__(self, limit: int = DEFAULT_LIMIT, window: timedelta = DEFAULT_WINDOW) -> None:
        if limit < 1:
            raise ValueError("the invalid token limit must be at least 1")
        self.limit, self.window = limit, window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def blocked(self, keys: Iterable[str], now: datetime) -> bool:
        """Whether any of these callers has reached the limit within the window."""
        return any(len(self._recent(key, now) or ()) >= self.limit for key in keys)

    def fail(self, keys: Iterable[str], now: datetime) -> None:
        """Count one invalid token against each of these callers."""
        for key in keys:
            times = self._recent(key, now) or deque()
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_CALLERS:
            self._failures.popitem(last=False)

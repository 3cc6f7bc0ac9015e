"""A counter for the hot path: a dict increment, exported through prometheus-client at scrape time.

prometheus-client's `Counter.labels(...).inc()` takes a lock and looks the child up each time (about
a microsecond); the worker counts on every transition, ~20,000 a second, all on one event loop
thread. A `Tally` adds to a plain dict there and builds its `CounterMetricFamily` only when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


class Tally(Collector):
    """A monotonic counter with fixed label names; `inc` from the event loop's thread only."""

    def __init__(self, name: str, documentation: str, labels: Sequence[str] = ()) -> None:
        if not name.endswith("_total"):
            raise ValueError(f"a counter's name ends in _total: {name}")
        self.name = name.removesuffix("_total")
        self.documentation = documentation
        self.labels = tuple(labels)
        self._values: dict[tuple[str, ...], int] = {}

    def inc(self, key: tuple[str, ...] = (), amount: int = 1) -> None:
        """Add `amount` to the series whose label values are `key` (in the order of `labels`)."""
        values = self._values
        values[key] = values.get(key, 0) + amount

    def value(self, key: tuple[str, ...] = ()) -> int:
        """The series' count so far (tests, DescribeRuntime)."""
        return self._values.get(key, 0)

    def describe(self) -> Iterator[Metric]:
        yield CounterMetricFamily(self.name, self.documentation, labels=self.labels)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for key, count in list(self._values.items()):
            family.add_metric(list(key), count)
        yield family

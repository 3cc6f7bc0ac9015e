"""Servers for the operations tests: a real `stepstone serve` with extra options, and a scraper.

`OpsServer` is `tests.server.conftest.ServerProcess` (operations options such as `--retention` go
in `extra`) with a SIGTERM stop and HTTP GETs; `scrape` reads /metrics with
prometheus-client's own parser, so the text format is checked by the library that defines it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.server.conftest import ServerProcess, shared_token_keys
from tests.server.test_nested import wait_until

__all__ = ["OpsServer", "Series", "run_cli", "total", "value", "wait_until"]

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]
ROLE = "arn:aws:iam::123456789012:role/r"


class OpsServer(ServerProcess):
    """A server process (extra `serve` options in `extra`); `terminate()` sends SIGTERM and waits."""

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds until the process was gone)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as answer:
                return int(answer.status), bytes(answer.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), bytes(exc.read())

    def json(self, path: str) -> tuple[int, dict[str, Any]]:
        status, body = self.get(path)
        return status, json.loads(body)

    def scrape(self) -> Series:
        """Every sample of /metrics: (name, sorted labels) -> value."""
        status, body = self.get("/metrics")
        assert status == 200
        series: Series = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return series


def value(series: Series, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet: a counter not yet incremented)."""
    return series.get((name, tuple(sorted(labels.items()))), 0.0)


def total(series: Series, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in series.items() if n == name and want <= set(ls))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "stepstone.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60)


@pytest.fixture(params=["sqlite", "postgres"])
def ops_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpsServer]:
    """A running server on each store (retention off, so nothing the test made disappears)."""
    if request.param == "postgres":
        proc = OpsServer(
            tmp_path,
            request.getfixturevalue("pg_dsn"),
            token_keys=shared_token_keys(),
            extra=("--retention", "0"),
        )
    else:
        proc = OpsServer(tmp_path, extra=("--retention", "0"))
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()

"""A moto server (the real AWS wire protocols, served locally) for the tests that call AWS services.

One server per test session on a free loopback port; `reset` empties every service between tests
through moto's own reset API, so tests never see each other's queues, tables or buckets. The fixtures
(`moto_session`, `moto`) are registered for the whole suite by tests/conftest.py.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

#: What a client needs to reach moto: placeholder credentials (moto accepts any) and the region.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class MotoServer:
    """A running moto server: its endpoint and the environment that points the AWS SDK at it."""

    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        """Environment variables for a process (a `stepstone serve`) that should call this server."""
        return {
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def reset(self) -> None:
        """Forget every resource of every service (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.loads(answer.read() or b"{}")

    def client(self, service: str) -> object:
        """A boto3 client for `service` talking to this server."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@contextmanager
def running() -> Iterator[MotoServer]:
    """Start moto's threaded server on a free loopback port; stop it on exit."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoServer(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_session() -> Iterator[MotoServer]:
    """One moto server for the whole session."""
    with running() as server:
        yield server


@pytest.fixture
def moto(moto_session: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """The session's moto server, emptied before the test; this process's AWS SDK points at it (and so
    does a `stepstone serve` started after it, which inherits the environment)."""
    moto_session.reset()
    for name, value in {
        **CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_session.endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    yield moto_session

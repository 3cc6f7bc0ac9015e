"""Fixtures for tests that call AWS services: a moto server for the session, reset between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.aws.motoserver import CREDENTIALS, REGION, MotoServer, running
from tests.server.conftest import server  # a real `stepstone serve` (SQLite and PostgreSQL)

__all__ = ["moto", "moto_session", "server"]


@pytest.fixture(scope="session")
def moto_session() -> Iterator[MotoServer]:
    """One moto server for the whole session."""
    with running() as server:
        yield server


@pytest.fixture
def moto(moto_session: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """The session's moto server, emptied before the test; this process's AWS SDK points at it."""
    moto_session.reset()
    for name, value in {
        **CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_session.endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    yield moto_session

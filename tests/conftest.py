"""Fixtures shared by the whole suite: a PostgreSQL server and a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import settings

from tests import pgserver
from tests.aws.motoserver import moto, moto_session  # a moto server (AWS services) for any test

__all__ = ["moto", "moto_session"]

# CI must be reproducible: the same examples every run (locally, hypothesis keeps exploring).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """A PostgreSQL server for the session; skips with the reason, but never under CI=true."""
    try:
        with pgserver.server_dsn() as dsn:
            yield dsn
    except LookupError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")


@pytest.fixture
def pg_dsn(pg_admin_dsn: str) -> Iterator[str]:
    """A database of its own for one test, dropped afterwards."""
    name = f"stepstone_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pgserver.with_database(pg_admin_dsn, name)
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

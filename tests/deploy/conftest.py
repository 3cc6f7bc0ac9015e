"""A real `stepstone serve` process per test, on SQLite and on PostgreSQL (see tests/server/conftest.py)."""

from tests.server.conftest import server

__all__ = ["server"]

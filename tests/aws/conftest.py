"""Fixtures for tests that call AWS services: a real `stepstone serve`; moto (`moto`, `moto_session`)
comes from tests/conftest.py, for the whole suite (one moto server per session)."""

from tests.server.conftest import server  # a real `stepstone serve` (SQLite and PostgreSQL)

__all__ = ["server"]

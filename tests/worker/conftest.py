"""The store fixture of the contract suite, for the hand-out tests (memory, SQLite, PostgreSQL)."""

from tests.store.conftest import with_store

__all__ = ["with_store"]

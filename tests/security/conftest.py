"""The security suite: the store fixture of the contract suite (memory, SQLite, PostgreSQL)."""

from tests.store.conftest import with_store

__all__ = ["with_store"]

"""The PostgreSQL store: the scale-out `Store`, shared by many stateless stepstone nodes."""

from stepstone.store.postgres.schema import migrate, upgrade
from stepstone.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "migrate", "upgrade"]

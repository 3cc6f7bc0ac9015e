"""The PostgreSQL store: the scale-out `Store`, shared by many stateless stepstone nodes."""

from stepstone.store.postgres.connection import is_postgres_dsn
from stepstone.store.postgres.schema import migrate, upgrade
from stepstone.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "is_postgres_dsn", "migrate", "upgrade"]

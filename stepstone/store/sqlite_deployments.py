"""The SQLite side of `DeploymentStore` (versions, aliases, dead letters), mixed into `SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from stepstone.store.deployments import (
    AliasOutcome,
    AliasRow,
    DeadLetterRow,
    DeleteOutcome,
    PublishOutcome,
    VersionRow,
    publish_check,
)
from stepstone.store.sqlite_sql import Q, _dt, ts

T = TypeVar("T")


def _version(r: sqlite3.Row) -> VersionRow:
    return VersionRow(
        r["arn"], r["state_machine_arn"], r["number"], r["revision_id"], r["description"], r["role_arn"],
        r["config"], _dt(r["created"]),
    )  # fmt: skip


def _alias(r: sqlite3.Row) -> AliasRow:
    return AliasRow(
        r["arn"], r["state_machine_arn"], r["name"], r["description"], r["routing"], _dt(r["created"]),
        _dt(r["updated"]),
    )  # fmt: skip


def _alias_params(row: AliasRow) -> dict[str, Any]:
    return {
        "arn": row.arn, "state_machine_arn": row.state_machine_arn, "name": row.name,
        "description": row.description, "routing": row.routing, "created": ts(row.created),
        "updated": ts(row.updated),
    }  # fmt: skip


def _routes_to_missing(c: sqlite3.Connection, row: AliasRow) -> bool:
    for arn in row.version_arns():
        found = c.execute(Q["get_version"], {"arn": arn}).fetchone()
        if found is None or found["state_machine_arn"] != row.state_machine_arn:
            return True
    return False


class SqliteDeployments:
    """Versions, aliases and dead letters over the store's writer and readers."""

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _one(self, query: str, **params: Any) -> sqlite3.Row | None:
        raise NotImplementedError

    async def _all(self, query: str, **params: Any) -> list[sqlite3.Row]:
        raise NotImplementedError

    async def publish_version(
        self, machine_arn: str, revision_id: str | None, description: str, now: Any, limit: int
    ) -> tuple[PublishOutcome, VersionRow | None]:
        def tx(c: sqlite3.Connection) -> tuple[PublishOutcome, VersionRow | None]:
            machine = c.execute(Q["get_state_machine"], {"arn": machine_arn}).fetchone()
            if machine is None:
                return "missing", None
            versions = [
                _version(r) for r in c.execute(Q["list_versions"], {"state_machine_arn": machine_arn})
            ]
            answer = publish_check(
                machine["revision_id"], machine["created"] == machine["updated"], revision_id, versions, limit
            )
            if answer is not None:
                return answer
            number = c.execute(Q["bump_last_version"], {"arn": machine_arn}).fetchone()["last_version"]
            row = VersionRow(
                f"{machine_arn}:{number}", machine_arn, number, machine["revision_id"], description,
                machine["role_arn"], machine["config"], now,
            )  # fmt: skip
            c.execute(Q["insert_version"], {**_version_params(row)})
            return "published", row

        return await self._write(tx)

    async def get_version(self, arn: str) -> VersionRow | None:
        r = await self._one("get_version", arn=arn)
        return None if r is None else _version(r)

    async def list_versions(self, machine_arn: str) -> list[VersionRow]:
        return [_version(r) for r in await self._all("list_versions", state_machine_arn=machine_arn)]

    async def delete_version(self, arn: str) -> DeleteOutcome:
        def tx(c: sqlite3.Connection) -> DeleteOutcome:
            found = c.execute(Q["get_version"], {"arn": arn}).fetchone()
            if found is None:
                return "missing"
            aliases = c.execute(Q["list_aliases"], {"state_machine_arn": found["state_machine_arn"]})
            if any(arn in _alias(a).version_arns() for a in aliases):
                return "referenced"
            c.execute(Q["delete_version"], {"arn": arn})
            return "deleted"

        return await self._write(tx)

    async def create_alias(self, row: AliasRow, limit: int) -> tuple[AliasOutcome, AliasRow | None]:
        def tx(c: sqlite3.Connection) -> tuple[AliasOutcome, AliasRow | None]:
            existing = c.execute(Q["get_alias"], {"arn": row.arn}).fetchone()
            if existing is not None:
                return "existing", _alias(existing)
            if _routes_to_missing(c, row):
                return "no_version", None
            if (
                len(c.execute(Q["list_aliases"], {"state_machine_arn": row.state_machine_arn}).fetchall())
                >= limit
            ):
                return "limit", None
            c.execute(Q["insert_alias"], _alias_params(row))
            return "created", row

        return await self._write(tx)

    async def update_alias(self, row: AliasRow) -> AliasOutcome:
        def tx(c: sqlite3.Connection) -> AliasOutcome:
            if c.execute(Q["get_alias"], {"arn": row.arn}).fetchone() is None:
                return "missing"
            if _routes_to_missing(c, row):
                return "no_version"
            c.execute(Q["update_alias"], _alias_params(row))
            return "created"

        return await self._write(tx)

    async def get_alias(self, arn: str) -> AliasRow | None:
        r = await self._one("get_alias", arn=arn)
        return None if r is None else _alias(r)

    async def list_aliases(self, machine_arn: str) -> list[AliasRow]:
        return [_alias(r) for r in await self._all("list_aliases", state_machine_arn=machine_arn)]

    async def delete_alias(self, arn: str) -> bool:
        return await self._write(lambda c: c.execute(Q["delete_alias"], {"arn": arn}).rowcount > 0)

    async def dead_letter(self, outbox_id: int, row: DeadLetterRow) -> None:
        def tx(c: sqlite3.Connection) -> None:
            if c.execute(Q["delete_outbox"], {"id": outbox_id}).fetchall():
                c.execute(Q["insert_dead_letter"], _dead_letter_params(row))

        await self._write(tx)

    async def list_dead_letters(self, limit: int) -> list[DeadLetterRow]:
        return [
            DeadLetterRow(r["id"], r["execution_arn"], r["event"], r["attempts"], r["error"], _dt(r["at"]))
            for r in await self._all("list_dead_letters", limit=limit)
        ]


def _version_params(row: VersionRow) -> dict[str, Any]:
    return {
        "arn": row.arn, "state_machine_arn": row.state_machine_arn, "number": row.number,
        "revision_id": row.revision_id, "description": row.description, "role_arn": row.role_arn,
        "config": row.config, "created": ts(row.created),
    }  # fmt: skip


def _dead_letter_params(row: DeadLetterRow) -> dict[str, Any]:
    return {
        "execution_arn": row.execution_arn, "event": row.event, "attempts": row.attempts,
        "error": row.error, "at": ts(row.at),
    }  # fmt: skip

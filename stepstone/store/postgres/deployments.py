"""The PostgreSQL side of `DeploymentStore` (versions, aliases, dead letters), mixed into `PostgresStore`.

Publishing locks the state machine's row (`FOR UPDATE`), so two nodes publishing at once take
consecutive numbers; deleting a version locks it, and creating or updating an alias reads its
versions under `FOR SHARE`, so a version is never deleted while an alias starts routing to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from stepstone.store.deployments import (
    AliasOutcome,
    AliasRow,
    DeadLetterRow,
    DeleteOutcome,
    PublishOutcome,
    VersionRow,
    publish_check,
)
from stepstone.store.postgres.connection import Conn, Database, Q


def _version(r: DictRow) -> VersionRow:
    return VersionRow(
        r["arn"], r["state_machine_arn"], r["number"], r["revision_id"], r["description"], r["role_arn"],
        r["config"], r["created"],
    )  # fmt: skip


def _alias(r: DictRow) -> AliasRow:
    return AliasRow(
        r["arn"],
        r["state_machine_arn"],
        r["name"],
        r["description"],
        r["routing"],
        r["created"],
        r["updated"],
    )


def _alias_params(row: AliasRow) -> dict[str, Any]:
    return {
        "arn": row.arn, "state_machine_arn": row.state_machine_arn, "name": row.name,
        "description": row.description, "routing": row.routing, "created": row.created,
        "updated": row.updated,
    }  # fmt: skip


async def _fetch(c: Conn, query: str, params: dict[str, Any], lock: str = "") -> list[DictRow]:
    sql = Q[query] + (b" " + lock.encode() if lock else b"")
    return await (await c.execute(sql, params)).fetchall()


async def _routes_to_missing(c: Conn, row: AliasRow) -> bool:
    for arn in row.version_arns():
        found = await _fetch(c, "get_version", {"arn": arn}, "FOR SHARE")
        if not found or found[0]["state_machine_arn"] != row.state_machine_arn:
            return True
    return False


class DeploymentsMixin:
    """Versions, aliases and dead letters, over `self.db`."""

    db: Database

    async def publish_version(
        self, machine_arn: str, revision_id: str | None, description: str, now: datetime, limit: int
    ) -> tuple[PublishOutcome, VersionRow | None]:
        async with self.db.transaction() as c:
            machines = await _fetch(c, "get_state_machine", {"arn": machine_arn}, "FOR UPDATE")
            if not machines:
                return "missing", None
            machine = machines[0]
            versions = [
                _version(r) for r in await _fetch(c, "list_versions", {"state_machine_arn": machine_arn})
            ]
            answer = publish_check(
                machine["revision_id"], machine["created"] == machine["updated"], revision_id, versions, limit
            )
            if answer is not None:
                return answer
            number = (await _fetch(c, "bump_last_version", {"arn": machine_arn}))[0]["last_version"]
            row = VersionRow(
                f"{machine_arn}:{number}", machine_arn, number, machine["revision_id"], description,
                machine["role_arn"], machine["config"], now,
            )  # fmt: skip
            await c.execute(
                Q["insert_version"],
                {
                    "arn": row.arn, "state_machine_arn": machine_arn, "number": number,
                    "revision_id": row.revision_id, "description": description, "role_arn": row.role_arn,
                    "config": row.config, "created": now,
                },
            )  # fmt: skip
            return "published", row

    async def get_version(self, arn: str) -> VersionRow | None:
        r = await self.db.one("get_version", arn=arn)
        return None if r is None else _version(r)

    async def list_versions(self, machine_arn: str) -> list[VersionRow]:
        return [_version(r) for r in await self.db.all("list_versions", state_machine_arn=machine_arn)]

    async def delete_version(self, arn: str) -> DeleteOutcome:
        async with self.db.transaction() as c:
            found = await _fetch(c, "get_version", {"arn": arn}, "FOR UPDATE")
            if not found:
                return "missing"
            aliases = await _fetch(c, "list_aliases", {"state_machine_arn": found[0]["state_machine_arn"]})
            if any(arn in _alias(a).version_arns() for a in aliases):
                return "referenced"
            await c.execute(Q["delete_version"], {"arn": arn})
            return "deleted"

    async def create_alias(self, row: AliasRow, limit: int) -> tuple[AliasOutcome, AliasRow | None]:
        async with self.db.transaction() as c:
            # the machine's row serialises alias creation, so the limit holds across nodes
            await _fetch(c, "get_state_machine", {"arn": row.state_machine_arn}, "FOR UPDATE")
            existing = await _fetch(c, "get_alias", {"arn": row.arn})
            if existing:
                return "existing", _alias(existing[0])
            if await _routes_to_missing(c, row):
                return "no_version", None
            if len(await _fetch(c, "list_aliases", {"state_machine_arn": row.state_machine_arn})) >= limit:
                return "limit", None
            await c.execute(Q["insert_alias"], _alias_params(row))
            return "created", row

    async def update_alias(self, row: AliasRow) -> AliasOutcome:
        async with self.db.transaction() as c:
            if not await _fetch(c, "get_alias", {"arn": row.arn}, "FOR UPDATE"):
                return "missing"
            if await _routes_to_missing(c, row):
                return "no_version"
            await c.execute(Q["update_alias"], _alias_params(row))
            return "created"

    async def get_alias(self, arn: str) -> AliasRow | None:
        r = await self.db.one("get_alias", arn=arn)
        return None if r is None else _alias(r)

    async def list_aliases(self, machine_arn: str) -> list[AliasRow]:
        return [_alias(r) for r in await self.db.all("list_aliases", state_machine_arn=machine_arn)]

    async def delete_alias(self, arn: str) -> bool:
        async with self.db.transaction() as c:
            return (await c.execute(Q["delete_alias"], {"arn": arn})).rowcount > 0

    async def dead_letter(self, outbox_id: int, row: DeadLetterRow) -> None:
        async with self.db.transaction() as c:
            if await _fetch(c, "delete_outbox", {"id": outbox_id}):
                params = {
                    "execution_arn": row.execution_arn, "event": row.event, "attempts": row.attempts,
                    "error": row.error, "at": row.at,
                }  # fmt: skip
                await c.execute(Q["insert_dead_letter"], params)

    async def list_dead_letters(self, limit: int) -> list[DeadLetterRow]:
        return [
            DeadLetterRow(r["id"], r["execution_arn"], r["event"], r["attempts"], r["error"], r["at"])
            for r in await self.db.all("list_dead_letters", limit=limit)
        ]

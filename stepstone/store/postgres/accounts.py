"""The PostgreSQL side of `SecurityStore` and `ApprovalStore`: access keys, audit log, users,
web sessions, sign-in failures and approval requests. Mixed into `PostgresStore`."""

from __future__ import annotations

import json
from datetime import datetime

from psycopg.rows import DictRow

from stepstone.store.approvals import ApprovalRow, ApprovalStatus, SessionRow, UserRow
from stepstone.store.postgres.connection import Database, Q
from stepstone.store.security import AccessKeyRow, AuditRow


def _user(r: DictRow) -> UserRow:
    return UserRow(r["name"], r["email"], r["password_hash"], tuple(json.loads(r["groups"])), r["created"])


def _approval(r: DictRow) -> ApprovalRow:
    return ApprovalRow(
        id=r["id"], execution_arn=r["execution_arn"], task_id=r["task_id"], state_name=r["state_name"],
        token_hash=r["token_hash"], approvers=tuple(json.loads(r["approvers"])), subject=r["subject"],
        details=r["details"], on_reject=r["on_reject"], reject_error=r["reject_error"],
        created=r["created"], deadline=r["deadline"], status=r["status"],
        decided_by=r["decided_by"], comment=r["comment"], decided_at=r["decided_at"],
    )  # fmt: skip


def _access_key(r: DictRow) -> AccessKeyRow:
    return AccessKeyRow(
        r["key_id"], r["name"], r["salt"], tuple(json.loads(r["allow"])),
        tuple(json.loads(r["state_machines"])), r["created"], r["revoked"],
    )  # fmt: skip


class AccountsMixin:
    """Access keys, the audit log and the approvals' rows, over `self.db`."""

    db: Database

    # access keys and the audit log -----------------------------------------------------------------

    async def create_access_key(self, row: AccessKeyRow) -> None:
        params = {
            "key_id": row.key_id, "name": row.name, "salt": row.salt, "allow": json.dumps(list(row.allow)),
            "state_machines": json.dumps(list(row.state_machines)), "created": row.created,
            "revoked": row.revoked,
        }  # fmt: skip
        async with self.db.transaction() as c:
            await c.execute(Q["insert_access_key"], params)

    async def get_access_key(self, key_id: str) -> AccessKeyRow | None:
        r = await self.db.one("get_access_key", key_id=key_id)
        return None if r is None else _access_key(r)

    async def list_access_keys(self) -> list[AccessKeyRow]:
        return [_access_key(r) for r in await self.db.all("list_access_keys")]

    async def revoke_access_key(self, key_id: str, when: datetime) -> bool:
        async with self.db.transaction() as c:
            return bool(
                (await c.execute(Q["revoke_access_key"], {"key_id": key_id, "revoked": when})).rowcount
            )

    async def has_active_access_keys(self) -> bool:
        r = await self.db.one("has_active_access_keys")
        return bool(r is not None and r["found"])

    async def append_audit(self, row: AuditRow) -> int:
        params = {
            "at": row.at, "principal": row.principal, "address": row.address, "action": row.action,
            "outcome": row.outcome, "reason": row.reason, "execution_arn": row.execution_arn,
            "state_name": row.state_name,
        }  # fmt: skip
        async with self.db.transaction() as c:
            r = await (await c.execute(Q["insert_audit"], params)).fetchone()
            return 0 if r is None else int(r["id"])

    async def list_audit(self, execution_arn: str | None, *, after: int, limit: int) -> list[AuditRow]:
        rows = await self.db.all("list_audit", execution_arn=execution_arn, after=after, limit=limit)
        return [
            AuditRow(
                r["id"],
                r["at"],
                r["principal"],
                r["address"],
                r["action"],
                r["outcome"],
                r["reason"],
                r["execution_arn"],
                r["state_name"],
            )
            for r in rows
        ]

    # users, sessions, sign-in failures --------------------------------------------------------------

    async def put_user(self, row: UserRow) -> None:
        params = {
            "name": row.name, "email": row.email, "password_hash": row.password_hash,
            "groups": json.dumps(list(row.groups)), "created": row.created,
        }  # fmt: skip
        async with self.db.transaction() as c:
            await c.execute(Q["upsert_user"], params)

    async def get_user(self, name: str) -> UserRow | None:
        r = await self.db.one("get_user", name=name)
        return None if r is None else _user(r)

    async def list_users(self) -> list[UserRow]:
        return [_user(r) for r in await self.db.all("list_users")]

    async def delete_user(self, name: str) -> bool:
        async with self.db.transaction() as c:
            return bool((await c.execute(Q["delete_user"], {"name": name})).rowcount)

    async def put_session(self, row: SessionRow, *, replaces: str | None = None) -> None:
        async with self.db.transaction() as c:
            if replaces is not None:
                await c.execute(Q["delete_session"], {"id_hash": replaces})
            await c.execute(
                Q["insert_session"],
                {
                    "id_hash": row.id_hash, "user_name": row.user, "csrf": row.csrf,
                    "created": row.created, "expires": row.expires,
                },
            )  # fmt: skip

    async def get_session(self, id_hash: str) -> SessionRow | None:
        r = await self.db.one("get_session", id_hash=id_hash)
        if r is None:
            return None
        return SessionRow(r["id_hash"], r["user_name"], r["csrf"], r["created"], r["expires"])

    async def delete_session(self, id_hash: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(Q["delete_session"], {"id_hash": id_hash})

    async def add_login_failure(self, key: str, at: datetime, since: datetime) -> int:
        async with self.db.transaction() as c:
            await c.execute(Q["insert_login_failure"], {"key": key, "at": at})
            await c.execute(Q["prune_login_failures"], {"key": key, "since": since})
            r = await (await c.execute(Q["count_login_failures"], {"key": key, "since": since})).fetchone()
            return 0 if r is None else int(r["n"])

    async def count_login_failures(self, key: str, since: datetime) -> int:
        r = await self.db.one("count_login_failures", key=key, since=since)
        return 0 if r is None else int(r["n"])

    async def clear_login_failures(self, key: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(Q["clear_login_failures"], {"key": key})

    # approval requests ------------------------------------------------------------------------------

    async def create_approval(self, row: ApprovalRow) -> ApprovalRow:
        params = {
            "id": row.id, "execution_arn": row.execution_arn, "task_id": row.task_id,
            "state_name": row.state_name, "token_hash": row.token_hash,
            "approvers": json.dumps(list(row.approvers)), "subject": row.subject, "details": row.details,
            "on_reject": row.on_reject, "reject_error": row.reject_error, "created": row.created,
            "deadline": row.deadline,
        }  # fmt: skip
        async with self.db.transaction() as c:
            if (await c.execute(Q["insert_approval"], params)).rowcount:
                return row
            key = {"execution_arn": row.execution_arn, "task_id": row.task_id}
            r = await (await c.execute(Q["approval_by_task"], key)).fetchone()
            assert r is not None
            return _approval(r)

    async def get_approval(self, approval_id: str) -> ApprovalRow | None:
        r = await self.db.one("get_approval", id=approval_id)
        return None if r is None else _approval(r)

    async def list_approvals(self, status: ApprovalStatus | None) -> list[ApprovalRow]:
        return [_approval(r) for r in await self.db.all("list_approvals", status=status)]

    async def decide_approval(
        self, approval_id: str, status: ApprovalStatus, by: str, comment: str | None, at: datetime
    ) -> tuple[ApprovalRow | None, bool]:
        params = {"id": approval_id, "status": status, "decided_by": by, "comment": comment, "decided_at": at}
        async with self.db.transaction() as c:
            won = bool((await c.execute(Q["decide_approval"], params)).rowcount)
            r = await (await c.execute(Q["get_approval"], {"id": approval_id})).fetchone()
            return (None if r is None else _approval(r)), won

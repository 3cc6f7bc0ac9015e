"""The PostgreSQL side of `ApprovalPolicyStore`, mixed into `PostgresStore`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stepstone.store.approval_policies import InboxNote, PolicyRow, VoteRow
from stepstone.store.postgres.connection import Conn, Database, Q


class ApprovalPoliciesMixin:
    """Policies, votes and timers over `self.db`."""

    db: Database

    async def _enqueue(self, c: Conn, execution_arn: str, event: str) -> int:
        raise NotImplementedError  # PostgresStore's

    async def put_approval_policy(
        self, approval_id: str, policy: str, timers: Sequence[tuple[str, datetime]]
    ) -> None:
        async with self.db.transaction() as c:
            inserted = await c.execute(
                Q["insert_approval_policy"], {"approval_id": approval_id, "policy": policy}
            )
            if inserted.rowcount:
                for kind, due in timers:
                    await c.execute(
                        Q["insert_approval_timer"], {"approval_id": approval_id, "kind": kind, "due": due}
                    )

    async def get_approval_policy(self, approval_id: str) -> PolicyRow | None:
        r = await self.db.one("get_approval_policy", approval_id=approval_id)
        return None if r is None else PolicyRow(r["approval_id"], r["policy"], bool(r["escalated"]))

    async def add_approval_vote(self, vote: VoteRow, note: InboxNote | None = None) -> list[VoteRow]:
        async with self.db.transaction() as c:
            inserted = await c.execute(Q["insert_approval_vote"], {
                "approval_id": vote.approval_id, "voter": vote.voter, "approve": int(vote.approve),
                "comment": vote.comment, "at": vote.at,
            })  # fmt: skip
            if inserted.rowcount and note is not None:
                await self._enqueue(c, *note)
            rows = await (await c.execute(Q["approval_votes"], {"approval_id": vote.approval_id})).fetchall()
        return [
            VoteRow(r["approval_id"], r["voter"], bool(r["approve"]), r["comment"], r["at"]) for r in rows
        ]

    async def list_approval_votes(self, approval_id: str) -> list[VoteRow]:
        async with self.db.transaction() as c:
            rows = await (await c.execute(Q["approval_votes"], {"approval_id": approval_id})).fetchall()
        return [
            VoteRow(r["approval_id"], r["voter"], bool(r["approve"]), r["comment"], r["at"]) for r in rows
        ]

    async def due_approval_timers(self, now: datetime) -> list[tuple[str, str]]:
        async with self.db.transaction() as c:
            rows = await (await c.execute(Q["due_approval_timers"], {"now": now})).fetchall()
        return [(r["approval_id"], r["kind"]) for r in rows]

    async def next_approval_timer_due(self) -> datetime | None:
        r = await self.db.one("next_approval_timer")
        return None if r is None else r["due"]

    async def fire_approval_timer(self, approval_id: str, kind: str, note: InboxNote | None = None) -> bool:
        async with self.db.transaction() as c:
            fired = await c.execute(Q["fire_approval_timer"], {"approval_id": approval_id, "kind": kind})
            if not fired.rowcount:
                return False
            if note is not None:
                await self._enqueue(c, *note)
            if kind == "escalate":
                await c.execute(Q["escalate_approval"], {"approval_id": approval_id})
            return True

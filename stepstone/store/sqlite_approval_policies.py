"""The SQLite side of `ApprovalPolicyStore`: transactions `SqliteStore` runs on its writer thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from stepstone.store.approval_policies import InboxNote, PolicyRow, VoteRow

Stamp = Callable[[datetime], str | None]


def policy_of(r: sqlite3.Row | None) -> PolicyRow | None:
    return None if r is None else PolicyRow(r["approval_id"], r["policy"], bool(r["escalated"]))


def put_policy_tx(
    c: sqlite3.Connection, q: Mapping[str, str], ts: Stamp, approval_id: str, policy: str,
    timers: Sequence[tuple[str, datetime]],
) -> None:  # fmt: skip
    if c.execute(q["insert_approval_policy"], {"approval_id": approval_id, "policy": policy}).rowcount:
        for kind, due in timers:
            c.execute(q["insert_approval_timer"], {"approval_id": approval_id, "kind": kind, "due": ts(due)})


def vote_tx(
    c: sqlite3.Connection, q: Mapping[str, str], ts: Stamp, vote: VoteRow, note: InboxNote | None
) -> list[VoteRow]:
    if c.execute(q["insert_approval_vote"], {
        "approval_id": vote.approval_id, "voter": vote.voter, "approve": int(vote.approve),
        "comment": vote.comment, "at": ts(vote.at),
    }).rowcount:  # fmt: skip
        _enqueue(c, q, note)
    return votes_of(c.execute(q["approval_votes"], {"approval_id": vote.approval_id}).fetchall())


def votes_of(rows: list[sqlite3.Row]) -> list[VoteRow]:
    return [
        VoteRow(
            r["approval_id"], r["voter"], bool(r["approve"]), r["comment"], datetime.fromisoformat(r["at"])
        )
        for r in rows
    ]


def fire_tx(
    c: sqlite3.Connection, q: Mapping[str, str], approval_id: str, kind: str, note: InboxNote | None
) -> bool:
    if not c.execute(q["fire_approval_timer"], {"approval_id": approval_id, "kind": kind}).rowcount:
        return False
    _enqueue(c, q, note)
    if kind == "escalate":
        c.execute(q["escalate_approval"], {"approval_id": approval_id})
    return True


def _enqueue(c: sqlite3.Connection, q: Mapping[str, str], note: InboxNote | None) -> None:
    if note is not None:
        c.execute(q["enqueue"], {"execution_arn": note[0], "event": note[1]})

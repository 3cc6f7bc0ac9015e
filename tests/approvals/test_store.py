"""The approvals' part of the store contract, on every store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from stepstone.store.approvals import ApprovalRow, SessionRow, UserRow
from stepstone.store.base import Store
from tests.store.conftest import StoreRunner

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
EXEC = "arn:aws:states:us-east-1:123456789012:execution:m:e1"


def approval(approval_id: str = "a1", task_id: str = "t1") -> ApprovalRow:
    return ApprovalRow(
        approval_id, EXEC, task_id, "Ask", "f" * 64, ("alice", "group:managers"), "Ship it?",
        '{"amount":3}', "fail", "Approval.Rejected", T0, deadline=T0 + timedelta(days=1),
    )  # fmt: skip


def test_users_round_trip_and_replace_keeps_the_creation_time(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        alice = UserRow("alice", "alice@example.com", "scrypt$...", ("managers", "ops"), T0)
        await store.put_user(alice)
        await store.put_user(UserRow("bob", None, None, (), T0 + timedelta(seconds=1)))
        assert await store.get_user("alice") == alice
        changed = replace(alice, email="a@example.com", groups=(), created=T0 + timedelta(days=1))
        await store.put_user(changed)
        assert await store.get_user("alice") == replace(changed, created=T0)
        assert [u.name for u in await store.list_users()] == ["alice", "bob"]
        assert await store.delete_user("bob") and not await store.delete_user("bob")
        assert await store.get_user("bob") is None

    with_store(body)


def test_a_session_replaces_another_in_one_step(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        anonymous = SessionRow("h1", None, "c1", T0, T0 + timedelta(hours=1))
        await store.put_session(anonymous)
        assert await store.get_session("h1") == anonymous
        signed_in = SessionRow("h2", "alice", "c2", T0, T0 + timedelta(hours=8))
        await store.put_session(signed_in, replaces="h1")
        assert await store.get_session("h1") is None
        assert await store.get_session("h2") == signed_in
        await store.delete_session("h2")
        assert await store.get_session("h2") is None

    with_store(body)


def test_login_failures_count_within_the_window(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        for minute in range(3):
            await store.add_login_failure("user:alice", T0 + timedelta(minutes=minute), T0)
        assert await store.count_login_failures("user:alice", T0 + timedelta(minutes=1)) == 2
        assert (
            await store.add_login_failure("user:alice", T0 + timedelta(minutes=20), T0 + timedelta(minutes=5))
            == 1
        )
        assert await store.count_login_failures("user:bob", T0) == 0
        await store.clear_login_failures("user:alice")
        assert await store.count_login_failures("user:alice", T0) == 0

    with_store(body)


def test_one_request_per_task_and_the_first_decision_wins(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        first = approval()
        assert await store.create_approval(first) == first
        assert await store.create_approval(approval("a2")) == first  # same task: the existing request
        assert await store.get_approval("a2") is None
        other = await store.create_approval(approval("a3", "t2"))
        assert [r.id for r in await store.list_approvals("pending")] == ["a1", "a3"]

        async def decide(status: str, by: str) -> tuple[ApprovalRow | None, bool]:
            return await store.decide_approval("a1", status, by, "ok", T0 + timedelta(hours=1))  # type: ignore[arg-type]

        outcomes = await asyncio.gather(decide("approved", "alice"), decide("rejected", "carol"))
        assert sorted(won for _, won in outcomes) == [False, True]
        winner = next(row for row, won in outcomes if won)
        assert winner is not None and winner.decided_at == T0 + timedelta(hours=1)
        stored = await store.get_approval("a1")
        assert stored == winner and stored.status in ("approved", "rejected")
        assert (await decide("approved", "mallory"))[1] is False
        assert await store.decide_approval("nope", "approved", "x", None, T0) == (None, False)
        assert [r.id for r in await store.list_approvals("pending")] == [other.id]
        assert [r.id for r in await store.list_approvals(None)] == ["a1", "a3"]

    with_store(body)

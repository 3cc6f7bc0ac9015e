"""The store's half of the guard (access keys, audit log) on every store; the service's key rules."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from stepstone.errors import InvalidArn, ValidationException
from stepstone.service.keys import derive_secret, state_machine_of
from stepstone.service.throttle import TokenThrottle
from stepstone.store.base import Store
from stepstone.store.security import AccessKeyRow, AuditRow
from tests.store.conftest import StoreRunner

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:approve"
EX = "arn:aws:states:us-east-1:123456789012:execution:approve:e1"


def test_access_keys_round_trip_and_revoke_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        assert not await store.has_active_access_keys()
        row = AccessKeyRow("SSAKA", "approval-api", "salt", ("SendTask*",), (SM,), T0)
        await store.create_access_key(row)
        await store.create_access_key(
            AccessKeyRow("SSAKB", "admin", "s2", ("*",), (), T0 + timedelta(seconds=1))
        )
        assert await store.get_access_key("SSAKA") == row
        assert [r.key_id for r in await store.list_access_keys()] == ["SSAKA", "SSAKB"]
        assert await store.has_active_access_keys()
        assert await store.revoke_access_key("SSAKA", T0 + timedelta(minutes=1))
        assert not await store.revoke_access_key("SSAKA", T0 + timedelta(minutes=2))  # once
        assert not await store.revoke_access_key("nope", T0)
        revoked = await store.get_access_key("SSAKA")
        assert revoked is not None and revoked.revoked == T0 + timedelta(minutes=1)
        assert await store.has_active_access_keys()
        await store.revoke_access_key("SSAKB", T0)
        assert not await store.has_active_access_keys()
        assert await store.get_access_key("missing") is None

    with_store(body)


def test_the_audit_log_appends_in_order_and_filters_by_execution(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        ids = []
        for i in range(5):
            ids.append(
                await store.append_audit(
                    AuditRow(
                        0,
                        T0 + timedelta(seconds=i),
                        "SSAKA",
                        "10.0.0.1",
                        "SendTaskSuccess",
                        "accepted" if i % 2 else "refused",
                        f"r{i}",
                        EX if i % 2 else None,
                        "Approve" if i % 2 else None,
                    )
                )
            )
        assert ids == sorted(ids) and len(set(ids)) == 5
        everything = await store.list_audit(None, after=0, limit=100)
        assert [r.reason for r in everything] == ["r0", "r1", "r2", "r3", "r4"]
        assert everything[1].at == T0 + timedelta(seconds=1) and everything[1].address == "10.0.0.1"
        assert [r.reason for r in await store.list_audit(EX, after=0, limit=100)] == ["r1", "r3"]
        assert [r.reason for r in await store.list_audit(None, after=everything[1].id, limit=2)] == [
            "r2",
            "r3",
        ]

    with_store(body)


def test_secrets_are_derived_not_stored_and_depend_on_every_input() -> None:
    secret = derive_secret(b"m" * 32, "SSAKA", "salt")
    assert len(secret) == 40 and secret == derive_secret(b"m" * 32, "SSAKA", "salt")
    others = {derive_secret(b"n" * 32, "SSAKA", "salt"), derive_secret(b"m" * 32, "SSAKB", "salt")}
    assert secret not in others and len(others) == 2
    assert derive_secret(b"m" * 32, "SSAKA", "salt2") != secret


def test_state_machine_of_every_arn_kind() -> None:
    assert state_machine_of(SM) == SM
    assert state_machine_of(SM + ":3") == SM  # a version
    assert state_machine_of(EX) == SM
    assert state_machine_of(EX.replace(":execution:", ":express:") + ":x") == SM
    assert state_machine_of("arn:aws:states:us-east-1:123456789012:activity:a") is None
    assert state_machine_of("not an arn") is None


def test_the_throttle_blocks_at_the_limit_and_forgets_after_the_window() -> None:
    throttle = TokenThrottle(limit=3, window=timedelta(minutes=5))
    for i in range(3):
        assert not throttle.blocked(["addr:a"], T0 + timedelta(seconds=i))
        throttle.fail(["key:k", "addr:a"], T0 + timedelta(seconds=i))
    assert throttle.blocked(["addr:a"], T0 + timedelta(seconds=3))
    assert throttle.blocked(["key:k", "addr:other"], T0 + timedelta(seconds=3))  # by key, from anywhere
    assert not throttle.blocked(["addr:b"], T0 + timedelta(seconds=3))
    assert not throttle.blocked(["addr:a"], T0 + timedelta(minutes=5, seconds=3))


def test_key_creation_rejects_bad_names_actions_and_arns(tmp_path: object) -> None:
    from stepstone.app import build
    from stepstone.config import Config

    async def main() -> None:
        server = build(Config())
        await server.store.open()
        service = server.service
        for name, allow, machines, error in (
            ("", ["*"], [], ValidationException),
            ("ok", [], [], ValidationException),
            ("ok", ["sendTaskSuccess"], [], ValidationException),
            ("ok", ["SendTask*"], ["arn:aws:states:us-east-1:123456789012:activity:a"], InvalidArn),
        ):
            with pytest.raises(error):
                await service.create_access_key(name, allow, machines)
        row, secret = await service.create_access_key("ok", ["states:SendTaskSuccess"], [SM])
        assert row.allow == ("SendTaskSuccess",) and row.state_machines == (SM,)
        assert secret not in repr(row)
        found = await service.signing_secret(row.key_id)
        assert found is not None and found[1] == secret
        await service.revoke_access_key(row.key_id)
        assert await service.signing_secret(row.key_id) is None
        await server.store.close()

    asyncio.run(main())

"""The `DeploymentStore` contract on memory, SQLite and PostgreSQL: versions, aliases, dead letters."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime

from stepstone.store.base import StateMachineRow, Store
from stepstone.store.deployments import AliasRow, DeadLetterRow
from tests.store.conftest import StoreRunner

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def machine(revision: str = "r1") -> StateMachineRow:
    return StateMachineRow(ARN, "m", "STANDARD", "role", "{}", revision, T0, T0, config='{"a": 1}')


def alias(*versions: str, name: str = "PROD") -> AliasRow:
    weights = [100] if len(versions) == 1 else [50, 50]
    routing = [{"stateMachineVersionArn": v, "weight": w} for v, w in zip(versions, weights, strict=True)]
    return AliasRow(f"{ARN}:{name}", ARN, name, "", json.dumps(routing), T0, T0)


def test_version_numbers_count_up_and_are_never_given_twice(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        outcome, v1 = await store.publish_version(ARN, None, "first", T0, 3)
        assert outcome == "published" and v1 is not None and v1.number == 1 and v1.config == '{"a": 1}'
        assert await store.publish_version(ARN, None, "again", T0, 3) == ("existing", v1)
        assert (await store.publish_version(ARN, "stale", "", T0, 3))[0] == "conflict"
        assert (await store.publish_version(ARN, "INITIAL", "", T0, 3))[0] == "existing"
        for n, revision in ((2, "r2"), (3, "r3")):
            await store.update_state_machine(
                dataclasses.replace(machine(revision), updated=T0.replace(year=2027))
            )
            assert (await store.publish_version(ARN, revision, "", T0, 3))[1].number == n  # type: ignore[union-attr]
        await store.update_state_machine(dataclasses.replace(machine("r4"), updated=T0.replace(year=2027)))
        assert (await store.publish_version(ARN, "INITIAL", "", T0, 3))[0] == "conflict"  # updated since
        assert (await store.publish_version(ARN, None, "", T0, 3))[0] == "limit"
        assert await store.delete_version(f"{ARN}:3") == "deleted"
        outcome, v4 = await store.publish_version(ARN, None, "", T0, 3)
        assert outcome == "published" and v4 is not None and v4.number == 4  # 3 is not given out again
        assert [v.number for v in await store.list_versions(ARN)] == [4, 2, 1]
        assert await store.publish_version(ARN.replace(":m", ":x"), None, "", T0, 3) == ("missing", None)

    with_store(body)


def test_aliases_guard_their_versions(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        _, v1 = await store.publish_version(ARN, None, "", T0, 10)
        assert v1 is not None
        assert (await store.create_alias(alias(f"{ARN}:9"), 2))[0] == "no_version"
        assert await store.create_alias(alias(v1.arn), 2) == ("created", alias(v1.arn))
        assert await store.create_alias(alias(v1.arn), 2) == ("existing", alias(v1.arn))
        assert await store.delete_version(v1.arn) == "referenced"
        assert (await store.create_alias(alias(v1.arn, name="B"), 2))[0] == "created"
        assert (await store.create_alias(alias(v1.arn, name="C"), 2))[0] == "limit"
        assert await store.update_alias(alias(f"{ARN}:9")) == "no_version"
        assert await store.update_alias(alias(v1.arn, name="Z")) == "missing"
        assert [a.name for a in await store.list_aliases(ARN)] == ["B", "PROD"]  # by creation, then name
        assert await store.delete_alias(f"{ARN}:PROD") and await store.delete_alias(f"{ARN}:B")
        assert not await store.delete_alias(f"{ARN}:B")
        assert await store.delete_version(v1.arn) == "deleted"
        assert await store.delete_version(v1.arn) == "missing"

    with_store(body)


def test_deleting_the_machine_takes_versions_and_aliases(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        _, v1 = await store.publish_version(ARN, None, "", T0, 10)
        assert v1 is not None
        await store.create_alias(alias(v1.arn), 10)
        await store.delete_state_machine(ARN)
        assert await store.get_version(v1.arn) is None and await store.get_alias(f"{ARN}:PROD") is None
        await store.create_state_machine(machine())
        assert (await store.publish_version(ARN, None, "", T0, 10))[1].number == 1  # type: ignore[union-attr]

    with_store(body)


def test_a_dead_letter_replaces_its_outbox_row_once(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        from stepstone.store.base import ExecutionRow, Transition

        await store.create_state_machine(machine())
        execution = ExecutionRow(
            f"{ARN}:e".replace("stateMachine", "execution"), ARN, "e", "r1", "RUNNING", "{}", T0
        )
        await store.create_execution(execution, "start")
        inbox = await store.next_inbox(execution.arn)
        assert inbox is not None
        await store.commit_transition(
            Transition(execution.arn, 0, inbox.id, "{}", "RUNNING", outbox=['{"status": 1}'])
        )
        [row] = await store.pending_outbox()
        letter = DeadLetterRow(0, execution.arn, '{"detail": 1}', 5, "HTTP 500", T0)
        await store.dead_letter(row.id, letter)
        await store.dead_letter(row.id, letter)  # a repeat (another node, a retry) records nothing more
        assert await store.pending_outbox() == []
        [kept] = await store.list_dead_letters(10)
        assert (kept.execution_arn, kept.event, kept.attempts, kept.error, kept.at) == (
            execution.arn, '{"detail": 1}', 5, "HTTP 500", T0,
        )  # fmt: skip

    with_store(body)


def test_publishing_at_once_gives_one_version(with_store: StoreRunner) -> None:
    async def body(store: Store) -> None:
        await store.create_state_machine(machine())
        outcomes = await asyncio.gather(*(store.publish_version(ARN, None, "", T0, 10) for _ in range(8)))
        assert sorted(kind for kind, _ in outcomes) == ["existing"] * 7 + ["published"]
        assert {row.arn for _, row in outcomes if row is not None} == {f"{ARN}:1"}
        assert [v.number for v in await store.list_versions(ARN)] == [1]

    with_store(body)

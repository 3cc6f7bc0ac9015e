"""PostgreSQL commits the transitions handed over together in one transaction (`group_commit.py`),
and each of them still commits or fails by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from stepstone.store.base import ExecutionRow, HistoryRow, Transition
from stepstone.store.postgres import PostgresStore
from stepstone.store.postgres.group_commit import MAX_GROUP, PARALLEL
from tests.store.conftest import run_opened
from tests.store.test_contract import T0, execution, machine


def _run(dsn: str, body: Callable[[PostgresStore], Awaitable[Any]]) -> Any:
    return run_opened(PostgresStore(dsn), body)


async def _started(store: PostgresStore, n: int) -> list[ExecutionRow]:
    await store.create_state_machine(machine())
    return [(await store.create_execution(execution(f"e{i}"), '{"start":1}'))[0] for i in range(n)]


def _step(row: ExecutionRow, version: int, first_event: int, n: int) -> Transition:
    """A transition that consumes no inbox row (as a Stop does): two events, one command."""
    return Transition(
        row.arn, version, None, f'{{"n":{n}}}', "RUNNING",
        history=[HistoryRow(first_event, T0, f'{{"n":{n}}}'), HistoryRow(first_event + 1, T0, "{}")],
        outbox=[f'{{"cmd":{n}}}'],
    )  # fmt: skip


def _transactions(dsn: str, rows: list[ExecutionRow]) -> dict[str, str]:
    """The transaction that last wrote each execution's row (its xmin)."""
    with psycopg.connect(dsn) as c:
        found = c.execute(
            "SELECT arn, xmin::text FROM executions WHERE arn = ANY(%s)", ([r.arn for r in rows],)
        ).fetchall()
    return dict(found)


def test_a_round_of_transitions_is_one_transaction_and_a_stale_one_fails_alone(pg_dsn: str) -> None:
    async def body(store: PostgresStore) -> list[BaseException | None]:
        rows = await _started(store, 6)
        return await asyncio.gather(
            *(store.commit_transition(_step(r, 9 if i == 2 else 0, 1, i)) for i, r in enumerate(rows)),
            return_exceptions=True,
        )

    outcomes = _run(pg_dsn, body)
    assert [type(o).__name__ for o in outcomes] == ["NoneType"] * 2 + ["StoreConflict"] + ["NoneType"] * 3

    async def check(store: PostgresStore) -> list[ExecutionRow]:
        rows = [await store.get_execution(execution(f"e{i}").arn) for i in range(6)]
        assert all(r is not None for r in rows)
        return [r for r in rows if r is not None]

    rows = _run(pg_dsn, check)
    assert [r.version for r in rows] == [1, 1, 0, 1, 1, 1]
    applied = _transactions(pg_dsn, [r for i, r in enumerate(rows) if i != 2])
    assert len(set(applied.values())) == 1, applied  # one COMMIT for the five that held their guard


def test_an_error_in_a_group_sends_each_alone_and_fails_only_its_own(pg_dsn: str) -> None:
    async def body(store: PostgresStore) -> tuple[list[BaseException | None], list[list[str]]]:
        rows = await _started(store, 4)
        await store.commit_transition(_step(rows[1], 0, 1, 1))  # e1 now has events 1 and 2
        outcomes = await asyncio.gather(
            *(
                # e1 again at its new version, but with event ids it already has: a unique key breaks
                store.commit_transition(_step(r, 1 if i == 1 else 0, 1, 10 + i))
                for i, r in enumerate(rows)
            ),
            return_exceptions=True,
        )
        bodies = [
            [h.body for h in await store.history(r.arn, after=0, limit=10, reverse=False)] for r in rows
        ]
        return outcomes, bodies

    outcomes, bodies = _run(pg_dsn, body)
    assert [type(o).__name__ for o in outcomes] == ["NoneType", "StoreConflict", "NoneType", "NoneType"]
    assert bodies == [['{"n":10}', "{}"], ['{"n":1}', "{}"], ['{"n":12}', "{}"], ['{"n":13}', "{}"]]


def test_a_long_queue_is_split_into_groups_sent_side_by_side(pg_dsn: str) -> None:
    n = MAX_GROUP * PARALLEL + 3  # more than one send takes: the rest follows in the next

    async def body(store: PostgresStore) -> list[ExecutionRow]:
        rows = await _started(store, n)
        await asyncio.gather(*(store.commit_transition(_step(r, 0, 1, i)) for i, r in enumerate(rows)))
        return rows

    rows = _run(pg_dsn, body)
    transactions = _transactions(pg_dsn, rows)
    sizes = sorted(sum(1 for x in transactions.values() if x == t) for t in set(transactions.values()))
    assert sizes == [3] + [MAX_GROUP] * PARALLEL

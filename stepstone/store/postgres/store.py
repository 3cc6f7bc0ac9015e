"""The PostgreSQL `Store`: many stateless nodes share one database.

The same contract as SQLite, with what sharing needs. Work is claimed, never just read:
`executions_with_work` leases executions that have queued events, `pending_outbox` leases commands,
`fire_due_timers` and `claim_activity_task` delete what they take; all with `FOR UPDATE SKIP LOCKED`,
so no two nodes take the same work and none waits for another. A lease runs on the database clock;
a node that dies leaves its leases to run out, and then any node takes the work. A transition stays
guarded by the execution's version, so even two nodes holding one execution cannot apply one step
twice. Nodes wake each other with NOTIFY (see `connection.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import DictRow

from stepstone.metrics import DB_COMMIT
from stepstone.store.base import (
    ActivityRow,
    ActivityTaskRow,
    CallbackOutcome,
    ExecutionPage,
    ExecutionRow,
    HistoryRow,
    InboxRow,
    OutboxRow,
    StateMachineRow,
    Store,
    StoreConflict,
    TaskEventEncoder,
    TaskRow,
    TaskStatus,
    TimerEncoder,
    Transition,
    WorkItem,
)
from stepstone.store.postgres.accounts import AccountsMixin
from stepstone.store.postgres.approval_policies import ApprovalPoliciesMixin
from stepstone.store.postgres.connection import Conn, Database, Listener, NotificationListener, Q, notify
from stepstone.store.postgres.deployments import DeploymentsMixin
from stepstone.store.postgres.group_commit import GroupCommit
from stepstone.store.postgres.messages import MessagesMixin, wait_params
from stepstone.store.postgres.ops import PostgresOps
from stepstone.store.postgres.schema import migrate

#: Wake-up keys: "work" wakes every worker; other keys name a `Signals` key (an activity ARN, ...).
WORK = "work"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
CLAIM_LIMIT = 64


_COMMIT = DB_COMMIT.labels("postgresql")


def _machine(r: DictRow) -> StateMachineRow:
    return StateMachineRow(
        r["arn"], r["name"], r["type"], r["role_arn"], r["definition"], r["revision_id"],
        r["created"], r["updated"], r["description"], r["status"], r["config"],
    )  # fmt: skip


def _execution(r: DictRow) -> ExecutionRow:
    return ExecutionRow(
        arn=r["arn"], state_machine_arn=r["state_machine_arn"], name=r["name"], revision_id=r["revision_id"],
        status=r["status"], input=r["input"], start_date=r["start_date"], output=r["output"],
        error=r["error"], cause=r["cause"], stop_date=r["stop_date"], state=r["state"],
        version=r["version"], next_event_id=r["next_event_id"], redrive_count=r["redrive_count"],
        redrive_date=r["redrive_date"],
        version_arn=r["version_arn"], alias_arn=r["alias_arn"], trace_header=r["trace_header"],
    )  # fmt: skip


def _task(r: DictRow) -> TaskRow:
    return TaskRow(
        execution_arn=r["execution_arn"], task_id=r["task_id"], state_name=r["state_name"],
        resource=r["resource"], since=r["since"], token_hash=r["token_hash"], timeout_at=r["timeout_at"],
        heartbeat_seconds=r["heartbeat_seconds"], heartbeat_at=r["heartbeat_at"], status=r["status"],
        result=r["result"], closed=r["closed"],
    )  # fmt: skip


def _task_key(task: TaskRow) -> dict[str, str]:
    return {"execution_arn": task.execution_arn, "task_id": task.task_id}


def _activity(r: DictRow) -> ActivityRow:
    return ActivityRow(r["arn"], r["name"], r["created"])


def default_owner() -> str:
    """This node's name in leases: host, process and a random part (a restarted node is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PostgresStore(PostgresOps, MessagesMixin, ApprovalPoliciesMixin, AccountsMixin, DeploymentsMixin):
    """A `Store` in one PostgreSQL database, shared by any number of nodes."""

    def __init__(
        self,
        dsn: str,
        *,
        owner: str | None = None,
        lease_seconds: float = 30.0,
        pool_size: int = 10,
        migrate_on_open: bool = True,
    ) -> None:
        self.dsn = dsn
        self.owner = owner or default_owner()
        self.lease_seconds = lease_seconds
        self.migrate_on_open = migrate_on_open
        self.db = Database(dsn, max_size=pool_size)
        self._listener: NotificationListener | None = None
        self._group = GroupCommit(self.db)

    def listen(self, on_notify: Listener) -> None:
        """Call `on_notify(key)` for every wake-up any node sends (from `open()` on)."""
        self._listener = NotificationListener(self.dsn, self.owner, on_notify)

    async def open(self) -> None:
        if self.migrate_on_open:
            async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                await migrate(conn)
        await self.db.open()
        if self._listener is not None:
            self._listener.start()

    async def close(self) -> None:
        await self._group.close()
        if self._listener is not None:
            await self._listener.stop()
        if not self.db.pool.closed:
            with contextlib.suppress(psycopg.Error):  # a clean stop frees this node's work for others now
                await self.release_leases()
        await self.db.close()

    def _lease(self) -> dict[str, Any]:
        return {"owner": self.owner, "lease": self.lease_seconds}

    # state machines ---------------------------------------------------------------------------------

    async def create_state_machine(self, row: StateMachineRow) -> StateMachineRow:
        async with self.db.transaction() as c:
            cur = await c.execute(Q["insert_state_machine"], _machine_params(row))
            if cur.rowcount:
                await c.execute(Q["insert_definition"], _machine_params(row))
                return row
            existing = await (await c.execute(Q["get_state_machine"], {"arn": row.arn})).fetchone()
            assert existing is not None
            return _machine(existing)

    async def get_state_machine(self, arn: str) -> StateMachineRow | None:
        r = await self.db.one("get_state_machine", arn=arn)
        return None if r is None else _machine(r)

    async def list_state_machines(self) -> list[StateMachineRow]:
        return [_machine(r) for r in await self.db.all("list_state_machines")]

    async def update_state_machine(self, row: StateMachineRow) -> None:
        async with self.db.transaction() as c:
            await c.execute(Q["update_state_machine"], _machine_params(row))
            await c.execute(Q["insert_definition"], _machine_params(row))

    async def delete_state_machine(self, arn: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(Q["delete_state_machine"], {"arn": arn})
            await c.execute(Q["delete_tags"], {"arn": arn})
            await c.execute(Q["delete_versions_of"], {"arn": arn})
            await c.execute(Q["delete_aliases_of"], {"arn": arn})

    async def get_definition(self, arn: str, revision_id: str) -> str | None:
        r = await self.db.one("get_definition", arn=arn, revision_id=revision_id)
        return None if r is None else str(r["definition"])

    # executions -------------------------------------------------------------------------------------

    async def create_execution(self, row: ExecutionRow, start_event: str) -> tuple[ExecutionRow, bool]:
        params = {
            "arn": row.arn, "state_machine_arn": row.state_machine_arn, "name": row.name,
            "revision_id": row.revision_id, "status": row.status, "input": row.input,
            "start_date": row.start_date, "version_arn": row.version_arn, "alias_arn": row.alias_arn,
            "trace_header": row.trace_header,
        }  # fmt: skip
        params |= {"event": start_event, "wake": f"{self.owner} {WORK}"}
        if await self._group.one("create_execution", params) is not None:  # a row back: it was created
            return row, True
        existing = await self.get_execution(row.arn)
        assert existing is not None
        return existing, False

    async def get_execution(self, arn: str) -> ExecutionRow | None:
        r = await self.db.one("get_execution", arn=arn)
        return None if r is None else _execution(r)

    async def list_executions(
        self,
        state_machine_arn: str,
        status: str | None,
        limit: int,
        after: str | None,
        qualifier: str | None = None,
    ) -> ExecutionPage:
        after_start = None
        if after is not None:
            anchor = await self.get_execution(after)
            if anchor is None:
                return ExecutionPage()
            after_start = anchor.start_date
        rows = await self.db.all(
            "list_executions", state_machine_arn=state_machine_arn, status=status,
            after_start=after_start, after_arn=after, limit=limit + 1, qualifier=qualifier,
        )  # fmt: skip
        page = [_execution(r) for r in rows[:limit]]
        return ExecutionPage(page, page[-1].arn if len(rows) > limit else None)

    async def history(self, arn: str, *, after: int, limit: int, reverse: bool) -> list[HistoryRow]:
        query = "history_reverse" if reverse else "history_forward"
        rows = await self.db.all(query, arn=arn, after=after, limit=limit)
        return [HistoryRow(r["id"], r["timestamp"], r["body"]) for r in rows]

    async def redrive_execution(self, arn: str, expected_version: int, event: str, now: datetime) -> bool:
        async with self.db.transaction() as c:
            params = {"arn": arn, "expected_version": expected_version, "now": now}
            if not (await c.execute(Q["redrive_execution"], params)).rowcount:
                return False
            await self._enqueue(c, arn, event)
            return True

    # the work queue ---------------------------------------------------------------------------------

    async def _enqueue(self, c: Conn, execution_arn: str, event: str) -> int:
        cur = await c.execute(Q["enqueue"], {"execution_arn": execution_arn, "event": event})
        await notify(c, self.owner, WORK)
        row = await cur.fetchone()
        return int(row["id"]) if row is not None else 0

    async def enqueue(self, execution_arn: str, event: str) -> int:
        async with self.db.transaction() as c:
            return await self._enqueue(c, execution_arn, event)

    async def executions_with_work(self) -> list[str]:
        """Lease (to this node) executions with queued events that no live lease of another holds."""
        rows = await self.db.all("claim_executions", **self._lease(), limit=CLAIM_LIMIT)
        return [r["arn"] for r in rows]

    async def claim_work(self, limit: int) -> list[WorkItem]:
        """Lease executions with work, reading their rows and oldest events in the same statement."""
        rows = await self.db.all("claim_work", **self._lease(), limit=limit)
        return [WorkItem(_execution(r), InboxRow(r["first"], r["arn"], r["inbox_event"])) for r in rows]

    async def next_inbox(self, execution_arn: str) -> InboxRow | None:
        """The next queued event; when there is none, the lease is let go so any node may take the next."""
        r = await self.db.one("next_inbox", execution_arn=execution_arn)
        if r is not None:
            return InboxRow(r["id"], r["execution_arn"], r["event"])
        await self.db.run("release_execution", arn=execution_arn, owner=self.owner)
        return None

    async def commit_transition(self, t: Transition) -> None:
        """The whole transition in one statement (`transition`); the statements of transitions handed
        over together share one round trip and one transaction (`group_commit`)."""
        started = time.perf_counter()
        try:
            await self._commit_transition(t)
        finally:
            _COMMIT.observe(time.perf_counter() - started)

    async def _commit_transition(self, t: Transition) -> None:
        arn = t.execution_arn
        if (
            t.message_waits
            or set(t.cancel_timers) & {tid for tid, _ in t.arm_timers}
            or set(t.close_tasks) & {task.task_id for task in t.open_tasks}
        ):
            await self._commit_pipelined(t)  # statements that must see each other's writes
            return
        wake = [f"{self.owner} {WORK}"] if t.arm_timers else []  # other nodes may have a later timer
        if t.status in TERMINAL:
            wake.append(f"{self.owner} execution:{arn}")
        params = {
            "arn": arn, "expected_version": t.expected_version, "inbox_id": t.consumed_inbox_id,
            "state": t.state, "status": t.status, "output": t.output, "error": t.error, "cause": t.cause,
            "stop_date": t.stop_date, "event_count": len(t.history), **self._lease(),
            "h_ids": [h.id for h in t.history], "h_ts": [h.timestamp for h in t.history],
            "h_bodies": [h.body for h in t.history], "outbox": list(t.outbox),
            "cancel": list(t.cancel_timers), "arm_ids": [tid for tid, _ in t.arm_timers],
            "arm_dues": [due for _, due in t.arm_timers], "tasks": _tasks_json(t.open_tasks),
            "close": list(t.close_tasks), "closed_at": t.closed_at, "wake": wake,
        }  # fmt: skip
        try:
            r = await self._group.one("transition", params)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreConflict(arn) from exc
        if r is None or not r["applied"]:
            raise StoreConflict(arn)

    async def _commit_pipelined(self, t: Transition) -> None:
        """Every statement of the transition goes out in one pipeline: two round trips in all.

        The first flush carries BEGIN, the guarded consume-and-apply and every insert; the guard's row
        count is checked before COMMIT, so a lost guard rolls the whole transaction back.
        """
        arn = t.execution_arn
        lease = self._lease()
        try:
            async with self.db.pool.connection() as c, c.pipeline() as pipe, c.transaction():
                applied = await c.execute(
                    Q["consume_and_apply"],
                    {
                        "arn": arn, "expected_version": t.expected_version, "inbox_id": t.consumed_inbox_id,
                        "state": t.state, "status": t.status, "output": t.output, "error": t.error,
                        "cause": t.cause, "stop_date": t.stop_date, "event_count": len(t.history),
                        "owner": self.owner,
                    },
                )  # fmt: skip
                async with c.cursor() as cur:
                    await _many(cur, "insert_history", [
                        {"execution_arn": arn, "id": h.id, "timestamp": h.timestamp, "body": h.body}
                        for h in t.history
                    ])  # fmt: skip
                    await _many(
                        cur,
                        "insert_outbox",
                        [{"execution_arn": arn, "command": cmd, **lease} for cmd in t.outbox],
                    )
                    await _many(
                        cur,
                        "cancel_timer",
                        [{"execution_arn": arn, "timer_id": tid} for tid in t.cancel_timers],
                    )
                    await _many(cur, "arm_timer", [
                        {"execution_arn": arn, "timer_id": tid, "due": due} for tid, due in t.arm_timers
                    ])  # fmt: skip
                    await _many(cur, "insert_task", [_task_params(task) for task in t.open_tasks])
                    await _many(cur, "insert_message_wait", [wait_params(w) for w in t.message_waits])
                    keys = [{"execution_arn": arn, "task_id": task_id} for task_id in t.close_tasks]
                    await _many(cur, "close_task", [{**key, "closed": t.closed_at} for key in keys])
                    await _many(cur, "dequeue_task_activities", keys)
                if t.arm_timers:
                    # every node sleeps until its next timer: this one may be sooner
                    await notify(c, self.owner, WORK)
                if t.status in TERMINAL:
                    await notify(c, self.owner, f"execution:{arn}")
                await pipe.sync()
                if not applied.rowcount:
                    raise StoreConflict(arn)
        except psycopg.errors.UniqueViolation as exc:
            raise StoreConflict(arn) from exc

    async def fire_due_timers(self, now: datetime, encode: TimerEncoder) -> int:
        if await self.db.one("any_timer_due", now=now) is None:
            return 0  # the common case, in one round trip
        async with self.db.transaction() as c:
            cur = await c.execute(Q["claim_due_timers"], {"now": now, "limit": 1000})
            due = await cur.fetchall()
            async with c.cursor() as many:
                await _many(many, "enqueue", [
                    {"execution_arn": r["execution_arn"], "event": encode(r["timer_id"])} for r in due
                ])  # fmt: skip
            if due:
                await notify(c, self.owner, WORK)
            return len(due)

    async def next_timer_due(self) -> datetime | None:
        r = await self.db.one("next_timer_due")
        return None if r is None else r["due"]

    async def pending_outbox(self) -> list[OutboxRow]:
        """Lease the commands nobody (alive) holds, and renew this node's own."""
        rows = sorted(
            await self.db.all("claim_outbox", **self._lease(), limit=1000), key=lambda r: int(r["id"])
        )
        return [OutboxRow(r["id"], r["execution_arn"], r["command"]) for r in rows]

    async def complete_outbox(
        self, outbox_id: int, result_event: str | None, activity_task: ActivityTaskRow | None = None
    ) -> None:
        task = activity_task
        await self._group.one("complete_outbox", {
            "id": outbox_id, "event": result_event, "sender": self.owner,
            "activity_arn": task and task.activity_arn, "task_execution_arn": task and task.execution_arn,
            "task_id": task and task.task_id, "input": task and task.input,
        })  # fmt: skip

    # tasks and callbacks ----------------------------------------------------------------------------

    async def get_task(self, execution_arn: str, task_id: str) -> TaskRow | None:
        r = await self.db.one("get_task", execution_arn=execution_arn, task_id=task_id)
        return None if r is None else _task(r)

    async def list_tasks(self, execution_arn: str | None, status: TaskStatus | None) -> list[TaskRow]:
        if execution_arn is None:
            return [_task(r) for r in await self.db.all("list_all_tasks", status=status)]
        return [_task(r) for r in await self.db.all("list_tasks", execution_arn=execution_arn, status=status)]

    async def close_task_by_callback(
        self, token_hash: str, result: str, event: str, now: datetime
    ) -> CallbackOutcome:
        async with self.db.transaction() as c:
            params = {"token_hash": token_hash, "result": result, "closed": now}
            closed = await (await c.execute(Q["close_task_by_callback"], params)).fetchone()
            if closed is not None:
                task = _task(closed)
                await self._enqueue(c, task.execution_arn, event)
                await c.execute(Q["confirm_task_hand_out"], _task_key(task))  # its hand-out was delivered
                return CallbackOutcome("accepted", task)
            r = await (await c.execute(Q["task_by_hash"], {"token_hash": token_hash})).fetchone()
            if r is None:
                return CallbackOutcome("unknown")
            task = _task(r)
            if task.result is None:
                return CallbackOutcome("closed", task)
            return CallbackOutcome("repeated" if task.result == result else "completed_differently", task)

    async def heartbeat_task(self, token_hash: str, event: str, now: datetime) -> CallbackOutcome:
        async with self.db.transaction() as c:
            r = await (await c.execute(Q["task_by_hash"], {"token_hash": token_hash})).fetchone()
            if r is None:
                return CallbackOutcome("unknown")
            task = _task(r)
            if task.status == "closed":
                return CallbackOutcome("closed", task)
            beat = None if task.heartbeat_seconds is None else now + timedelta(seconds=task.heartbeat_seconds)
            await c.execute(Q["heartbeat_task"], {"token_hash": token_hash, "heartbeat_at": beat})
            await self._enqueue(c, task.execution_arn, event)
            await c.execute(Q["confirm_task_hand_out"], _task_key(task))  # its hand-out was delivered
            return CallbackOutcome("accepted", task)

    # activities -------------------------------------------------------------------------------------

    async def create_activity(self, row: ActivityRow) -> ActivityRow:
        async with self.db.transaction() as c:
            params = {"arn": row.arn, "name": row.name, "created": row.created}
            if (await c.execute(Q["insert_activity"], params)).rowcount:
                return row
            r = await (await c.execute(Q["get_activity"], {"arn": row.arn})).fetchone()
            assert r is not None
            return _activity(r)

    async def get_activity(self, arn: str) -> ActivityRow | None:
        r = await self.db.one("get_activity", arn=arn)
        return None if r is None else _activity(r)

    async def list_activities(self) -> list[ActivityRow]:
        return [_activity(r) for r in await self.db.all("list_activities")]

    async def delete_activity(self, arn: str) -> None:
        async with self.db.transaction() as c:
            await c.execute(Q["delete_activity"], {"arn": arn})
            await c.execute(Q["delete_tags"], {"arn": arn})

    async def claim_activity_task(
        self,
        activity_arn: str,
        started_event: TaskEventEncoder,
        *,
        now: datetime | None = None,
        hidden_until: datetime | None = None,
    ) -> ActivityTaskRow | None:
        params = {"activity_arn": activity_arn, "now": now, "hidden_until": hidden_until}
        async with self.db.transaction() as c:
            r = await (await c.execute(Q["claim_activity_task"], params)).fetchone()
            if r is None:
                return None
            if not r["deliveries"]:
                await self._enqueue(c, r["execution_arn"], started_event(r["task_id"]))
            return ActivityTaskRow(
                r["id"], r["activity_arn"], r["execution_arn"], r["task_id"], r["input"], r["deliveries"]
            )

    async def confirm_activity_tasks(self, ids: Sequence[int]) -> None:
        if ids:
            async with self.db.transaction() as c:
                await c.execute(Q["confirm_activity_tasks"], {"ids": list(ids)})

    # tags -------------------------------------------------------------------------------------------

    async def tag(self, arn: str, tags: dict[str, str]) -> None:
        async with self.db.transaction() as c, c.cursor() as cur:
            await _many(cur, "upsert_tag", [{"arn": arn, "key": k, "value": v} for k, v in tags.items()])

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        async with self.db.transaction() as c, c.cursor() as cur:
            await _many(cur, "delete_tag", [{"arn": arn, "key": k} for k in keys])

    async def tags(self, arn: str) -> dict[str, str]:
        return {r["key"]: r["value"] for r in await self.db.all("list_tags", arn=arn)}


async def _many(cur: psycopg.AsyncCursor[DictRow], query: str, params: list[dict[str, Any]]) -> None:
    if params:
        await cur.executemany(Q[query], params)


def _machine_params(row: StateMachineRow) -> dict[str, Any]:
    return {
        "arn": row.arn, "name": row.name, "type": row.type, "role_arn": row.role_arn,
        "definition": row.definition, "revision_id": row.revision_id, "description": row.description,
        "status": row.status, "created": row.created, "updated": row.updated, "config": row.config,
    }  # fmt: skip


def _tasks_json(tasks: Sequence[TaskRow]) -> str:
    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return json.dumps([
        {
            "task_id": t.task_id, "state_name": t.state_name, "resource": t.resource, "since": iso(t.since),
            "token_hash": t.token_hash, "timeout_at": iso(t.timeout_at),
            "heartbeat_seconds": t.heartbeat_seconds, "heartbeat_at": iso(t.heartbeat_at),
        }
        for t in tasks
    ])  # fmt: skip


def _task_params(task: TaskRow) -> dict[str, Any]:
    return {
        "execution_arn": task.execution_arn, "task_id": task.task_id, "state_name": task.state_name,
        "resource": task.resource, "since": task.since, "token_hash": task.token_hash,
        "timeout_at": task.timeout_at, "heartbeat_seconds": task.heartbeat_seconds,
        "heartbeat_at": task.heartbeat_at,
    }  # fmt: skip


if TYPE_CHECKING:
    _: type[Store] = PostgresStore  # mypy proves the class keeps the whole protocol

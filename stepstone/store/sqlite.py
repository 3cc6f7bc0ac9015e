"""The SQLite `Store`: one file in WAL mode, one writer.

Every write runs on one dedicated thread with its own connection inside `BEGIN IMMEDIATE ... COMMIT`,
so writes are serialised and a transition is all-or-nothing; writes queued together share one commit,
each under its own savepoint (`sqlite_writer`). Reads run on a small pool of threads,
each with its own connection (WAL lets them read while the writer writes). Queries are named, in
`sql/sqlite/queries.sql`; the schema grows by numbered files in `migrations/sqlite/`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from stepstone.store.approval_policies import InboxNote, PolicyRow, VoteRow
from stepstone.store.approvals import ApprovalRow, ApprovalStatus, SessionRow, UserRow
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
    StoreConflict,
    TaskEventEncoder,
    TaskRow,
    TaskStatus,
    TimerEncoder,
    Transition,
    WorkItem,
)
from stepstone.store.messages import Delivery, MessageRow, MessageWaitRow, PublishOutcome
from stepstone.store.security import AccessKeyRow, AuditRow
from stepstone.store.sqlite_approval_policies import fire_tx, policy_of, put_policy_tx, vote_tx, votes_of
from stepstone.store.sqlite_deployments import SqliteDeployments
from stepstone.store.sqlite_messages import publish_tx, wait_params, wait_tx
from stepstone.store.sqlite_ops import SqliteOps
from stepstone.store.sqlite_sql import Q, _dt, dt, ts
from stepstone.store.sqlite_sql import load_queries as load_queries
from stepstone.store.sqlite_sql import migrate as migrate
from stepstone.store.sqlite_sql import migrations as migrations
from stepstone.store.sqlite_writer import Writer

T = TypeVar("T")


def _task_key(task: TaskRow) -> dict[str, str]:
    return {"execution_arn": task.execution_arn, "task_id": task.task_id}


def _machine(r: sqlite3.Row) -> StateMachineRow:
    return StateMachineRow(
        r["arn"], r["name"], r["type"], r["role_arn"], r["definition"], r["revision_id"],
        _dt(r["created"]), _dt(r["updated"]), r["description"], r["status"], r["config"],
    )  # fmt: skip


def _execution(r: sqlite3.Row) -> ExecutionRow:
    return ExecutionRow(
        arn=r["arn"], state_machine_arn=r["state_machine_arn"], name=r["name"], revision_id=r["revision_id"],
        status=r["status"], input=r["input"], start_date=_dt(r["start_date"]), output=r["output"],
        error=r["error"], cause=r["cause"], stop_date=dt(r["stop_date"]), state=r["state"],
        version=r["version"], next_event_id=r["next_event_id"], redrive_count=r["redrive_count"],
        redrive_date=dt(r["redrive_date"]),
        version_arn=r["version_arn"], alias_arn=r["alias_arn"], trace_header=r["trace_header"],
    )  # fmt: skip


def _task(r: sqlite3.Row) -> TaskRow:
    return TaskRow(
        execution_arn=r["execution_arn"], task_id=r["task_id"], state_name=r["state_name"],
        resource=r["resource"], since=_dt(r["since"]), token_hash=r["token_hash"],
        timeout_at=dt(r["timeout_at"]), heartbeat_seconds=r["heartbeat_seconds"],
        heartbeat_at=dt(r["heartbeat_at"]), status=r["status"], result=r["result"], closed=dt(r["closed"]),
    )  # fmt: skip


def _user(r: sqlite3.Row) -> UserRow:
    groups = tuple(json.loads(r["groups"]))
    return UserRow(r["name"], r["email"], r["password_hash"], groups, _dt(r["created"]))


def _approval(r: sqlite3.Row) -> ApprovalRow:
    return ApprovalRow(
        id=r["id"], execution_arn=r["execution_arn"], task_id=r["task_id"], state_name=r["state_name"],
        token_hash=r["token_hash"], approvers=tuple(json.loads(r["approvers"])), subject=r["subject"],
        details=r["details"], on_reject=r["on_reject"], reject_error=r["reject_error"],
        created=_dt(r["created"]), deadline=dt(r["deadline"]), status=r["status"],
        decided_by=r["decided_by"], comment=r["comment"], decided_at=dt(r["decided_at"]),
    )  # fmt: skip


def _access_key(r: sqlite3.Row) -> AccessKeyRow:
    return AccessKeyRow(
        r["key_id"], r["name"], r["salt"], tuple(json.loads(r["allow"])),
        tuple(json.loads(r["state_machines"])), _dt(r["created"]), dt(r["revoked"]),
    )  # fmt: skip


def _audit(r: sqlite3.Row) -> AuditRow:
    return AuditRow(
        r["id"], _dt(r["at"]), r["principal"], r["address"], r["action"], r["outcome"], r["reason"],
        r["execution_arn"], r["state_name"],
    )  # fmt: skip


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteStore(SqliteOps, SqliteDeployments):
    """A `Store` in one SQLite file."""

    def __init__(self, path: str | Path, *, readers: int = 4) -> None:
        self.path = str(path)
        self._writer = Writer(lambda: _connect(self.path))
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="stepstone-sqlite-reader")
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def open(self) -> None:
        await self._writer.call(migrate, transactional=False)

    async def close(self) -> None:
        await self._writer.stop()
        self._readers.shutdown(wait=True)
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    # plumbing ---------------------------------------------------------------------------------------

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._writer.call(fn)

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, lambda: fn(self._reader()))

    async def _one(self, query: str, **params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = await self._read(lambda c: c.execute(Q[query], params).fetchone())
        return row

    async def _all(self, query: str, **params: Any) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = await self._read(lambda c: c.execute(Q[query], params).fetchall())
        return rows

    # state machines ---------------------------------------------------------------------------------

    async def create_state_machine(self, row: StateMachineRow) -> StateMachineRow:
        def tx(c: sqlite3.Connection) -> StateMachineRow:
            inserted = c.execute(Q["insert_state_machine"], _machine_params(row)).rowcount
            if inserted:
                c.execute(Q["insert_definition"], _machine_params(row))
                return row
            return _machine(c.execute(Q["get_state_machine"], {"arn": row.arn}).fetchone())

        return await self._write(tx)

    async def get_state_machine(self, arn: str) -> StateMachineRow | None:
        r = await self._one("get_state_machine", arn=arn)
        return None if r is None else _machine(r)

    async def list_state_machines(self) -> list[StateMachineRow]:
        return [_machine(r) for r in await self._all("list_state_machines")]

    async def update_state_machine(self, row: StateMachineRow) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.execute(Q["update_state_machine"], _machine_params(row))
            c.execute(Q["insert_definition"], _machine_params(row))

        await self._write(tx)

    async def delete_state_machine(self, arn: str) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.execute(Q["delete_state_machine"], {"arn": arn})
            c.execute(Q["delete_tags"], {"arn": arn})
            c.execute(Q["delete_versions_of"], {"arn": arn})
            c.execute(Q["delete_aliases_of"], {"arn": arn})

        await self._write(tx)

    async def get_definition(self, arn: str, revision_id: str) -> str | None:
        r = await self._one("get_definition", arn=arn, revision_id=revision_id)
        return None if r is None else str(r["definition"])

    # executions -------------------------------------------------------------------------------------

    async def create_execution(self, row: ExecutionRow, start_event: str) -> tuple[ExecutionRow, bool]:
        def tx(c: sqlite3.Connection) -> tuple[ExecutionRow, bool]:
            params = {
                "arn": row.arn, "state_machine_arn": row.state_machine_arn, "name": row.name,
                "revision_id": row.revision_id, "status": row.status, "input": row.input,
                "start_date": ts(row.start_date), "version_arn": row.version_arn, "alias_arn": row.alias_arn,
                "trace_header": row.trace_header,
            }  # fmt: skip
            if c.execute(Q["insert_execution"], params).rowcount:
                c.execute(Q["enqueue"], {"execution_arn": row.arn, "event": start_event})
                return row, True
            return _execution(c.execute(Q["get_execution"], {"arn": row.arn}).fetchone()), False

        return await self._write(tx)

    async def get_execution(self, arn: str) -> ExecutionRow | None:
        r = await self._one("get_execution", arn=arn)
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
            after_start = ts(anchor.start_date)
        rows = await self._all(
            "list_executions", state_machine_arn=state_machine_arn, status=status,
            after_start=after_start, after_arn=after, limit=limit + 1, qualifier=qualifier,
        )  # fmt: skip
        page = [_execution(r) for r in rows[:limit]]
        return ExecutionPage(page, page[-1].arn if len(rows) > limit else None)

    async def history(self, arn: str, *, after: int, limit: int, reverse: bool) -> list[HistoryRow]:
        query = "history_reverse" if reverse else "history_forward"
        rows = await self._all(query, arn=arn, after=after, limit=limit)
        return [HistoryRow(r["id"], _dt(r["timestamp"]), r["body"]) for r in rows]

    async def redrive_execution(self, arn: str, expected_version: int, event: str, now: datetime) -> bool:
        def tx(c: sqlite3.Connection) -> bool:
            params = {"arn": arn, "expected_version": expected_version, "now": ts(now)}
            if not c.execute(Q["redrive_execution"], params).rowcount:
                return False
            c.execute(Q["enqueue"], {"execution_arn": arn, "event": event})
            return True

        return await self._write(tx)

    # the work queue ---------------------------------------------------------------------------------

    async def enqueue(self, execution_arn: str, event: str) -> int:
        def tx(c: sqlite3.Connection) -> int:
            return int(
                c.execute(Q["enqueue"], {"execution_arn": execution_arn, "event": event}).lastrowid or 0
            )

        return await self._write(tx)

    async def executions_with_work(self) -> list[str]:
        return [r[0] for r in await self._all("executions_with_work")]

    async def claim_work(self, limit: int) -> list[WorkItem]:
        rows = await self._all("claim_work", limit=limit)
        return [WorkItem(_execution(r), InboxRow(r["inbox_id"], r["arn"], r["inbox_event"])) for r in rows]

    async def next_inbox(self, execution_arn: str) -> InboxRow | None:
        r = await self._one("next_inbox", execution_arn=execution_arn)
        return None if r is None else InboxRow(r["id"], r["execution_arn"], r["event"])

    async def commit_transition(self, t: Transition) -> None:
        # Alone it is one write; queued beside other executions' transitions (a worker round), the
        # writer may do them all at once, one `executemany` per statement (`sqlite_writer`).
        await self._writer.call(
            lambda c: _write_transitions(c, [t]), group=_write_transitions, item=t, key=t.execution_arn
        )

    async def fire_due_timers(self, now: datetime, encode: TimerEncoder) -> int:
        def tx(c: sqlite3.Connection) -> int:
            # every due timer at once, in one transaction: 10,000 timeouts due in the same second are
            # one commit, then worked through 1,000 executions per round
            at = ts(now)
            due = c.execute(Q["due_timers"], {"now": at}).fetchall()
            if due:
                c.execute(Q["delete_due_timers"], {"now": at})  # one range delete, not one per timer
                c.executemany(
                    Q["enqueue"], [{"execution_arn": arn, "event": encode(timer)} for arn, timer in due]
                )
            return len(due)

        return await self._write(tx)

    async def next_timer_due(self) -> datetime | None:
        r = await self._one("next_timer_due")
        return None if r is None else dt(r["due"])

    async def pending_outbox(self) -> list[OutboxRow]:
        return [
            OutboxRow(r["id"], r["execution_arn"], r["command"]) for r in await self._all("pending_outbox")
        ]

    async def complete_outbox(
        self, outbox_id: int, result_event: str | None, activity_task: ActivityTaskRow | None = None
    ) -> None:
        def tx(c: sqlite3.Connection) -> None:
            rows = c.execute(Q["delete_outbox"], {"id": outbox_id}).fetchall()
            if not rows:
                return  # already done (a repeat after recovery)
            r = rows[0]
            if result_event is not None:
                c.execute(Q["enqueue"], {"execution_arn": r["execution_arn"], "event": result_event})
            if activity_task is not None:
                c.execute(
                    Q["insert_activity_task"],
                    {
                        "activity_arn": activity_task.activity_arn,
                        "execution_arn": activity_task.execution_arn,
                        "task_id": activity_task.task_id,
                        "input": activity_task.input,
                    },
                )  # fmt: skip

        await self._write(tx)

    # tasks and callbacks ----------------------------------------------------------------------------

    async def get_task(self, execution_arn: str, task_id: str) -> TaskRow | None:
        r = await self._one("get_task", execution_arn=execution_arn, task_id=task_id)
        return None if r is None else _task(r)

    async def list_tasks(self, execution_arn: str | None, status: TaskStatus | None) -> list[TaskRow]:
        return [_task(r) for r in await self._all("list_tasks", execution_arn=execution_arn, status=status)]

    async def close_task_by_callback(
        self, token_hash: str, result: str, event: str, now: datetime
    ) -> CallbackOutcome:
        def tx(c: sqlite3.Connection) -> CallbackOutcome:
            params = {"token_hash": token_hash, "result": result, "closed": ts(now)}
            if c.execute(Q["close_task_by_callback"], params).rowcount:
                task = _task(c.execute(Q["task_by_hash"], {"token_hash": token_hash}).fetchone())
                c.execute(Q["enqueue"], {"execution_arn": task.execution_arn, "event": event})
                c.execute(Q["confirm_task_hand_out"], _task_key(task))  # its hand-out was delivered
                return CallbackOutcome("accepted", task)
            r = c.execute(Q["task_by_hash"], {"token_hash": token_hash}).fetchone()
            if r is None:
                return CallbackOutcome("unknown")
            task = _task(r)
            if task.result is None:
                return CallbackOutcome("closed", task)
            return CallbackOutcome("repeated" if task.result == result else "completed_differently", task)

        return await self._write(tx)

    async def heartbeat_task(self, token_hash: str, event: str, now: datetime) -> CallbackOutcome:
        def tx(c: sqlite3.Connection) -> CallbackOutcome:
            r = c.execute(Q["task_by_hash"], {"token_hash": token_hash}).fetchone()
            if r is None:
                return CallbackOutcome("unknown")
            task = _task(r)
            if task.status == "closed":
                return CallbackOutcome("closed", task)
            beat = None if task.heartbeat_seconds is None else now + timedelta(seconds=task.heartbeat_seconds)
            c.execute(Q["heartbeat_task"], {"token_hash": token_hash, "heartbeat_at": ts(beat)})
            c.execute(Q["enqueue"], {"execution_arn": task.execution_arn, "event": event})
            c.execute(Q["confirm_task_hand_out"], _task_key(task))  # its hand-out was delivered
            return CallbackOutcome("accepted", task)

        return await self._write(tx)

    # messages (stepstone.store.messages) ------------------------------------------------------------

    async def wait_for_message(self, wait: MessageWaitRow, deliver: Delivery, now: datetime) -> bool:
        return await self._write(lambda c: wait_tx(c, Q, ts, wait, deliver, now))

    async def publish_message(self, message: MessageRow, deliver: Delivery) -> PublishOutcome:
        return await self._write(lambda c: publish_tx(c, Q, ts, message, deliver))

    async def record_hook_delivery(
        self, source: str, signature: str, received: datetime, forget_before: datetime
    ) -> bool:
        def tx(c: sqlite3.Connection) -> bool:
            c.execute(Q["forget_hook_deliveries"], {"source": source, "before": ts(forget_before)})
            params = {"source": source, "signature": signature, "received": ts(received)}
            return bool(c.execute(Q["insert_hook_delivery"], params).rowcount)

        return await self._write(tx)

    # approval policies (stepstone.store.approval_policies) ------------------------------------------

    async def put_approval_policy(
        self, approval_id: str, policy: str, timers: Sequence[tuple[str, datetime]]
    ) -> None:
        await self._write(lambda c: put_policy_tx(c, Q, ts, approval_id, policy, timers))

    async def get_approval_policy(self, approval_id: str) -> PolicyRow | None:
        return policy_of(await self._one("get_approval_policy", approval_id=approval_id))

    async def add_approval_vote(self, vote: VoteRow, note: InboxNote | None = None) -> list[VoteRow]:
        return await self._write(lambda c: vote_tx(c, Q, ts, vote, note))

    async def list_approval_votes(self, approval_id: str) -> list[VoteRow]:
        return votes_of(await self._all("approval_votes", approval_id=approval_id))

    async def due_approval_timers(self, now: datetime) -> list[tuple[str, str]]:
        return [(r["approval_id"], r["kind"]) for r in await self._all("due_approval_timers", now=ts(now))]

    async def next_approval_timer_due(self) -> datetime | None:
        r = await self._one("next_approval_timer")
        return None if r is None or r["due"] is None else _dt(r["due"])

    async def fire_approval_timer(self, approval_id: str, kind: str, note: InboxNote | None = None) -> bool:
        return await self._write(lambda c: fire_tx(c, Q, approval_id, kind, note))

    # activities -------------------------------------------------------------------------------------

    async def create_activity(self, row: ActivityRow) -> ActivityRow:
        def tx(c: sqlite3.Connection) -> ActivityRow:
            params = {"arn": row.arn, "name": row.name, "created": ts(row.created)}
            if c.execute(Q["insert_activity"], params).rowcount:
                return row
            r = c.execute(Q["get_activity"], {"arn": row.arn}).fetchone()
            return ActivityRow(r["arn"], r["name"], _dt(r["created"]))

        return await self._write(tx)

    async def get_activity(self, arn: str) -> ActivityRow | None:
        r = await self._one("get_activity", arn=arn)
        return None if r is None else ActivityRow(r["arn"], r["name"], _dt(r["created"]))

    async def list_activities(self) -> list[ActivityRow]:
        return [
            ActivityRow(r["arn"], r["name"], _dt(r["created"])) for r in await self._all("list_activities")
        ]

    async def delete_activity(self, arn: str) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.execute(Q["delete_activity"], {"arn": arn})
            c.execute(Q["delete_tags"], {"arn": arn})

        await self._write(tx)

    async def claim_activity_task(
        self,
        activity_arn: str,
        started_event: TaskEventEncoder,
        *,
        now: datetime | None = None,
        hidden_until: datetime | None = None,
    ) -> ActivityTaskRow | None:
        def tx(c: sqlite3.Connection) -> ActivityTaskRow | None:
            r = c.execute(Q["next_activity_task"], {"activity_arn": activity_arn, "now": ts(now)}).fetchone()
            if r is None:
                return None
            if hidden_until is None:
                c.execute(Q["delete_activity_task"], {"id": r["id"]})
            else:
                c.execute(Q["hide_activity_task"], {"id": r["id"], "hidden_until": ts(hidden_until)})
            if not r["deliveries"]:
                started = started_event(r["task_id"])
                c.execute(Q["enqueue"], {"execution_arn": r["execution_arn"], "event": started})
            return ActivityTaskRow(
                r["id"], r["activity_arn"], r["execution_arn"], r["task_id"], r["input"], r["deliveries"]
            )

        return await self._write(tx)

    async def confirm_activity_tasks(self, ids: Sequence[int]) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.execute(Q["confirm_activity_tasks"], {"ids": json.dumps(list(ids))})

        if ids:
            await self._write(tx)

    # access keys and the audit log -----------------------------------------------------------------

    async def create_access_key(self, row: AccessKeyRow) -> None:
        params = {
            "key_id": row.key_id, "name": row.name, "salt": row.salt, "allow": json.dumps(list(row.allow)),
            "state_machines": json.dumps(list(row.state_machines)), "created": ts(row.created),
            "revoked": ts(row.revoked),
        }  # fmt: skip
        await self._write(lambda c: c.execute(Q["insert_access_key"], params))

    async def get_access_key(self, key_id: str) -> AccessKeyRow | None:
        r = await self._one("get_access_key", key_id=key_id)
        return None if r is None else _access_key(r)

    async def list_access_keys(self) -> list[AccessKeyRow]:
        return [_access_key(r) for r in await self._all("list_access_keys")]

    async def revoke_access_key(self, key_id: str, when: datetime) -> bool:
        params = {"key_id": key_id, "revoked": ts(when)}
        return bool(await self._write(lambda c: c.execute(Q["revoke_access_key"], params).rowcount))

    async def has_active_access_keys(self) -> bool:
        r = await self._one("has_active_access_keys")
        return bool(r is not None and r["found"])

    async def append_audit(self, row: AuditRow) -> int:
        params = {
            "at": ts(row.at), "principal": row.principal, "address": row.address, "action": row.action,
            "outcome": row.outcome, "reason": row.reason, "execution_arn": row.execution_arn,
            "state_name": row.state_name,
        }  # fmt: skip
        return await self._write(lambda c: int(c.execute(Q["insert_audit"], params).lastrowid or 0))

    async def list_audit(self, execution_arn: str | None, *, after: int, limit: int) -> list[AuditRow]:
        rows = await self._all("list_audit", execution_arn=execution_arn, after=after, limit=limit)
        return [_audit(r) for r in rows]

    # tags -------------------------------------------------------------------------------------------

    async def tag(self, arn: str, tags: dict[str, str]) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.executemany(Q["upsert_tag"], [{"arn": arn, "key": k, "value": v} for k, v in tags.items()])

        await self._write(tx)

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        def tx(c: sqlite3.Connection) -> None:
            c.executemany(Q["delete_tag"], [{"arn": arn, "key": k} for k in keys])

        await self._write(tx)

    async def tags(self, arn: str) -> dict[str, str]:
        return {r["key"]: r["value"] for r in await self._all("list_tags", arn=arn)}

    # approvals: users, sessions, sign-in failures, requests ----------------------------------------

    async def put_user(self, row: UserRow) -> None:
        params = {
            "name": row.name, "email": row.email, "password_hash": row.password_hash,
            "groups": json.dumps(list(row.groups)), "created": ts(row.created),
        }  # fmt: skip
        await self._write(lambda c: c.execute(Q["upsert_user"], params))

    async def get_user(self, name: str) -> UserRow | None:
        r = await self._one("get_user", name=name)
        return None if r is None else _user(r)

    async def list_users(self) -> list[UserRow]:
        return [_user(r) for r in await self._all("list_users")]

    async def delete_user(self, name: str) -> bool:
        return bool(await self._write(lambda c: c.execute(Q["delete_user"], {"name": name}).rowcount))

    async def put_session(self, row: SessionRow, *, replaces: str | None = None) -> None:
        def tx(c: sqlite3.Connection) -> None:
            if replaces is not None:
                c.execute(Q["delete_session"], {"id_hash": replaces})
            c.execute(
                Q["insert_session"],
                {
                    "id_hash": row.id_hash, "user_name": row.user, "csrf": row.csrf,
                    "created": ts(row.created), "expires": ts(row.expires),
                },
            )  # fmt: skip

        await self._write(tx)

    async def get_session(self, id_hash: str) -> SessionRow | None:
        r = await self._one("get_session", id_hash=id_hash)
        if r is None:
            return None
        return SessionRow(r["id_hash"], r["user_name"], r["csrf"], _dt(r["created"]), _dt(r["expires"]))

    async def delete_session(self, id_hash: str) -> None:
        await self._write(lambda c: c.execute(Q["delete_session"], {"id_hash": id_hash}))

    async def add_login_failure(self, key: str, at: datetime, since: datetime) -> int:
        def tx(c: sqlite3.Connection) -> int:
            c.execute(Q["insert_login_failure"], {"key": key, "at": ts(at)})
            c.execute(Q["prune_login_failures"], {"key": key, "since": ts(since)})
            return int(c.execute(Q["count_login_failures"], {"key": key, "since": ts(since)}).fetchone()[0])

        return await self._write(tx)

    async def count_login_failures(self, key: str, since: datetime) -> int:
        r = await self._one("count_login_failures", key=key, since=ts(since))
        return 0 if r is None else int(r[0])

    async def clear_login_failures(self, key: str) -> None:
        await self._write(lambda c: c.execute(Q["clear_login_failures"], {"key": key}))

    async def create_approval(self, row: ApprovalRow) -> ApprovalRow:
        def tx(c: sqlite3.Connection) -> ApprovalRow:
            params = {
                "id": row.id, "execution_arn": row.execution_arn, "task_id": row.task_id,
                "state_name": row.state_name, "token_hash": row.token_hash,
                "approvers": json.dumps(list(row.approvers)), "subject": row.subject, "details": row.details,
                "on_reject": row.on_reject, "reject_error": row.reject_error, "created": ts(row.created),
                "deadline": ts(row.deadline),
            }  # fmt: skip
            if c.execute(Q["insert_approval"], params).rowcount:
                return row
            key = {"execution_arn": row.execution_arn, "task_id": row.task_id}
            return _approval(c.execute(Q["approval_by_task"], key).fetchone())

        return await self._write(tx)

    async def get_approval(self, approval_id: str) -> ApprovalRow | None:
        r = await self._one("get_approval", id=approval_id)
        return None if r is None else _approval(r)

    async def list_approvals(self, status: ApprovalStatus | None) -> list[ApprovalRow]:
        return [_approval(r) for r in await self._all("list_approvals", status=status)]

    async def decide_approval(
        self, approval_id: str, status: ApprovalStatus, by: str, comment: str | None, at: datetime
    ) -> tuple[ApprovalRow | None, bool]:
        def tx(c: sqlite3.Connection) -> tuple[ApprovalRow | None, bool]:
            params = {"id": approval_id, "status": status, "decided_by": by, "comment": comment}
            won = bool(c.execute(Q["decide_approval"], {**params, "decided_at": ts(at)}).rowcount)
            r = c.execute(Q["get_approval"], {"id": approval_id}).fetchone()
            return (None if r is None else _approval(r)), won

        return await self._write(tx)


def _machine_params(row: StateMachineRow) -> dict[str, Any]:
    return {
        "arn": row.arn, "name": row.name, "type": row.type, "role_arn": row.role_arn,
        "definition": row.definition, "revision_id": row.revision_id, "description": row.description,
        "status": row.status, "created": ts(row.created), "updated": ts(row.updated), "config": row.config,
    }  # fmt: skip


def _task_params(task: TaskRow) -> dict[str, Any]:
    return {
        "execution_arn": task.execution_arn, "task_id": task.task_id, "state_name": task.state_name,
        "resource": task.resource, "since": ts(task.since), "token_hash": task.token_hash,
        "timeout_at": ts(task.timeout_at), "heartbeat_seconds": task.heartbeat_seconds,
        "heartbeat_at": ts(task.heartbeat_at),
    }  # fmt: skip


def _write_transitions(c: sqlite3.Connection, transitions: list[Transition]) -> None:
    """Every write of the given transitions (of distinct executions), one `executemany` per statement.

    Raises `StoreConflict` if any guard fails (an inbox row already consumed, a version moved on, a
    history id taken): the caller rolls back, and with several transitions runs each alone to tell
    which. Statements with nothing to do are not run at all (this runs on the writer thread, and its
    Python time competes with the worker's).
    """
    single = transitions[0].execution_arn if len(transitions) == 1 else "one of several executions"
    consumed = [{"id": t.consumed_inbox_id} for t in transitions if t.consumed_inbox_id is not None]
    if consumed and c.executemany(Q["consume_inbox"], consumed).rowcount != len(consumed):
        raise StoreConflict(single)
    applied = [
        {
            "arn": t.execution_arn, "expected_version": t.expected_version, "state": t.state,
            "status": t.status, "output": t.output, "error": t.error, "cause": t.cause,
            "stop_date": ts(t.stop_date), "event_count": len(t.history),
        }
        for t in transitions
    ]  # fmt: skip
    if c.executemany(Q["apply_transition"], applied).rowcount != len(transitions):
        raise StoreConflict(single)
    times: dict[datetime, str | None] = {}  # a transition's events share one time: format it once
    rows: dict[str, list[dict[str, Any]]] = {
        "insert_history": [], "insert_outbox": [], "cancel_timer": [], "arm_timer": [], "insert_task": [],
        "insert_message_wait": [], "close_task": [],
    }  # fmt: skip
    for t in transitions:
        arn = t.execution_arn
        for h in t.history:
            at = times.get(h.timestamp)
            if at is None:
                at = times[h.timestamp] = ts(h.timestamp)
            rows["insert_history"].append({"execution_arn": arn, "id": h.id, "timestamp": at, "body": h.body})
        rows["insert_outbox"].extend({"execution_arn": arn, "command": cmd} for cmd in t.outbox)
        rows["cancel_timer"].extend({"execution_arn": arn, "timer_id": tid} for tid in t.cancel_timers)
        rows["arm_timer"].extend(
            {"execution_arn": arn, "timer_id": tid, "due": ts(due)} for tid, due in t.arm_timers
        )
        rows["insert_task"].extend(_task_params(task) for task in t.open_tasks)
        rows["insert_message_wait"].extend(wait_params(w, ts) for w in t.message_waits)
        closed = ts(t.closed_at) if t.close_tasks else None
        rows["close_task"].extend(
            {"execution_arn": arn, "task_id": task_id, "closed": closed} for task_id in t.close_tasks
        )
    history = rows.pop("insert_history")
    try:
        if history:
            c.executemany(Q["insert_history"], history)
    except sqlite3.IntegrityError as exc:
        raise StoreConflict(single) from exc
    for query, params in rows.items():  # in the order a single transition always wrote them
        if params:
            c.executemany(Q[query], params)
    if rows["close_task"]:  # sqlite3 binds only the names a statement uses: the same rows serve both
        c.executemany(Q["dequeue_task_activities"], rows["close_task"])

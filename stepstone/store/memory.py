"""An in-memory `Store` for tests (yours and ours): same contract as SQLite, nothing survives the process.

Each method runs without awaiting, so on one event loop every call is atomic, like a transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

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
    OpsSnapshot,
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
from stepstone.store.memory_deployments import MemoryDeployments
from stepstone.store.messages import Delivery, MessageRow, MessageWaitRow, PublishOutcome, chosen
from stepstone.store.security import AccessKeyRow, AuditRow


class MemoryStore(MemoryDeployments):
    """A dict-backed `Store`."""

    def __init__(self) -> None:
        super().__init__()
        self.machines: dict[str, StateMachineRow] = {}
        self.definitions: dict[tuple[str, str], str] = {}
        self.executions: dict[str, ExecutionRow] = {}
        self.events: dict[str, list[HistoryRow]] = {}
        self._top_event: dict[str, int] = {}  # the highest history event id of each execution
        self.inbox: dict[int, InboxRow] = {}
        self.outbox: dict[int, OutboxRow] = {}
        self.timers: dict[tuple[str, str], datetime] = {}
        self.tasks: dict[tuple[str, str], TaskRow] = {}
        self.activities: dict[str, ActivityRow] = {}
        self.activity_tasks: dict[int, ActivityTaskRow] = {}
        self.activity_hidden: dict[int, datetime] = {}  # provisional hand-outs: hidden until
        self.tag_map: dict[str, dict[str, str]] = {}
        self.users: dict[str, UserRow] = {}
        self.sessions: dict[str, SessionRow] = {}
        self.login_failures: dict[str, list[datetime]] = {}
        self.approvals: dict[str, ApprovalRow] = {}
        self.access_keys: dict[str, AccessKeyRow] = {}
        self.audit: list[AuditRow] = []
        self.message_waits: dict[tuple[str, str], MessageWaitRow] = {}
        self.messages: dict[tuple[str, str], tuple[MessageRow, bool]] = {}  # (row, consumed)
        self.hook_deliveries: dict[tuple[str, str], datetime] = {}
        self.approval_policies: dict[str, PolicyRow] = {}
        self.approval_votes: dict[str, list[VoteRow]] = {}
        self.approval_timers: dict[tuple[str, str], tuple[datetime, bool]] = {}  # (due, fired)
        self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def create_state_machine(self, row: StateMachineRow) -> StateMachineRow:
        existing = self.machines.get(row.arn)
        if existing is not None:
            return existing
        self.machines[row.arn] = row
        self.definitions[(row.arn, row.revision_id)] = row.definition
        return row

    async def get_state_machine(self, arn: str) -> StateMachineRow | None:
        return self.machines.get(arn)

    async def list_state_machines(self) -> list[StateMachineRow]:
        return sorted(self.machines.values(), key=lambda r: (r.created, r.arn))

    async def update_state_machine(self, row: StateMachineRow) -> None:
        self.machines[row.arn] = row
        self.definitions[(row.arn, row.revision_id)] = row.definition

    async def delete_state_machine(self, arn: str) -> None:
        self.machines.pop(arn, None)
        self.tag_map.pop(arn, None)
        self.forget_deployments(arn)

    async def get_definition(self, arn: str, revision_id: str) -> str | None:
        return self.definitions.get((arn, revision_id))

    async def create_execution(self, row: ExecutionRow, start_event: str) -> tuple[ExecutionRow, bool]:
        existing = self.executions.get(row.arn)
        if existing is not None:
            return existing, False
        self.executions[row.arn] = row
        self.events[row.arn] = []
        seq = self._next()
        self.inbox[seq] = InboxRow(seq, row.arn, start_event)
        return row, True

    async def get_execution(self, arn: str) -> ExecutionRow | None:
        return self.executions.get(arn)

    async def list_executions(
        self,
        state_machine_arn: str,
        status: str | None,
        limit: int,
        after: str | None,
        qualifier: str | None = None,
    ) -> ExecutionPage:
        rows = [
            r
            for r in self.executions.values()
            if r.state_machine_arn == state_machine_arn
            and (status is None or r.status == status)
            and (qualifier is None or qualifier in (r.version_arn, r.alias_arn))
        ]
        rows.sort(key=lambda r: (r.start_date, r.arn), reverse=True)
        if after is not None:
            keys = [r.arn for r in rows]
            rows = rows[keys.index(after) + 1 :] if after in keys else []
        page = rows[:limit]
        return ExecutionPage(page, page[-1].arn if len(rows) > limit else None)

    async def history(self, arn: str, *, after: int, limit: int, reverse: bool) -> list[HistoryRow]:
        rows = sorted(self.events.get(arn, []), key=lambda r: r.id, reverse=reverse)
        rows = [r for r in rows if (r.id < after if reverse else r.id > after)] if after else rows
        return rows[:limit]

    async def redrive_execution(self, arn: str, expected_version: int, event: str, now: datetime) -> bool:
        row = self.executions.get(arn)
        if row is None or row.version != expected_version:
            return False
        self.executions[arn] = dataclasses.replace(
            row,
            status="RUNNING",
            stop_date=None,
            output=None,
            error=None,
            cause=None,
            redrive_count=row.redrive_count + 1,
            redrive_date=now,
            version=row.version + 1,
        )
        await self.enqueue(arn, event)
        return True

    async def enqueue(self, execution_arn: str, event: str) -> int:
        seq = self._next()
        self.inbox[seq] = InboxRow(seq, execution_arn, event)
        return seq

    async def executions_with_work(self) -> list[str]:
        return list(dict.fromkeys(r.execution_arn for r in sorted(self.inbox.values(), key=lambda r: r.id)))

    async def claim_work(self, limit: int) -> list[WorkItem]:
        first: dict[str, InboxRow] = {}
        for r in sorted(self.inbox.values(), key=lambda r: r.id):
            if r.execution_arn not in first and r.execution_arn in self.executions:
                first[r.execution_arn] = r
                if len(first) >= limit:
                    break
        return [WorkItem(self.executions[arn], inbox) for arn, inbox in first.items()]

    async def next_inbox(self, execution_arn: str) -> InboxRow | None:
        rows = [r for r in self.inbox.values() if r.execution_arn == execution_arn]
        return min(rows, key=lambda r: r.id) if rows else None

    async def commit_transition(self, t: Transition) -> None:
        row = self.executions.get(t.execution_arn)
        if row is None or row.version != t.expected_version:
            raise StoreConflict(t.execution_arn)
        if t.consumed_inbox_id is not None and t.consumed_inbox_id not in self.inbox:
            raise StoreConflict(t.execution_arn)
        events = self.events[t.execution_arn]
        # a set of every id only when the new ones could repeat one: rebuilding it per commit made a
        # long execution's commits quadratic
        if t.history and min(h.id for h in t.history) <= self._top_event.get(t.execution_arn, 0):
            known = {h.id for h in events}
            if any(h.id in known for h in t.history):
                raise StoreConflict(t.execution_arn)
        if t.consumed_inbox_id is not None:
            del self.inbox[t.consumed_inbox_id]
        events.extend(t.history)
        if t.history:
            top = max(h.id for h in t.history)
            self._top_event[t.execution_arn] = max(top, self._top_event.get(t.execution_arn, 0))
        self.executions[t.execution_arn] = dataclasses.replace(
            row,
            state=t.state,
            status=t.status,
            output=t.output,
            error=t.error,
            cause=t.cause,
            stop_date=t.stop_date,
            version=row.version + 1,
            next_event_id=row.next_event_id + len(t.history),
        )
        for command in t.outbox:
            seq = self._next()
            self.outbox[seq] = OutboxRow(seq, t.execution_arn, command)
        for timer_id in t.cancel_timers:
            self.timers.pop((t.execution_arn, timer_id), None)
        for timer_id, due in t.arm_timers:
            self.timers[(t.execution_arn, timer_id)] = due
        for task in t.open_tasks:
            self.tasks.setdefault((task.execution_arn, task.task_id), task)
        for wait in t.message_waits:
            self.message_waits.setdefault((wait.execution_arn, wait.task_id), wait)
        for task_id in t.close_tasks:
            key = (t.execution_arn, task_id)
            open_task = self.tasks.get(key)
            if open_task is not None and open_task.status == "open":
                self.tasks[key] = dataclasses.replace(open_task, status="closed", closed=t.closed_at)
            self._forget_hand_outs(
                [a for a, q in self.activity_tasks.items() if (q.execution_arn, q.task_id) == key]
            )

    async def fire_due_timers(self, now: datetime, encode: TimerEncoder) -> int:
        due = sorted((d, k) for k, d in self.timers.items() if d <= now)
        for _, (arn, timer_id) in due:
            del self.timers[(arn, timer_id)]
            await self.enqueue(arn, encode(timer_id))
        return len(due)

    async def next_timer_due(self) -> datetime | None:
        return min(self.timers.values(), default=None)

    async def pending_outbox(self) -> list[OutboxRow]:
        return sorted(self.outbox.values(), key=lambda r: r.id)

    async def complete_outbox(
        self, outbox_id: int, result_event: str | None, activity_task: ActivityTaskRow | None = None
    ) -> None:
        row = self.outbox.pop(outbox_id, None)
        if row is None:
            return
        if result_event is not None:
            await self.enqueue(row.execution_arn, result_event)
        if activity_task is not None:
            seq = self._next()
            self.activity_tasks[seq] = dataclasses.replace(activity_task, id=seq)

    async def get_task(self, execution_arn: str, task_id: str) -> TaskRow | None:
        return self.tasks.get((execution_arn, task_id))

    async def list_tasks(self, execution_arn: str | None, status: TaskStatus | None) -> list[TaskRow]:
        rows = [
            t
            for t in self.tasks.values()
            if (execution_arn is None or t.execution_arn == execution_arn)
            and (status is None or t.status == status)
        ]
        return sorted(rows, key=lambda t: (t.since, t.execution_arn, t.task_id))

    def _by_hash(self, token_hash: str) -> TaskRow | None:
        return next((t for t in self.tasks.values() if t.token_hash == token_hash), None)

    async def close_task_by_callback(
        self, token_hash: str, result: str, event: str, now: datetime
    ) -> CallbackOutcome:
        task = self._by_hash(token_hash)
        if task is None:
            return CallbackOutcome("unknown")
        if task.status == "closed":
            if task.result is None:
                return CallbackOutcome("closed", task)
            return CallbackOutcome("repeated" if task.result == result else "completed_differently", task)
        closed = dataclasses.replace(task, status="closed", result=result, closed=now)
        self.tasks[(task.execution_arn, task.task_id)] = closed
        await self.enqueue(task.execution_arn, event)
        self._delivered(task)
        return CallbackOutcome("accepted", closed)

    async def heartbeat_task(self, token_hash: str, event: str, now: datetime) -> CallbackOutcome:
        task = self._by_hash(token_hash)
        if task is None:
            return CallbackOutcome("unknown")
        if task.status == "closed":
            return CallbackOutcome("closed", task)
        if task.heartbeat_seconds is not None:
            task = dataclasses.replace(task, heartbeat_at=now + timedelta(seconds=task.heartbeat_seconds))
            self.tasks[(task.execution_arn, task.task_id)] = task
        await self.enqueue(task.execution_arn, event)
        self._delivered(task)
        return CallbackOutcome("accepted", task)

    # messages ---------------------------------------------------------------------------------------

    async def _deliver(self, wait: MessageWaitRow, payload: str, deliver: Delivery, now: datetime) -> bool:
        key = (wait.execution_arn, wait.task_id)
        self.message_waits.pop(key, None)
        task = self.tasks.get(key)
        if task is None or task.status != "open":
            return False
        result, event = deliver(wait.task_id, payload)
        self.tasks[key] = dataclasses.replace(task, status="closed", result=result, closed=now)
        await self.enqueue(wait.execution_arn, event)
        return True

    async def wait_for_message(self, wait: MessageWaitRow, deliver: Delivery, now: datetime) -> bool:
        task = self.tasks.get((wait.execution_arn, wait.task_id))
        if task is None or task.status != "open":
            return False  # a message (or a timeout) closed it already: nothing to wait for
        self.message_waits.setdefault((wait.execution_arn, wait.task_id), wait)
        buffered = sorted(
            (m for m, consumed in self.messages.values() if not consumed and m.expires > now
             and (m.message_name, m.correlation_key) == (wait.message_name, wait.correlation_key)),
            key=lambda m: (m.published, m.message_id),
        )  # fmt: skip
        if not buffered:
            return False
        self.messages[buffered[0].message_name, buffered[0].message_id] = (buffered[0], True)
        return await self._deliver(wait, buffered[0].payload, deliver, now)

    async def publish_message(self, message: MessageRow, deliver: Delivery) -> PublishOutcome:
        ids = (message.message_name, message.message_id)
        if ids in self.messages:
            return PublishOutcome(duplicate=True)
        waits = sorted(
            (w for w in self.message_waits.values()
             if (w.message_name, w.correlation_key) == (message.message_name, message.correlation_key)
             and (t := self.tasks.get((w.execution_arn, w.task_id))) is not None and t.status == "open"),
            key=lambda w: (w.created, w.execution_arn, w.task_id),
        )  # fmt: skip
        delivered = tuple(
            [(w.execution_arn, w.task_id) for w in chosen(waits)
             if await self._deliver(w, message.payload, deliver, message.published)]
        )  # fmt: skip
        buffered = not delivered and message.expires > message.published
        self.messages[ids] = (message, not buffered)
        return PublishOutcome(False, delivered, buffered)

    async def record_hook_delivery(
        self, source: str, signature: str, received: datetime, forget_before: datetime
    ) -> bool:
        for key, at in list(self.hook_deliveries.items()):
            if key[0] == source and at < forget_before:
                del self.hook_deliveries[key]
        if (source, signature) in self.hook_deliveries:
            return False
        self.hook_deliveries[source, signature] = received
        return True

    # approval policies ------------------------------------------------------------------------------

    async def put_approval_policy(
        self, approval_id: str, policy: str, timers: Sequence[tuple[str, datetime]]
    ) -> None:
        if approval_id not in self.approval_policies:
            self.approval_policies[approval_id] = PolicyRow(approval_id, policy)
            for kind, due in timers:
                self.approval_timers[approval_id, kind] = (due, False)

    async def get_approval_policy(self, approval_id: str) -> PolicyRow | None:
        return self.approval_policies.get(approval_id)

    async def add_approval_vote(self, vote: VoteRow, note: InboxNote | None = None) -> list[VoteRow]:
        votes = self.approval_votes.setdefault(vote.approval_id, [])
        if all(v.voter != vote.voter for v in votes):
            votes.append(vote)
            if note is not None:
                await self.enqueue(*note)
        return sorted(votes, key=lambda v: (v.at, v.voter))

    async def list_approval_votes(self, approval_id: str) -> list[VoteRow]:
        return sorted(self.approval_votes.get(approval_id, []), key=lambda v: (v.at, v.voter))

    async def due_approval_timers(self, now: datetime) -> list[tuple[str, str]]:
        due = [(at, key) for key, (at, fired) in self.approval_timers.items() if not fired and at <= now]
        return [key for _, key in sorted(due)]

    async def next_approval_timer_due(self) -> datetime | None:
        return min((at for at, fired in self.approval_timers.values() if not fired), default=None)

    async def fire_approval_timer(self, approval_id: str, kind: str, note: InboxNote | None = None) -> bool:
        timer = self.approval_timers.get((approval_id, kind))
        if timer is None or timer[1]:
            return False
        self.approval_timers[approval_id, kind] = (timer[0], True)
        if note is not None:
            await self.enqueue(*note)
        if kind == "escalate" and approval_id in self.approval_policies:
            self.approval_policies[approval_id] = dataclasses.replace(
                self.approval_policies[approval_id], escalated=True
            )
        return True

    async def create_activity(self, row: ActivityRow) -> ActivityRow:
        return self.activities.setdefault(row.arn, row)

    async def get_activity(self, arn: str) -> ActivityRow | None:
        return self.activities.get(arn)

    async def list_activities(self) -> list[ActivityRow]:
        return sorted(self.activities.values(), key=lambda r: (r.created, r.arn))

    async def delete_activity(self, arn: str) -> None:
        self.activities.pop(arn, None)
        self.tag_map.pop(arn, None)

    async def claim_activity_task(
        self,
        activity_arn: str,
        started_event: TaskEventEncoder,
        *,
        now: datetime | None = None,
        hidden_until: datetime | None = None,
    ) -> ActivityTaskRow | None:
        def visible(aid: int) -> bool:
            hidden = self.activity_hidden.get(aid)
            return hidden is None or (now is not None and hidden <= now)

        queued = sorted(
            (r for r in self.activity_tasks.values() if r.activity_arn == activity_arn and visible(r.id)),
            key=lambda r: r.id,
        )
        if not queued:
            return None
        row = queued[0]
        if hidden_until is None:
            del self.activity_tasks[row.id]
            self.activity_hidden.pop(row.id, None)
        else:
            self.activity_hidden[row.id] = hidden_until
            self.activity_tasks[row.id] = dataclasses.replace(row, deliveries=row.deliveries + 1)
        if not row.deliveries:
            await self.enqueue(row.execution_arn, started_event(row.task_id))
        return row

    async def confirm_activity_tasks(self, ids: Sequence[int]) -> None:
        self._forget_hand_outs(ids)

    def _delivered(self, task: TaskRow) -> None:
        """A heartbeat or callback of the task: its provisional hand-out was delivered (a task never
        handed out, answered by address, stays queued for its worker)."""
        key = (task.execution_arn, task.task_id)
        rows = self.activity_tasks.items()
        self._forget_hand_outs([a for a, r in rows if r.deliveries and (r.execution_arn, r.task_id) == key])

    def _forget_hand_outs(self, ids: Sequence[int]) -> None:
        for aid in ids:
            self.activity_tasks.pop(aid, None)
            self.activity_hidden.pop(aid, None)

    # access keys and the audit log -----------------------------------------------------------------

    async def create_access_key(self, row: AccessKeyRow) -> None:
        if row.key_id in self.access_keys:
            raise ValueError(f"access key {row.key_id} exists")
        self.access_keys[row.key_id] = row

    async def get_access_key(self, key_id: str) -> AccessKeyRow | None:
        return self.access_keys.get(key_id)

    async def list_access_keys(self) -> list[AccessKeyRow]:
        return sorted(self.access_keys.values(), key=lambda r: (r.created, r.key_id))

    async def revoke_access_key(self, key_id: str, when: datetime) -> bool:
        row = self.access_keys.get(key_id)
        if row is None or row.revoked is not None:
            return False
        self.access_keys[key_id] = dataclasses.replace(row, revoked=when)
        return True

    async def has_active_access_keys(self) -> bool:
        return any(r.revoked is None for r in self.access_keys.values())

    async def append_audit(self, row: AuditRow) -> int:
        stored = dataclasses.replace(row, id=len(self.audit) + 1)
        self.audit.append(stored)
        return stored.id

    async def list_audit(self, execution_arn: str | None, *, after: int, limit: int) -> list[AuditRow]:
        found = (r for r in self.audit[after:] if execution_arn is None or r.execution_arn == execution_arn)
        return list(itertools.islice(found, limit))

    # operations -------------------------------------------------------------------------------------

    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        tasks: dict[str, tuple[int, datetime]] = {}
        for task in self.tasks.values():
            if task.status == "open":
                n, oldest = tasks.get(task.resource, (0, task.since))
                tasks[task.resource] = (n + 1, min(oldest, task.since))
        queued = [self.tasks.get((q.execution_arn, q.task_id)) for q in self.activity_tasks.values()]
        since = [t.since for t in queued if t is not None]
        return OpsSnapshot(
            tasks, len(self.activity_tasks), min(since, default=None), len(self.outbox), len(self.inbox),
            len(self.timers), sum(1 for due in self.timers.values() if due <= now),
            min(self.timers.values(), default=None),
        )  # fmt: skip

    async def schema_status(self) -> tuple[list[int], int]:
        return [], 0  # nothing is kept, so nothing migrates

    async def prune_closed(self, before: datetime, limit: int) -> int:
        busy = {r.execution_arn for r in self.inbox.values()} | {
            r.execution_arn for r in self.outbox.values()
        }
        closed = [r for r in self.executions.values() if r.stop_date is not None and r.status != "RUNNING"]
        doomed = sorted(
            (r for r in closed if r.stop_date is not None and r.stop_date < before and r.arn not in busy),
            key=lambda r: r.stop_date or before,
        )[:limit]
        arns = {r.arn for r in doomed}
        for arn in arns:
            del self.executions[arn]
            self.events.pop(arn, None)
            self.tag_map.pop(arn, None)
        self.tasks = {k: v for k, v in self.tasks.items() if k[0] not in arns}
        self.timers = {k: v for k, v in self.timers.items() if k[0] not in arns}
        self.activity_tasks = {k: v for k, v in self.activity_tasks.items() if v.execution_arn not in arns}
        self.approvals = {k: v for k, v in self.approvals.items() if v.execution_arn not in arns}
        return len(arns)

    async def tag(self, arn: str, tags: dict[str, str]) -> None:
        self.tag_map.setdefault(arn, {}).update(tags)

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        for key in keys:
            self.tag_map.get(arn, {}).pop(key, None)

    async def tags(self, arn: str) -> dict[str, str]:
        return dict(self.tag_map.get(arn, {}))

    # approvals: users, sessions, sign-in failures, requests ----------------------------------------

    async def put_user(self, row: UserRow) -> None:
        existing = self.users.get(row.name)
        self.users[row.name] = row if existing is None else dataclasses.replace(row, created=existing.created)

    async def get_user(self, name: str) -> UserRow | None:
        return self.users.get(name)

    async def list_users(self) -> list[UserRow]:
        return [self.users[name] for name in sorted(self.users)]

    async def delete_user(self, name: str) -> bool:
        return self.users.pop(name, None) is not None

    async def put_session(self, row: SessionRow, *, replaces: str | None = None) -> None:
        if replaces is not None:
            self.sessions.pop(replaces, None)
        self.sessions[row.id_hash] = row

    async def get_session(self, id_hash: str) -> SessionRow | None:
        return self.sessions.get(id_hash)

    async def delete_session(self, id_hash: str) -> None:
        self.sessions.pop(id_hash, None)

    async def add_login_failure(self, key: str, at: datetime, since: datetime) -> int:
        kept = [t for t in self.login_failures.get(key, []) if t >= since]
        kept.append(at)
        self.login_failures[key] = kept
        return sum(1 for t in kept if t >= since)

    async def count_login_failures(self, key: str, since: datetime) -> int:
        return sum(1 for t in self.login_failures.get(key, []) if t >= since)

    async def clear_login_failures(self, key: str) -> None:
        self.login_failures.pop(key, None)

    async def create_approval(self, row: ApprovalRow) -> ApprovalRow:
        for existing in self.approvals.values():
            if (existing.execution_arn, existing.task_id) == (row.execution_arn, row.task_id):
                return existing
        self.approvals[row.id] = row
        return row

    async def get_approval(self, approval_id: str) -> ApprovalRow | None:
        return self.approvals.get(approval_id)

    async def list_approvals(self, status: ApprovalStatus | None) -> list[ApprovalRow]:
        rows = [r for r in self.approvals.values() if status is None or r.status == status]
        return sorted(rows, key=lambda r: (r.created, r.id))

    async def decide_approval(
        self, approval_id: str, status: ApprovalStatus, by: str, comment: str | None, at: datetime
    ) -> tuple[ApprovalRow | None, bool]:
        row = self.approvals.get(approval_id)
        if row is None or row.status != "pending":
            return row, False
        row = dataclasses.replace(row, status=status, decided_by=by, comment=comment, decided_at=at)
        self.approvals[approval_id] = row
        return row, True

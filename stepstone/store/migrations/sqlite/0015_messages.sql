-- Messages by correlation key: one row per waiting task, and published messages (buffered while their
-- time-to-live lasts, the (name, id) key makes a repeated publish harmless).
CREATE TABLE message_waits (
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    message_name TEXT NOT NULL,
    correlation_key TEXT NOT NULL,
    resume_all INTEGER NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (execution_arn, task_id)
);

CREATE INDEX message_waits_by_key ON message_waits (message_name, correlation_key, created);

CREATE TABLE messages (
    message_name TEXT NOT NULL,
    message_id TEXT NOT NULL,
    correlation_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    published TEXT NOT NULL,
    expires TEXT NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_name, message_id)
);

CREATE INDEX messages_buffered ON messages (message_name, correlation_key, consumed, published);

-- Signed webhook deliveries seen within the replay window: the same signature again is a replay.
CREATE TABLE hook_deliveries (
    source TEXT NOT NULL,
    signature TEXT NOT NULL,
    received TEXT NOT NULL,
    PRIMARY KEY (source, signature)
);

-- Approval policies (N of M, self-approval, reminder, escalation, expiry), votes and durable timers.
CREATE TABLE approval_policies (
    approval_id TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    escalated INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE approval_votes (
    approval_id TEXT NOT NULL,
    voter TEXT NOT NULL,
    approve INTEGER NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (approval_id, voter)
);

CREATE TABLE approval_timers (
    approval_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due TEXT NOT NULL,
    fired INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (approval_id, kind)
);

CREATE INDEX approval_timers_due ON approval_timers (fired, due);

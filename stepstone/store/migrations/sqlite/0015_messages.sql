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

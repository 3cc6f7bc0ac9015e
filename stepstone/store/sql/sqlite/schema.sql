-- The current schema, fresh. A test checks that the migrations, applied in order, give exactly this.
-- Columns added by ALTER TABLE are written as SQLite records them (after the closing line break).
CREATE TABLE state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    definition TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
, config TEXT NOT NULL DEFAULT '{}', last_version INTEGER NOT NULL DEFAULT 0);

CREATE TABLE state_machine_versions (
    arn TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (arn, revision_id)
);

CREATE TABLE executions (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    state TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    next_event_id INTEGER NOT NULL DEFAULT 1,
    start_date TEXT NOT NULL,
    stop_date TEXT,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date TEXT
, version_arn TEXT, alias_arn TEXT, trace_header TEXT);

CREATE INDEX executions_by_machine ON executions (state_machine_arn, start_date);

CREATE INDEX executions_closed_by_stop_date ON executions (stop_date) WHERE stop_date IS NOT NULL;

CREATE TABLE history_events (
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);

CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    event TEXT NOT NULL
);

CREATE INDEX inbox_by_execution ON inbox (execution_arn, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    command TEXT NOT NULL
);

CREATE TABLE timers (
    execution_arn TEXT NOT NULL,
    timer_id TEXT NOT NULL,
    due TEXT NOT NULL,
    PRIMARY KEY (execution_arn, timer_id)
);

CREATE INDEX timers_by_due ON timers (due);

CREATE TABLE tasks (
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    state_name TEXT NOT NULL,
    resource TEXT NOT NULL,
    since TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    timeout_at TEXT,
    heartbeat_seconds REAL,
    heartbeat_at TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    result TEXT,
    closed TEXT,
    PRIMARY KEY (execution_arn, task_id)
);

CREATE INDEX tasks_by_status ON tasks (status, since);

CREATE TABLE activities (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);

-- hidden_until, deliveries: migration 0014 (a provisional GetActivityTask hand-out), written as
-- SQLite keeps a column added by ALTER TABLE.
CREATE TABLE activity_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_arn TEXT NOT NULL,
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    input TEXT NOT NULL
, hidden_until TEXT, deliveries INTEGER NOT NULL DEFAULT 0);

CREATE INDEX activity_tasks_by_activity ON activity_tasks (activity_arn, id);

CREATE INDEX activity_tasks_by_task ON activity_tasks (execution_arn, task_id);

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    email TEXT,
    password_hash TEXT,
    groups TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL
);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT,
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX login_failures_by_key ON login_failures (key, at);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    state_name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    approvers TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    on_reject TEXT NOT NULL,
    reject_error TEXT NOT NULL,
    created TEXT NOT NULL,
    deadline TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT,
    comment TEXT,
    decided_at TEXT,
    UNIQUE (execution_arn, task_id)
);

CREATE INDEX approvals_by_status ON approvals (status, created);

CREATE TABLE access_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    salt TEXT NOT NULL,
    allow TEXT NOT NULL,
    state_machines TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    principal TEXT NOT NULL,
    address TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    execution_arn TEXT,
    state_name TEXT
);

CREATE INDEX audit_log_by_execution ON audit_log (execution_arn, id);

CREATE TABLE machine_versions (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    number INTEGER NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    config TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (state_machine_arn, number)
);

CREATE TABLE machine_aliases (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    routing TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);

CREATE INDEX machine_aliases_by_machine ON machine_aliases (state_machine_arn, name);

CREATE TABLE event_dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    event TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL
);
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

CREATE TABLE hook_deliveries (
    source TEXT NOT NULL,
    signature TEXT NOT NULL,
    received TEXT NOT NULL,
    PRIMARY KEY (source, signature)
);

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

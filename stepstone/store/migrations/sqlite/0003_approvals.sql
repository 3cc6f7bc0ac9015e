-- Built-in approvals: local users, web sessions, sign-in failures, approval requests.
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

-- The API's guard: SigV4 access keys (a salt, never the secret) and the audit log of callbacks.
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

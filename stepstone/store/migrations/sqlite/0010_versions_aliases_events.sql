-- Deploying as on AWS: a state machine's logging, tracing and encryption settings, its published
-- versions (numbers never reused: last_version counts them) and aliases, the version or alias an
-- execution was started through, and status-change events the configured endpoint never accepted.
ALTER TABLE state_machines ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE state_machines ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN version_arn TEXT;
ALTER TABLE executions ADD COLUMN alias_arn TEXT;
ALTER TABLE executions ADD COLUMN trace_header TEXT;

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

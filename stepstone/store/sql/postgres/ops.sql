-- Operations: the gauges every node reads from the database, retention, and letting leases go.

-- name: ops_open_tasks
SELECT resource, count(*) AS n, min(since) AS oldest FROM tasks WHERE status = 'open' GROUP BY resource;

-- name: ops_levels
-- The oldest queued activity task is as old as its task row (opened by the transition that queued it).
SELECT
    (SELECT count(*) FROM activity_tasks) AS activity_tasks,
    (SELECT min(t.since) FROM activity_tasks a
        JOIN tasks t ON t.execution_arn = a.execution_arn AND t.task_id = a.task_id) AS oldest_activity_task,
    (SELECT count(*) FROM outbox) AS outbox,
    (SELECT count(*) FROM inbox) AS inbox,
    (SELECT count(*) FROM timers) AS timers,
    (SELECT count(*) FROM timers WHERE due <= %(now)s) AS timers_due,
    (SELECT min(due) FROM timers) AS next_timer;

-- name: ops_schema_versions
SELECT version FROM schema_migrations;

-- name: prune_closed
-- One batch in one statement. Closed before the cutoff with nothing left to do (no queued event, no
-- command still to carry out, e.g. a nested execution's report); SKIP LOCKED: nodes pruning at once
-- take different rows and never wait for a transition.
WITH doomed AS (
    SELECT arn FROM executions e
    WHERE e.stop_date < %(before)s AND e.status <> 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.execution_arn = e.arn)
      AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.execution_arn = e.arn)
    ORDER BY e.stop_date
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), history AS (
    DELETE FROM history_events WHERE execution_arn IN (SELECT arn FROM doomed)
), tasks AS (
    DELETE FROM tasks WHERE execution_arn IN (SELECT arn FROM doomed)
), timers AS (
    DELETE FROM timers WHERE execution_arn IN (SELECT arn FROM doomed)
), activity_tasks AS (
    DELETE FROM activity_tasks WHERE execution_arn IN (SELECT arn FROM doomed)
), approvals AS (
    DELETE FROM approvals WHERE execution_arn IN (SELECT arn FROM doomed)
), tags AS (
    DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM doomed)
)
DELETE FROM executions WHERE arn IN (SELECT arn FROM doomed) RETURNING arn;

-- name: release_leases
-- At shutdown: this node's executions and commands are anybody's at once, and every node is told.
WITH freed_executions AS (
    UPDATE executions SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = %(owner)s RETURNING 1
), freed_commands AS (
    UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = %(owner)s RETURNING 1
)
SELECT (SELECT count(*) FROM freed_executions) AS executions, (SELECT count(*) FROM freed_commands) AS commands,
    pg_notify('stepstone', %(wake)s) AS notified;

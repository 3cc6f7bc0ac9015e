-- Operations: the gauges every node reads from the database, and retention. Named like queries.sql.

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
    (SELECT count(*) FROM timers WHERE due <= :now) AS timers_due,
    (SELECT min(due) FROM timers) AS next_timer;

-- name: ops_schema_versions
SELECT version FROM schema_migrations;

-- name: prunable_executions
-- Closed before the cutoff, with nothing left to do: no queued event (the worker may be about to
-- consume it) and no command still to carry out (a nested execution's report to its parent).
SELECT arn FROM executions e
WHERE e.stop_date IS NOT NULL AND e.stop_date < :before AND e.status <> 'RUNNING'
  AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.execution_arn = e.arn)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.execution_arn = e.arn)
ORDER BY e.stop_date
LIMIT :limit;

-- name: prune_history
DELETE FROM history_events WHERE execution_arn = :arn;

-- name: prune_tasks
DELETE FROM tasks WHERE execution_arn = :arn;

-- name: prune_timers
DELETE FROM timers WHERE execution_arn = :arn;

-- name: prune_activity_tasks
DELETE FROM activity_tasks WHERE execution_arn = :arn;

-- name: prune_approvals
DELETE FROM approvals WHERE execution_arn = :arn;

-- name: prune_tags
DELETE FROM tags WHERE resource_arn = :arn;

-- name: prune_execution
DELETE FROM executions WHERE arn = :arn AND status <> 'RUNNING';

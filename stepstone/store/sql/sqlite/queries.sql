-- Named queries of the SQLite store. Each starts with `-- name: <name>`; parameters are :named.

-- name: insert_state_machine
INSERT INTO state_machines (arn, name, type, role_arn, definition, revision_id, description, status, created, updated,
    config)
VALUES (:arn, :name, :type, :role_arn, :definition, :revision_id, :description, :status, :created, :updated,
    :config)
ON CONFLICT (arn) DO NOTHING;

-- name: insert_definition
INSERT INTO state_machine_versions (arn, revision_id, definition) VALUES (:arn, :revision_id, :definition)
ON CONFLICT (arn, revision_id) DO NOTHING;

-- name: get_state_machine
SELECT * FROM state_machines WHERE arn = :arn;

-- name: list_state_machines
SELECT * FROM state_machines ORDER BY created, arn;

-- name: update_state_machine
UPDATE state_machines SET role_arn = :role_arn, definition = :definition, revision_id = :revision_id,
    description = :description, updated = :updated, status = :status, config = :config
WHERE arn = :arn;

-- name: delete_state_machine
DELETE FROM state_machines WHERE arn = :arn;

-- name: get_definition
SELECT definition FROM state_machine_versions WHERE arn = :arn AND revision_id = :revision_id;

-- name: insert_execution
INSERT INTO executions (arn, state_machine_arn, name, revision_id, status, input, start_date, version_arn, alias_arn,
    trace_header)
VALUES (:arn, :state_machine_arn, :name, :revision_id, :status, :input, :start_date, :version_arn, :alias_arn,
    :trace_header)
ON CONFLICT (arn) DO NOTHING;

-- name: get_execution
SELECT * FROM executions WHERE arn = :arn;

-- name: list_executions
SELECT * FROM executions
WHERE state_machine_arn = :state_machine_arn AND (:status IS NULL OR status = :status)
  AND (:qualifier IS NULL OR version_arn = :qualifier OR alias_arn = :qualifier)
  AND (:after_start IS NULL OR start_date < :after_start OR (start_date = :after_start AND arn < :after_arn))
ORDER BY start_date DESC, arn DESC
LIMIT :limit;

-- name: history_forward
SELECT id, timestamp, body FROM history_events
WHERE execution_arn = :arn AND id > :after ORDER BY id LIMIT :limit;

-- name: history_reverse
SELECT id, timestamp, body FROM history_events
WHERE execution_arn = :arn AND (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit;

-- name: redrive_execution
UPDATE executions SET status = 'RUNNING', stop_date = NULL, output = NULL, error = NULL, cause = NULL,
    redrive_count = redrive_count + 1, redrive_date = :now, version = version + 1
WHERE arn = :arn AND version = :expected_version;

-- name: enqueue
INSERT INTO inbox (execution_arn, event) VALUES (:execution_arn, :event);

-- name: executions_with_work
-- Bounded: a backlog of 100,000 starts is worked through 1,000 executions per round, not all at once.
SELECT execution_arn FROM inbox GROUP BY execution_arn ORDER BY min(id) LIMIT 1000;

-- name: claim_work
-- Each execution with queued events, with its row and its oldest event: one read for a whole round.
-- Walks the inbox in id order and keeps each execution's oldest event, so it reads about :limit rows
-- rather than grouping the whole backlog (10,000 fired timers) on every round.
SELECT e.*, i.id AS inbox_id, i.event AS inbox_event
FROM inbox i
JOIN executions e ON e.arn = i.execution_arn
WHERE i.id = (SELECT min(o.id) FROM inbox o WHERE o.execution_arn = i.execution_arn)
ORDER BY i.id
LIMIT :limit;

-- name: next_inbox
SELECT id, execution_arn, event FROM inbox WHERE execution_arn = :execution_arn ORDER BY id LIMIT 1;

-- name: consume_inbox
DELETE FROM inbox WHERE id = :id;

-- name: apply_transition
UPDATE executions SET state = :state, status = :status, output = :output, error = :error, cause = :cause,
    stop_date = :stop_date, version = version + 1, next_event_id = next_event_id + :event_count
WHERE arn = :arn AND version = :expected_version;

-- name: insert_history
INSERT INTO history_events (execution_arn, id, timestamp, body) VALUES (:execution_arn, :id, :timestamp, :body);

-- name: delete_due_timers
DELETE FROM timers WHERE due <= :now;

-- name: insert_outbox
INSERT INTO outbox (execution_arn, command) VALUES (:execution_arn, :command);

-- name: arm_timer
INSERT INTO timers (execution_arn, timer_id, due) VALUES (:execution_arn, :timer_id, :due)
ON CONFLICT (execution_arn, timer_id) DO UPDATE SET due = excluded.due;

-- name: cancel_timer
DELETE FROM timers WHERE execution_arn = :execution_arn AND timer_id = :timer_id;

-- name: due_timers
SELECT execution_arn, timer_id FROM timers WHERE due <= :now ORDER BY due, execution_arn, timer_id;

-- name: next_timer_due
SELECT min(due) AS due FROM timers;

-- name: pending_outbox
SELECT id, execution_arn, command FROM outbox ORDER BY id;

-- name: delete_outbox
DELETE FROM outbox WHERE id = :id RETURNING execution_arn;

-- name: insert_task
INSERT INTO tasks (execution_arn, task_id, state_name, resource, since, token_hash, timeout_at,
    heartbeat_seconds, heartbeat_at, status)
VALUES (:execution_arn, :task_id, :state_name, :resource, :since, :token_hash, :timeout_at,
    :heartbeat_seconds, :heartbeat_at, 'open')
ON CONFLICT (execution_arn, task_id) DO NOTHING;

-- name: close_task
UPDATE tasks SET status = 'closed', closed = :closed
WHERE execution_arn = :execution_arn AND task_id = :task_id AND status = 'open';

-- name: confirm_task_hand_out
-- a heartbeat or callback proves a hand-out arrived; a task never handed out (answered by address)
-- stays queued for its worker
DELETE FROM activity_tasks WHERE execution_arn = :execution_arn AND task_id = :task_id AND deliveries > 0;

-- name: dequeue_task_activities
DELETE FROM activity_tasks WHERE execution_arn = :execution_arn AND task_id = :task_id;

-- name: get_task
SELECT * FROM tasks WHERE execution_arn = :execution_arn AND task_id = :task_id;

-- name: task_by_hash
SELECT * FROM tasks WHERE token_hash = :token_hash;

-- name: list_tasks
SELECT * FROM tasks
WHERE (:execution_arn IS NULL OR execution_arn = :execution_arn) AND (:status IS NULL OR status = :status)
ORDER BY since, execution_arn, task_id;

-- name: close_task_by_callback
UPDATE tasks SET status = 'closed', result = :result, closed = :closed
WHERE token_hash = :token_hash AND status = 'open';

-- name: heartbeat_task
UPDATE tasks SET heartbeat_at = :heartbeat_at WHERE token_hash = :token_hash AND status = 'open';

-- name: insert_activity
INSERT INTO activities (arn, name, created) VALUES (:arn, :name, :created) ON CONFLICT (arn) DO NOTHING;

-- name: get_activity
SELECT * FROM activities WHERE arn = :arn;

-- name: list_activities
SELECT * FROM activities ORDER BY created, arn;

-- name: delete_activity
DELETE FROM activities WHERE arn = :arn;

-- name: insert_activity_task
INSERT INTO activity_tasks (activity_arn, execution_arn, task_id, input)
VALUES (:activity_arn, :execution_arn, :task_id, :input);

-- name: next_activity_task
SELECT * FROM activity_tasks
WHERE activity_arn = :activity_arn AND (hidden_until IS NULL OR hidden_until <= :now)
ORDER BY id LIMIT 1;

-- name: hide_activity_task
UPDATE activity_tasks SET hidden_until = :hidden_until, deliveries = deliveries + 1 WHERE id = :id;

-- name: confirm_activity_tasks
DELETE FROM activity_tasks WHERE id IN (SELECT value FROM json_each(:ids));

-- name: delete_activity_task
DELETE FROM activity_tasks WHERE id = :id;

-- name: upsert_tag
INSERT INTO tags (resource_arn, key, value) VALUES (:arn, :key, :value)
ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value;

-- name: delete_tag
DELETE FROM tags WHERE resource_arn = :arn AND key = :key;

-- name: delete_tags
DELETE FROM tags WHERE resource_arn = :arn;

-- name: list_tags
SELECT key, value FROM tags WHERE resource_arn = :arn ORDER BY key;

-- approvals: users, web sessions, sign-in failures, approval requests

-- name: upsert_user
INSERT INTO users (name, email, password_hash, groups, created)
VALUES (:name, :email, :password_hash, :groups, :created)
ON CONFLICT (name) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash,
    groups = excluded.groups;

-- name: get_user
SELECT * FROM users WHERE name = :name;

-- name: list_users
SELECT * FROM users ORDER BY name;

-- name: delete_user
DELETE FROM users WHERE name = :name;

-- name: insert_session
INSERT INTO web_sessions (id_hash, user_name, csrf, created, expires)
VALUES (:id_hash, :user_name, :csrf, :created, :expires);

-- name: get_session
SELECT * FROM web_sessions WHERE id_hash = :id_hash;

-- name: delete_session
DELETE FROM web_sessions WHERE id_hash = :id_hash;

-- name: insert_login_failure
INSERT INTO login_failures (key, at) VALUES (:key, :at);

-- name: prune_login_failures
DELETE FROM login_failures WHERE key = :key AND at < :since;

-- name: count_login_failures
SELECT count(*) FROM login_failures WHERE key = :key AND at >= :since;

-- name: clear_login_failures
DELETE FROM login_failures WHERE key = :key;

-- name: insert_approval
INSERT INTO approvals (id, execution_arn, task_id, state_name, token_hash, approvers, subject, details,
    on_reject, reject_error, created, deadline)
VALUES (:id, :execution_arn, :task_id, :state_name, :token_hash, :approvers, :subject, :details,
    :on_reject, :reject_error, :created, :deadline)
ON CONFLICT (execution_arn, task_id) DO NOTHING;

-- name: get_approval
SELECT * FROM approvals WHERE id = :id;

-- name: approval_by_task
SELECT * FROM approvals WHERE execution_arn = :execution_arn AND task_id = :task_id;

-- name: list_approvals
SELECT * FROM approvals WHERE (:status IS NULL OR status = :status) ORDER BY created, id;

-- name: decide_approval
UPDATE approvals SET status = :status, decided_by = :decided_by, comment = :comment, decided_at = :decided_at
WHERE id = :id AND status = 'pending';

-- name: insert_access_key
INSERT INTO access_keys (key_id, name, salt, allow, state_machines, created, revoked)
VALUES (:key_id, :name, :salt, :allow, :state_machines, :created, :revoked);

-- name: get_access_key
SELECT * FROM access_keys WHERE key_id = :key_id;

-- name: list_access_keys
SELECT * FROM access_keys ORDER BY created, key_id;

-- name: revoke_access_key
UPDATE access_keys SET revoked = :revoked WHERE key_id = :key_id AND revoked IS NULL;

-- name: has_active_access_keys
SELECT EXISTS (SELECT 1 FROM access_keys WHERE revoked IS NULL) AS found;

-- name: insert_audit
INSERT INTO audit_log (at, principal, address, action, outcome, reason, execution_arn, state_name)
VALUES (:at, :principal, :address, :action, :outcome, :reason, :execution_arn, :state_name);

-- name: list_audit
SELECT * FROM audit_log
WHERE id > :after AND (:execution_arn IS NULL OR execution_arn = :execution_arn)
ORDER BY id LIMIT :limit;

-- versions, aliases and dead letters (stepstone/store/deployments.py) ------------------------------

-- name: bump_last_version
UPDATE state_machines SET last_version = last_version + 1 WHERE arn = :arn RETURNING last_version;

-- name: insert_version
INSERT INTO machine_versions (arn, state_machine_arn, number, revision_id, description, role_arn, config, created)
VALUES (:arn, :state_machine_arn, :number, :revision_id, :description, :role_arn, :config,
    :created);

-- name: get_version
SELECT * FROM machine_versions WHERE arn = :arn;

-- name: list_versions
SELECT * FROM machine_versions WHERE state_machine_arn = :state_machine_arn ORDER BY number DESC;

-- name: delete_version
DELETE FROM machine_versions WHERE arn = :arn;

-- name: delete_versions_of
DELETE FROM machine_versions WHERE state_machine_arn = :arn;

-- name: insert_alias
INSERT INTO machine_aliases (arn, state_machine_arn, name, description, routing, created, updated)
VALUES (:arn, :state_machine_arn, :name, :description, :routing, :created, :updated)
ON CONFLICT (arn) DO NOTHING;

-- name: update_alias
UPDATE machine_aliases SET description = :description, routing = :routing, updated = :updated
WHERE arn = :arn;

-- name: get_alias
SELECT * FROM machine_aliases WHERE arn = :arn;

-- name: list_aliases
SELECT * FROM machine_aliases WHERE state_machine_arn = :state_machine_arn ORDER BY created, name;

-- name: delete_alias
DELETE FROM machine_aliases WHERE arn = :arn;

-- name: delete_aliases_of
DELETE FROM machine_aliases WHERE state_machine_arn = :arn;

-- name: insert_dead_letter
INSERT INTO event_dead_letters (execution_arn, event, attempts, error, at)
VALUES (:execution_arn, :event, :attempts, :error, :at);

-- name: list_dead_letters
SELECT * FROM event_dead_letters ORDER BY id DESC LIMIT :limit;
-- messages by correlation key (0015) ------------------------------------------------------------

-- name: insert_message_wait
INSERT INTO message_waits (execution_arn, task_id, message_name, correlation_key, resume_all, created)
VALUES (:execution_arn, :task_id, :message_name, :correlation_key, :resume_all, :created)
ON CONFLICT DO NOTHING;

-- name: delete_message_wait
DELETE FROM message_waits WHERE execution_arn = :execution_arn AND task_id = :task_id;

-- name: matching_waits
SELECT w.* FROM message_waits w
JOIN tasks t ON t.execution_arn = w.execution_arn AND t.task_id = w.task_id AND t.status = 'open'
WHERE w.message_name = :message_name AND w.correlation_key = :correlation_key
ORDER BY w.created, w.execution_arn, w.task_id;

-- name: close_task_by_id
UPDATE tasks SET status = 'closed', result = :result, closed = :closed
WHERE execution_arn = :execution_arn AND task_id = :task_id AND status = 'open';

-- name: insert_message
INSERT INTO messages (message_name, message_id, correlation_key, payload, published, expires)
VALUES (:message_name, :message_id, :correlation_key, :payload, :published, :expires)
ON CONFLICT DO NOTHING;

-- name: buffered_message
SELECT * FROM messages
WHERE message_name = :message_name AND correlation_key = :correlation_key AND consumed = 0 AND expires > :now
ORDER BY published, message_id LIMIT 1;

-- name: consume_message
UPDATE messages SET consumed = 1 WHERE message_name = :message_name AND message_id = :message_id;

-- name: forget_hook_deliveries
DELETE FROM hook_deliveries WHERE source = :source AND received < :before;

-- name: insert_hook_delivery
INSERT INTO hook_deliveries (source, signature, received) VALUES (:source, :signature, :received)
ON CONFLICT DO NOTHING;

-- approval policies (0015) ------------------------------------------------------------------------

-- name: insert_approval_policy
INSERT INTO approval_policies (approval_id, policy) VALUES (:approval_id, :policy) ON CONFLICT DO NOTHING;

-- name: insert_approval_timer
INSERT INTO approval_timers (approval_id, kind, due) VALUES (:approval_id, :kind, :due) ON CONFLICT DO NOTHING;

-- name: get_approval_policy
SELECT * FROM approval_policies WHERE approval_id = :approval_id;

-- name: insert_approval_vote
INSERT INTO approval_votes (approval_id, voter, approve, comment, at)
VALUES (:approval_id, :voter, :approve, :comment, :at) ON CONFLICT DO NOTHING;

-- name: approval_votes
SELECT * FROM approval_votes WHERE approval_id = :approval_id ORDER BY at, voter;

-- name: due_approval_timers
SELECT approval_id, kind FROM approval_timers WHERE fired = 0 AND due <= :now ORDER BY due, approval_id, kind;

-- name: next_approval_timer
SELECT min(due) AS due FROM approval_timers WHERE fired = 0;

-- name: fire_approval_timer
UPDATE approval_timers SET fired = 1 WHERE approval_id = :approval_id AND kind = :kind AND fired = 0;

-- name: escalate_approval
UPDATE approval_policies SET escalated = 1 WHERE approval_id = :approval_id;

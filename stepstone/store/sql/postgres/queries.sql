-- Named queries of the PostgreSQL store. Each starts with `-- name: <name>`; parameters are %(named)s.
-- Work is claimed with FOR UPDATE SKIP LOCKED and leased (lease_owner, lease_until on the database
-- clock), so many nodes share one database, no two take the same work, and a dead node's work comes
-- back when its lease runs out.

-- name: insert_state_machine
INSERT INTO state_machines (arn, name, type, role_arn, definition, revision_id, description, status, created, updated,
    config)
VALUES (%(arn)s, %(name)s, %(type)s, %(role_arn)s, %(definition)s, %(revision_id)s, %(description)s, %(status)s,
    %(created)s, %(updated)s, %(config)s)
ON CONFLICT (arn) DO NOTHING;

-- name: insert_definition
INSERT INTO state_machine_versions (arn, revision_id, definition) VALUES (%(arn)s, %(revision_id)s, %(definition)s)
ON CONFLICT (arn, revision_id) DO NOTHING;

-- name: get_state_machine
SELECT * FROM state_machines WHERE arn = %(arn)s;

-- name: list_state_machines
SELECT * FROM state_machines ORDER BY created, arn;

-- name: update_state_machine
UPDATE state_machines SET role_arn = %(role_arn)s, definition = %(definition)s, revision_id = %(revision_id)s,
    description = %(description)s, updated = %(updated)s, status = %(status)s, config = %(config)s
WHERE arn = %(arn)s;

-- name: delete_state_machine
DELETE FROM state_machines WHERE arn = %(arn)s;

-- name: get_definition
SELECT definition FROM state_machine_versions WHERE arn = %(arn)s AND revision_id = %(revision_id)s;

-- name: insert_execution
INSERT INTO executions (arn, state_machine_arn, name, revision_id, status, input, start_date)
VALUES (%(arn)s, %(state_machine_arn)s, %(name)s, %(revision_id)s, %(status)s, %(input)s, %(start_date)s)
ON CONFLICT (arn) DO NOTHING;

-- name: create_execution
-- One statement (its own transaction): the row, its start event and the wake-up; a row back if created.
WITH created AS (
    INSERT INTO executions (arn, state_machine_arn, name, revision_id, status, input, start_date, version_arn,
        alias_arn, trace_header)
    VALUES (%(arn)s, %(state_machine_arn)s, %(name)s, %(revision_id)s, %(status)s, %(input)s, %(start_date)s,
        %(version_arn)s, %(alias_arn)s, %(trace_header)s)
    ON CONFLICT (arn) DO NOTHING
    RETURNING arn
), queued AS (
    INSERT INTO inbox (execution_arn, event) SELECT arn, %(event)s FROM created RETURNING id
)
SELECT pg_notify('stepstone', %(wake)s) AS notified FROM queued;

-- name: get_execution
SELECT * FROM executions WHERE arn = %(arn)s;

-- name: list_executions
SELECT * FROM executions
WHERE state_machine_arn = %(state_machine_arn)s AND (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(qualifier)s::text IS NULL OR version_arn = %(qualifier)s::text OR alias_arn = %(qualifier)s::text)
  AND (%(after_start)s::timestamptz IS NULL OR start_date < %(after_start)s::timestamptz
       OR (start_date = %(after_start)s::timestamptz AND arn < %(after_arn)s::text))
ORDER BY start_date DESC, arn DESC
LIMIT %(limit)s;

-- name: history_forward
SELECT id, timestamp, body FROM history_events
WHERE execution_arn = %(arn)s AND id > %(after)s ORDER BY id LIMIT %(limit)s;

-- name: history_reverse
SELECT id, timestamp, body FROM history_events
WHERE execution_arn = %(arn)s AND (%(after)s = 0 OR id < %(after)s) ORDER BY id DESC LIMIT %(limit)s;

-- name: redrive_execution
UPDATE executions SET status = 'RUNNING', stop_date = NULL, output = NULL, error = NULL, cause = NULL,
    redrive_count = redrive_count + 1, redrive_date = %(now)s, version = version + 1
WHERE arn = %(arn)s AND version = %(expected_version)s;

-- name: enqueue
INSERT INTO inbox (execution_arn, event) VALUES (%(execution_arn)s, %(event)s) RETURNING id;

-- name: notify
SELECT pg_notify('stepstone', %(key)s);

-- name: claim_executions
-- Lease the executions that have queued work and no live lease held by another node. The inbox is
-- read in id order and stops at the limit: an event is a candidate when none of its execution's is
-- older. Grouping the whole inbox by execution instead cost a read of every queued event per claim
-- (30 ms at 40,000 events; tests/store/test_postgres_plans.py). `= ANY(ARRAY(...))` keeps the update an
-- index lookup whatever row count a generic plan guesses for the LIMIT.
WITH candidates AS (
    SELECT e.arn FROM inbox i JOIN executions e ON e.arn = i.execution_arn
    WHERE (e.lease_owner IS NULL OR e.lease_owner = %(owner)s OR e.lease_until < now())
      AND NOT EXISTS (SELECT 1 FROM inbox o WHERE o.execution_arn = i.execution_arn AND o.id < i.id)
    ORDER BY i.id
    LIMIT %(limit)s
    FOR UPDATE OF e SKIP LOCKED
)
UPDATE executions e SET lease_owner = %(owner)s, lease_until = now() + make_interval(secs => %(lease)s)
WHERE e.arn = ANY(ARRAY(SELECT arn FROM candidates))
RETURNING e.arn;

-- name: claim_work
-- As claim_executions, and in the same round trip each claimed execution's row and oldest event.
WITH candidates AS (
    SELECT e.arn, i.id AS first, i.event AS inbox_event FROM inbox i JOIN executions e ON e.arn = i.execution_arn
    WHERE (e.lease_owner IS NULL OR e.lease_owner = %(owner)s OR e.lease_until < now())
      AND NOT EXISTS (SELECT 1 FROM inbox o WHERE o.execution_arn = i.execution_arn AND o.id < i.id)
    ORDER BY i.id
    LIMIT %(limit)s
    FOR UPDATE OF e SKIP LOCKED
), claimed AS (
    UPDATE executions e SET lease_owner = %(owner)s, lease_until = now() + make_interval(secs => %(lease)s)
    WHERE e.arn = ANY(ARRAY(SELECT arn FROM candidates))
    RETURNING e.*
)
SELECT claimed.*, c.first, c.inbox_event FROM claimed JOIN candidates c ON c.arn = claimed.arn
ORDER BY c.first;

-- name: release_execution
UPDATE executions SET lease_owner = NULL, lease_until = NULL
WHERE arn = %(arn)s AND lease_owner = %(owner)s
  AND NOT EXISTS (SELECT 1 FROM inbox WHERE execution_arn = %(arn)s);

-- name: next_inbox
SELECT id, execution_arn, event FROM inbox WHERE execution_arn = %(execution_arn)s ORDER BY id LIMIT 1;

-- name: consume_inbox
DELETE FROM inbox WHERE id = %(id)s;

-- name: consume_and_apply
-- One round trip: the inbox row is consumed and the guarded update applied; 0 rows means a conflict
-- (the event was taken or the version moved), and the caller rolls the whole transaction back.
-- This node's lease is let go when the consumed event was the execution's last queued one (the
-- statement still sees the consumed row: its snapshot predates the DELETE), so any node may take the
-- next; an event queued meanwhile finds the execution unleased and is claimed by the next round.
WITH consumed AS (DELETE FROM inbox WHERE id = %(inbox_id)s RETURNING id),
more AS (
    SELECT EXISTS (
        SELECT 1 FROM inbox WHERE execution_arn = %(arn)s AND id IS DISTINCT FROM %(inbox_id)s::bigint
    ) AS queued
)
UPDATE executions SET state = %(state)s, status = %(status)s, output = %(output)s, error = %(error)s,
    cause = %(cause)s, stop_date = %(stop_date)s, version = version + 1,
    next_event_id = next_event_id + %(event_count)s,
    lease_owner = CASE WHEN lease_owner = %(owner)s AND NOT (SELECT queued FROM more) THEN NULL
                       ELSE lease_owner END,
    lease_until = CASE WHEN lease_owner = %(owner)s AND NOT (SELECT queued FROM more) THEN NULL
                       ELSE lease_until END
WHERE arn = %(arn)s AND version = %(expected_version)s
  AND (%(inbox_id)s::bigint IS NULL OR EXISTS (SELECT 1 FROM consumed));

-- name: transition
-- A whole transition in one statement, so one round trip and one (implicit) transaction. The arrays
-- travel in binary (`%(name)b`): psycopg's text form escapes each element through a regex, about half
-- of the node's CPU per commit (benchmarks/pg_transition.py). The guarded
-- update comes first and takes the execution's row lock; every other write reads from `applied`, so
-- none happens when the guard fails (the event stays queued). Only a transition consumes an inbox row,
-- and it holds that lock while it does, so the event cannot vanish between the guard and the DELETE.
-- Data-modifying CTEs share one snapshot, so a transition that cancels and re-arms one timer, or opens
-- and closes one task, goes through consume_and_apply instead.
WITH more AS (
    SELECT EXISTS (
        SELECT 1 FROM inbox WHERE execution_arn = %(arn)s AND id IS DISTINCT FROM %(inbox_id)s::bigint
    ) AS queued
),
applied AS (
    UPDATE executions SET state = %(state)s, status = %(status)s, output = %(output)s, error = %(error)s,
        cause = %(cause)s, stop_date = %(stop_date)s, version = version + 1,
        next_event_id = next_event_id + %(event_count)s,
        lease_owner = CASE WHEN lease_owner = %(owner)s AND NOT (SELECT queued FROM more) THEN NULL
                           ELSE lease_owner END,
        lease_until = CASE WHEN lease_owner = %(owner)s AND NOT (SELECT queued FROM more) THEN NULL
                           ELSE lease_until END
    WHERE arn = %(arn)s AND version = %(expected_version)s
      AND (%(inbox_id)s::bigint IS NULL OR EXISTS (SELECT 1 FROM inbox WHERE id = %(inbox_id)s))
    RETURNING arn
),
consumed AS (DELETE FROM inbox WHERE id = %(inbox_id)s AND EXISTS (SELECT 1 FROM applied)),
history AS (
    INSERT INTO history_events (execution_arn, id, timestamp, body)
    SELECT a.arn, h.id, h.ts, h.body
    FROM applied a, unnest(%(h_ids)b::bigint[], %(h_ts)b::timestamptz[], %(h_bodies)b::text[]) AS h(id, ts, body)
),
commands AS (
    INSERT INTO outbox (execution_arn, command, lease_owner, lease_until)
    SELECT a.arn, c.command, %(owner)s, now() + make_interval(secs => %(lease)s)
    FROM applied a, unnest(%(outbox)b::text[]) AS c(command)
),
cancelled AS (
    DELETE FROM timers WHERE execution_arn = %(arn)s AND timer_id = ANY(%(cancel)b::text[])
      AND EXISTS (SELECT 1 FROM applied)
),
armed AS (
    INSERT INTO timers (execution_arn, timer_id, due)
    SELECT a.arn, t.id, t.due FROM applied a, unnest(%(arm_ids)b::text[], %(arm_dues)b::timestamptz[]) AS t(id, due)
    ON CONFLICT (execution_arn, timer_id) DO UPDATE SET due = excluded.due
),
opened AS (
    INSERT INTO tasks (execution_arn, task_id, state_name, resource, since, token_hash, timeout_at,
        heartbeat_seconds, heartbeat_at, status)
    SELECT a.arn, t.task_id, t.state_name, t.resource, t.since, t.token_hash, t.timeout_at,
        t.heartbeat_seconds, t.heartbeat_at, 'open'
    FROM applied a, jsonb_to_recordset(%(tasks)s::jsonb) AS t(task_id text, state_name text, resource text,
        since timestamptz, token_hash text, timeout_at timestamptz, heartbeat_seconds double precision,
        heartbeat_at timestamptz)
    ON CONFLICT (execution_arn, task_id) DO NOTHING
),
closed AS (
    UPDATE tasks SET status = 'closed', closed = %(closed_at)s
    WHERE execution_arn = %(arn)s AND task_id = ANY(%(close)b::text[]) AND status = 'open'
      AND EXISTS (SELECT 1 FROM applied)
),
dequeued AS (
    DELETE FROM activity_tasks WHERE execution_arn = %(arn)s AND task_id = ANY(%(close)b::text[])
      AND EXISTS (SELECT 1 FROM applied)
)
SELECT (SELECT count(*) FROM applied) AS applied,
    (SELECT count(pg_notify('stepstone', w.key)) FROM applied, unnest(%(wake)b::text[]) AS w(key)) AS woke;

-- name: apply_transition
UPDATE executions SET state = %(state)s, status = %(status)s, output = %(output)s, error = %(error)s,
    cause = %(cause)s, stop_date = %(stop_date)s, version = version + 1,
    next_event_id = next_event_id + %(event_count)s
WHERE arn = %(arn)s AND version = %(expected_version)s;

-- name: insert_history
INSERT INTO history_events (execution_arn, id, timestamp, body)
VALUES (%(execution_arn)s, %(id)s, %(timestamp)s, %(body)s);

-- name: insert_outbox
INSERT INTO outbox (execution_arn, command, lease_owner, lease_until)
VALUES (%(execution_arn)s, %(command)s, %(owner)s, now() + make_interval(secs => %(lease)s));

-- name: arm_timer
INSERT INTO timers (execution_arn, timer_id, due) VALUES (%(execution_arn)s, %(timer_id)s, %(due)s)
ON CONFLICT (execution_arn, timer_id) DO UPDATE SET due = excluded.due;

-- name: cancel_timer
DELETE FROM timers WHERE execution_arn = %(execution_arn)s AND timer_id = %(timer_id)s;

-- name: claim_due_timers
-- A fired timer is deleted by the one node that locked it; the others skip it.
DELETE FROM timers t USING (
    SELECT execution_arn, timer_id FROM timers WHERE due <= %(now)s
    ORDER BY due, execution_arn, timer_id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) d
WHERE t.execution_arn = d.execution_arn AND t.timer_id = d.timer_id
RETURNING t.execution_arn, t.timer_id;

-- name: any_timer_due
-- min() reads one end of timers_by_due whatever the plan; `due <= now LIMIT 1` planned generically
-- (see connection.py) scans every timer when none is due.
SELECT 1 AS due WHERE (SELECT min(due) FROM timers) <= %(now)s;

-- name: next_timer_due
SELECT min(due) AS due FROM timers;

-- name: claim_outbox
-- Commands nobody holds (or whose holder's lease ran out) are leased to this node.
UPDATE outbox o SET lease_owner = %(owner)s, lease_until = now() + make_interval(secs => %(lease)s)
FROM (
    SELECT id FROM outbox
    WHERE lease_owner IS NULL OR lease_owner = %(owner)s OR lease_until < now()
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) c
WHERE o.id = c.id
RETURNING o.id, o.execution_arn, o.command;

-- name: complete_outbox
-- One statement (its own transaction): forget the command, queue its result event and/or activity task,
-- and wake the nodes; nothing at all if another node completed it first.
WITH done AS (DELETE FROM outbox WHERE id = %(id)s RETURNING execution_arn),
result AS (
    INSERT INTO inbox (execution_arn, event)
    SELECT execution_arn, %(event)s FROM done WHERE %(event)s::text IS NOT NULL
    RETURNING id
),
task AS (
    INSERT INTO activity_tasks (activity_arn, execution_arn, task_id, input)
    SELECT %(activity_arn)s, %(task_execution_arn)s, %(task_id)s, %(input)s
    FROM done WHERE %(activity_arn)s::text IS NOT NULL
    RETURNING activity_arn
)
SELECT pg_notify('stepstone', %(sender)s || ' ' || key) FROM (
    SELECT 'work' AS key FROM result UNION ALL SELECT activity_arn FROM task
) wake;

-- name: delete_outbox
DELETE FROM outbox WHERE id = %(id)s RETURNING execution_arn;

-- name: insert_task
INSERT INTO tasks (execution_arn, task_id, state_name, resource, since, token_hash, timeout_at,
    heartbeat_seconds, heartbeat_at, status)
VALUES (%(execution_arn)s, %(task_id)s, %(state_name)s, %(resource)s, %(since)s, %(token_hash)s, %(timeout_at)s,
    %(heartbeat_seconds)s, %(heartbeat_at)s, 'open')
ON CONFLICT (execution_arn, task_id) DO NOTHING;

-- name: close_task
UPDATE tasks SET status = 'closed', closed = %(closed)s
WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s AND status = 'open';

-- name: confirm_task_hand_out
-- a heartbeat or callback proves a hand-out arrived; a task never handed out (answered by address)
-- stays queued for its worker
DELETE FROM activity_tasks WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s AND deliveries > 0;

-- name: dequeue_task_activities
DELETE FROM activity_tasks WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s;

-- name: get_task
SELECT * FROM tasks WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s;

-- name: task_by_hash
SELECT * FROM tasks WHERE token_hash = %(token_hash)s;

-- name: list_tasks
-- Two statements, not one with `execution_arn IS NULL OR ...`: a generic plan of that reads every task.
SELECT * FROM tasks
WHERE execution_arn = %(execution_arn)s AND (%(status)s::text IS NULL OR status = %(status)s::text)
ORDER BY since, execution_arn, task_id;

-- name: list_all_tasks
SELECT * FROM tasks WHERE (%(status)s::text IS NULL OR status = %(status)s::text)
ORDER BY since, execution_arn, task_id;

-- name: close_task_by_callback
UPDATE tasks SET status = 'closed', result = %(result)s, closed = %(closed)s
WHERE token_hash = %(token_hash)s AND status = 'open'
RETURNING *;

-- name: heartbeat_task
UPDATE tasks SET heartbeat_at = %(heartbeat_at)s WHERE token_hash = %(token_hash)s AND status = 'open';

-- name: insert_activity
INSERT INTO activities (arn, name, created) VALUES (%(arn)s, %(name)s, %(created)s) ON CONFLICT (arn) DO NOTHING;

-- name: get_activity
SELECT * FROM activities WHERE arn = %(arn)s;

-- name: list_activities
SELECT * FROM activities ORDER BY created, arn;

-- name: delete_activity
DELETE FROM activities WHERE arn = %(arn)s;

-- name: insert_activity_task
INSERT INTO activity_tasks (activity_arn, execution_arn, task_id, input)
VALUES (%(activity_arn)s, %(execution_arn)s, %(task_id)s, %(input)s);

-- name: claim_activity_task
-- The oldest visible task: deleted (a final claim) or, with a hidden_until, hidden until then (provisional).
-- `deliveries` comes back as the number of earlier hand-outs.
WITH picked AS (
    SELECT id FROM activity_tasks
    WHERE activity_arn = %(activity_arn)s AND (hidden_until IS NULL OR hidden_until <= %(now)s::timestamptz)
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), taken AS (
    DELETE FROM activity_tasks WHERE id IN (SELECT id FROM picked) AND %(hidden_until)s::timestamptz IS NULL
    RETURNING id, activity_arn, execution_arn, task_id, input, deliveries
), hidden AS (
    UPDATE activity_tasks SET hidden_until = %(hidden_until)s::timestamptz, deliveries = deliveries + 1
    WHERE id IN (SELECT id FROM picked) AND %(hidden_until)s::timestamptz IS NOT NULL
    RETURNING id, activity_arn, execution_arn, task_id, input, deliveries - 1 AS deliveries
)
SELECT * FROM taken UNION ALL SELECT * FROM hidden;

-- name: confirm_activity_tasks
DELETE FROM activity_tasks WHERE id = ANY(%(ids)b::bigint[]);

-- name: upsert_tag
INSERT INTO tags (resource_arn, key, value) VALUES (%(arn)s, %(key)s, %(value)s)
ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value;

-- name: delete_tag
DELETE FROM tags WHERE resource_arn = %(arn)s AND key = %(key)s;

-- name: delete_tags
DELETE FROM tags WHERE resource_arn = %(arn)s;

-- name: list_tags
SELECT key, value FROM tags WHERE resource_arn = %(arn)s ORDER BY key;
-- name: upsert_user
INSERT INTO users (name, email, password_hash, groups, created)
VALUES (%(name)s, %(email)s, %(password_hash)s, %(groups)s, %(created)s)
ON CONFLICT (name) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash,
    groups = excluded.groups;

-- name: get_user
SELECT * FROM users WHERE name = %(name)s;

-- name: list_users
SELECT * FROM users ORDER BY name;

-- name: delete_user
DELETE FROM users WHERE name = %(name)s;

-- name: insert_session
INSERT INTO web_sessions (id_hash, user_name, csrf, created, expires)
VALUES (%(id_hash)s, %(user_name)s, %(csrf)s, %(created)s, %(expires)s);

-- name: get_session
SELECT * FROM web_sessions WHERE id_hash = %(id_hash)s;

-- name: delete_session
DELETE FROM web_sessions WHERE id_hash = %(id_hash)s;

-- name: insert_login_failure
INSERT INTO login_failures (key, at) VALUES (%(key)s, %(at)s);

-- name: prune_login_failures
DELETE FROM login_failures WHERE key = %(key)s AND at < %(since)s;

-- name: count_login_failures
SELECT count(*) AS n FROM login_failures WHERE key = %(key)s AND at >= %(since)s;

-- name: clear_login_failures
DELETE FROM login_failures WHERE key = %(key)s;

-- name: insert_approval
INSERT INTO approvals (id, execution_arn, task_id, state_name, token_hash, approvers, subject, details,
    on_reject, reject_error, created, deadline)
VALUES (%(id)s, %(execution_arn)s, %(task_id)s, %(state_name)s, %(token_hash)s, %(approvers)s, %(subject)s,
    %(details)s, %(on_reject)s, %(reject_error)s, %(created)s, %(deadline)s)
ON CONFLICT (execution_arn, task_id) DO NOTHING;

-- name: get_approval
SELECT * FROM approvals WHERE id = %(id)s;

-- name: approval_by_task
SELECT * FROM approvals WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s;

-- name: list_approvals
SELECT * FROM approvals WHERE (%(status)s::text IS NULL OR status = %(status)s::text) ORDER BY created, id;

-- name: decide_approval
UPDATE approvals SET status = %(status)s, decided_by = %(decided_by)s, comment = %(comment)s,
    decided_at = %(decided_at)s
WHERE id = %(id)s AND status = 'pending';

-- name: insert_access_key
INSERT INTO access_keys (key_id, name, salt, allow, state_machines, created, revoked)
VALUES (%(key_id)s, %(name)s, %(salt)s, %(allow)s, %(state_machines)s, %(created)s, %(revoked)s);

-- name: get_access_key
SELECT * FROM access_keys WHERE key_id = %(key_id)s;

-- name: list_access_keys
SELECT * FROM access_keys ORDER BY created, key_id;

-- name: revoke_access_key
UPDATE access_keys SET revoked = %(revoked)s WHERE key_id = %(key_id)s AND revoked IS NULL;

-- name: has_active_access_keys
SELECT EXISTS (SELECT 1 FROM access_keys WHERE revoked IS NULL) AS found;

-- name: insert_audit
INSERT INTO audit_log (at, principal, address, action, outcome, reason, execution_arn, state_name)
VALUES (%(at)s, %(principal)s, %(address)s, %(action)s, %(outcome)s, %(reason)s, %(execution_arn)s,
    %(state_name)s)
RETURNING id;

-- name: list_audit
SELECT * FROM audit_log
WHERE id > %(after)s AND (%(execution_arn)s::text IS NULL OR execution_arn = %(execution_arn)s::text)
ORDER BY id LIMIT %(limit)s;

-- versions, aliases and dead letters (stepstone/store/deployments.py) ------------------------------

-- name: bump_last_version
UPDATE state_machines SET last_version = last_version + 1 WHERE arn = %(arn)s RETURNING last_version;

-- name: insert_version
INSERT INTO machine_versions (arn, state_machine_arn, number, revision_id, description, role_arn, config, created)
VALUES (%(arn)s, %(state_machine_arn)s, %(number)s, %(revision_id)s, %(description)s, %(role_arn)s, %(config)s,
    %(created)s);

-- name: get_version
SELECT * FROM machine_versions WHERE arn = %(arn)s;

-- name: list_versions
SELECT * FROM machine_versions WHERE state_machine_arn = %(state_machine_arn)s ORDER BY number DESC;

-- name: delete_version
DELETE FROM machine_versions WHERE arn = %(arn)s;

-- name: delete_versions_of
DELETE FROM machine_versions WHERE state_machine_arn = %(arn)s;

-- name: insert_alias
INSERT INTO machine_aliases (arn, state_machine_arn, name, description, routing, created, updated)
VALUES (%(arn)s, %(state_machine_arn)s, %(name)s, %(description)s, %(routing)s, %(created)s, %(updated)s)
ON CONFLICT (arn) DO NOTHING;

-- name: update_alias
UPDATE machine_aliases SET description = %(description)s, routing = %(routing)s, updated = %(updated)s
WHERE arn = %(arn)s;

-- name: get_alias
SELECT * FROM machine_aliases WHERE arn = %(arn)s;

-- name: list_aliases
SELECT * FROM machine_aliases WHERE state_machine_arn = %(state_machine_arn)s ORDER BY created, name;

-- name: delete_alias
DELETE FROM machine_aliases WHERE arn = %(arn)s;

-- name: delete_aliases_of
DELETE FROM machine_aliases WHERE state_machine_arn = %(arn)s;

-- name: insert_dead_letter
INSERT INTO event_dead_letters (execution_arn, event, attempts, error, at)
VALUES (%(execution_arn)s, %(event)s, %(attempts)s, %(error)s, %(at)s);

-- name: list_dead_letters
SELECT * FROM event_dead_letters ORDER BY id DESC LIMIT %(limit)s;
-- messages by correlation key (0015) ------------------------------------------------------------

-- name: insert_message_wait
INSERT INTO message_waits (execution_arn, task_id, message_name, correlation_key, resume_all, created)
VALUES (%(execution_arn)s, %(task_id)s, %(message_name)s, %(correlation_key)s, %(resume_all)s, %(created)s)
ON CONFLICT DO NOTHING;

-- name: delete_message_wait
DELETE FROM message_waits WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s;

-- name: matching_waits
SELECT w.* FROM message_waits w
JOIN tasks t ON t.execution_arn = w.execution_arn AND t.task_id = w.task_id AND t.status = 'open'
WHERE w.message_name = %(message_name)s AND w.correlation_key = %(correlation_key)s
ORDER BY w.created, w.execution_arn, w.task_id
FOR UPDATE OF w;

-- name: close_task_by_id
UPDATE tasks SET status = 'closed', result = %(result)s, closed = %(closed)s
WHERE execution_arn = %(execution_arn)s AND task_id = %(task_id)s AND status = 'open';

-- name: insert_message
INSERT INTO messages (message_name, message_id, correlation_key, payload, published, expires)
VALUES (%(message_name)s, %(message_id)s, %(correlation_key)s, %(payload)s, %(published)s, %(expires)s)
ON CONFLICT DO NOTHING;

-- name: buffered_message
SELECT * FROM messages
WHERE message_name = %(message_name)s AND correlation_key = %(correlation_key)s AND consumed = 0
  AND expires > %(now)s
ORDER BY published, message_id LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: consume_message
UPDATE messages SET consumed = 1 WHERE message_name = %(message_name)s AND message_id = %(message_id)s;

-- name: forget_hook_deliveries
DELETE FROM hook_deliveries WHERE source = %(source)s AND received < %(before)s;

-- name: insert_hook_delivery
INSERT INTO hook_deliveries (source, signature, received) VALUES (%(source)s, %(signature)s, %(received)s)
ON CONFLICT DO NOTHING;

-- approval policies (0015) ------------------------------------------------------------------------

-- name: insert_approval_policy
INSERT INTO approval_policies (approval_id, policy) VALUES (%(approval_id)s, %(policy)s) ON CONFLICT DO NOTHING;

-- name: insert_approval_timer
INSERT INTO approval_timers (approval_id, kind, due) VALUES (%(approval_id)s, %(kind)s, %(due)s) ON CONFLICT DO NOTHING;

-- name: get_approval_policy
SELECT * FROM approval_policies WHERE approval_id = %(approval_id)s;

-- name: insert_approval_vote
INSERT INTO approval_votes (approval_id, voter, approve, comment, at)
VALUES (%(approval_id)s, %(voter)s, %(approve)s, %(comment)s, %(at)s) ON CONFLICT DO NOTHING;

-- name: approval_votes
SELECT * FROM approval_votes WHERE approval_id = %(approval_id)s ORDER BY at, voter;

-- name: due_approval_timers
SELECT approval_id, kind FROM approval_timers WHERE fired = 0 AND due <= %(now)s ORDER BY due, approval_id, kind;

-- name: next_approval_timer
SELECT min(due) AS due FROM approval_timers WHERE fired = 0;

-- name: fire_approval_timer
UPDATE approval_timers SET fired = 1 WHERE approval_id = %(approval_id)s AND kind = %(kind)s AND fired = 0;

-- name: escalate_approval
UPDATE approval_policies SET escalated = 1 WHERE approval_id = %(approval_id)s;

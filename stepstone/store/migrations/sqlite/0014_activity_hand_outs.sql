-- A GetActivityTask hand-out is provisional: the row stays, hidden until `hidden_until`, and is deleted
-- once the answer is known sent (or the worker heartbeats or calls back). A server that dies while
-- answering never confirms it, so the task returns to the queue instead of waiting for its timeout.
-- `deliveries` counts hand-outs: only the first queues ActivityStarted.
ALTER TABLE activity_tasks ADD COLUMN hidden_until TEXT;
ALTER TABLE activity_tasks ADD COLUMN deliveries INTEGER NOT NULL DEFAULT 0;

-- Closing a task (StopExecution, a timeout) dequeues its activity task by (execution, task):
-- without this index every close scanned every queued activity task.
CREATE INDEX activity_tasks_by_task ON activity_tasks (execution_arn, task_id);

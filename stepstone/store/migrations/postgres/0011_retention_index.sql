-- Retention deletes closed executions oldest first: find them without reading the open ones.
CREATE INDEX executions_closed_by_stop_date ON executions (stop_date) WHERE stop_date IS NOT NULL;

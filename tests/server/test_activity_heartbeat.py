"""HeartbeatSeconds of an activity runs from the worker's GetActivityTask, not from scheduling:
a task that waits in the queue longer than HeartbeatSeconds is still there for the worker (a real
server, boto3 as the worker, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, machine, wait_for

pytestmark = pytest.mark.slow


def test_a_queued_activity_outlives_its_heartbeat_and_times_out_on_silence(server: ServerProcess) -> None:
    c = server.client()
    act = c.create_activity(name="slow-queue")["activityArn"]
    states = {
        "A": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 1, "TimeoutSeconds": 60, "End": True}
    }
    sm = machine(c, "queued", states, "A")
    first = c.start_execution(stateMachineArn=sm, name="answered")["executionArn"]
    time.sleep(2.5)  # in the queue for more than HeartbeatSeconds
    assert c.describe_execution(executionArn=first)["status"] == "RUNNING"
    task = c.get_activity_task(activityArn=act, workerName="w1")
    assert task["taskToken"]
    c.send_task_heartbeat(taskToken=task["taskToken"])
    c.send_task_success(taskToken=task["taskToken"], output=json.dumps({"ok": True}))
    assert wait_for(c, first)["status"] == "SUCCEEDED"
    assert history_types(c, first)[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]

    # once a worker holds the task, its silence past HeartbeatSeconds times the task out
    second = c.start_execution(stateMachineArn=sm, name="silent")["executionArn"]
    assert c.get_activity_task(activityArn=act, workerName="w2")["taskToken"]
    done = wait_for(c, second, timeout=10)
    assert (done["status"], done.get("error")) == ("FAILED", "States.HeartbeatTimeout")

"""Token keys rotate while tasks wait, on a real server restarted with each new key ring: an activity
task and an approval queued under the old key still complete; a key removed from the ring voids the
tokens it signed (InvalidToken, nothing changes)."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import Any

import pytest

from stepstone.engine.tokens import key_id_of
from tests.approvals.conftest import EXAMPLES, Inbox, Stepstone, approval_link, csrf_of

pytestmark = pytest.mark.slow


def ring(active: str, **keys: str) -> str:
    return json.dumps({"active": active, "keys": keys})


def activity_machine(server: Stepstone, activity_arn: str) -> str:
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity_arn, "TimeoutSeconds": 600, "End": True}},
    }
    return server.machine(f"act-{uuid.uuid4().hex[:8]}", json.dumps(definition))


def poll(server: Stepstone, activity_arn: str) -> dict[str, Any]:
    task: dict[str, Any] = server.sfn().get_activity_task(activityArn=activity_arn, workerName="w")
    assert task.get("taskToken"), "no activity task was handed out"
    return task


def restart(server: Stepstone, keys: str) -> None:
    server.stop()
    server.env["STEPSTONE_TOKEN_KEYS"] = keys
    server.start()


def wait_for_subject(inbox: Inbox, to: str, text: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in inbox.messages if m["To"] == to and text in str(m["Subject"])]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no e-mail about {text}")


def test_tasks_waiting_across_a_key_rotation_complete_and_a_removed_key_voids_its_tokens(
    tmp_path: Any, smtp: tuple[Inbox, int]
) -> None:
    k1, k2 = secrets.token_hex(32), secrets.token_hex(32)
    server = Stepstone(tmp_path, smtp[1], STEPSTONE_TOKEN_KEYS=ring("k1", k1=k1))
    server.add_user("alice", "managers")
    server.start()
    try:
        sfn = server.sfn()
        activity = sfn.create_activity(name="rotation-work")["activityArn"]
        machine = activity_machine(server, activity)
        waiting = [sfn.start_execution(stateMachineArn=machine)["executionArn"] for _ in range(2)]
        approvals = server.machine("rotation-approval", (EXAMPLES / "approval-builtin.asl.json").read_text())
        approval = sfn.start_execution(stateMachineArn=approvals, input=json.dumps({"requestId": "ROT-1"}))
        link = approval_link(wait_for_subject(smtp[0], "alice@example.com", "ROT-1"))
        handed_out = poll(server, activity)["taskToken"]  # one task's token is out, signed by k1
        assert key_id_of(handed_out) == "k1"

        restart(server, ring("k2", k1=k1, k2=k2))  # rotate: k2 signs new tokens, k1 still verifies
        sfn = server.sfn()
        queued = poll(server, activity)  # queued under k1, handed out after the rotation
        assert key_id_of(queued["taskToken"]) == "k1"
        sfn.send_task_success(taskToken=queued["taskToken"], output='{"done": 1}')
        alice = server.sign_in("alice", next_url=link.removeprefix(server.url))
        page = alice.get(link)
        decided = alice.post(link, data={"csrf": csrf_of(page.text), "decision": "approve"})
        assert decided.status_code == 200 and "approved" in decided.text
        assert server.wait_done(approval["executionArn"])["status"] == "SUCCEEDED"
        statuses = {arn: sfn.describe_execution(executionArn=arn)["status"] for arn in waiting}
        assert sorted(statuses.values()) == ["RUNNING", "SUCCEEDED"]
        [still_waiting] = [arn for arn, status in statuses.items() if status == "RUNNING"]

        fresh = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        new_task = poll(server, activity)  # a task started after the rotation is signed by k2
        assert key_id_of(new_task["taskToken"]) == "k2"
        sfn.send_task_success(taskToken=new_task["taskToken"], output="{}")
        assert server.wait_done(fresh)["status"] == "SUCCEEDED"

        restart(server, ring("k2", k2=k2))  # k1 removed: the token it signed is void
        sfn = server.sfn()
        with pytest.raises(sfn.exceptions.InvalidToken):
            sfn.send_task_success(taskToken=handed_out, output="{}")
        assert sfn.describe_execution(executionArn=still_waiting)["status"] == "RUNNING"
    finally:
        server.stop()

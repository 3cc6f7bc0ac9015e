"""The guard end to end: a real `stepstone serve` process, keys made by `stepstone keys create`,
boto3 and the AWS CLI signing with them."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import pytest
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig

from stepstone.engine.tokens import KeyRing
from tests.server.conftest import free_port

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::123456789012:role/r"
NO_RETRY = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})


class Guarded:
    """A server process on a temp SQLite file, debug logging on, and the `keys`/`audit` commands."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.db, self.port = tmp, tmp / "stepstone.db", free_port()
        self.log = tmp / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "stepstone.cli.main", *args, "--db", str(self.db)],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        return done.stdout

    def create_key(self, name: str, allow: str, *machines: str) -> dict[str, Any]:
        extra = [arg for arn in machines for arg in ("--state-machine", arn)]
        key: dict[str, Any] = json.loads(
            self.cli("keys", "create", "--name", name, "--allow", allow, *extra, "--json")
        )
        return key

    def start(self, *extra: str, host: str = "127.0.0.1", wait: bool = True) -> None:
        cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--debug", "--host", host]
        cmd += ["--port", str(self.port), "--db", str(self.db), *extra]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        if not wait:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def client(self, key: dict[str, Any] | None = None, **config: Any) -> Any:
        return boto3.client(
            "stepfunctions", endpoint_url=f"http://127.0.0.1:{self.port}", region_name="eu-central-1",
            aws_access_key_id=key["accessKeyId"] if key else "anything",
            aws_secret_access_key=key["secretAccessKey"] if key else "anything",
            config=NO_RETRY.merge(BotoConfig(**config)) if config else NO_RETRY,
        )  # fmt: skip

    def audit(self, execution: str | None = None) -> list[dict[str, Any]]:
        args = ["audit", "list", "--json", *(["--execution", execution] if execution else [])]
        return [json.loads(line) for line in self.cli(*args).splitlines()]


@pytest.fixture
def guarded(tmp_path: Path) -> Any:
    server = Guarded(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def waiting_task(admin: Any, name: str) -> tuple[str, str]:
    """A state machine whose one state waits on an activity: (machine ARN, activity ARN)."""
    act = admin.create_activity(name=f"{name}-work")["activityArn"]
    definition = json.dumps(
        {"StartAt": "Approve", "States": {"Approve": {"Type": "Task", "Resource": act, "End": True}}}
    )
    return admin.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"], act


def started(admin: Any, machine: str, activity: str) -> tuple[str, str]:
    """Start an execution and take its task token: (execution ARN, token)."""
    execution = admin.start_execution(stateMachineArn=machine)["executionArn"]
    return execution, admin.get_activity_task(activityArn=activity)["taskToken"]


def forgeries(token: str, other_token: str) -> dict[str, str]:
    payload, mac = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    _key_id, execution, task_id = raw.decode().split("\n")
    raw[-1] ^= 1
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode() + "." + mac
    foreign = KeyRing({"k0": b"x" * 32}, "k0").mint(execution, task_id)
    return {
        "flipped bit": flipped,
        "truncated": token[:-5],
        "another key's token": foreign,
        "another execution's payload": other_token.split(".")[0] + "." + mac,
        "garbage": "not-a-token",
    }


def test_scoped_keys_forged_tokens_replay_and_the_audit_log(guarded: Guarded) -> None:
    admin_key = guarded.create_key("admin", "*")
    guarded.start()
    admin = guarded.client(admin_key)
    machine_a, act_a = waiting_task(admin, "a")
    machine_b, act_b = waiting_task(admin, "b")
    approver_key = guarded.create_key("approval-api", "SendTaskSuccess,SendTaskFailure", machine_a)
    approver = guarded.client(approver_key)
    ex_a, token_a = started(admin, machine_a, act_a)
    ex_a2, token_a2 = started(admin, machine_a, act_a)
    ex_b, token_b = started(admin, machine_b, act_b)

    # no signature, an unknown key, a wrong secret
    with pytest.raises(admin.exceptions.ClientError, match="MissingAuthenticationToken"):
        guarded.client(signature_version=UNSIGNED).list_state_machines()
    with pytest.raises(admin.exceptions.ClientError, match="UnrecognizedClientException"):
        guarded.client().list_state_machines()
    wrong = {**admin_key, "secretAccessKey": admin_key["secretAccessKey"][::-1]}
    with pytest.raises(admin.exceptions.ClientError, match="InvalidSignatureException"):
        guarded.client(wrong).list_state_machines()

    # least privilege: other actions, other state machines
    for call in (
        lambda: approver.start_execution(stateMachineArn=machine_a),
        lambda: approver.list_state_machines(),
        lambda: approver.send_task_heartbeat(taskToken=token_a),
        lambda: approver.send_task_success(taskToken=token_b, output="{}"),
    ):
        with pytest.raises(admin.exceptions.ClientError, match="AccessDeniedException"):
            call()
    assert admin.describe_execution(executionArn=ex_b)["status"] == "RUNNING"

    # forged tokens: InvalidToken, and nothing changes
    history_before = admin.get_execution_history(executionArn=ex_a)["events"]
    for what, forged in forgeries(token_a, token_a2).items():
        with pytest.raises(approver.exceptions.InvalidToken):
            approver.send_task_success(taskToken=forged, output='{"forged":true}')
        assert admin.get_execution_history(executionArn=ex_a)["events"] == history_before, what
    assert admin.describe_execution(executionArn=ex_a)["status"] == "RUNNING"

    # the real token works; the same call again is accepted and changes nothing; another result is refused
    approver.send_task_success(taskToken=token_a, output='{"approved":true}')
    approver.send_task_success(taskToken=token_a, output='{"approved":true}')
    with pytest.raises(approver.exceptions.TaskTimedOut):
        approver.send_task_failure(taskToken=token_a, error="Late")
    deadline = time.monotonic() + 10
    while admin.describe_execution(executionArn=ex_a)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    done = admin.describe_execution(executionArn=ex_a)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"approved": True})
    assert admin.describe_execution(executionArn=ex_a2)["status"] == "RUNNING"

    # the audit log: who, from where, which execution and state, accepted or refused and why
    entries = guarded.audit(ex_a)
    accepted = [e for e in entries if e["outcome"] == "accepted"]
    assert len(accepted) == 2
    assert {(e["principal"], e["address"], e["action"], e["state"]) for e in accepted} == {
        (approver_key["accessKeyId"], "127.0.0.1", "SendTaskSuccess", "Approve")
    }
    assert any(e["outcome"] == "refused" and e["reason"].startswith("TaskTimedOut") for e in entries)
    everything = guarded.audit()
    reasons = [e["reason"] for e in everything if e["outcome"] == "refused"]
    assert sum(r.startswith("InvalidToken") for r in reasons) == 5
    assert sum(r.startswith("AccessDeniedException") for r in reasons) == 2  # heartbeat, machine b

    # tokens never appear in the server's debug log, the audit log or any history
    guarded.stop()
    outputs = guarded.log.read_text() + json.dumps(everything)
    outputs += guarded.cli("audit", "list") + guarded.cli("tasks", "list")
    guarded.start()
    for execution in (ex_a, ex_a2, ex_b):
        outputs += json.dumps(admin.get_execution_history(executionArn=execution)["events"], default=str)
    assert "DEBUG" in outputs or "listening" in outputs
    for token in (token_a, token_a2, token_b):
        assert token not in outputs and token.split(".")[1] not in outputs
    assert admin_key["secretAccessKey"] not in outputs and approver_key["secretAccessKey"] not in outputs


def test_expired_signatures_and_revoked_keys_are_refused(guarded: Guarded, monkeypatch: Any) -> None:
    key = guarded.create_key("admin", "*")
    guarded.start()
    client = guarded.client(key)
    client.list_state_machines()
    real = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: real() - timedelta(minutes=6))
    with pytest.raises(client.exceptions.ClientError, match="Signature expired"):
        client.list_state_machines()
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: real() - timedelta(minutes=4))
    client.list_state_machines()  # within the five minutes AWS allows
    monkeypatch.undo()
    guarded.cli("keys", "revoke", key["accessKeyId"])
    with pytest.raises(client.exceptions.ClientError, match="UnrecognizedClientException"):
        client.list_state_machines()
    listed = [json.loads(line) for line in guarded.cli("keys", "list", "--json").splitlines()]
    assert [(k["accessKeyId"], k["status"]) for k in listed] == [(key["accessKeyId"], "Inactive")]
    assert "secretAccessKey" not in listed[0]


def test_invalid_tokens_are_throttled_per_key_and_address(guarded: Guarded) -> None:
    admin_key = guarded.create_key("admin", "*")
    guarded.start("--invalid-token-limit", "3")
    admin = guarded.client(admin_key)
    machine, activity = waiting_task(admin, "t")
    guesser = guarded.client(guarded.create_key("guesser", "SendTask*", machine))
    execution, token = started(admin, machine, activity)
    for i in range(3):
        with pytest.raises(guesser.exceptions.InvalidToken):
            guesser.send_task_success(taskToken=f"{token[:-8]}guess{i:03d}", output="{}")
    started_at = time.monotonic()
    with pytest.raises(guesser.exceptions.ClientError, match="ThrottlingException"):
        guesser.send_task_success(taskToken=token, output="{}")  # even a right guess, now
    assert time.monotonic() - started_at < 2
    with pytest.raises(admin.exceptions.ClientError, match="ThrottlingException"):
        admin.send_task_success(taskToken=token, output="{}")  # same address, other key
    assert admin.describe_execution(executionArn=execution)["status"] == "RUNNING"
    admin.describe_execution(executionArn=execution)  # other operations are not throttled
    assert any(e["reason"].startswith("ThrottlingException") for e in guarded.audit())


def test_loopback_only_without_keys_and_the_loud_flag(guarded: Guarded) -> None:
    guarded.start(wait=False, host="0.0.0.0")
    assert guarded.proc is not None and guarded.proc.wait(30) == 2
    assert "refusing to serve" in guarded.log.read_text()

    guarded.start("--insecure-no-auth", host="0.0.0.0")
    assert "WITHOUT AUTHENTICATION" in guarded.log.read_text()
    guarded.client().list_state_machines()  # no keys, explicitly insecure: anyone
    guarded.stop()

    guarded.log.write_text("")
    guarded.start()  # the default: loopback, and it says so
    assert "only this machine (loopback)" in guarded.log.read_text()
    anonymous = guarded.client()
    anonymous.list_state_machines()
    key = guarded.create_key("admin", "*")  # a key created while serving: signatures required at once
    with pytest.raises(anonymous.exceptions.ClientError, match="UnrecognizedClientException"):
        anonymous.list_state_machines()
    guarded.client(key).list_state_machines()
    guarded.stop()

    guarded.log.write_text("")
    guarded.start(host="0.0.0.0")  # keys exist: any address, every request signed
    assert "must be signed" in guarded.log.read_text()
    guarded.client(key).list_state_machines()
    with pytest.raises(anonymous.exceptions.ClientError, match="UnrecognizedClientException"):
        anonymous.list_state_machines()


def test_the_aws_cli_signs_with_a_created_key(guarded: Guarded) -> None:
    admin_key = guarded.create_key("admin", "*")
    guarded.start()
    admin = guarded.client(admin_key)
    machine, activity = waiting_task(admin, "cli")
    scoped = guarded.create_key("approval-api", "SendTaskSuccess,SendTaskFailure", machine)
    execution, token = started(admin, machine, activity)
    aws = Path(sys.executable).parent / "aws"
    env = {
        **os.environ, "AWS_ACCESS_KEY_ID": scoped["accessKeyId"],
        "AWS_SECRET_ACCESS_KEY": scoped["secretAccessKey"], "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1",
    }  # fmt: skip
    endpoint = ["--endpoint-url", f"http://127.0.0.1:{guarded.port}"]
    denied = subprocess.run(
        [str(aws), "stepfunctions", "list-state-machines", *endpoint], env=env, capture_output=True, text=True
    )
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr
    ok = subprocess.run(
        [str(aws), "stepfunctions", "send-task-success", *endpoint, "--task-token", token,
         "--task-output", '{"by":"cli"}'],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    deadline = time.monotonic() + 10
    while (
        admin.describe_execution(executionArn=execution)["status"] == "RUNNING"
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert json.loads(admin.describe_execution(executionArn=execution)["output"]) == {"by": "cli"}

"""`serve --log-format json`: every line on stderr is a JSON object; transitions carry the execution
ARN and the state name; no task token appears anywhere in the log, even at --debug."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.ops.conftest import OpsServer, wait_until
from tests.ops.test_metrics import hand_machine, start_hands
from tests.server.test_callbacks import wait_for

pytestmark = pytest.mark.timeout(120)


def test_json_logs_name_executions_and_states_and_never_a_token(tmp_path: Path) -> None:
    server = OpsServer(tmp_path, extra=("--retention", "0", "--log-format", "json", "--debug"))
    server.start()
    try:
        client = server.client()
        hand = hand_machine(client)
        hands = start_hands(client, hand, tmp_path, 3, "log")
        tokens = [wait_until(lambda p=p: p.exists() and p.read_text(), 20) for _, p in hands]
        for token in tokens:
            client.send_task_success(taskToken=token, output="{}")
        for arn, _ in hands:
            assert wait_for(client, arn)["status"] == "SUCCEEDED"
        with pytest.raises(client.exceptions.InvalidToken):  # a forged token is refused, and not logged
            client.send_task_success(taskToken=tokens[0][:-4] + "AAAA", output="{}")
    finally:
        assert server.proc is not None
        server.proc.terminate()
        try:
            server.proc.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    text = server.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    logged = [line for line in lines if "level" in line]  # the rest: the {"listening": ...} line on stdout
    assert len(logged) >= len(lines) - 1
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in logged)
    transitions = [line for line in logged if line["message"].startswith("transition ")]
    arns = {arn for arn, _ in hands}
    assert arns <= {line.get("execution_arn") for line in transitions}
    assert {"Hand"} <= {line.get("state_name") for line in transitions if line.get("execution_arn") in arns}
    assert any("loopback" in line["message"] for line in logged)  # the binding notice is a JSON line too
    for token in tokens:
        assert token not in text
        assert token.split(".")[1] not in text  # not even the signature half

"""A task token is never stored: the database holds its hash and references, the resource gets the secret.

`$$.Task.Token` in Parameters reaches the function as the real token, while the history and the
outbox on disk name the task instead.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.slow


def on_disk(server: ServerProcess) -> bytes:
    """Every byte SQLite keeps for this server: the database file and its write-ahead log."""
    db = Path(server.db)
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


@pytest.fixture
def sqlite_server(tmp_path: Path) -> ServerProcess:
    server = ServerProcess(tmp_path)
    server.start()
    yield server  # type: ignore[misc]
    server.kill()


def test_a_function_gets_the_token_and_the_database_never_holds_it(
    sqlite_server: ServerProcess, tmp_path: Path
) -> None:
    sfn = sqlite_server.client()
    handoff = tmp_path / "token.txt"
    ask = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {
            "FunctionName": "hand_token_to_file",
            "Payload": {"token.$": "$$.Task.Token", "path": str(handoff)},
        },
        "End": True,
    }
    arn = sfn.start_execution(stateMachineArn=machine(sfn, "hidden", {"Ask": ask}, "Ask"))["executionArn"]
    deadline = time.monotonic() + 15
    while not handoff.exists() or not handoff.read_text():
        assert time.monotonic() < deadline, "the function never got its token"
        time.sleep(0.05)
    token = handoff.read_text()
    assert token.count(".") == 1 and "{{" not in token  # the signed token, not the reference

    scheduled = next(
        e for e in sfn.get_execution_history(executionArn=arn)["events"] if e["type"] == "TaskScheduled"
    )
    parameters = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])
    assert parameters["Payload"]["token"].startswith("{{stepstone.task-token:")
    assert token.encode() not in on_disk(sqlite_server)

    sfn.send_task_success(taskToken=token, output='{"ok": true}')
    assert wait_for(sfn, arn)["status"] == "SUCCEEDED"
    assert token.encode() not in on_disk(sqlite_server)

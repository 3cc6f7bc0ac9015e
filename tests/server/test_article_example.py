"""The article's approval example end to end: a real `stepstone serve`, its messenger function, the
approval endpoint calling SendTaskSuccess with boto3, and the timeout variant's Catch."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import history_types, wait_for

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "approval"
ROLE = "arn:aws:iam::123456789012:role/r"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("APPROVAL_OUTBOX", str(folder))  # read by the server's messenger function
    return folder


@pytest.fixture
def example_server(tmp_path: Path, outbox: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path)
    proc.functions = EXAMPLE / "functions.py"
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture
def endpoint(example_server: ServerProcess, outbox: Path) -> Iterator[str]:
    spec = importlib.util.spec_from_file_location("approve_endpoint", EXAMPLE / "approve_endpoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    httpd = make_server(
        "127.0.0.1", 0, module.make_app(example_server.client(), outbox), handler_class=_Quiet
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def post(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode()


def wait_for_file(path: Path, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def create(client: Any, name: str, text: str) -> str:
    return str(client.create_state_machine(name=name, definition=text, roleArn=ROLE)["stateMachineArn"])


def test_the_article_approval_flow(example_server: ServerProcess, outbox: Path, endpoint: str) -> None:
    c = example_server.client()
    # the definition as the article prints it, `//` comments included
    sm = create(c, "approval", (EXAMPLE / "approval.asl.json").read_text())
    ex = c.start_execution(stateMachineArn=sm, input='{"requestId": "r-1"}')["executionArn"]
    record = wait_for_file(outbox / "r-1.json")
    assert record["page"] == "https://myapp.com/approve" and (outbox / "r-1.json").stat().st_mode & 0o077 == 0
    assert c.describe_execution(executionArn=ex)["status"] == "RUNNING"
    # the person follows a link that names the request, never the token
    assert post(f"{endpoint}/approve?id=r-1") == (200, "Request approved!")
    done = wait_for(c, ex)
    output = json.loads(done["output"])
    assert done["status"] == "SUCCEEDED" and output["approved"] is True and output["approvedBy"] == "user123"
    assert history_types(c, ex)[-3:] == ["PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert post(f"{endpoint}/approve?id=nobody")[0] == 404


def test_the_timeout_variant_routes_to_the_timed_out_state(
    example_server: ServerProcess, outbox: Path, endpoint: str
) -> None:
    c = example_server.client()
    text = (EXAMPLE / "approval-timeout.asl.json").read_text()
    assert '"TimeoutSeconds": 86400' in text
    sm = create(c, "approval_timeout", text.replace('"TimeoutSeconds": 86400', '"TimeoutSeconds": 1'))
    ex = c.start_execution(stateMachineArn=sm, input='{"requestId": "r-2"}')["executionArn"]
    wait_for_file(outbox / "r-2.json")
    done = wait_for(c, ex)
    assert (done["status"], done["error"]) == ("FAILED", "ApprovalTimedOut")
    types = history_types(c, ex)
    assert "TaskTimedOut" in types and "FailStateEntered" in types
    # an answer that comes too late is refused, and changes nothing
    assert post(f"{endpoint}/approve?id=r-2")[0] == 409
    assert c.describe_execution(executionArn=ex)["status"] == "FAILED"


def test_a_rejection_fails_the_plain_variant(
    example_server: ServerProcess, outbox: Path, endpoint: str
) -> None:
    c = example_server.client()
    sm = create(c, "approval", (EXAMPLE / "approval.asl.json").read_text())
    ex = c.start_execution(stateMachineArn=sm, input='{"requestId": "r-3"}')["executionArn"]
    wait_for_file(outbox / "r-3.json")
    assert post(f"{endpoint}/reject?id=r-3") == (200, "Request rejected.")
    done = wait_for(c, ex)
    assert (done["status"], done["error"]) == ("FAILED", "Rejected")

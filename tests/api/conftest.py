"""A real uvicorn server in a background thread, over a small fake service, for the API tests."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import uvicorn
from botocore.config import Config

from stepstone import errors
from stepstone.api import ApiApp, ApiRequest, Principal, current_principal, make_app

CREATED = datetime(2024, 5, 6, 7, 8, 9, 250000, tzinfo=UTC)
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:demo"


class FakeService:
    """Implements a handful of operations; deliberately lacks `test_state`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.poll_cancelled = threading.Event()
        self.poll_started = threading.Event()

    async def list_state_machines(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("ListStateMachines", request))
        item = {"stateMachineArn": MACHINE_ARN, "name": "demo", "type": "STANDARD", "creationDate": CREATED}
        return {"stateMachines": [item]}

    async def describe_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["executionArn"]
        if arn.endswith(":missing"):
            raise errors.ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return {
            "executionArn": arn,
            "stateMachineArn": MACHINE_ARN,
            "status": "RUNNING",
            "startDate": CREATED,
            "input": '{"who": "caf\u00e9"}',
        }

    async def send_task_success(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("SendTaskSuccess", request))
        token = request["taskToken"]
        failures = {"gone": errors.TaskDoesNotExist, "bad": errors.InvalidToken, "late": errors.TaskTimedOut}
        if token in failures:
            raise failures[token]()
        return {}

    async def start_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom: secret internals")

    async def describe_state_machine(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"name": current_principal().name}

    async def get_activity_task(self, request: dict[str, Any]) -> dict[str, Any]:
        self.poll_started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.poll_cancelled.set()
            raise
        return {}


async def header_authenticator(request: ApiRequest) -> Principal:
    if request.header(b"x-test-deny") is not None:
        raise errors.UnrecognizedClientException()
    return Principal(request.header(b"x-test-user").decode() if request.header(b"x-test-user") else "anon")


@dataclass
class Server:
    url: str
    port: int
    service: FakeService
    app: ApiApp
    mounted: list[str] = field(default_factory=list)

    def client(self, **config: Any) -> Any:
        return boto3.client(
            "stepfunctions",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"total_max_attempts": 1}, **config),
        )


def start(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started
    return server, thread, port


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    service = FakeService()
    app = make_app(service, max_body=64 * 1024, authenticator=header_authenticator)
    mounted: list[str] = []

    async def console(scope: Any, receive: Any, send: Any) -> None:
        mounted.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"console"})

    app.mount("/console", console)
    uv, thread, port = start(app)
    yield Server(f"http://127.0.0.1:{port}", port, service, app, mounted)
    uv.should_exit = True
    thread.join(10)

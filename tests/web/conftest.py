"""A real `stepstone serve` process (SQLite file, free port) for the console tests; a cookie jar client."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

FUNCTIONS = """
import json

def hand_token_to_file(event, context):
    with open(event["path"], "w") as out:
        out.write(event["token"])
    return {}

def explode(event, context):
    raise ValueError("it <b>exploded</b>")
"""

WAITING = {
    "Comment": "waits for a callback",
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "hand_token_to_file",
                "Payload": {"token.$": "$$.Task.Token", "path.$": "$.path"},
            },
            "TimeoutSeconds": 3600,
            "HeartbeatSeconds": 600,
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str

    def csrf(self) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', self.text)
        assert match, "no CSRF field on the page"
        return match.group(1)


@dataclass
class Browser:
    """Keeps cookies like a browser and sends Origin on POST like one."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Page:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        result = Page(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        conn.close()
        return result

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], *, origin: str | None = "self") -> Page:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin is not None:
            headers["Origin"] = self.origin if origin == "self" else origin
        return self.request("POST", path, urlencode(form).encode(), headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    port: int
    tmp: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        return boto3.client(
            "stepfunctions", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip

    def browser(self) -> Browser:
        return Browser(self.port)

    def machine(self, name: str, definition: dict[str, Any]) -> str:
        arn: str = self.client().create_state_machine(
            name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/x"
        )["stateMachineArn"]
        return arn

    def wait_status(self, arn: str, wanted: set[str], timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = self.client().describe_execution(executionArn=arn)
            if described["status"] in wanted or time.monotonic() > deadline:
                return described
            time.sleep(0.05)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("console")
    (tmp / "functions.py").write_text(FUNCTIONS)
    port = free_port()
    cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--port", str(port)]
    cmd += ["--db", str(tmp / "stepstone.db"), "--functions", str(tmp / "functions.py")]
    with (tmp / "server.log").open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp / "server.log").read_text()) from None
                time.sleep(0.05)
        yield Served(port, tmp)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

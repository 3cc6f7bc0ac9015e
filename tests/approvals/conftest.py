"""Approvals under test: a real SMTP server (aiosmtpd), a real `stepstone serve` process, an HTTP client."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from aiosmtpd.controller import Controller

from tests.store.conftest import with_store  # noqa: F401  (the store contract runs here too)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "approval-builtin"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message; `refuse` answers that many DATA commands with 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.attempts = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m["To"] == to]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {to}; got {[m['To'] for m in self.messages]}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def approval_link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(r"https?://\S+/approve/r/[A-Za-z0-9_-]+", body.get_content())
    assert match, body.get_content()
    return match.group(0)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


class Stepstone:
    """One `stepstone serve` process with approvals e-mailed to the test SMTP server."""

    def __init__(self, tmp: Path, smtp_port: int, **env: str) -> None:
        self.tmp, self.db, self.port = tmp, tmp / "stepstone.db", free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ, "PYTHONUNBUFFERED": "1", "STEPSTONE_SMTP_HOST": "127.0.0.1",
            "STEPSTONE_SMTP_PORT": str(smtp_port), "STEPSTONE_SMTP_BACKOFF": "0.05",
            "STEPSTONE_SMTP_ATTEMPTS": "3", "STEPSTONE_PUBLIC_URL": self.url, **env,
        }  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, stdin: str = "") -> str:
        out = subprocess.run(
            [sys.executable, "-m", "stepstone.cli.main", *args, "--db", str(self.db)],
            input=stdin.encode(), capture_output=True, env=self.env, check=True, timeout=60,
        )  # fmt: skip
        return out.stdout.decode()

    def add_user(self, name: str, *groups: str, email: str | None = None) -> None:
        args = ["users", "add", name, "--password-stdin", "--email", email or f"{name}@example.com"]
        for group in groups:
            args += ["--group", group]
        self.cli(*args, stdin=PASSWORD + "\n")

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "stepstone.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
        ]
        with (self.tmp / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.tmp / "server.log").read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def sfn(self) -> Any:
        return boto3.client(
            "stepfunctions", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip

    def machine(self, name: str, definition: str) -> str:
        return str(self.sfn().create_state_machine(
            name=name, definition=definition, roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"])  # fmt: skip

    def wait_done(self, execution_arn: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sfn().describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.1)
        raise AssertionError(f"{execution_arn} still running")

    def sign_in(
        self, name: str, password: str = PASSWORD, *, next_url: str = "/approve/"
    ) -> requests.Session:
        browser = requests.Session()
        page = browser.get(f"{self.url}/approve/sign-in")
        form = {"user": name, "password": password, "csrf": csrf_of(page.text), "next": next_url}
        answer = browser.post(f"{self.url}/approve/sign-in", data=form, allow_redirects=False)
        assert answer.status_code == 303, answer.text
        return browser


@pytest.fixture(scope="module")
def stepstone(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]) -> Iterator[Stepstone]:
    server = Stepstone(tmp_path_factory.mktemp("approvals"), smtp[1])
    server.add_user("alice", "managers")
    server.add_user("bob", "engineers")
    server.add_user("carol", "managers")
    server.start()
    try:
        yield server
    finally:
        server.stop()

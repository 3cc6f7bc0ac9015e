"""A real `stepstone serve` on SQLite and on PostgreSQL, with the CLI that shares its database.

`node` is parametrised over both stores. The access master key and the token keys are fixed per
test, so keys made with `stepstone keys create --db` verify on the server, and `call` sends one
stepstone operation (`Stepstone.<Operation>`) over HTTP, signed with a key when one is given.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials

from tests.server.conftest import ServerProcess, shared_token_keys
from tests.server.test_callbacks import history_types, wait_for

__all__ = ["ROLE", "Node", "history_types", "machine", "wait_for", "wait_until"]

ROLE = "arn:aws:iam::123456789012:role/r"
NO_RETRY = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})


class Node(ServerProcess):
    """A server process plus the CLI on its database; `extra` arguments go to `serve`."""

    def __init__(self, tmp: Path, db: str | None, extra: list[str]) -> None:
        env = {**os.environ, "STEPSTONE_ACCESS_MASTER_KEY": secrets.token_hex(32)}
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
            env.pop(name, None)
        keys = shared_token_keys()
        env["STEPSTONE_TOKEN_KEYS"] = keys
        super().__init__(tmp, db, token_keys=keys, extra=extra, env=env)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(
        self, *args: str, key: dict[str, Any] | None = None, db: bool = True, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env or {})
        if key is not None:
            env.update(AWS_ACCESS_KEY_ID=key["accessKeyId"], AWS_SECRET_ACCESS_KEY=key["secretAccessKey"])
            env["AWS_DEFAULT_REGION"] = "us-east-1"
        command = [sys.executable, "-m", "stepstone.cli.main", *args, *(["--db", self.db] if db else [])]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=60)

    def create_key(self, name: str, allow: str, *machines: str) -> dict[str, Any]:
        extra = [arg for arn in machines for arg in ("--state-machine", arn)]
        done = self.cli("keys", "create", "--name", name, "--allow", allow, *extra, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        key: dict[str, Any] = json.loads(done.stdout)
        return key

    def audit(self, execution: str | None = None) -> list[dict[str, Any]]:
        done = self.cli("audit", "list", "--json", *(["--execution", execution] if execution else []))
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    def sfn(self, key: dict[str, Any] | None = None) -> Any:
        return boto3.client(
            "stepfunctions", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=key["accessKeyId"] if key else "test",
            aws_secret_access_key=key["secretAccessKey"] if key else "test", config=NO_RETRY,
        )  # fmt: skip

    def call(
        self, operation: str, request: dict[str, Any], key: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One `Stepstone.<operation>` request: (HTTP status, JSON body)."""
        body = json.dumps(request).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"Stepstone.{operation}"}
        aws = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers=headers)
        if key is not None:
            creds = Credentials(key["accessKeyId"], key["secretAccessKey"])
            SigV4Auth(creds, "states", "us-east-1").add_auth(aws)
        http = urllib.request.Request(self.endpoint + "/", data=body, headers=dict(aws.headers.items()))
        try:
            with urllib.request.urlopen(http, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")


def machine(client: Any, name: str, definition: dict[str, Any]) -> str:
    created = client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return str(created["stateMachineArn"])


def wait_until(check: Any, *, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition never held")


@pytest.fixture(params=["sqlite", "postgres"])
def store_dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_dsn"))
    return str(tmp_path / "stepstone.db")


@pytest.fixture
def node(store_dsn: str, tmp_path: Path) -> Iterator[Node]:
    server = Node(tmp_path, store_dsn, [])
    server.start()
    try:
        yield server
    finally:
        server.kill()

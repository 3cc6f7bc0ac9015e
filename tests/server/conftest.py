"""A real `stepstone serve` process on a free port, driven with boto3, on SQLite and on PostgreSQL.

The `server` fixture is parametrised: every end-to-end test runs against both stores.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

FUNCTIONS = """
import boto3, json

def echo(event, context):
    return event

def hand_token_to_file(event, context):
    with open(event["path"], "w") as out:
        out.write(event["token"])
    return {}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shared_token_keys() -> str:
    """STEPSTONE_TOKEN_KEYS for nodes that share one database (a token minted on one verifies on all)."""
    return json.dumps({"active": "k1", "keys": {"k1": secrets.token_hex(32)}})


class ServerProcess:
    """One server process; `restart()` kill -9s it and starts another on the same database.

    `db` is a SQLite file (default) or a PostgreSQL DSN; nodes of one PostgreSQL database pass the same
    `token_keys`. Leases are short so that a killed node's work returns quickly. `functions` is the
    functions file to serve (default: a small one written into `tmp`).
    """

    def __init__(
        self,
        tmp: Path,
        db: str | None = None,
        *,
        token_keys: str | None = None,
        name: str = "server",
        functions: Path | None = None,
        extra: tuple[str, ...] | list[str] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.tmp = tmp
        self.db = db or str(tmp / "stepstone.db")
        self.name = name
        self.token_keys = token_keys
        self.functions = functions or tmp / "functions.py"
        if functions is None:
            self.functions.write_text(FUNCTIONS)
        self.port = free_port()
        self.extra = extra  # more `serve` options (the last of a repeated option wins)
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = env  # the environment of the server (default: this process's)

    def start(self) -> None:
        cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--port", str(self.port)]
        cmd += ["--db", self.db, "--functions", str(self.functions), "--lease-seconds", "2", *self.extra]
        env = {**(self.env or os.environ), "PYTHONUNBUFFERED": "1"}
        if self.token_keys is not None:
            env["STEPSTONE_TOKEN_KEYS"] = self.token_keys
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    @property
    def log(self) -> Path:
        return self.tmp / f"{self.name}.log"

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def restart(self) -> None:
        self.kill()
        self.start()

    def client(self) -> Any:
        return boto3.client(
            "stepfunctions",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    if request.param == "postgres":
        proc = ServerProcess(tmp_path, request.getfixturevalue("pg_dsn"), token_keys=shared_token_keys())
    else:
        proc = ServerProcess(tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()

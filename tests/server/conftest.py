"""A real `stepstone serve` process on a temp SQLite file and a free port, driven with boto3."""

from __future__ import annotations

import os
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


class ServerProcess:
    """One server process; `restart()` kill -9s it and starts another on the same file."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "stepstone.db"
        self.functions = tmp / "functions.py"
        self.functions.write_text(FUNCTIONS)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "stepstone.cli.main", "serve", "--port", str(self.port)]
        cmd += ["--db", str(self.db), "--functions", str(self.functions)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with (self.tmp / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()

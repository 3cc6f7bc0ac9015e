"""Execution status changes POSTed to a real HTTP endpoint by a real server (SQLite and PostgreSQL):
EventBridge's shape, HMAC-signed, retried, kept through a kill -9, dead letters in the CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ServerProcess, shared_token_keys
from tests.server.test_callbacks import wait_for

pytestmark = pytest.mark.slow
SECRET = "s3cret-for-tests"
ROLE = "arn:aws:iam::123456789012:role/r"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}})
FAIL = json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "because"}}})


class Receiver:
    """A real HTTP endpoint: records every POST; answers `status` (per execution name, else 200)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.refuse: dict[str, int] = {}  # execution name -> how many more times to answer 500
        self.down = False  # answer 503 to everything
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = json.loads(body)
                name = event["detail"]["name"]
                refused = receiver.down or receiver.refuse.get(name, 0) > 0
                if not receiver.down and refused:
                    receiver.refuse[name] -= 1
                receiver.received.append({
                    "event": event, "body": body, "accepted": not refused,
                    "timestamp": self.headers["X-Stepstone-Timestamp"],
                    "signature": self.headers["X-Stepstone-Signature"],
                })  # fmt: skip
                self.send_response(503 if refused else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/events"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def accepted(self, name: str) -> list[dict[str, Any]]:
        return [r["event"] for r in self.received if r["accepted"] and r["event"]["detail"]["name"] == name]

    def wait(self, name: str, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.accepted(name)
            if len({e["detail"]["status"] for e in got}) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{name}: {self.received}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.http.shutdown()
    r.http.server_close()


def start_server(
    tmp: Path, receiver: Receiver, db: str | None, attempts: int, backoff: float
) -> ServerProcess:
    args = ("--events-url", receiver.url, "--events-secret", SECRET,
            "--events-attempts", str(attempts), "--events-backoff", str(backoff))  # fmt: skip
    server = ServerProcess(tmp, db, token_keys=shared_token_keys() if db else None, extra=args)
    server.start()
    return server


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("pg_dsn")) if request.param == "postgres" else None


def test_status_changes_arrive_signed_in_eventbridge_shape(
    tmp_path: Path, receiver: Receiver, db: str | None
) -> None:
    server = start_server(tmp_path, receiver, db, attempts=4, backoff=0.05)
    try:
        sfn = server.client()
        ok = sfn.create_state_machine(name="ok", definition=PASS, roleArn=ROLE, publish=True)
        bad = sfn.create_state_machine(name="bad", definition=FAIL, roleArn=ROLE)["stateMachineArn"]
        fast = sfn.create_state_machine(name="fast", definition=PASS, roleArn=ROLE, type="EXPRESS")
        receiver.refuse["good-run"] = 2  # the first two attempts fail: the third gets through
        good = sfn.start_execution(
            stateMachineArn=ok["stateMachineVersionArn"], name="good-run", input='{"a": 1}'
        )
        failing = sfn.start_execution(stateMachineArn=bad, name="bad-run")
        sfn.start_execution(stateMachineArn=fast["stateMachineArn"], name="express-run")
        wait_for(sfn, good["executionArn"])

        events = {e["detail"]["status"]: e for e in receiver.wait("good-run", 2)}
        assert set(events) == {"RUNNING", "SUCCEEDED"}
        done = events["SUCCEEDED"]
        envelope = ("version", "detail-type", "source", "account", "region", "resources")
        assert {k: done[k] for k in envelope} == {
            "version": "0", "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
            "account": "123456789012", "region": "us-east-1", "resources": [good["executionArn"]],
        }  # fmt: skip
        detail = done["detail"]
        assert (detail["executionArn"], detail["status"], json.loads(detail["output"])) == (
            good["executionArn"], "SUCCEEDED", {"ok": 1},
        )  # fmt: skip
        assert detail["input"] == '{"a": 1}' and detail["stopDate"] >= detail["startDate"]
        assert detail["stateMachineVersionArn"] == ok["stateMachineVersionArn"]
        assert (
            events["RUNNING"]["detail"]["stopDate"] is None and events["RUNNING"]["detail"]["output"] is None
        )
        # retried with the same event id; every request signed over "<timestamp>.<body>"
        attempts = [r for r in receiver.received if r["event"]["detail"]["name"] == "good-run"]
        ids = [r["event"]["id"] for r in attempts]
        assert len(ids) >= 4 and len(set(ids)) == 2
        for r in attempts:
            expected = hmac.new(SECRET.encode(), f"{r['timestamp']}.".encode() + r["body"], hashlib.sha256)
            assert hmac.compare_digest(r["signature"], "v1=" + expected.hexdigest())
            assert abs(int(r["timestamp"]) - time.time()) < 120

        failed = {e["detail"]["status"]: e for e in receiver.wait("bad-run", 2)}["FAILED"]["detail"]
        assert (failed["error"], failed["cause"], failed["redriveStatus"]) == (
            "Boom",
            "because",
            "REDRIVABLE",
        )
        assert failed["executionArn"] == failing["executionArn"]
        sfn.redrive_execution(executionArn=failing["executionArn"])  # RUNNING again, then FAILED again
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(receiver.accepted("bad-run")) < 4:
            time.sleep(0.05)
        redriven = [e for e in receiver.accepted("bad-run") if e["detail"]["redriveCount"] == 1]
        assert sorted(e["detail"]["status"] for e in redriven) == ["FAILED", "RUNNING"]
        assert len({e["id"] for e in receiver.accepted("bad-run")}) == 4
        time.sleep(0.3)
        assert receiver.accepted("express-run") == []  # Express workflows emit no status-change events
    finally:
        server.kill()


def test_undeliverable_events_become_dead_letters_in_the_cli(
    tmp_path: Path, receiver: Receiver, db: str | None
) -> None:
    server = start_server(tmp_path, receiver, db, attempts=3, backoff=0.02)
    try:
        sfn = server.client()
        arn = sfn.create_state_machine(name="m", definition=PASS, roleArn=ROLE)["stateMachineArn"]
        receiver.refuse["doomed"] = 1000
        run = sfn.start_execution(stateMachineArn=arn, name="doomed")
        wait_for(sfn, run["executionArn"])
        cmd = [
            sys.executable,
            "-m",
            "stepstone.cli.main",
            "events",
            "dead-letters",
            "--db",
            server.db,
            "--json",
        ]
        deadline, letters = time.monotonic() + 20, []
        while time.monotonic() < deadline and len(letters) < 2:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            letters = [json.loads(line) for line in done.stdout.splitlines()]
            time.sleep(0.2)
        assert sorted(x["status"] for x in letters) == ["RUNNING", "SUCCEEDED"]
        assert all((x["attempts"], x["error"], x["executionArn"]) == (3, "HTTP 503", run["executionArn"])
                   for x in letters)  # fmt: skip
        assert len([r for r in receiver.received if r["event"]["detail"]["name"] == "doomed"]) == 6
        assert letters[0]["event"]["detail-type"] == "Step Functions Execution Status Change"
    finally:
        server.kill()


def test_an_event_not_yet_delivered_survives_a_kill(
    tmp_path: Path, receiver: Receiver, db: str | None
) -> None:
    server = start_server(tmp_path, receiver, db, attempts=1000, backoff=0.1)
    try:
        sfn = server.client()
        arn = sfn.create_state_machine(name="m", definition=PASS, roleArn=ROLE)["stateMachineArn"]
        receiver.down = True
        run = sfn.start_execution(stateMachineArn=arn, name="kept")
        wait_for(sfn, run["executionArn"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(receiver.received) < 2:
            time.sleep(0.05)
        server.kill()  # kill -9 while the events are still being retried
        receiver.down = False
        server.start()
        got = receiver.wait("kept", 2)
        assert {e["detail"]["status"] for e in got} == {"RUNNING", "SUCCEEDED"}
    finally:
        server.kill()

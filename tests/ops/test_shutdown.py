"""SIGTERM: the server stops taking requests, answers its long polls, finishes the round in flight,
lets its PostgreSQL leases go and exits 0 within a bounded time, losing nothing.

On SQLite the same file is started again and every execution whose StartExecution was answered
finishes. On PostgreSQL a second node takes the first one's work at once: the leases are 60 s
long, so waiting for them to run out would fail the 20 s bound.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import psycopg
import pytest

from tests.ops.conftest import OpsServer
from tests.server.conftest import FUNCTIONS, shared_token_keys
from tests.server.test_callbacks import machine, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
ECHO = {
    "Echo": {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "Next": "Done",
    },
    "Done": {"Type": "Pass", "End": True},
}
GONE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
)
LIMIT = 600  # executions the load may start at most
SLOW_FUNCTION = """
import time

def slow(event, context):
    time.sleep(2)
    return event
"""
SLOW = {
    "Slow": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "End": True}
}


class Load:
    """Threads starting executions on `clients` (the first that answers) until stopped; the ARNs
    whose StartExecution was answered are the promise the shutdown must keep."""

    def __init__(self, clients: list[Any], arn: str, threads: int = 4) -> None:
        self.clients, self.arn = clients, arn
        self.acknowledged: list[str] = []
        self.cap = LIMIT  # bounded, but raised by `allow` for a phase that must see more
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(t,)) for t in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self, t: int) -> None:
        n = 0
        while not self.stop.is_set():
            if len(self.acknowledged) >= self.cap:  # at the cap: idle until `allow` or `join`
                time.sleep(0.05)
                continue
            n += 1
            for client in self.clients:
                try:
                    arn = client.start_execution(stateMachineArn=self.arn, name=f"t{t}-{n}")["executionArn"]
                except GONE:
                    continue  # not answered: nothing was promised
                except botocore.exceptions.ClientError as exc:
                    if exc.response["Error"]["Code"] != "ServiceUnavailable":
                        raise
                    continue
                with self._lock:
                    self.acknowledged.append(arn)
                break
            else:
                time.sleep(0.05)

    def allow(self, more: int) -> None:
        """Let the load start `more` executions beyond those answered so far (a slow phase before
        may have used up the cap)."""
        self.cap = len(self.acknowledged) + more

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} started"
            time.sleep(0.02)

    def join(self) -> list[str]:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)
        return list(self.acknowledged)


def long_poll(client: Any, activity: str, out: dict[str, Any]) -> None:
    started = time.monotonic()
    out["answer"] = client.get_activity_task(activityArn=activity, workerName="poller")
    out["ended"] = time.monotonic()
    out["seconds"] = out["ended"] - started


def test_sigterm_under_load_loses_nothing_and_ends_long_polls(tmp_path: Path) -> None:
    server = OpsServer(tmp_path, extra=("--retention", "0", "--shutdown-seconds", "10"))
    server.start()
    try:
        client = server.client()
        quick = machine(client, "Quick", ECHO, "Echo")
        activity = client.create_activity(name="never")["activityArn"]
        poll: dict[str, Any] = {}
        poller = threading.Thread(target=long_poll, args=(server.client(), activity, poll))
        poller.start()
        load = Load([server.client() for _ in range(1)], quick)
        load.wait_for(50)
        assert server.json("/readyz")[0] == 200
        code, seconds = server.terminate()
        signalled = time.monotonic() - seconds
        promised = load.join()
        poller.join(30)
        assert code == 0, server.log.read_text()[-2000:]
        assert seconds < 10 + 5, f"exit took {seconds:.1f} s"
        # the long poll was answered "no task" at once, not after its 60 s
        assert poll["answer"].get("taskToken") is None
        assert poll["ended"] - signalled < 5, poll

        server.start()  # the same file again
        client = server.client()
        statuses = {arn: wait_for(client, arn, timeout=30)["status"] for arn in promised}
        assert set(statuses.values()) == {"SUCCEEDED"}, statuses
        assert len(promised) >= 50
    finally:
        server.kill()


def leases_held(dsn: str, pid: int) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        pattern = f"%:{pid}:%"
        row = conn.execute(
            "SELECT (SELECT count(*) FROM executions WHERE lease_owner LIKE %s)"
            " + (SELECT count(*) FROM outbox WHERE lease_owner LIKE %s)",
            (pattern, pattern),
        ).fetchone()
        assert row is not None
        return int(row[0])


def test_sigterm_on_one_postgresql_node_hands_its_work_to_the_other_at_once(
    tmp_path: Path, pg_dsn: str
) -> None:
    functions = tmp_path / "slow_functions.py"
    functions.write_text(FUNCTIONS + SLOW_FUNCTION)
    keys = shared_token_keys()
    options = ("--retention", "0", "--shutdown-seconds", "10", "--lease-seconds", "60")
    a, b = (
        OpsServer(tmp_path, pg_dsn, token_keys=keys, name=n, functions=functions, extra=options)
        for n in ("a", "b")
    )
    a.start()
    b.start()
    try:
        quick = machine(a.client(), "Quick", ECHO, "Echo")
        slow = machine(a.client(), "Slow", SLOW, "Slow")
        # commands A leased and is carrying out when it stops: B may take them only once A lets go
        held = [a.client().start_execution(stateMachineArn=slow)["executionArn"] for _ in range(8)]
        load = Load([a.client(), b.client()], quick, threads=6)  # A first; B once A stops answering
        load.wait_for(100, timeout=60)
        assert a.proc is not None
        pid = a.proc.pid
        assert leases_held(pg_dsn, pid) > 0
        code, seconds = a.terminate()
        exited = time.monotonic()
        assert code == 0 and seconds < 10 + 5, (code, seconds, a.log.read_text()[-2000:])
        assert leases_held(pg_dsn, pid) == 0  # let go at exit, not 60 s later
        load.allow(100)
        load.wait_for(len(load.acknowledged) + 20, timeout=30)  # B serves the load alone now
        promised = load.join()
        client = b.client()
        for arn in [*held, *promised]:
            left = max(1.0, 25 - (time.monotonic() - exited))
            assert wait_for(client, arn, timeout=left)["status"] == "SUCCEEDED"
        assert time.monotonic() - exited < 25  # far sooner than a 60 s lease would allow
    finally:
        a.kill()
        b.kill()

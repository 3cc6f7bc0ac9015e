"""`stepstone db backup` copies a live SQLite server: executions parked on callbacks when the copy
was taken resume on a new server started on the copy (their callbacks succeed), while the first
server was busy starting more the whole time. PostgreSQL is refused with the pg_dump pointer.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import OpsServer, run_cli, wait_until
from tests.ops.test_metrics import hand_machine, start_hands
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.timeout(120)


def test_a_backup_of_a_live_server_resumes_its_parked_executions(tmp_path: Path) -> None:
    live = OpsServer(tmp_path, extra=("--retention", "0"))
    live.start()
    try:
        client = live.client()
        hand = hand_machine(client)
        quick = machine(client, "Quick", {"P": {"Type": "Pass", "End": True}}, "P")
        parked = start_hands(client, hand, tmp_path, 5, "b")
        tokens = [wait_until(lambda p=p: p.exists() and p.read_text(), 20) for _, p in parked]
        finished = client.start_execution(stateMachineArn=quick)["executionArn"]
        assert wait_for(client, finished)["status"] == "SUCCEEDED"

        stop, started = threading.Event(), []

        def load() -> None:  # the server keeps writing while the copy is taken
            other = live.client()
            while not stop.is_set() and len(started) < 300:
                started.append(other.start_execution(stateMachineArn=quick)["executionArn"])

        writer = threading.Thread(target=load)
        writer.start()
        wait_until(lambda: len(started) >= 20, 20)
        restore = tmp_path / "restore"
        restore.mkdir()
        done = run_cli("db", "backup", str(restore / "stepstone.db"), "--db", live.db)
        stop.set()
        writer.join()
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        assert report["bytes"] > 0 and set(report["keys"]) == {"stepstone-keys.json", "stepstone-access.key"}
        assert (restore / "stepstone-keys.json").stat().st_mode & 0o777 == 0o600
    finally:
        live.kill()

    copy = OpsServer(restore, extra=("--retention", "0"))
    copy.start()
    try:
        client = copy.client()
        assert client.describe_execution(executionArn=finished)["status"] == "SUCCEEDED"
        status, ready = copy.json("/readyz")
        assert status == 200, ready
        for token in tokens:  # minted by the first server, verified by the copy's copied keys
            client.send_task_success(taskToken=token, output='{"approved": true}')
        for arn, _ in parked:
            described = wait_for(client, arn)
            assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {
                "approved": True
            }
        # what the copy holds is consistent: every execution it knows finishes
        known = [e["executionArn"] for e in _all_executions(client, machine_arn(client, "Quick"))]
        assert finished in known
        assert all(wait_for(client, arn)["status"] == "SUCCEEDED" for arn in known)
    finally:
        copy.kill()


def machine_arn(client: Any, name: str) -> str:
    return next(
        m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"] if m["name"] == name
    )


def _all_executions(client: Any, arn: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_executions").paginate(stateMachineArn=arn)
    return [e for page in pages for e in page["executions"]]


def test_backup_refuses_what_it_cannot_copy(tmp_path: Path, pg_dsn: str) -> None:
    pg = run_cli("db", "backup", str(tmp_path / "x.db"), "--db", pg_dsn)
    assert pg.returncode == 2 and "pg_dump" in pg.stdout
    missing = run_cli("db", "backup", str(tmp_path / "x.db"), "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no SQLite database" in missing.stdout
    (tmp_path / "taken.db").write_text("")
    (tmp_path / "src.db").write_bytes(b"")
    exists = run_cli("db", "backup", str(tmp_path / "taken.db"), "--db", str(tmp_path / "src.db"))
    assert exists.returncode == 2 and "exists" in exists.stdout

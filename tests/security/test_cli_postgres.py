"""`stepstone users`, `keys` and `audit` on a PostgreSQL database (the --db DSN or $STEPSTONE_DB), and
a server node on the same database honouring what they made."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

from tests.server.conftest import ServerProcess, shared_token_keys

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepstone.cli.main", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_users_keys_and_audit_work_on_postgresql(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = secrets.token_hex(32)
    env = {**os.environ, "STEPSTONE_ACCESS_MASTER_KEY": master}
    added = cli("users", "add", "alice", "--group", "console", "--password-stdin", "--db", pg_dsn,
                env=env, stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    by_default = {**env, "STEPSTONE_DB": pg_dsn}  # no --db: $STEPSTONE_DB names the database
    listed = cli("users", "list", "--json", env=by_default)
    assert lines(listed.stdout) == [
        {"user": "alice", "email": None, "groups": ["console"], "password": True}
    ], listed.stderr

    no_master = {k: v for k, v in env.items() if k != "STEPSTONE_ACCESS_MASTER_KEY"}
    refused = cli("keys", "create", "--name", "x", "--allow", "*", "--db", pg_dsn, env=no_master)
    assert refused.returncode == 2 and "STEPSTONE_ACCESS_MASTER_KEY" in refused.stdout
    created = cli("keys", "create", "--name", "ops", "--allow", "*", "--json", "--db", pg_dsn, env=env)
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert [k["accessKeyId"] for k in lines(cli("keys", "list", "--json", env=by_default).stdout)] == [
        key["accessKeyId"]
    ]

    # a node on the same database (same master key) accepts the key and audits a refused callback
    monkeypatch.setenv("STEPSTONE_ACCESS_MASTER_KEY", master)
    node = ServerProcess(tmp_path, pg_dsn, token_keys=shared_token_keys())
    node.start()
    try:
        sfn = boto3.client(
            "stepfunctions", endpoint_url=f"http://127.0.0.1:{node.port}", region_name="us-east-1",
            aws_access_key_id=key["accessKeyId"], aws_secret_access_key=key["secretAccessKey"],
            config=BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"}),
        )  # fmt: skip
        assert sfn.list_state_machines()["stateMachines"] == []
        with pytest.raises(sfn.exceptions.InvalidToken):
            sfn.send_task_success(taskToken="not-a-token", output="{}")
    finally:
        node.kill()
    audit = lines(cli("audit", "list", "--json", "--db", pg_dsn, env=env).stdout)
    assert [(e["principal"], e["action"], e["outcome"]) for e in audit] == [
        (key["accessKeyId"], "SendTaskSuccess", "refused")
    ]

    revoked = cli("keys", "revoke", key["accessKeyId"], "--json", "--db", pg_dsn, env=env)
    assert revoked.returncode == 0 and json.loads(revoked.stdout)["status"] == "Inactive"
    removed = cli("users", "remove", "alice", "--db", pg_dsn, env=env)
    assert removed.returncode == 0 and lines(cli("users", "list", "--json", env=by_default).stdout) == []

    # without the shared master key a node could never verify those keys: it refuses to start
    monkeypatch.delenv("STEPSTONE_ACCESS_MASTER_KEY")
    (tmp_path / "lost").mkdir()
    lost = ServerProcess(tmp_path / "lost", pg_dsn, token_keys=shared_token_keys())
    with pytest.raises(RuntimeError, match="STEPSTONE_ACCESS_MASTER_KEY"):
        lost.start()

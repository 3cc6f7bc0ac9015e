"""GET /healthz and /readyz on a real server, both stores: 200 with the checks while all is well;
a newer schema (a newer node migrated it in a rolling upgrade) is still ready, a missing migration
is 503 naming it; /healthz stays 200 (the process serves: no reason to restart it)."""

from __future__ import annotations

import sqlite3
import urllib.request

import psycopg

from stepstone.store.sqlite_sql import migrations
from tests.ops.conftest import OpsServer


def run_sql(server: OpsServer, sql: str) -> None:
    if server.db.endswith(".db"):
        with sqlite3.connect(server.db) as conn:
            conn.execute(sql)
    else:
        with psycopg.connect(server.db, autocommit=True) as conn:
            conn.execute(sql.encode())


def test_probes_answer_and_readiness_names_what_fails(ops_server: OpsServer) -> None:
    assert ops_server.json("/healthz") == (200, {"status": "ok"})
    status, ready = ops_server.json("/readyz")
    assert status == 200 and ready["status"] == "ready"
    checks = ready["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "schema": True,
        "worker": True,
    }
    assert checks["worker"]["running"] is True
    newest = max(v for v, _ in migrations())
    assert checks["schema"] == {"ok": True, "newest": newest, "missing": []}

    sqlite = ops_server.db.endswith(".db")
    future = "(9999)" if sqlite else "(9999, 'future.sql')"
    run_sql(ops_server, f"INSERT INTO schema_migrations VALUES {future}")
    status, ready = ops_server.json("/readyz")
    assert status == 200 and ready["checks"]["schema"] == {"ok": True, "newest": 9999, "missing": []}

    run_sql(ops_server, f"DELETE FROM schema_migrations WHERE version = {newest}")
    status, ready = ops_server.json("/readyz")
    assert status == 503 and ready["status"] == "not ready"
    assert ready["checks"]["schema"] == {"ok": False, "newest": 9999, "missing": [newest]}
    assert ready["checks"]["database"]["ok"] and ready["checks"]["worker"]["ok"]
    assert ops_server.json("/healthz")[0] == 200

    assert ops_server.get("/metrics/other")[0] == 404
    post = urllib.request.Request(f"http://127.0.0.1:{ops_server.port}/metrics", data=b"", method="POST")
    try:
        urllib.request.urlopen(post, timeout=5)
        raise AssertionError("POST /metrics answered")
    except urllib.error.HTTPError as exc:
        assert exc.code == 405

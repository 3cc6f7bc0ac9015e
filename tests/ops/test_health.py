"""GET /healthz and /readyz on a real server, both stores: 200 with the checks while all is well,
503 naming the failed check when the schema is not the one this code ships."""

from __future__ import annotations

import sqlite3
import urllib.request

import psycopg

from tests.ops.conftest import OpsServer


def mark_schema_newer(server: OpsServer) -> None:
    """As if a newer stepstone had migrated the database past this code."""
    if server.db.endswith(".db"):
        with sqlite3.connect(server.db) as conn:
            conn.execute("INSERT INTO schema_migrations (version) VALUES (9999)")
    else:
        with psycopg.connect(server.db, autocommit=True) as conn:
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future.sql')")


def test_probes_answer_and_readiness_names_what_fails(ops_server: OpsServer) -> None:
    assert ops_server.json("/healthz") == (200, {"status": "ok"})
    status, ready = ops_server.json("/readyz")
    assert status == 200 and ready["status"] == "ready"
    assert {name: check["ok"] for name, check in ready["checks"].items()} == {
        "database": True, "schema": True, "worker": True,
    }  # fmt: skip
    assert ready["checks"]["worker"]["running"] is True
    assert ready["checks"]["schema"]["applied"] == ready["checks"]["schema"]["expected"] > 0

    mark_schema_newer(ops_server)
    status, ready = ops_server.json("/readyz")
    assert status == 503 and ready["status"] == "not ready"
    assert ready["checks"]["schema"] == {
        "ok": False,
        "applied": 9999,
        "expected": ready["checks"]["schema"]["expected"],
    }
    assert ready["checks"]["database"]["ok"] and ready["checks"]["worker"]["ok"]
    assert ops_server.json("/healthz")[0] == 200  # the process still serves: do not restart it

    assert ops_server.get("/metrics/other")[0] == 404
    post = urllib.request.Request(f"http://127.0.0.1:{ops_server.port}/metrics", data=b"", method="POST")
    try:
        urllib.request.urlopen(post, timeout=5)
        raise AssertionError("POST /metrics answered")
    except urllib.error.HTTPError as exc:
        assert exc.code == 405

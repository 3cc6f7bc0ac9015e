"""`stepstone users`: add (password from stdin, hashed), list (never the hash), remove."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path


def users(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepstone.cli.main", "users", *args, "--db", str(db)],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_users_are_added_listed_and_removed_with_hashed_passwords(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    added = users(db, "add", "alice", "--email", "alice@example.com", "--group", "managers", "--group", "ops",
                  "--password-stdin", stdin="a long secret\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "user": "alice",
        "email": "alice@example.com",
        "groups": ["managers", "ops"],
    }
    assert users(db, "add", "proxyonly", "--no-password").returncode == 0

    stored = sqlite3.connect(db).execute("SELECT password_hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("scrypt$") and "a long secret" not in stored

    listed = [json.loads(line) for line in users(db, "list", "--json").stdout.splitlines()]
    assert [(u["user"], u["password"]) for u in listed] == [("alice", True), ("proxyonly", False)]
    assert "scrypt" not in users(db, "list").stdout

    asked = users(db, "add", "bob")  # no terminal to ask on: a clear answer, not a traceback
    assert asked.returncode != 0 and "--password-stdin" in asked.stderr and "Traceback" not in asked.stderr
    short = users(db, "add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "at least 8" in short.stderr
    bad = users(db, "add", "group:x", "--no-password")
    assert bad.returncode == 1 and "Invalid user name" in bad.stderr
    assert users(db, "remove", "alice").returncode == 0
    missing = users(db, "remove", "alice")
    assert missing.returncode == 1 and "no user" in missing.stderr

"""Find or start a PostgreSQL server for the tests.

In order: `STEPSTONE_TEST_PG_DSN`; a server on 127.0.0.1:5432; a throwaway cluster started with the
installed PostgreSQL binaries. When none works the tests skip with the reason, except under
`CI=true`, where a missing PostgreSQL is a failure: CI must prove both stores.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg


def _reachable(dsn: str) -> str | None:
    """None when a connection works, else the reason it does not."""
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


@contextlib.contextmanager
def _throwaway_cluster(bindir: Path) -> Iterator[str]:
    """initdb + pg_ctl start in a temp dir; PostgreSQL refuses to run as root, so drop to its own user."""
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _user_exists(u)), None)
        if user is None:
            raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")
        run_as = ["runuser", "-u", user, "--"]
    base = Path(tempfile.mkdtemp(prefix="stepstone-pg-"))
    if run_as:
        shutil.chown(base, user=run_as[2])
    data, port = base / "data", _free_port()
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)  # fmt: skip
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} -c fsync=off"
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l",
                    str(base / "log"), "start"], check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextlib.contextmanager
def server_dsn() -> Iterator[str]:
    """Yield an admin DSN (may create databases), or raise LookupError with why there is none."""
    reasons: list[str] = []
    env = os.environ.get("STEPSTONE_TEST_PG_DSN")
    if env:
        why = _reachable(env)
        if why is None:
            yield env
            return
        reasons.append(f"STEPSTONE_TEST_PG_DSN unreachable: {why}")
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    why = _reachable(local)
    if why is None:
        yield local
        return
    reasons.append(f"127.0.0.1:5432: {why}")
    bindir = _binaries()
    if bindir is None:
        reasons.append("no PostgreSQL binaries (initdb) installed")
        raise LookupError("; ".join(reasons))
    try:
        cluster = _throwaway_cluster(bindir)
        dsn = cluster.__enter__()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        reasons.append(f"throwaway cluster failed: {exc}")
        raise LookupError("; ".join(reasons)) from exc
    try:
        for _ in range(50):
            if _reachable(dsn) is None:
                break
            time.sleep(0.1)
        yield dsn
    finally:
        cluster.__exit__(None, None, None)


def with_database(admin_dsn: str, name: str) -> str:
    """The DSN of database `name` on the same server as `admin_dsn`."""
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})

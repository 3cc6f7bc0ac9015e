"""`stepstone serve`: the Step Functions API and the durable workers in one process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
from pathlib import Path

from stepstone.config import DEFAULT_HOST, DEFAULT_PORT, Config, is_postgres_dsn


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--db",
        default=os.environ.get("STEPSTONE_DB"),
        help="a SQLite file, or postgresql://... for nodes sharing one database"
        " (default: $STEPSTONE_DB, else in memory, nothing kept)",
    )
    parser.add_argument(
        "--lease-seconds", type=float, default=30.0, help="PostgreSQL: when a dead node's work returns"
    )
    parser.add_argument(
        "--functions", type=Path, nargs="*", default=[], help="Python files of Lambda handlers"
    )
    parser.add_argument("--examples", action="store_true", help="load the state machines under examples/")
    parser.add_argument("--debug", action="store_true", help="log every request and transition")
    parser.add_argument(
        "--insecure-no-auth", action="store_true",
        help="serve a non-loopback --host with no access keys: ANYONE who reaches it may call the API",
    )  # fmt: skip
    parser.add_argument(
        "--invalid-token-limit", type=int, default=10, metavar="N",
        help="invalid task tokens one key or address may send in 5 minutes before it is throttled",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from stepstone.app import serve

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    dsn = args.db if args.db and is_postgres_dsn(args.db) else None
    args.db = Path(args.db) if args.db and dsn is None else None
    config = Config(
        host=args.host, port=args.port, db=args.db, functions=tuple(args.functions), examples=args.examples,
        insecure_no_auth=args.insecure_no_auth, invalid_token_limit=args.invalid_token_limit,
    )  # fmt: skip
    config = dataclasses.replace(config, dsn=dsn, lease_seconds=args.lease_seconds)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config))
    return 0

"""`stepstone serve`: the Step Functions API and the durable workers in one process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

from stepstone.cli.logformat import configure as configure_logging
from stepstone.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ApprovalSettings,
    Config,
    EventSettings,
    is_postgres_dsn,
)
from stepstone.integrations.mock_config import MockConfigError

SMTP_SECURITY = ("none", "starttls", "tls")


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
    parser.add_argument(
        "--activity-visibility", type=float, default=10.0, metavar="SECONDS",
        help="an activity task handed out but never confirmed (the server died answering) returns after this",
    )  # fmt: skip
    parser.add_argument("--examples", action="store_true", help="load the state machines under examples/")
    parser.add_argument("--debug", action="store_true", help="log every request and transition")
    operate = parser.add_argument_group("operations", "logs, retention and shutdown (docs/operating.md)")
    operate.add_argument(
        "--log-format", choices=("text", "json"), default="text",
        help="json: one JSON object per line, with execution ARN and state name where they apply",
    )  # fmt: skip
    operate.add_argument(
        "--retention", type=_retention, default="90d", metavar="DURATION",
        help="delete closed executions and their history after this long: 90d (default, as AWS), 30d,"
        " 12h; 0 keeps everything",
    )  # fmt: skip
    operate.add_argument(
        "--shutdown-seconds", type=float, default=15.0, metavar="S",
        help="on SIGTERM: how long in-flight requests and the worker's last round may take (default 15)",
    )  # fmt: skip
    parser.add_argument(
        "--insecure-no-auth", action="store_true",
        help="serve a non-loopback --host with no access keys: ANYONE who reaches it may call the API",
    )  # fmt: skip
    parser.add_argument(
        "--invalid-token-limit", type=int, default=10, metavar="N",
        help="invalid task tokens one key or address may send in 5 minutes before it is throttled",
    )  # fmt: skip
    parser.add_argument(
        "--hooks", type=Path, default=None, metavar="FILE",
        help="a TOML file of webhook sources served at POST /hooks/<source> (see docs/callbacks.md)",
    )  # fmt: skip
    parser.add_argument(
        "--clock", choices=("system", "virtual"), default="system",
        help="virtual: time moves only when told (`stepstone clock advance 1d`), for tests",
    )  # fmt: skip
    parser.add_argument(
        "--mock-config", type=Path, default=None, metavar="FILE",
        help="a Step Functions Local mock configuration file (default: $SFN_MOCK_CONFIG)",
    )  # fmt: skip
    mail = parser.add_argument_group(
        "approval e-mail", "the SMTP server for approval requests (default: $STEPSTONE_SMTP_* and friends);"
        " the SMTP user name and password stay in $STEPSTONE_SMTP_USERNAME and $STEPSTONE_SMTP_PASSWORD",
    )  # fmt: skip
    mail.add_argument("--smtp-host", default=None, help="default: $STEPSTONE_SMTP_HOST, else localhost")
    mail.add_argument("--smtp-port", type=int, default=None, help="default: $STEPSTONE_SMTP_PORT, else 25")
    mail.add_argument(
        "--smtp-security", choices=SMTP_SECURITY, default=None,
        help="tls (implicit, port 465), starttls (port 587) or none; default: $STEPSTONE_SMTP_SECURITY",
    )  # fmt: skip
    mail.add_argument("--mail-from", default=None, help="the sender address; default: $STEPSTONE_MAIL_FROM")
    mail.add_argument(
        "--public-url", default=None,
        help="what links in e-mails start with, e.g. https://sfn.example.com; default: $STEPSTONE_PUBLIC_URL",
    )  # fmt: skip
    events = parser.add_argument_group("execution status-change events (EventBridge's shape, HMAC-signed)")
    events.add_argument("--events-url", default=None, help="POST every execution status change here")
    events.add_argument(
        "--events-secret", default=os.environ.get("STEPSTONE_EVENTS_SECRET"),
        help="the HMAC secret that signs them (default: $STEPSTONE_EVENTS_SECRET)",
    )  # fmt: skip
    events.add_argument("--events-attempts", type=int, default=5, help="attempts before a dead letter")
    events.add_argument("--events-backoff", type=float, default=1.0, help="seconds before the first retry")
    parser.set_defaults(handler=run)


def approval_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> ApprovalSettings:
    """The environment's approval settings, with each SMTP flag given on the command line on top."""
    settings = ApprovalSettings.from_env(env)
    flags = {
        "smtp_host": args.smtp_host, "smtp_port": args.smtp_port, "smtp_security": args.smtp_security,
        "mail_from": args.mail_from, "public_url": args.public_url,
    }  # fmt: skip
    return dataclasses.replace(settings, **{k: v for k, v in flags.items() if v is not None})


def _retention(text: str) -> timedelta | None:
    from stepstone.runtime.retention import parse_retention

    try:
        return parse_retention(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from stepstone.app import serve

    configure_logging(args.log_format, logging.DEBUG if args.debug else logging.WARNING)
    dsn = args.db if args.db and is_postgres_dsn(args.db) else None
    args.db = Path(args.db) if args.db and dsn is None else None
    config = Config(
        host=args.host, port=args.port, db=args.db, functions=tuple(args.functions), examples=args.examples,
        insecure_no_auth=args.insecure_no_auth, invalid_token_limit=args.invalid_token_limit,
    )  # fmt: skip
    keep: timedelta | None = args.retention  # argparse applies the type to the default too
    config = dataclasses.replace(
        config, dsn=dsn, lease_seconds=args.lease_seconds, approvals=approval_settings(args),
        clock=args.clock, mock_config=args.mock_config, activity_visibility_seconds=args.activity_visibility,
        hooks=args.hooks,
        retention_seconds=None if keep is None else keep.total_seconds(),
        shutdown_seconds=args.shutdown_seconds, log_format=args.log_format,
    )  # fmt: skip
    if args.events_url:
        if not args.events_secret:
            raise SystemExit(
                "stepstone serve: --events-url needs --events-secret (or $STEPSTONE_EVENTS_SECRET)"
            )
        events = EventSettings(args.events_url, args.events_secret, args.events_attempts, args.events_backoff)
        config = dataclasses.replace(config, events=events)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(config))
    except MockConfigError as exc:
        print(f"stepstone serve: mock configuration: {exc}", file=sys.stderr)
        return 2
    return 0

"""`stepstone users`: local users of the approval pages (add, list, remove). Passwords are stored hashed.

`--db` is the server's SQLite file or PostgreSQL DSN (default `$STEPSTONE_DB`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from stepstone.cli.database import add_db_argument, with_service


def register(parser: argparse.ArgumentParser) -> None:
    subs = parser.add_subparsers(dest="users_command", required=True)
    add = subs.add_parser("add", help="create a user, or replace one of the same name")
    add.add_argument("name")
    add.add_argument("--email", default=None, help="where approval requests are e-mailed")
    add.add_argument("--group", action="append", default=[], help="a group (repeat for several)")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument("--no-password", action="store_true", help="sign in only through the identity proxy")
    listing = subs.add_parser("list", help="every user (never a password)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    remove = subs.add_parser("remove", help="delete a user")
    remove.add_argument("name")
    for sub in (add, listing, remove):
        add_db_argument(sub)
    parser.set_defaults(handler=run)


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not sys.stdin.isatty():  # no terminal to ask on (a script, CI): say how instead of a traceback
        raise SystemExit(
            "stepstone: no terminal to ask for a password on: use --password-stdin or --no-password"
        )
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("stepstone: the passwords differ")
    if len(password) < 8:
        raise SystemExit("stepstone: a password needs at least 8 characters")
    return password


def run(args: argparse.Namespace) -> int:
    from stepstone.errors import ServiceError

    try:
        if args.users_command == "add":
            password = _password(args)
            row = with_service(
                args.db,
                lambda s: s.add_user(args.name, email=args.email, groups=args.group, password=password),
            )
            print(json.dumps({"user": row.name, "email": row.email, "groups": list(row.groups)}))
        elif args.users_command == "remove":
            if not with_service(args.db, lambda s: s.remove_user(args.name)):
                print(f"stepstone: no user {args.name!r}", file=sys.stderr)
                return 1
        else:
            for user in with_service(args.db, lambda s: s.list_users()):
                fields = {"user": user.name, "email": user.email, "groups": list(user.groups),
                          "password": user.password_hash is not None}  # fmt: skip
                print(json.dumps(fields) if args.json else "  ".join(f"{k}={v}" for k, v in fields.items()))
    except ServiceError as exc:
        print(f"stepstone: {exc.message}", file=sys.stderr)
        return 1
    return 0

"""`stepstone`: the command line. Each subcommand lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand -> module under stepstone.cli; imported only when that subcommand runs.
COMMANDS: dict[str, str] = {
    "run": "Run a state machine in-process and print its result as JSON.",
    "validate": "Check a definition and print every diagnostic.",
    "deploy": "Create or update the state machines of a SAM or CloudFormation template on a server.",
    "serve": "Serve the Step Functions API, the workers and the console.",
    "tasks": "Show what running executions are waiting on (never the tokens).",
    "db": "Apply the database's schema migrations (SQLite or PostgreSQL).",
    "keys": "Create, list and revoke the access keys that sign API requests.",
    "events": "Show the status-change events the configured endpoint never accepted (dead letters).",
    "audit": "Show the audit log: who sent which callback, from where, accepted or refused.",
    "messages": "Publish a message to the tasks waiting for it by name and correlation key.",
    "users": "Add, list and remove the local users who sign in to the approval pages.",
    "clock": "Move a test server's virtual clock forward (serve --clock virtual).",
    "worker": "Serve activity tasks with Python functions, on stepstone or on AWS.",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stepstone",
        description="Run Amazon States Language state machines, durably, on your own machines.",
        epilog="Run `stepstone COMMAND --help` for a command's options.",
    )
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if only is None or name != only:
            subs.add_parser(name, help=summary, description=summary)
        else:
            module = importlib.import_module(f"stepstone.cli.{name}")
            module.register(subs.add_parser(name, help=summary, description=summary))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_in if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(args_in)
    if args.command is None:
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

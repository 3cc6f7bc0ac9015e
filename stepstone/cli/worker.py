"""`stepstone worker`: serve activity tasks with Python functions, on stepstone or on AWS.

    stepstone worker FILE:FUNCTION [FILE:FUNCTION ...] --activity NAME_OR_ARN [--activity ...]
                     [--endpoint URL] [--concurrency N ...] [--heartbeat-seconds S ...] [--create]

The n-th FILE:FUNCTION serves the n-th --activity; --concurrency and --heartbeat-seconds are given
once for all or once per activity. Without --endpoint boto3's own configuration decides where the
calls go (AWS_ENDPOINT_URL_SFN, the region, the credential chain), so the same command serves AWS.
Logs are JSON lines on stderr; a task is named by a hash of its token, never the token.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="FILE:FUNCTION", help="the function of each activity")
    parser.add_argument(
        "--activity",
        action="append",
        required=True,
        metavar="NAME_OR_ARN",
        help="the activity the matching FILE:FUNCTION serves (once per function)",
    )
    parser.add_argument("--endpoint", default=None, help="e.g. http://127.0.0.1:8083 (default: boto3's)")
    parser.add_argument("--region", default=None, help="default: boto3's, else us-east-1")
    parser.add_argument(
        "--concurrency", type=int, action="append", metavar="N", help="tasks at once per activity (default 1)"
    )
    parser.add_argument(
        "--heartbeat-seconds",
        type=float,
        action="append",
        metavar="S",
        help="the state's HeartbeatSeconds: beat at a third of it (default: every 10 s)",
    )
    parser.add_argument("--create", action="store_true", help="create each activity that does not exist")
    parser.add_argument(
        "--grace",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT: how long tasks in flight may finish before given back",
    )
    parser.add_argument(
        "--name", default=None, help="the workerName GetActivityTask records (default host-pid)"
    )
    parser.add_argument("--log-format", choices=("json", "text"), default="json")
    parser.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    parser.set_defaults(handler=run)


def load_function(target: str) -> Any:
    """FILE:FUNCTION -> the function (the file's folder goes on sys.path so its own imports work)."""
    path_text, sep, name = target.rpartition(":")
    path = Path(path_text)
    if not sep or not name or not path.is_file():
        raise SystemExit(f"stepstone worker: {target!r} is not FILE:FUNCTION of an existing file")
    sys.path.insert(0, str(path.resolve().parent))
    spec = importlib.util.spec_from_file_location(f"stepstone_worker_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if not callable(function):
        raise SystemExit(f"stepstone worker: {path} has no function {name!r}")
    return function


def per_activity(values: list[Any] | None, count: int, default: Any, flag: str) -> list[Any]:
    if not values:
        return [default] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise SystemExit(f"stepstone worker: give {flag} once, or once per activity ({count})")
    return values


def make_client(endpoint: str | None, region: str | None, connections: int) -> Any:
    try:
        import boto3
    except ImportError:
        raise SystemExit("stepstone worker needs boto3: pip install 'stepstone[worker]'") from None
    from stepstone.worker.calls import client_config

    session = boto3.Session(region_name=region)
    extra: dict[str, str] = {}
    if endpoint and session.get_credentials() is None:  # a local server without access keys takes any
        extra = {"aws_access_key_id": "stepstone", "aws_secret_access_key": "stepstone"}
    return session.client(
        "stepfunctions", endpoint_url=endpoint, region_name=session.region_name or "us-east-1",
        config=client_config(connections), **extra,
    )  # fmt: skip


def until_answered(call: Callable[[], T], patience: float = 60.0) -> T:
    """`call()`, tried again while the server does not answer (starting, restarting), for `patience` s."""
    from stepstone.worker.calls import Backoff, retryable

    backoff, deadline = Backoff(first=0.2, cap=5.0), time.monotonic() + patience
    while True:
        try:
            return call()
        except Exception as exc:
            if not retryable(exc) or time.monotonic() > deadline:
                raise
            time.sleep(backoff.next())


def run(args: argparse.Namespace) -> int:
    from stepstone.worker import Activity, ActivityNotFound, JsonFormatter, Worker, resolve_activity

    count = len(args.targets)
    if len(args.activity) != count:
        raise SystemExit(f"stepstone worker: {count} FILE:FUNCTION but {len(args.activity)} --activity")
    concurrency = per_activity(args.concurrency, count, 1, "--concurrency")
    heartbeats = per_activity(args.heartbeat_seconds, count, None, "--heartbeat-seconds")
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if args.log_format == "json" else logging.Formatter("%(asctime)s %(message)s")
    )
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, handlers=[handler])
    logging.getLogger("botocore").setLevel(logging.WARNING)  # its debug lines would show request bodies
    client = make_client(args.endpoint, args.region, 2 * sum(concurrency) + 4)
    activities = []
    for target, name, n, beat in zip(args.targets, args.activity, concurrency, heartbeats, strict=True):
        try:
            arn = until_answered(partial(resolve_activity, client, name, create=args.create))
        except ActivityNotFound as exc:
            raise SystemExit(f"stepstone worker: {exc} (--create makes it)") from None
        activities.append(Activity(arn, load_function(target), concurrency=n, heartbeat_seconds=beat))
    Worker(activities, client=client, name=args.name, grace_seconds=args.grace).run()
    return 0

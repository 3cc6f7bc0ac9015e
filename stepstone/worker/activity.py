"""What a worker serves: an activity, the function that does its work, and how to find the activity."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

#: Heartbeat every this many seconds when the activity's HeartbeatSeconds is not given.
DEFAULT_HEARTBEAT_EVERY = 10.0
#: Heartbeats go out at this fraction of HeartbeatSeconds: two may be lost before the task times out.
HEARTBEAT_FRACTION = 1 / 3

_ARN = re.compile(r"^arn:aws[a-z-]*:states:[^:]*:[^:]*:activity:(.+)$")

Handler = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity and the plain function (sync or async) that does its tasks.

    The function gets the task's input (parsed JSON) and returns its output (anything JSON can
    encode); an exception it raises becomes SendTaskFailure with the exception's class name as the
    error and its message as the cause, which the state machine's Retry and Catch see.

    GetActivityTask does not tell a worker the state's HeartbeatSeconds, so it is said here: pass
    the state's `heartbeat_seconds` and the worker heartbeats at a third of it; without it, every
    10 s (enough for HeartbeatSeconds of 11 and more). A task that ends sooner sends no heartbeat.
    """

    arn: str
    handler: Handler
    concurrency: int = 1
    heartbeat_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.heartbeat_seconds is not None and self.heartbeat_seconds <= 0:
            raise ValueError("heartbeat_seconds must be positive")

    @property
    def name(self) -> str:
        match = _ARN.match(self.arn)
        return match.group(1) if match else self.arn

    @property
    def heartbeat_every(self) -> float:
        if self.heartbeat_seconds is None:
            return DEFAULT_HEARTBEAT_EVERY
        return self.heartbeat_seconds * HEARTBEAT_FRACTION

    @property
    def is_async(self) -> bool:
        call = getattr(self.handler, "__call__", None)  # noqa: B004 - objects with an async __call__
        return inspect.iscoroutinefunction(self.handler) or inspect.iscoroutinefunction(call)


class ActivityNotFound(LookupError):
    """No activity of that name or ARN (create it, or pass create=True)."""


def resolve_activity(client: Any, name_or_arn: str, *, create: bool = False) -> str:
    """The ARN of the activity named `name_or_arn` (a name or an ARN), created first if `create`.

    CreateActivity returns the existing activity's ARN for a name already taken, on AWS as here.
    """
    match = _ARN.match(name_or_arn)
    name = match.group(1) if match else name_or_arn
    if create:
        arn: str = client.create_activity(name=name)["activityArn"]
        if match and arn != name_or_arn:
            raise ActivityNotFound(f"created {arn}, not {name_or_arn}: another region or account")
        return arn
    if match:
        try:
            client.describe_activity(activityArn=name_or_arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ActivityDoesNotExist":
                raise ActivityNotFound(f"no activity {name_or_arn}") from None
            raise
        return name_or_arn
    for page in client.get_paginator("list_activities").paginate():
        for item in page.get("activities", []):
            if item["name"] == name:
                return str(item["activityArn"])
    raise ActivityNotFound(f"no activity named {name!r}")

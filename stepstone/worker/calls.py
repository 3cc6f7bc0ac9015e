"""Calling the Step Functions API from a worker: a client made for long polls, and callbacks retried
with back-off until the server answers.

What counts as "no answer" (retried): a connection refused, reset or timed out, a 5xx, throttling.
Any other answer is final. A callback that is refused after an earlier attempt may well have been
accepted by that attempt (the server took it, then died before answering): stepstone accepts the
identical repeat, AWS answers TaskTimedOut or InvalidToken, so the worker reports that and goes on.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from stepstone.worker.threads import in_thread

#: Error codes that mean "try again", whatever their HTTP status.
RETRYABLE = {"ThrottlingException", "ServiceUnavailable", "InternalFailure", "InternalServerError",
             "RequestTimeout", "RequestTimeoutException", "TooManyRequestsException"}  # fmt: skip
#: Answers that say the task is no longer open: timed out, stopped, or already answered.
GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


def client_config(connections: int) -> Config:
    """botocore settings for a worker: a read timeout past the 60 s long poll, our own retries."""
    return Config(
        connect_timeout=5,
        read_timeout=70,  # GetActivityTask holds up to 60 s; a shorter timeout can drop a task in flight
        retries={"total_max_attempts": 1},
        max_pool_connections=max(10, connections),
    )


def error_code(exc: BaseException) -> str | None:
    """The API error code of a refused call, or None when the server did not answer."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) or None
    return None


def retryable(exc: BaseException) -> bool:
    """True when the call may not have been answered and should be tried again."""
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(exc) in RETRYABLE or status >= 500 or status == 429
    return isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError)


@dataclass(slots=True)
class Backoff:
    """Exponential back-off with full jitter: 0.1 s doubling up to `cap`."""

    first: float = 0.1
    cap: float = 5.0
    attempt: int = 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.attempt)
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.attempt = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """How a retried call ended: `ok`, or the final error code (`None` code: it never got an answer)."""

    ok: bool
    attempts: int
    code: str | None = None
    message: str = ""


async def call_until_answered(
    call: Callable[[], Any], *, give_up: Callable[[], bool] = lambda: False, cap: float = 5.0
) -> Answer:
    """Run the blocking `call` until the server answers it (success or a final error).

    `give_up()` is asked before every retry: a worker past its stop deadline stops trying.
    """
    backoff = Backoff(cap=cap)
    while True:
        try:
            await in_thread(call)
            return Answer(True, backoff.attempt + 1)
        except Exception as exc:  # classified below
            if not retryable(exc):
                return Answer(False, backoff.attempt + 1, error_code(exc) or type(exc).__name__, str(exc))
            if give_up():
                return Answer(False, backoff.attempt + 1, None, str(exc))
            await asyncio.sleep(backoff.next())

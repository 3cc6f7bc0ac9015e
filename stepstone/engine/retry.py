"""Error matching for Retry/Catch and the retry delay (interval, backoff, cap, jitter)."""

from __future__ import annotations

import random

from stepstone.asl import errors
from stepstone.asl.model import Retrier


def error_matches(error_equals: tuple[str, ...], error: str, *, retry: bool) -> bool:
    """Whether `error` is named by `error_equals`, with the wildcards' rules.

    `States.ALL` matches every error, except that a Retrier never retries `States.Runtime`;
    `States.TaskFailed` matches every error but the timeouts.
    """
    for name in error_equals:
        if name == error:
            return True
        if name == errors.ALL or (
            name == errors.TASK_FAILED and error not in errors.NOT_MATCHED_BY_TASK_FAILED
        ):
            return not (retry and error in errors.NOT_RETRIABLE_BY_ALL)
    return False


def retry_delay(retrier: Retrier, attempt: int, rng: random.Random) -> float:
    """Seconds before retry number `attempt` (0 for the first retry)."""
    delay = retrier.interval_seconds * retrier.backoff_rate**attempt
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL":
        delay = rng.uniform(0.0, delay)
    return delay

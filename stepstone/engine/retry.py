"""Error matching for Retry/Catch and the retry delay (interval, backoff, cap, jitter)."""

from __future__ import annotations

import random

from stepstone.asl import errors
from stepstone.asl.model import Retrier

#: Errors that no Retrier, Catcher or tolerated-failure threshold handles, whatever it names: AWS
#: fails the execution ("A States.Runtime error isn't retriable, and will always cause the
#: execution to fail"), so an OutputPath that selects nothing is not caught even by a Catch that
#: names States.Runtime itself.
TERMINAL = frozenset({errors.RUNTIME})


def error_matches(error_equals: tuple[str, ...], error: str) -> bool:
    """Whether a Retrier or Catcher with `error_equals` handles `error`, with the wildcards' rules.

    `States.ALL` matches every error and `States.TaskFailed` every error but the timeouts; nothing
    matches a `TERMINAL` error.
    """
    if error in TERMINAL:
        return False
    for name in error_equals:
        if name == error or name == errors.ALL:
            return True
        if name == errors.TASK_FAILED and error not in errors.NOT_MATCHED_BY_TASK_FAILED:
            return True
    return False


def retry_delay(retrier: Retrier, attempt: int, rng: random.Random) -> float:
    """Seconds before retry number `attempt` (0 for the first retry)."""
    delay = retrier.interval_seconds * retrier.backoff_rate**attempt
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL":
        delay = rng.uniform(0.0, delay)
    return delay

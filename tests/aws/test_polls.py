"""The poll timers of `.sync` jobs: what they carry, and that a repeated submission starts no second chain."""

from __future__ import annotations

from datetime import UTC, datetime

from stepstone.integrations.aws.registry import AwsIntegrations
from stepstone.integrations.base import Registry
from stepstone.runtime.polls import POLL, WAIT, Poll, Submission, first_poll

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ATHENA = "arn:aws:states:::athena:startQueryExecution"


def _registry() -> Registry:
    registry = Registry()
    AwsIntegrations.from_env("us-east-1").register_into(registry)
    return registry


def test_timer_ids_round_trip_and_foreign_ids_are_not_polls() -> None:
    poll = Poll("t1", ATHENA, {"query": "q1"}, 3)
    for prefix in (POLL, WAIT):
        assert Poll.parse(poll.timer(prefix)) == (prefix, poll)
    for foreign in (5, "retry:t1", "poll:not json", 'poll:{"task": "t1"}'):
        assert Poll.parse(foreign) is None


def test_first_poll_only_for_the_first_submission_of_a_sync_job() -> None:
    registry = _registry()
    answer = {"QueryExecutionId": "q1"}
    first = first_poll(registry, Submission("t1", ATHENA, "startQueryExecution.sync", False, answer), NOW)
    assert first is not None
    timer, due = first
    assert Poll.parse(timer) == (POLL, Poll("t1", ATHENA, {"query": "q1"}, 0)) and due > NOW
    again = Submission("t1", ATHENA, "startQueryExecution.sync", True, answer)
    assert first_poll(registry, again, NOW) is None
    token = Submission("t1", ATHENA, "startQueryExecution.waitForTaskToken", False, answer)
    assert first_poll(registry, token, NOW) is None

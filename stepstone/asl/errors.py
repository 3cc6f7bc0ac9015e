"""ASL error names and the failure value that evaluation raises.

    AslFailure            an ASL runtime error (error name + cause), caught by the interpreter and
                          turned into a value: a Catch routes it, or the execution fails with it.
    ExpressionSyntaxError a path or intrinsic call that does not parse (text, offset, caret)
      ├── PathSyntaxError       (asl.paths)
      └── IntrinsicSyntaxError  (asl.intrinsics)

Predefined error names are the strings AWS uses, so `ErrorEquals` in user definitions match them.
"""

from __future__ import annotations

ALL = "States.ALL"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RUNTIME = "States.Runtime"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"

#: Errors that `States.ALL` in a Retrier does not match (AWS: States.Runtime is never retried).
NOT_RETRIABLE_BY_ALL = frozenset({RUNTIME})
#: Errors that `States.TaskFailed` matches: every task error except a timeout.
NOT_MATCHED_BY_TASK_FAILED = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})


class ExpressionSyntaxError(ValueError):
    """An expression (a path, an intrinsic call) does not parse; `str()` points at the character."""

    def __init__(self, text: str, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.text = text
        self.offset = offset
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason} at offset {self.offset}\n  {self.text}\n  {' ' * self.offset}^"


class AslFailure(Exception):
    """An ASL runtime error raised while a state is evaluated."""

    __slots__ = ("cause", "error")

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


def state_cause(state_name: str, entered_event_id: int, detail: str) -> str:
    """The cause AWS gives to an evaluation failure inside a state (paths, intrinsics, JSONata)."""
    return (
        f"An error occurred while executing the state '{state_name}' "
        f"(entered at the event id #{entered_event_id}). {detail}"
    )

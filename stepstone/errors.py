"""Errors the service layer raises, shaped like the Step Functions API's.

    ServiceError                 code (AWS `__type`) + message; the API edge renders it as the
      ├── ValidationException    AWS JSON 1.0 error envelope so botocore raises its own classes
      ├── InvalidArn
      ├── ...                    one subclass per AWS error code the service raises

Every class's docstring is its default message. The edges (api, web, cli) catch ServiceError only.
"""

from __future__ import annotations


class ServiceError(Exception):
    """The request failed."""

    code = "InternalFailure"
    status = 400

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else (self.__doc__ or self.code).strip()
        super().__init__(self.message)


def _error(code: str, doc: str, status: int = 400) -> type[ServiceError]:
    return type(code, (ServiceError,), {"code": code, "status": status, "__doc__": doc})


ValidationException = _error("ValidationException", "The input fails to satisfy the constraints.")
InvalidArn = _error("InvalidArn", "Invalid Arn.")
InvalidName = _error("InvalidName", "Invalid Name.")
InvalidDefinition = _error("InvalidDefinition", "Invalid State Machine Definition.")
InvalidExecutionInput = _error("InvalidExecutionInput", "Invalid execution input.")
InvalidOutput = _error("InvalidOutput", "Invalid output.")
InvalidToken = _error("InvalidToken", "Invalid Token.")
TaskDoesNotExist = _error("TaskDoesNotExist", "Task does not exist.")
TaskTimedOut = _error("TaskTimedOut", "Task timed out.")
StateMachineDoesNotExist = _error("StateMachineDoesNotExist", "State machine does not exist.")
StateMachineAlreadyExists = _error("StateMachineAlreadyExists", "State machine already exists.")
StateMachineDeleting = _error("StateMachineDeleting", "State machine is being deleted.")
StateMachineTypeNotSupported = _error("StateMachineTypeNotSupported", "State machine type not supported.")
ExecutionDoesNotExist = _error("ExecutionDoesNotExist", "Execution does not exist.")
ExecutionAlreadyExists = _error("ExecutionAlreadyExists", "Execution already exists.")
ExecutionNotRedrivable = _error("ExecutionNotRedrivable", "Execution is not redrivable.")
ExecutionLimitExceeded = _error("ExecutionLimitExceeded", "Execution limit exceeded.")
ActivityDoesNotExist = _error("ActivityDoesNotExist", "Activity does not exist.")
ActivityAlreadyExists = _error("ActivityAlreadyExists", "Activity already exists.")
ActivityWorkerLimitExceeded = _error("ActivityWorkerLimitExceeded", "Activity worker limit exceeded.")
ResourceNotFound = _error("ResourceNotFound", "Resource not found.")
TooManyTags = _error("TooManyTags", "Too many tags.")
ConflictException = _error("ConflictException", "Conflict.")
ServiceQuotaExceededException = _error("ServiceQuotaExceededException", "Service quota exceeded.")
MissingRequiredParameter = _error("MissingRequiredParameter", "Request is missing a required parameter.")
InvalidLoggingConfiguration = _error("InvalidLoggingConfiguration", "Invalid logging configuration.")
InvalidTracingConfiguration = _error("InvalidTracingConfiguration", "Invalid tracing configuration.")
InvalidEncryptionConfiguration = _error("InvalidEncryptionConfiguration", "Invalid encryption configuration.")
ThrottlingException = _error("ThrottlingException", "Rate exceeded.")
AccessDeniedException = _error("AccessDeniedException", "Access denied.", 400)
UnrecognizedClientException = _error(
    "UnrecognizedClientException", "The security token included in the request is invalid."
)
InvalidSignatureException = _error(
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided.",
)
IncompleteSignatureException = _error("IncompleteSignatureException", "The request signature is incomplete.")
MissingAuthenticationTokenException = _error(
    "MissingAuthenticationTokenException", "Missing Authentication Token", 403
)
UnknownOperationException = _error("UnknownOperationException", "Unknown operation.")

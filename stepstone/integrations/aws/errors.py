"""botocore's exceptions named the way Step Functions names a failed service call.

Two conventions, as AWS uses them:

- Optimized integrations (`arn:aws:states:::sqs:sendMessage`, `dynamodb:putItem`, ...) report the
  service's own prefix and the error code with an `Exception` suffix
  (`DynamoDB.ConditionalCheckFailedException`); SQS reports every service error as
  `SQS.AmazonSQSException`. The cause is the AWS SDK for Java v1 message:
  `<message> (Service: AmazonSQS; Status Code: 400; Error Code: <code>; Request ID: <id>; Proxy: null)`.
- AWS SDK integrations (`aws-sdk:<service>:<action>`) use the service's PascalCase name and the code
  with an `Exception` suffix (`S3.NoSuchKeyException`, `Sfn.InvalidTokenException`); the cause is the
  AWS SDK for Java v2 message: `<message> (Service: S3, Status Code: 404, Request ID: <id>)`.

A connection failure (unreachable endpoint, timeout) is `States.TaskFailed` for both: nothing answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from stepstone.asl.errors import RUNTIME, TASK_FAILED

__all__ = ["OptimizedNaming", "ServiceFailure", "sdk_failure", "service_failure"]


@dataclass(frozen=True, slots=True)
class ServiceFailure:
    """A task failure: the ASL error name and its cause."""

    error: str
    cause: str


@dataclass(frozen=True, slots=True)
class OptimizedNaming:
    """How one optimized integration names its errors."""

    prefix: str  # "SQS", "DynamoDB", "SNS", "EventBridge", "Lambda"
    label: str  # the Java v1 service name in causes: "AmazonSQS", "AmazonDynamoDBv2", ...
    single: str | None = None  # every service error under one name (SQS: "AmazonSQSException")


def _exception_name(code: str) -> str:
    # AWS: "add the Exception suffix even where the service's own error name lacks it"
    code = code.split(".")[-1] or "Unknown"  # "AWS.SimpleQueueService.NonExistentQueue" -> its tail
    return code if code.endswith("Exception") else code + "Exception"


def _parts(exc: ClientError, *, modelled: bool = False) -> tuple[str, str, int, str]:
    response: dict[str, Any] = exc.response
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    # a query-compatible service (SQS) also gives the modelled name, which the Java SDK v2 raises
    code = str((modelled and error.get("QueryErrorCode")) or error.get("Code") or "Unknown")
    message = str(error.get("Message") or code)
    status = int(meta.get("HTTPStatusCode") or 400)
    request_id = str(meta.get("RequestId") or (meta.get("HTTPHeaders") or {}).get("x-amzn-requestid") or "")
    return code, message, status, request_id


def _local_failure(exc: Exception) -> ServiceFailure | None:
    """Failures raised before or without an answer from the service."""
    if isinstance(exc, ParamValidationError):
        return ServiceFailure(RUNTIME, f"The parameters do not match the service's API: {exc}")
    if isinstance(exc, (ConnectionError, ReadTimeoutError)):
        return ServiceFailure(TASK_FAILED, f"The service could not be reached: {exc}")
    if isinstance(exc, NoCredentialsError):
        return ServiceFailure(TASK_FAILED, f"No AWS credentials were found for the call: {exc}")
    if isinstance(exc, BotoCoreError):
        return ServiceFailure(TASK_FAILED, f"{type(exc).__name__}: {exc}")
    return None


def service_failure(exc: Exception, naming: OptimizedNaming) -> ServiceFailure:
    """An optimized integration's failure for a botocore exception."""
    if isinstance(exc, ClientError):
        code, message, status, request_id = _parts(exc)
        name = naming.single or _exception_name(code)
        cause = (
            f"{message} (Service: {naming.label}; Status Code: {status}; Error Code: {code}; "
            f"Request ID: {request_id}; Proxy: null)"
        )
        return ServiceFailure(f"{naming.prefix}.{name}", cause)
    return _local_failure(exc) or ServiceFailure(TASK_FAILED, f"{type(exc).__name__}: {exc}")


def sdk_failure(exc: Exception, service: str) -> ServiceFailure:
    """An AWS SDK integration's failure; `service` is the PascalCase service name (`S3`, `Sfn`)."""
    if isinstance(exc, ClientError):
        code, message, status, request_id = _parts(exc, modelled=True)
        details = f"Service: {service}, Status Code: {status}, Request ID: {request_id}"
        headers = (exc.response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
        if service == "S3":  # AWS's S3 client adds S3's second request id and no attempt count
            details += f", Extended Request ID: {headers.get('x-amz-id-2', request_id)}"
            return ServiceFailure(f"{service}.{_exception_name(code)}", f"{message} ({details})")
        return ServiceFailure(
            f"{service}.{_exception_name(code)}", f"{message} ({details}) (SDK Attempt Count: 1)"
        )
    return _local_failure(exc) or ServiceFailure(TASK_FAILED, f"{type(exc).__name__}: {exc}")

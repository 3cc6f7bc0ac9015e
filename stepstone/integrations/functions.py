"""Lambda-style Python functions as Task resources.

A functions file is a plain Python module; each public function defined in it, `handler(event, context)`,
is callable as a Lambda function of the same name:

    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:NAME"        -> the return value
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "NAME" | ARN, "Payload": {...}}           -> Lambda's Invoke response
    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"           -> invoked; the task then
                                                                               waits for the callback

A Lambda ARN that names no loaded function goes to `remote` when one is configured (app.py wires
the Lambda Invoke API, `aws.lambdas.RemoteLambda`, so `sam local start-lambda`, LocalStack or AWS
serve it); the loaded Python functions stay the default and need no set-up.

Handlers run in a worker thread (`asyncio.to_thread`) so a slow function never blocks the event loop.
Failures look like the Lambda Python runtime's: the error is the exception's class name and the cause is
its JSON error document ({"errorMessage", "errorType", "requestId", "stackTrace"}).
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Protocol

from stepstone.asl.json import JSON
from stepstone.integrations.base import IntegrationError, Registry, TaskRequest, TaskResult

__all__ = ["FunctionIntegration", "LambdaContext", "load_functions"]

Handler = Callable[[Any, Any], Any]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:([^:]*):([^:]*):function:([^:]+)(?::([^:]+))?$")
_PARTIAL_ARN = re.compile(r"^(?:(\d{12}):function:)?([A-Za-z0-9_-]+)(?::([^:]+))?$")
#: X-Ray's trace header: stepstone traces nothing, so it holds its own name (as every recorded case does).
_TRACE_HEADER = "X-Amzn-Trace-Id"


class RemoteFunctions(Protocol):
    """Functions served elsewhere (the Lambda Invoke API)."""

    async def enabled(self) -> bool:
        """Whether there is somewhere to call."""
        ...

    async def invoke(self, name: str, arn: str, qualifier: str | None, event: JSON, wrap: bool) -> TaskResult:
        """Invoke the function: its payload, or lambda:invoke's response document when `wrap`."""
        ...


class FunctionsFileError(IntegrationError):
    """A functions file could not be loaded."""


@dataclass(slots=True)
class LambdaContext:
    """The `context` argument of a handler, with the attributes of the Lambda Python runtime's."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float  # time.monotonic() value
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def load_functions(paths: Iterable[str | Path]) -> dict[str, Handler]:
    """Every public function defined in the given Python files, by name; a name defined twice is an error."""
    handlers: dict[str, Handler] = {}
    for index, path in enumerate(paths):
        module = _import_file(Path(path), f"stepstone_functions_{index}_{Path(path).stem}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
                continue
            if name in handlers:
                raise FunctionsFileError(f"The function '{name}' is defined in more than one functions file.")
            handlers[name] = value
    return handlers


def _import_file(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FunctionsFileError(f"Cannot load functions from {path}: not a Python file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # so dataclasses and pickling inside the file work
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError as exc:
        raise FunctionsFileError(f"Cannot load functions from {path}: file not found.") from exc
    return module


@dataclass(slots=True)
class FunctionIntegration:
    """Lambda functions implemented by Python handlers, invoked in-process."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    region: str = "us-east-1"
    account: str = "123456789012"
    remote: RemoteFunctions | None = None

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], **kwargs: Any) -> FunctionIntegration:
        return cls(load_functions(paths), **kwargs)

    @staticmethod
    def handles(resource: str) -> bool:
        """True for a Lambda function ARN and for the lambda:invoke service integration."""
        return resource == LAMBDA_INVOKE or _LAMBDA_ARN.match(resource) is not None

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        if request.resource == LAMBDA_INVOKE:
            params = request.payload if isinstance(request.payload, dict) else {}
            target = params.get("FunctionName")
            if not isinstance(target, str):
                return TaskResult.fail(
                    "States.Runtime", "The lambda:invoke integration needs a FunctionName string parameter."
                )
            event: JSON = params.get("Payload", {})
            wrap = True
        else:
            target, event, wrap = request.resource, request.payload, False
        name, arn = self._name_and_arn(target)
        handler = self.handlers.get(name)
        request_id = str(uuid.uuid4())
        if handler is None and self.remote is not None and await self.remote.enabled():
            return await self.remote.invoke(name, arn, _qualifier(target), event, wrap)
        if handler is None:
            return TaskResult.fail(
                "Lambda.ResourceNotFoundException",
                f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; "
                f"Error Code: ResourceNotFoundException; Request ID: {request_id}; Proxy: null)",
            )
        context = LambdaContext(
            function_name=name,
            invoked_function_arn=arn,
            aws_request_id=request_id,
            deadline=time.monotonic() + (request.timeout_seconds or 900.0),
            log_group_name=f"/aws/lambda/{name}",
        )
        outcome = await asyncio.to_thread(_call, handler, event, context)
        if outcome.error is not None:
            return outcome
        return TaskResult.ok(_invoke_response(outcome.output, request_id) if wrap else outcome.output)

    def _name_and_arn(self, target: str) -> tuple[str, str]:
        full = _LAMBDA_ARN.match(target)
        if full:
            return full.group(3), target
        partial = _PARTIAL_ARN.match(target)
        name = partial.group(2) if partial else target
        account = partial.group(1) if partial and partial.group(1) else self.account
        return name, f"arn:aws:lambda:{self.region}:{account}:function:{name}"


def _qualifier(target: str) -> str | None:
    """The version or alias a function ARN (or partial ARN) names, if any."""
    full = _LAMBDA_ARN.match(target)
    if full:
        return full.group(4)
    partial = _PARTIAL_ARN.match(target)
    return partial.group(3) if partial else None


def _call(handler: Handler, event: JSON, context: LambdaContext) -> TaskResult:
    """Run the handler and marshal its result as the Lambda runtime does (in a worker thread)."""
    try:
        value = handler(event, context)
    except Exception as exc:
        # Drop this frame: the trace starts in the user's code, as in Lambda.
        return _error_result(exc, context.aws_request_id, exc.__traceback__ and exc.__traceback__.tb_next)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError) as exc:
        return _error_result(
            exc, context.aws_request_id, None, "Runtime.MarshalError", "Unable to marshal response"
        )
    return TaskResult.ok(json.loads(text))


def _error_result(
    exc: BaseException,
    request_id: str,
    tb: TracebackType | None,
    error_type: str | None = None,
    prefix: str | None = None,
) -> TaskResult:
    error_type = error_type or type(exc).__name__
    message = f"{prefix}: {exc}" if prefix else str(exc)
    document = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(tb)) if tb else [],
    }
    return TaskResult.fail(error_type, json.dumps(document, separators=(",", ":")))


def _invoke_response(payload: JSON, request_id: str) -> JSON:
    """Lambda's Invoke response as the lambda:invoke integration returns it to the state machine.

    `request_id` is the invocation's own (the handler's `context.aws_request_id`, and the
    `requestId` of its error document): AWS answers one fresh UUID per call, in the
    `x-amzn-RequestId` header and in `SdkResponseMetadata`, so a state machine may use it as a key.
    `AllHttpHeaders` holds each header as a list, except `Date` and the trace header, which AWS's
    recordings hold as plain strings.
    """
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(len(json.dumps(payload).encode())),
        "Content-Type": "application/json",
        "Date": format_datetime(datetime.now(UTC), usegmt=True),
        "X-Amz-Executed-Version": "$LATEST",
        _TRACE_HEADER: _TRACE_HEADER,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
    }
    all_headers: dict[str, JSON] = {k: [v] for k, v in headers.items()}
    for name in ("Date", _TRACE_HEADER):
        all_headers[name] = headers[name]
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {"AllHttpHeaders": all_headers, "HttpHeaders": headers, "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }

"""`arn:aws:states:::aws-sdk:<service>:<action>`: any operation of any service botocore knows.

AWS's rules, from its "AWS SDK service integrations" guide:

- `<service>` is the AWS SDK's service name in lower case (`s3`, `sfn`, `dynamodb`,
  `cloudwatchlogs`, ...); it is found among botocore's services by name, by name without hyphens,
  then by the model's service id without spaces (`CloudWatch Logs` -> `cloudwatchlogs` -> `logs`).
- `<action>` is the operation in camelCase (`listObjects` -> `ListObjects`).
- Parameters and results are PascalCase (`shapes`); the result carries no HTTP metadata.
- Errors are `<Service>.<Code>Exception`, the service in PascalCase (`S3.NoSuchKeyException`,
  `Sfn.InvalidTokenException`, `AcmPca.ResourceNotFoundException`). An action the service lacks
  fails the task with `States.Runtime`.

`.waitForTaskToken` works as for every integration: the call's answer is the submission.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

from stepstone.asl.errors import RUNTIME
from stepstone.integrations.aws.calls import ServiceCaller, UnknownOperation
from stepstone.integrations.aws.errors import sdk_failure
from stepstone.integrations.aws.metadata import without_metadata
from stepstone.integrations.aws.shapes import to_json
from stepstone.integrations.base import Registry, TaskRequest, TaskResult

__all__ = ["SdkIntegration", "ServiceNames", "error_prefix"]

_ARN = re.compile(r"^arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")
#: SDK names that neither botocore's name nor its service id spells (checked before a scan of all).
_KNOWN = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs"}


def error_prefix(service_id: str) -> str:
    """A botocore service id in the PascalCase of Step Functions' error names (`DynamoDB` -> `DynamoDb`)."""
    return "".join(word[:1].upper() + word[1:].lower() for word in _WORDS.findall(service_id))


@dataclass(slots=True)
class ServiceNames:
    """SDK service name -> botocore service name, learned once per name."""

    caller: ServiceCaller
    found: dict[str, str | None] = field(default_factory=dict)
    _by_id: dict[str, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, sdk_name: str) -> str | None:
        """The botocore name (may load every model once, so call it in a thread)."""
        if sdk_name in self.found:
            return self.found[sdk_name]
        session = self.caller.clients.session
        available = session.get_available_services()
        name: str | None = _KNOWN.get(sdk_name)
        if name is None and sdk_name in available:
            name = sdk_name
        if name is None:
            name = next((s for s in available if s.replace("-", "") == sdk_name), None)
        if name is None:
            with self._lock:
                if self._by_id is None:
                    self._by_id = {
                        re.sub(r"[^a-z0-9]", "", session.get_service_model(s).service_id.lower()): s
                        for s in available
                    }
            name = self._by_id.get(sdk_name)
        self.found[sdk_name] = name
        return name


@dataclass(slots=True)
class SdkIntegration:
    """The AWS SDK integrations, through botocore."""

    caller: ServiceCaller
    _names: ServiceNames = field(init=False)

    def __post_init__(self) -> None:
        self._names = ServiceNames(self.caller)

    @staticmethod
    def handles(resource: str) -> bool:
        return _ARN.match(resource) is not None

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        match = _ARN.match(request.resource)
        assert match is not None
        sdk_name, action = match.groups()
        service = await asyncio.to_thread(self._names.resolve, sdk_name)
        if service is None:
            return TaskResult.fail(RUNTIME, f"The AWS SDK has no service '{sdk_name}'.")
        prefix = error_prefix(self.caller.clients.session.get_service_model(service).service_id)
        params = request.payload if request.payload is not None else {}
        if not isinstance(params, dict):
            return TaskResult.fail(RUNTIME, f"The {sdk_name}:{action} Parameters must be an object.")
        try:
            response, shape = await self.caller.call(service, action, params)
        except UnknownOperation as exc:
            return TaskResult.fail(RUNTIME, str(exc))
        except Exception as exc:
            failure = sdk_failure(exc, prefix)
            return TaskResult.fail(failure.error, failure.cause)
        return TaskResult.ok(to_json(without_metadata(response), shape))

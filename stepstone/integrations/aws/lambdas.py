"""Lambda functions that are not loaded Python functions, invoked through the Lambda Invoke API.

The call goes to the configured Lambda endpoint (`AWS_ENDPOINT_URL_LAMBDA`, `LAMBDA_ENDPOINT`,
`AWS_ENDPOINT_URL`), so `sam local start-lambda`, LocalStack or real AWS serves it. Against a
configured endpoint the function is named by its name (what `sam local` knows it by) and the ARN's
qualifier; against AWS itself by its full ARN. Without an endpoint and without credentials there is
nothing to call: the caller keeps its own "function not found" answer (`enabled`).

A function error (the `X-Amz-Function-Error` header) fails the task with the error document's
`errorType` and the document as the cause, as AWS does; an API error is `Lambda.<Code>Exception`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from stepstone.asl.json import JSON
from stepstone.integrations.aws.clients import AwsClients
from stepstone.integrations.aws.errors import OptimizedNaming, service_failure
from stepstone.integrations.aws.metadata import sdk_metadata
from stepstone.integrations.base import TaskResult

__all__ = ["LAMBDA_NAMING", "RemoteLambda"]

LAMBDA_NAMING = OptimizedNaming("Lambda", "AWSLambda")


@dataclass(slots=True)
class RemoteLambda:
    """Invokes Lambda functions through botocore's `lambda` client."""

    clients: AwsClients
    _enabled: bool | None = field(default=None, init=False)

    def endpoint(self) -> str | None:
        return self.clients.settings.endpoint_for("lambda", "lambda")

    async def enabled(self) -> bool:
        """Whether there is a Lambda service to call: an endpoint, or credentials for AWS."""
        if self._enabled is None:
            self._enabled = self.endpoint() is not None or (
                await asyncio.to_thread(self.clients.session.get_credentials) is not None
            )
        return self._enabled

    async def invoke(self, name: str, arn: str, qualifier: str | None, event: JSON, wrap: bool) -> TaskResult:
        """Invoke the function; `wrap` gives lambda:invoke's response document instead of the payload."""
        params: dict[str, Any] = {
            "FunctionName": name if self.endpoint() is not None else arn,
            "InvocationType": "RequestResponse",
            "Payload": json.dumps(event, separators=(",", ":")).encode(),
        }
        if qualifier and self.endpoint() is not None:
            params["Qualifier"] = qualifier
        try:
            response = await self.clients.call("lambda", "invoke", params)
        except Exception as exc:
            failure = service_failure(exc, LAMBDA_NAMING)
            return TaskResult.fail(failure.error, failure.cause)
        raw = bytes(response.get("Payload") or b"")
        text = raw.decode("utf-8", errors="replace")
        try:
            payload: JSON = json.loads(text) if text.strip() else None
        except ValueError:
            payload = text
        if response.get("FunctionError"):
            error = payload.get("errorType") if isinstance(payload, dict) else None
            return TaskResult.fail(str(error or "Lambda.Unknown"), text)
        if not wrap:
            return TaskResult.ok(payload)
        document: dict[str, JSON] = {
            "ExecutedVersion": str(response.get("ExecutedVersion") or "$LATEST"),
            "Payload": payload,
            **sdk_metadata(response),
            "StatusCode": int(response.get("StatusCode") or 200),
        }
        return TaskResult.ok(document)

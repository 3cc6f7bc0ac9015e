"""`arn:aws:states:::apigateway:invoke[.waitForTaskToken]`: call an API Gateway endpoint (AWS's rules).

Parameters: `ApiEndpoint` (the host, `<id>.execute-api.<region>.amazonaws.com`; stepstone also takes
`http://host:port` so LocalStack and local tests are reachable), `Method`, optional `Stage`, `Path`,
`Headers` and `QueryParameters` (each name -> a list of values), `RequestBody` (JSON, sent as JSON,
or a string) and `AuthType` (`NO_AUTH`; `IAM_ROLE` signs with SigV4 for `execute-api` with the SDK's
credentials; `RESOURCE_POLICY` is sent like NO_AUTH, as there is no state machine identity here).

Output: `{"ResponseBody", "Headers", "StatusCode", "StatusText"}`, the body parsed when it is JSON.
A status outside 2xx fails the task with `ApiGateway.<status>` and the body as the cause; a call
that gets no answer with `ApiGateway.<exception name>`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.client import responses
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from stepstone.asl.errors import RUNTIME
from stepstone.asl.json import JSON
from stepstone.integrations.aws.clients import AwsClients
from stepstone.integrations.base import Registry, TaskRequest, TaskResult

__all__ = ["API_GATEWAY_INVOKE", "ApiGatewayIntegration"]

API_GATEWAY_INVOKE = "arn:aws:states:::apigateway:invoke"
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
TIMEOUT = 60.0


class _Refused(ValueError):
    """The Parameters do not describe a call."""


def _lists(value: JSON, name: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise _Refused(f"{name} must be an object of lists of values.")
    pairs: list[tuple[str, str]] = []
    for key, values in value.items():
        for item in values if isinstance(values, list) else [values]:
            pairs.append((key, item if isinstance(item, str) else json.dumps(item)))
    return pairs


def _request(params: JSON) -> tuple[str, str, dict[str, str], bytes | None]:
    if not isinstance(params, dict):
        raise _Refused("The apigateway:invoke Parameters must be an object.")
    endpoint, method = params.get("ApiEndpoint"), params.get("Method")
    if not isinstance(endpoint, str) or not endpoint:
        raise _Refused("ApiEndpoint must be the API's host name.")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _Refused(f"Method must be one of {', '.join(sorted(METHODS))}.")
    base = endpoint if "://" in endpoint else f"https://{endpoint}"
    parts = [str(p).strip("/") for p in (params.get("Stage"), params.get("Path")) if p]
    url = base.rstrip("/") + "".join(f"/{p}" for p in parts if p)
    query = _lists(params.get("QueryParameters"), "QueryParameters")
    if query:
        url += "?" + urllib.parse.urlencode(query)
    headers: dict[str, str] = {}
    for key, value in _lists(params.get("Headers"), "Headers"):
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    body: bytes | None = None
    if "RequestBody" in params:
        value = params["RequestBody"]
        body = value.encode() if isinstance(value, str) else json.dumps(value).encode()
        if not isinstance(value, str):
            headers.setdefault("Content-Type", "application/json")
    return method.upper(), url, headers, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is the API's answer


def _answer(status: int, reason: str, headers: Message, raw: bytes) -> TaskResult:
    text = raw.decode("utf-8", errors="replace")
    try:
        body: JSON = json.loads(text) if text.strip() else text
    except ValueError:
        body = text
    grouped: dict[str, list[JSON]] = {}
    for name, value in headers.items():
        grouped.setdefault(name, []).append(value)
    if not 200 <= status < 300:
        return TaskResult.fail(f"ApiGateway.{status}", text)
    document: dict[str, JSON] = {
        "ResponseBody": body,
        "Headers": dict(grouped),
        "StatusCode": status,
        "StatusText": reason or responses.get(status, ""),
    }
    return TaskResult.ok(document)


@dataclass(frozen=True, slots=True)
class ApiGatewayIntegration:
    """API Gateway endpoints, called with urllib in a worker thread; SigV4 for IAM_ROLE."""

    clients: AwsClients

    @staticmethod
    def handles(resource: str) -> bool:
        return resource == API_GATEWAY_INVOKE

    def register_into(self, registry: Registry) -> None:
        registry.register(self.handles, self)

    async def invoke(self, request: TaskRequest) -> TaskResult:
        try:
            method, url, headers, body = _request(request.payload)
        except _Refused as exc:
            return TaskResult.fail(RUNTIME, str(exc))
        auth = request.payload.get("AuthType") if isinstance(request.payload, dict) else None
        timeout = min(request.timeout_seconds or TIMEOUT, TIMEOUT)
        return await asyncio.to_thread(self._call, method, url, headers, body, auth == "IAM_ROLE", timeout)

    def _call(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, sign: bool, timeout: float
    ) -> TaskResult:
        if sign:
            credentials = self.clients.session.get_credentials()
            if credentials is None:
                return TaskResult.fail(
                    "ApiGateway.NoCredentialsException", "No AWS credentials to sign with."
                )
            signed = AWSRequest(method=method, url=url, data=body, headers=headers)
            SigV4Auth(credentials, "execute-api", self.clients.settings.region).add_auth(signed)
            headers = dict(signed.headers.items())
        call = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.build_opener(_NoRedirect).open(call, timeout=timeout) as answer:
                return _answer(answer.status, answer.reason, answer.headers, answer.read())
        except urllib.error.HTTPError as failed:
            return _answer(failed.code, failed.reason, failed.headers, failed.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            return TaskResult.fail(f"ApiGateway.{type(reason).__name__}", f"{method} {url} failed: {reason}")

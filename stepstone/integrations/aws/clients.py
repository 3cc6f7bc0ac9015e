"""botocore clients configured the way the AWS SDK configures itself, called off the event loop.

Configuration comes from the SDK's own sources: the standard credential chain (environment, shared
files, SSO, instance roles, ...), `AWS_REGION` / `AWS_DEFAULT_REGION` (else the profile's region,
else stepstone's), and the endpoint variables. The endpoint for a service is, first found:

    AWS_ENDPOINT_URL_<SERVICE>     botocore's own per-service variable (e.g. AWS_ENDPOINT_URL_SQS)
    <ALIAS>_ENDPOINT               Step Functions Local's names (LAMBDA_ENDPOINT, SQS_ENDPOINT, ...)
    AWS_ENDPOINT_URL               botocore's global override
    the service's AWS endpoint

When an endpoint is configured but no credentials are found, calls are signed with placeholder
credentials: emulators (moto, LocalStack, `sam local`) accept any, and a user pointing stepstone at
one should not need to invent keys. Real AWS (no endpoint override) keeps the SDK's error.

Every call runs in one bounded thread pool shared by all services (`AwsClients.call`), so a slow or
unreachable service never blocks the worker loop and never grows threads without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import botocore.config
import botocore.session
from botocore.credentials import Credentials

__all__ = ["ENDPOINT_ALIASES", "AwsClients", "ClientSettings", "StreamedBytes"]

#: Step Functions Local's endpoint variables, by botocore service name.
ENDPOINT_ALIASES: dict[str, tuple[str, ...]] = {
    "lambda": ("LAMBDA_ENDPOINT",),
    "sqs": ("SQS_ENDPOINT",),
    "sns": ("SNS_ENDPOINT",),
    "dynamodb": ("DYNAMODB_ENDPOINT",),
    "events": ("EVENTBRIDGE_ENDPOINT",),
    "s3": ("S3_ENDPOINT",),
    "stepfunctions": ("STEP_FUNCTIONS_ENDPOINT", "SFN_ENDPOINT"),
    "batch": ("BATCH_ENDPOINT",),
    "ecs": ("ECS_ENDPOINT",),
    "glue": ("GLUE_ENDPOINT",),
    "athena": ("ATHENA_ENDPOINT",),
    "codebuild": ("CODEBUILD_ENDPOINT",),
    "sagemaker": ("SAGEMAKER_ENDPOINT",),
    "eks": ("EKS_ENDPOINT",),
    "emr": ("EMR_ENDPOINT",),
    "secretsmanager": ("SECRETSMANAGER_ENDPOINT",),
}

#: Threads shared by every AWS call of the process: bounds concurrency and memory, not correctness.
DEFAULT_THREADS = 16
PLACEHOLDER_CREDENTIALS = Credentials("stepstone", "stepstone")


class StreamedBytes(bytes):
    """A streaming response member (S3's `Body`), read to the end in the call's thread."""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Where and how calls go: read once from the environment (`from_env`)."""

    region: str
    env: Mapping[str, str]
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 1  # Retry belongs to the state machine; the SDK must not retry behind it

    @classmethod
    def from_env(cls, default_region: str, env: Mapping[str, str] | None = None) -> ClientSettings:
        e = dict(os.environ if env is None else env)
        region = e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or ""
        return cls(region=region or default_region_from_profile() or default_region, env=e)

    def endpoint_for(self, service: str, service_id: str) -> str | None:
        """The configured endpoint URL for a botocore service (None: the SDK's default)."""
        specific = "AWS_ENDPOINT_URL_" + service_id.replace(" ", "_").replace("-", "_").upper()
        names = (specific, *ENDPOINT_ALIASES.get(service, ()), "AWS_ENDPOINT_URL")
        for name in names:
            value = self.env.get(name, "").strip()
            if value:
                return value
        return None


def default_region_from_profile() -> str | None:
    """The region of the shared config's profile, as the SDK would find it."""
    try:
        region = botocore.session.Session().get_config_variable("region")
    except Exception:  # a broken config file: fall back to stepstone's region, as documented
        return None
    return region if isinstance(region, str) and region else None


class AwsClients:
    """One botocore client per service, created on first use and cached; calls run in a thread pool."""

    def __init__(self, settings: ClientSettings, threads: int = DEFAULT_THREADS) -> None:
        self.settings = settings
        self._session = botocore.session.Session()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # botocore sessions are not thread-safe; clients are
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stepstone-aws")

    @property
    def session(self) -> botocore.session.Session:
        """The botocore session (service models, available services)."""
        return self._session

    def client(self, service: str) -> Any:
        """The cached client for a botocore service name (`sqs`, `dynamodb`, `stepfunctions`, ...)."""
        cached = self._clients.get(service)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._clients.get(service)
            if cached is None:
                cached = self._clients[service] = self._create(service)
        return cached

    def _create(self, service: str) -> Any:
        model = self._session.get_service_model(service)
        endpoint = self.settings.endpoint_for(service, model.service_id.hyphenize())
        config = botocore.config.Config(
            region_name=self.settings.region,
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            retries={"max_attempts": self.settings.max_attempts, "mode": "standard"},
            max_pool_connections=DEFAULT_THREADS,
            ignore_configured_endpoint_urls=True,  # resolved above, aliases included
            # as AWS's integrations: checksums sent where the API takes one, none asked of results
            response_checksum_validation="when_required",
        )
        kwargs: dict[str, Any] = {"config": config, "endpoint_url": endpoint}
        if endpoint is not None and self._session.get_credentials() is None:
            creds = PLACEHOLDER_CREDENTIALS
            kwargs.update(aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key)
        return self._session.create_client(service, **kwargs)

    async def call(self, service: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call `operation` (botocore's snake_case method name) without blocking the event loop.

        Raises what botocore raises (ClientError, EndpointConnectionError, ParamValidationError, ...);
        `errors.task_error` names them the Step Functions way.
        """
        loop = asyncio.get_running_loop()

        def run() -> dict[str, Any]:
            method = getattr(self.client(service), operation)
            result: dict[str, Any] = method(**params)
            for key, value in result.items():  # a stream is read here, never on the event loop
                if hasattr(value, "read") and hasattr(value, "close"):
                    with contextlib.closing(value):
                        result[key] = StreamedBytes(value.read())
            return result

        return await loop.run_in_executor(self._pool, run)

    def close(self) -> None:
        """Stop the pool (running calls finish) and close the clients' connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for client in self._clients.values():
            client.close()
        self._clients.clear()

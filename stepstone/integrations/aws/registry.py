"""The AWS integrations, composed: one client set shared by the optimized integrations, .sync jobs,
API Gateway, aws-sdk:* and Lambda by ARN."""

from __future__ import annotations

from dataclasses import dataclass

from stepstone.integrations.aws.apigateway import ApiGatewayIntegration
from stepstone.integrations.aws.calls import ServiceCaller
from stepstone.integrations.aws.clients import AwsClients, ClientSettings
from stepstone.integrations.aws.lambdas import RemoteLambda
from stepstone.integrations.aws.optimized import OptimizedIntegration
from stepstone.integrations.aws.sdk import SdkIntegration
from stepstone.integrations.aws.sync import SyncJobs
from stepstone.integrations.base import Registry

__all__ = ["AwsIntegrations"]


@dataclass(slots=True)
class AwsIntegrations:
    """Everything that calls AWS (or an emulator of it) through the SDK's configuration."""

    clients: AwsClients

    @classmethod
    def from_env(cls, default_region: str) -> AwsIntegrations:
        return cls(AwsClients(ClientSettings.from_env(default_region)))

    @property
    def lambdas(self) -> RemoteLambda:
        """Lambda functions served by the Lambda Invoke API (for `FunctionIntegration.remote`)."""
        return RemoteLambda(self.clients)

    def register_into(self, registry: Registry) -> None:
        """Register after the more specific integrations: aws-sdk:* accepts any service."""
        caller = ServiceCaller(self.clients)
        OptimizedIntegration(caller).register_into(registry)
        SyncJobs(caller).register_into(registry)  # ECS, Batch, Glue, Athena, CodeBuild (.sync polled)
        ApiGatewayIntegration(self.clients).register_into(registry)
        SdkIntegration(caller).register_into(registry)

    def close(self) -> None:
        self.clients.close()

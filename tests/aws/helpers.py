"""Running a definition in-process with the AWS integrations pointed at the test's moto server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stepstone.asl.json import JSON
from stepstone.integrations.aws.registry import AwsIntegrations
from stepstone.integrations.base import Registry
from stepstone.integrations.functions import FunctionIntegration
from stepstone.runtime.inprocess import RunResult, run_execution


def registry_for(aws: AwsIntegrations, **handlers: Any) -> Registry:
    registry = Registry()
    FunctionIntegration(handlers, remote=aws.lambdas).register_into(registry)
    aws.register_into(registry)
    return registry


def run(definition: dict[str, Any], input: JSON = None, **handlers: Any) -> RunResult:
    """Run to the end (or to a wait) with fresh clients read from the environment."""
    aws = AwsIntegrations.from_env("us-east-1")
    try:
        return asyncio.run(
            run_execution(json.dumps(definition), input or {}, registry=registry_for(aws, **handlers))
        )
    finally:
        aws.close()


def task(resource: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A one-Task state machine."""
    return {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **extra}
        },
    }


def caught(resource: str, parameters: dict[str, Any], errors: list[str], **extra: Any) -> dict[str, Any]:
    """A Task whose failure matching `errors` goes to a Pass state with the error as output."""
    definition = task(resource, parameters, Catch=[{"ErrorEquals": errors, "Next": "Caught"}], **extra)
    definition["States"]["T"].pop("End")
    definition["States"]["T"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Succeed"}
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    return definition


def create_table(client: Any, name: str) -> None:
    """A DynamoDB table keyed by the string attribute `id`."""
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

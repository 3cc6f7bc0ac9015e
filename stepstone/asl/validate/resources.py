"""Which Task `Resource` ARNs stepstone recognises; anything else is rejected, as AWS rejects it."""

from __future__ import annotations

import re

from stepstone.asl.diagnostics import INVALID_RESOURCE, SCHEMA_VALIDATION_FAILED
from stepstone.asl.validate.report import Report

_PARTITION = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
#: Optimised service integrations (`arn:aws:states:::<service>:<action>`), as AWS names them.
SERVICES = frozenset(
    {"lambda", "states", "http", "sqs", "sns", "dynamodb", "ecs", "batch", "glue", "glue-databrew",
     "databrew", "athena", "sagemaker", "elasticmapreduce", "emr-containers", "emr-serverless", "eks",
     "codebuild", "apigateway", "events", "bedrock", "mediaconvert", "s3", "evidently", "eventbridge"}
)  # fmt: skip
#: AWS also deploys the regional spelling, `arn:aws:states:REGION:ACCOUNT:aws-sdk:...` (SAM samples use it).
_ANY_REGION = r"states:(?:[a-z0-9-]+:\d{12}|:)"
_INTEGRATION = re.compile(
    rf"^{_PARTITION}:{_ANY_REGION}:(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z][A-Za-z0-9]*)"
    r"(?P<pattern>\.sync(?::2)?|\.waitForTaskToken)?$"
)
_SDK = re.compile(
    rf"^{_PARTITION}:{_ANY_REGION}:aws-sdk:[a-z0-9-]+:[A-Za-z][A-Za-z0-9]*(?:\.waitForTaskToken)?$"
)
_LAMBDA = re.compile(
    rf"^{_PARTITION}:lambda:[a-z0-9-]+:\d{{12}}:function:[A-Za-z0-9_-]{{1,64}}(?::[A-Za-z0-9_$-]+)?$"
)
_ACTIVITY = re.compile(rf"^{_PARTITION}:states:[a-z0-9-]+:\d{{12}}:activity:[A-Za-z0-9_.-]{{1,80}}$")
_STEPSTONE = re.compile(r"^arn:stepstone:[^\s]+$")


def resource_problem(resource: str) -> tuple[str, str] | None:
    """(code, message) when the Resource is not one stepstone can run, else None."""
    if (
        _SDK.match(resource)
        or _LAMBDA.match(resource)
        or _ACTIVITY.match(resource)
        or _STEPSTONE.match(resource)
    ):
        return None
    match = _INTEGRATION.match(resource)
    if match is not None and match.group("service") in SERVICES:
        return None
    if not resource.startswith("arn:"):
        return INVALID_RESOURCE, f"The resource '{resource}' is not an ARN"
    return (
        SCHEMA_VALIDATION_FAILED,
        f"The resource provided {resource} is not recognized. The value is not a valid resource ARN, "
        "or the resource is not available in this region.",
    )


def check_resource(resource: object, where: str, report: Report) -> None:
    if isinstance(resource, str):
        problem = resource_problem(resource)
        if problem is not None:
            report.add(problem[0], problem[1], where)

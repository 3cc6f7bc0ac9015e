"""Which Task `Resource` ARNs a definition may name: every form AWS accepts at create time.

A resource stepstone cannot run yet (most optimised integrations, `aws-sdk:*`) is still a valid
definition, as on AWS for a service the caller has no access to: the Task fails when it runs, with
a catchable `States.TaskFailed` error that names the resource. Only what AWS itself refuses is an error here.
"""

from __future__ import annotations

import re

from stepstone.asl.arns import PARTITION as _PARTITION
from stepstone.asl.diagnostics import INVALID_RESOURCE, SCHEMA_VALIDATION_FAILED
from stepstone.asl.validate.report import Report

_REGION = r"[a-z0-9-]+"
_ACCOUNT = r"\d{12}"
#: Optimised integrations (`arn:aws:states:::<service>:<action>`) as AWS's list names them, plus the
#: `s3` actions of Distributed Map's ItemReader and ResultWriter.
SERVICES = frozenset(
    {"apigateway", "athena", "batch", "bedrock", "codebuild", "databrew", "dynamodb", "ecs", "eks",
     "elasticmapreduce", "emr-containers", "emr-serverless", "events", "evidently", "glue", "glue-databrew",
     "http", "lambda", "mediaconvert", "s3", "sagemaker", "sns", "sqs", "states"}
)  # fmt: skip
# The region and account of an integration ARN are optional: `arn:aws:states:::sns:publish` and
# `arn:aws:states:us-east-1:123456789012:sns:publish` name the same integration.
_STATES = rf"^{_PARTITION}:states:(?:{_REGION})?:(?:{_ACCOUNT})?:"
_INTEGRATION = re.compile(
    _STATES + r"(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z][A-Za-z0-9]*)"
    r"(?P<pattern>\.sync(?::2)?|\.waitForTaskToken)?$"
)
# AWS SDK integrations: `.sync` is not supported for them.
_SDK = re.compile(
    _STATES + r"aws-sdk:[a-z0-9-]+(?:\.[a-z0-9-]+)*:[A-Za-z][A-Za-z0-9]*(?:\.waitForTaskToken)?$"
)
# A function, with an optional version number or alias (`$LATEST` included).
_LAMBDA = re.compile(
    rf"^{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:function:[A-Za-z0-9_-]{{1,64}}(?::(?:\$LATEST|[A-Za-z0-9_-]{{1,128}}))?$"
)
# Activity names: 1 to 80 characters, no whitespace, brackets, wildcards or ARN punctuation.
_ACTIVITY = re.compile(
    rf"^{_PARTITION}:states:{_REGION}:{_ACCOUNT}:activity:[^\s<>{{}}\[\]?*\"#%\\^|~`$&,;:/]{{1,80}}$"
)
_STEPSTONE = re.compile(r"^arn:stepstone:[^\s]+$")


def resource_problem(resource: str) -> tuple[str, str] | None:
    """(code, message) when AWS would refuse the Resource, else None."""
    if any(form.match(resource) for form in (_SDK, _LAMBDA, _ACTIVITY, _STEPSTONE)):
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
    """Report a Resource AWS would refuse (its type is the field check's business)."""
    if isinstance(resource, str):
        problem = resource_problem(resource)
        if problem is not None:
            report.add(problem[0], problem[1], where)

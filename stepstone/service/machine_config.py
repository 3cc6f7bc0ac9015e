"""A state machine's logging, tracing and encryption settings: checked as AWS checks them, kept, returned.

stepstone writes no CloudWatch logs, no X-Ray traces and encrypts nothing with KMS; it keeps what was
asked for so a deployment reads back what it wrote (Terraform and CloudFormation compare).
"""

from __future__ import annotations

import json
from typing import Any

from stepstone import errors as E

FIELDS = ("loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")
DEFAULTS: dict[str, Any] = {
    "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
    "tracingConfiguration": {"enabled": False},
    "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
}


def _logging(value: dict[str, Any]) -> dict[str, Any]:
    level = value.get("level", "OFF")
    destinations = value.get("destinations") or []
    if len(destinations) > 1:
        raise E.InvalidLoggingConfiguration(
            "Invalid Logging Configuration: Must specify exactly one Log Destination."
        )
    if level != "OFF" and not destinations:
        raise E.InvalidLoggingConfiguration(
            "Invalid Logging Configuration: a level other than OFF needs exactly one Log Destination."
        )
    for destination in destinations:
        group = (destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
        if not group.startswith("arn:") or not group.endswith(":*"):
            raise E.InvalidLoggingConfiguration(
                f"Invalid Logging Configuration: Log Group ARN must end with ':*': '{group}'"
            )
    return {"level": level, "includeExecutionData": bool(value.get("includeExecutionData", False)),
            **({"destinations": destinations} if destinations else {})}  # fmt: skip


def _encryption(value: dict[str, Any]) -> dict[str, Any]:
    kind = value["type"]
    if kind == "CUSTOMER_MANAGED_KMS_KEY" and not value.get("kmsKeyId"):
        raise E.InvalidEncryptionConfiguration(
            "Invalid Encryption Configuration: kmsKeyId is required for CUSTOMER_MANAGED_KMS_KEY"
        )
    if kind == "AWS_OWNED_KEY" and (value.get("kmsKeyId") or value.get("kmsDataKeyReusePeriodSeconds")):
        raise E.InvalidEncryptionConfiguration(
            "Invalid Encryption Configuration: kmsKeyId and kmsDataKeyReusePeriodSeconds are only for "
            "CUSTOMER_MANAGED_KMS_KEY"
        )
    if kind == "CUSTOMER_MANAGED_KMS_KEY":
        return {"kmsDataKeyReusePeriodSeconds": 300, **value}
    return dict(value)


def merge_config(request: dict[str, Any], stored: str = "{}") -> str:
    """The settings after this request: what it names, checked; the rest as stored."""
    config: dict[str, Any] = json.loads(stored)
    if request.get("loggingConfiguration") is not None:
        config["loggingConfiguration"] = _logging(request["loggingConfiguration"])
    if request.get("tracingConfiguration") is not None:
        config["tracingConfiguration"] = {
            "enabled": bool(request["tracingConfiguration"].get("enabled", False))
        }
    if request.get("encryptionConfiguration") is not None:
        config["encryptionConfiguration"] = _encryption(request["encryptionConfiguration"])
    return json.dumps(config, sort_keys=True)


def describe_config(stored: str) -> dict[str, Any]:
    """The three settings as DescribeStateMachine returns them (defaults where none were given)."""
    return {**DEFAULTS, **json.loads(stored)}

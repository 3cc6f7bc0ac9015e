"""Lambda ARNs that name no loaded Python function go to the Lambda Invoke API at LAMBDA_ENDPOINT."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.helpers import run, task
from tests.aws.lambda_endpoint import serving

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


class Refused(Exception):
    pass


def _refuse(event: Any) -> Any:
    raise Refused(f"no {event['n']}")


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Any:
    with serving({"double": lambda event: {"n": event["n"] * 2}, "refuse": _refuse}) as served:
        for name in (
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_LAMBDA",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("LAMBDA_ENDPOINT", served.url)  # Step Functions Local's name for it
        yield served


def test_plain_arn_returns_the_payload_loaded_functions_stay_local(endpoint: Any) -> None:
    definition = {
        "StartAt": "Remote",
        "States": {
            "Remote": {"Type": "Task", "Resource": ARN.format("double"), "Next": "Local"},
            "Local": {"Type": "Task", "Resource": ARN.format("local"), "End": True},
        },
    }
    result = run(definition, {"n": 21}, local=lambda event, context: {"local": event["n"]})
    assert result.status == "SUCCEEDED", result
    assert result.output == {"local": 42}
    assert [c["name"] for c in endpoint.calls] == ["double"]  # the local function never left the process


def test_lambda_invoke_gives_the_invoke_response(endpoint: Any) -> None:
    params = {"FunctionName": ARN.format("double") + ":live", "Payload": {"n": 2}}
    result = run(task("arn:aws:states:::lambda:invoke", params))
    assert result.status == "SUCCEEDED", result
    out = result.output
    assert isinstance(out, dict)
    assert out["Payload"] == {"n": 4} and out["StatusCode"] == 200 and out["ExecutedVersion"] == "live"
    assert out["SdkResponseMetadata"] == {"RequestId": "r2"}
    assert endpoint.calls == [{"name": "double", "qualifier": "live", "event": {"n": 2}}]


def test_function_error_and_missing_function(endpoint: Any) -> None:
    failed = run(task(ARN.format("refuse"), {"n": 3}))
    assert failed.status == "FAILED"
    assert failed.error == "Refused"
    assert '"errorMessage": "no 3"' in str(failed.cause)
    missing = run(task(ARN.format("ghost"), {}))
    assert missing.status == "FAILED"
    assert missing.error == "Lambda.ResourceNotFoundException"
    assert "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException" in str(
        missing.cause
    )

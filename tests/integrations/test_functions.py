from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from stepstone.integrations.base import Registry, TaskRequest, TaskResult, dispatch
from stepstone.integrations.functions import FunctionIntegration, FunctionsFileError, load_functions

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
INVOKE = "arn:aws:states:::lambda:invoke"

FUNCTIONS = """
import time
from datetime import datetime

def echo(event, context):
    return event

def ctx(event, context):
    return {"name": context.function_name, "arn": context.invoked_function_arn,
            "request": context.aws_request_id, "left": context.get_remaining_time_in_millis(),
            "version": context.function_version}

class NotFound(Exception):
    pass

def fails(event, context):
    raise NotFound("no such order")

def not_json(event, context):
    return {"when": datetime(2020, 1, 1)}

def tuple_out(event, context):
    return (1, 2)

def _private(event, context):
    return 1
"""


@pytest.fixture
def functions(tmp_path: Path) -> FunctionIntegration:
    path = tmp_path / "fns.py"
    path.write_text(FUNCTIONS)
    return FunctionIntegration.from_files([path])


def invoke(integration: FunctionIntegration, resource: str, payload: Any, **kw: Any) -> TaskResult:
    request = TaskRequest(
        "t1", "arn:exec", "S", resource, kw.pop("pattern", "request_response"), payload, **kw
    )
    return asyncio.run(integration.invoke(request))


def test_only_public_functions_defined_in_the_file_are_handlers(functions: FunctionIntegration) -> None:
    assert set(functions.handlers) == {"echo", "ctx", "fails", "not_json", "tuple_out"}


def test_a_plain_lambda_arn_returns_the_handlers_value(functions: FunctionIntegration) -> None:
    assert invoke(functions, ARN + "echo", {"a": [1, "x"]}) == TaskResult.ok({"a": [1, "x"]})
    assert invoke(functions, ARN + "echo:live", "HelloWorld") == TaskResult.ok("HelloWorld")
    assert invoke(functions, ARN + "tuple_out", None) == TaskResult.ok([1, 2])  # marshalled through JSON


def test_the_context_object_looks_like_lambdas(functions: FunctionIntegration) -> None:
    out = invoke(functions, ARN + "ctx", {}, timeout_seconds=30).output
    assert out["name"] == "ctx" and out["arn"] == ARN + "ctx" and out["version"] == "$LATEST"
    assert len(out["request"]) == 36
    assert 25_000 < out["left"] <= 30_000


def test_lambda_invoke_wraps_the_payload_in_the_invoke_response(functions: FunctionIntegration) -> None:
    out = invoke(functions, INVOKE, {"FunctionName": "echo", "Payload": {"body": "string body"}}).output
    assert out["Payload"] == {"body": "string body"}
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "$LATEST"
    headers = out["SdkHttpMetadata"]["HttpHeaders"]
    assert headers["Content-Length"] == "23" and headers["Content-Type"] == "application/json"
    assert out["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"] == ["23"]
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200


def test_lambda_invoke_answers_a_fresh_request_id_per_call_the_handler_sees_too(
    functions: FunctionIntegration,
) -> None:
    first, second = (invoke(functions, INVOKE, {"FunctionName": "ctx"}).output for _ in range(2))
    ids = []
    for out in (first, second):
        request_id = out["SdkResponseMetadata"]["RequestId"]
        assert out["Payload"]["request"] == request_id  # the handler's context.aws_request_id
        assert out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"] == request_id
        assert out["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"] == [request_id]
        ids.append(request_id)
    assert len(ids[0]) == 36 and ids[0] != ids[1]


@pytest.mark.parametrize("name", ["echo", ARN + "echo", "123456789012:function:echo", "echo:prod"])
def test_lambda_invoke_accepts_names_and_arns(functions: FunctionIntegration, name: str) -> None:
    assert invoke(functions, INVOKE, {"FunctionName": name, "Payload": [1]}).output["Payload"] == [1]


def test_an_exception_fails_with_its_class_name_and_lambdas_error_document(
    functions: FunctionIntegration,
) -> None:
    for resource, payload in [(ARN + "fails", {}), (INVOKE, {"FunctionName": "fails"})]:
        result = invoke(functions, resource, payload)
        assert result.error == "NotFound"
        cause = json.loads(result.cause or "")
        assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert cause["errorMessage"] == "no such order" and cause["errorType"] == "NotFound"
        assert 'raise NotFound("no such order")' in "".join(cause["stackTrace"])
        assert "functions.py" not in "".join(cause["stackTrace"])  # the trace starts in the user's code
        assert result.cause is not None and result.cause.startswith('{"errorMessage":"no such order",')


def test_a_value_that_is_not_json_is_a_marshal_error(functions: FunctionIntegration) -> None:
    result = invoke(functions, ARN + "not_json", {})
    assert result.error == "Runtime.MarshalError"
    assert json.loads(result.cause or "")["errorMessage"].startswith("Unable to marshal response: ")


def test_an_unknown_function_is_lambdas_resource_not_found(functions: FunctionIntegration) -> None:
    result = invoke(functions, ARN + "nope", {})
    assert result.error == "Lambda.ResourceNotFoundException"
    assert (result.cause or "").startswith(f"Function not found: {ARN}nope ")
    assert invoke(functions, INVOKE, {"Payload": {}}).error == "States.Runtime"


def test_handlers_run_off_the_event_loop(tmp_path: Path) -> None:
    seen: list[bool] = []

    def where(event: Any, context: Any) -> None:
        seen.append(threading.current_thread() is threading.main_thread())

    asyncio.run(
        FunctionIntegration({"where": where}).invoke(
            TaskRequest("t", "a", "S", ARN + "where", "request_response", {})
        )
    )
    assert seen == [False]


def test_wait_for_token_invokes_the_function_then_waits(functions: FunctionIntegration) -> None:
    registry = Registry()
    functions.register_into(registry)
    waiting = TaskRequest("t", "a", "S", INVOKE, "wait_for_token", {"FunctionName": "echo"}, token="tok")
    failing = TaskRequest("t", "a", "S", INVOKE, "wait_for_token", {"FunctionName": "fails"}, token="tok")
    submitted = asyncio.run(dispatch(registry, waiting))
    assert submitted.pending and submitted.output["Payload"] == {}  # type: ignore[index]
    assert asyncio.run(dispatch(registry, failing)).error == "NotFound"  # type: ignore[union-attr]


def test_handles_lambda_resources_only() -> None:
    assert FunctionIntegration.handles(ARN + "f") and FunctionIntegration.handles(INVOKE)
    assert FunctionIntegration.handles("arn:aws:lambda:eu-west-1:123456789012:function:f:alias")
    assert not FunctionIntegration.handles("arn:aws:states:::sqs:sendMessage")


def test_several_files_load_and_a_name_defined_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def one(e, c):\n    return 1\n")
    (tmp_path / "b.py").write_text("def two(e, c):\n    return 2\n")
    (tmp_path / "c.py").write_text("def one(e, c):\n    return 3\n")
    assert set(load_functions([tmp_path / "a.py", tmp_path / "b.py"])) == {"one", "two"}
    with pytest.raises(FunctionsFileError, match="'one'"):
        load_functions([tmp_path / "a.py", tmp_path / "c.py"])
    with pytest.raises(FunctionsFileError, match="not found"):
        load_functions([tmp_path / "missing.py"])

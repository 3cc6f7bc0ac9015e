"""TestState's `mock.fieldValidationMode`: a mocked result checked against the called API's output shape.

    STRICT   (the default) required members present, present members of the right type
    PRESENT  present members of the right type
    NONE     nothing checked

The shape is the output of the service operation a request-response Task calls
(`arn:aws:states:::dynamodb:getItem`, `arn:aws:states:::aws-sdk:s3:getObject`), from botocore's model;
members are named as Step Functions names them (`ExecutionArn`, not `executionArn`). Members the
model lacks are accepted, as AWS does, and so is a Task whose service or operation botocore does not
know (an HTTP Task, `apigateway:invoke`), or any Task when botocore is not installed: never stricter.
Messages are AWS's: `Mock result schema validation error: Field 'StartDate' must be a string`.
"""

from __future__ import annotations

import functools
from typing import Any

from stepstone import errors as E

__all__ = ["validate_mock_result"]

#: Step Functions' service names where botocore's differ.
_SERVICES = {"states": "stepfunctions", "bedrock": "bedrock-runtime", "elasticmapreduce": "emr"}
#: Blob members Step Functions hands over decoded (a Lambda function's JSON answer).
_DECODED_BLOBS = frozenset({"Payload"})
_PREFIX = "Mock result schema validation error: "


def _operation(resource: str) -> tuple[str, str] | None:
    """(botocore service, operation) of a request-response service Task, else None."""
    if not resource.startswith("arn:aws:states:::") or resource.endswith((".sync", ".sync:2", "Token")):
        return None
    parts = resource.removeprefix("arn:aws:states:::").split(":")
    if parts[0] == "aws-sdk" and len(parts) == 3:
        service, action = parts[1], parts[2]
    elif len(parts) == 2:
        service, action = parts
    else:
        return None
    return _SERVICES.get(service, service), action[:1].upper() + action[1:]


@functools.lru_cache(maxsize=256)
def _output_shape(service: str, operation: str) -> Any:
    try:
        import botocore.session
        from botocore.exceptions import UnknownServiceError
    except ImportError:
        return None
    try:
        model = botocore.session.get_session().get_service_model(service)
        return model.operation_model(operation).output_shape
    except (UnknownServiceError, LookupError, ValueError):
        return None
    except Exception as exc:  # botocore's OperationNotFoundError is not a LookupError
        if type(exc).__name__ == "OperationNotFoundError":
            return None
        raise


def _sfn_name(member: str) -> str:
    return member[:1].upper() + member[1:]


def _fail(message: str) -> E.ServiceError:
    return E.ValidationException(_PREFIX + message)


def _check(value: Any, shape: Any, name: str, strict: bool) -> None:
    kind = shape.type_name
    if kind == "document":
        return
    if kind == "structure":
        if not isinstance(value, dict):
            raise _fail(f"Field '{name}' must be an object")
        members = {_sfn_name(m): s for m, s in shape.members.items()}
        if strict:
            for required in shape.required_members:
                if _sfn_name(required) not in value:
                    raise _fail(f"Required field '{_sfn_name(required)}' is missing")
        for key, item in value.items():
            if key in members:
                _check(item, members[key], key, strict)
    elif kind == "list":
        if not isinstance(value, list):
            raise _fail(f"Field '{name}' must be an array")
        for item in value:
            _check(item, shape.member, name, strict)
    elif kind == "map":
        if not isinstance(value, dict):
            raise _fail(f"Field '{name}' must be an object")
        for item in value.values():
            _check(item, shape.value, name, strict)
    elif kind in ("string", "timestamp", "blob"):
        if kind == "blob" and name in _DECODED_BLOBS:
            return
        if not isinstance(value, str):
            raise _fail(f"Field '{name}' must be a string")
        _check_length(value, shape, name)
        if kind == "string" and shape.enum and value not in shape.enum:
            raise _fail(f"Field '{name}' is not an expected value")
    elif kind in ("integer", "long", "float", "double"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (kind in ("integer", "long") and not isinstance(value, int)):
            raise _fail(f"Field '{name}' must be a number")
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            raise _fail(f"Field '{name}' is less than the minimum value")
        if high is not None and value > high:
            raise _fail(f"Field '{name}' exceeds the maximum value")
    elif kind == "boolean" and not isinstance(value, bool):
        raise _fail(f"Field '{name}' must be a boolean")


def _check_length(value: str, shape: Any, name: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        raise _fail(f"Field '{name}' is smaller than the minimum length")
    if high is not None and len(value) > high:
        raise _fail(f"Field '{name}' is larger than the maximum length")


def validate_mock_result(resource: str, result: Any, mode: str) -> None:
    """Raise ValidationException (AWS's message) when `result` does not fit the Task's API output."""
    if mode == "NONE":
        return
    operation = _operation(resource)
    shape = None if operation is None else _output_shape(*operation)
    if shape is None:
        return
    if not isinstance(result, dict):
        raise _fail("the mocked result must be a JSON object")
    _check(result, shape, "", strict=mode != "PRESENT")

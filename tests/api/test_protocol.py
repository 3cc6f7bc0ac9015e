"""The wire protocol seen by a raw HTTP client: routing, envelopes, limits, mounts."""

from __future__ import annotations

import http.client
import json
from typing import Any

from tests.api.conftest import Server

TARGET = "AWSStepFunctions.ListStateMachines"


def call(server: Server, body: bytes, headers: dict[str, str], method: str = "POST", path: str = "/") -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def api(server: Server, body: bytes, target: str = TARGET, **extra: str) -> Any:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0", **extra}
    status, headers, raw = call(server, body, headers)
    return status, headers, json.loads(raw)


def test_success_is_json_with_epoch_seconds(server: Server) -> None:
    status, headers, body = api(server, b"{}")
    assert status == 200
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert body["stateMachines"][0]["creationDate"] == 1714979289.25


def test_empty_body_is_an_empty_request(server: Server) -> None:
    assert api(server, b"")[0] == 200


def test_bad_json_is_a_serialization_exception(server: Server) -> None:
    status, headers, body = api(server, b"{not json")
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert "x-amzn-requestid" in headers


def test_non_object_body_is_a_serialization_exception(server: Server) -> None:
    assert api(server, b"[1, 2]")[2]["__type"] == "SerializationException"


def test_unknown_target_is_unknown_operation(server: Server) -> None:
    for target in ("AWSStepFunctions.LaunchRocket", "DynamoDB_20120810.ListTables"):
        status, _, body = api(server, b"{}", target=target)
        assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_wrong_member_type_is_a_serialization_exception(server: Server) -> None:
    status, _, body = api(server, b'{"maxResults": "ten"}')
    assert (status, body) == (
        400,
        {"__type": "SerializationException", "message": "STRING_VALUE can not be converted to an Integer"},
    )


def test_body_over_the_limit_is_rejected_before_parsing(server: Server) -> None:
    status, _, body = api(server, b'{"nextToken": "' + b"x" * (64 * 1024) + b'"}')
    assert (status, body["__type"]) == (413, "RequestEntityTooLargeException")


def test_authenticator_can_refuse(server: Server) -> None:
    status, _, body = api(server, b"{}", **{"X-Test-Deny": "1"})
    assert (status, body["__type"]) == (400, "UnrecognizedClientException")


def test_other_paths_and_methods_are_not_the_api(server: Server) -> None:
    assert call(server, b"", {}, method="GET", path="/")[0] == 404
    assert call(server, b"{}", {"X-Amz-Target": TARGET}, path="/other")[0] == 404


def test_mounted_apps_get_their_prefix(server: Server) -> None:
    status, _, raw = call(server, b"", {}, method="GET", path="/console/executions")
    assert (status, raw) == (200, b"console")
    assert server.mounted[-1] == "/console/executions"
    assert call(server, b"", {}, method="GET", path="/consoles")[0] == 404


def test_keep_alive_serves_many_requests_on_one_connection(server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ids = set()
    for _ in range(20):
        conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": TARGET})
        response = conn.getresponse()
        assert response.status == 200
        response.read()
        ids.add(response.getheader("x-amzn-RequestId"))
    conn.close()
    assert len(ids) == 20

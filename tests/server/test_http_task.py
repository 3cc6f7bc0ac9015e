"""HTTP Tasks (`arn:aws:states:::http:invoke`): a real server calls a real local HTTP API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from stepstone.integrations.http import encode_form
from tests.server.conftest import ServerProcess
from tests.server.test_callbacks import machine, wait_for

pytestmark = pytest.mark.slow
INVOKE = "arn:aws:states:::http:invoke"
CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/api/0b1c"


class Api:
    """A tiny HTTP API on 127.0.0.1 that records every request and answers by path."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                split = urlsplit(self.path)
                api.requests.append(
                    {
                        "method": self.command,
                        "path": split.path,
                        "query": parse_qs(split.query),
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status = int(split.path.rsplit("/", 1)[-1]) if split.path.startswith("/status/") else 200
                if split.path == "/text":
                    payload, kind = b"plain words", "text/plain"
                else:
                    payload, kind = (
                        json.dumps({"seen": self.command, "n": len(api.requests)}).encode(),
                        "application/json",
                    )
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("X-Custom", "yes")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def api() -> Iterator[Api]:
    instance = Api()
    try:
        yield instance
    finally:
        instance.close()


def http_machine(client: Any, name: str, parameters: dict[str, Any], **extra: Any) -> str:
    task = {"Type": "Task", "Resource": INVOKE, "Parameters": parameters, "End": True, **extra}
    return machine(client, name, {"Call": task}, "Call")


def run(client: Any, sm: str, value: Any = None) -> dict[str, Any]:
    ex = client.start_execution(stateMachineArn=sm, input=json.dumps(value or {}))["executionArn"]
    return wait_for(client, ex)


def test_a_post_with_headers_query_and_json_body(server: ServerProcess, api: Api) -> None:
    c = server.client()
    sm = http_machine(
        c,
        "post",
        {
            "ApiEndpoint.$": "$.url",
            "Method": "POST",
            "Authentication": {"ConnectionArn": CONNECTION},
            "Headers": {"X-Api-Key.$": "$.key"},
            "QueryParameters": {"page": 2, "tags": ["a", "b"]},
            "RequestBody": {"order.$": "$.order"},
        },
    )
    done = run(c, sm, {"url": api.url + "/orders", "key": "k-1", "order": {"id": 7}})
    assert done["status"] == "SUCCEEDED", done
    out = json.loads(done["output"])
    assert (out["StatusCode"], out["StatusText"]) == ("200", "OK")
    assert out["ResponseBody"] == {"seen": "POST", "n": 1}
    assert out["Headers"]["x-custom"] == ["yes"]
    sent = api.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/orders")
    assert sent["query"] == {"page": ["2"], "tags[]": ["a", "b"]}
    assert sent["headers"]["x-api-key"] == "k-1" and sent["headers"]["content-type"] == "application/json"
    assert json.loads(sent["body"]) == {"order": {"id": 7}}


def test_url_encoded_body_and_a_text_response(server: ServerProcess, api: Api) -> None:
    c = server.client()
    sm = http_machine(
        c,
        "form",
        {
            "ApiEndpoint": api.url + "/text",
            "Method": "PUT",
            "RequestBody": {"name": "Ann Lee", "roles": ["x", "y"], "meta": {"k": True}},
            "Transform": {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "INDICES"},
            },
        },
    )
    out = json.loads(run(c, sm)["output"])
    assert out["ResponseBody"] == "plain words"
    sent = api.requests[0]
    assert sent["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent["body"]) == {
        "name": ["Ann Lee"],
        "roles[0]": ["x"],
        "roles[1]": ["y"],
        "meta[k]": ["true"],
    }


def test_a_non_2xx_status_is_a_catchable_error(server: ServerProcess, api: Api) -> None:
    c = server.client()
    states = {
        "Call": {
            "Type": "Task",
            "Resource": INVOKE,
            "Parameters": {"ApiEndpoint": api.url + "/status/404", "Method": "GET"},
            "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "Missing"}],
            "End": True,
        },
        "Missing": {"Type": "Pass", "End": True},
    }
    sm = machine(c, "missing", states, "Call")
    caught = json.loads(run(c, sm)["output"])
    assert caught["Error"] == "States.Http.StatusCode.404"
    assert json.loads(caught["Cause"])["StatusCode"] == "404"
    sm = http_machine(c, "fails", {"ApiEndpoint": api.url + "/status/503", "Method": "DELETE"})
    done = run(c, sm)
    assert (done["status"], done["error"]) == ("FAILED", "States.Http.StatusCode.503")


def test_bad_parameters_and_an_unreachable_endpoint(server: ServerProcess) -> None:
    c = server.client()
    done = run(c, http_machine(c, "nomethod", {"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "FETCH"}))
    assert (done["status"], done["error"]) == ("FAILED", "States.Runtime")
    done = run(c, http_machine(c, "closed", {"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "GET"}))
    assert (done["status"], done["error"]) == ("FAILED", "States.Http.Socket")


@pytest.mark.parametrize(
    ("array_format", "expected"),
    [
        ("BRACKETS", "a%5B%5D=1&a%5B%5D=2"),
        ("INDICES", "a%5B0%5D=1&a%5B1%5D=2"),
        ("REPEAT", "a=1&a=2"),
        ("COMMAS", "a=1%2C2"),
    ],
)
def test_array_formats(array_format: str, expected: str) -> None:
    assert encode_form({"a": [1, 2]}, array_format) == expected

"""apigateway:invoke against a small local HTTP API: URL building, lists of values, SigV4, errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.aws.helpers import run, task

INVOKE = "arn:aws:states:::apigateway:invoke"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            seen.append({"path": split.path, "query": parse_qs(split.query), "body": body,
                         "headers": {k.lower(): v for k, v in self.headers.items()}})  # fmt: skip
            status = 403 if split.path.endswith("/secret") else 200
            raw = json.dumps({"message": "Forbidden"} if status == 403 else {"bills": [1]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_invoke_builds_the_url_and_returns_aws_output(api: tuple[str, list[dict[str, Any]]]) -> None:
    endpoint, seen = api
    params = {
        "ApiEndpoint": endpoint, "Method": "POST", "Stage": "prod", "Path": "bills/add",
        "Headers": {"X-Team": ["a", "b"]}, "QueryParameters": {"id": ["1", "2"]},
        "RequestBody": {"bill": 7}, "AuthType": "IAM_ROLE",
    }  # fmt: skip
    result = run(task(INVOKE, params))
    assert result.status == "SUCCEEDED", result
    out = result.output
    assert isinstance(out, dict)
    assert out["ResponseBody"] == {"bills": [1]} and out["StatusCode"] == 200 and out["StatusText"] == "OK"
    assert out["Headers"]["Content-Type"] == ["application/json"]
    call = seen[0]
    assert call["path"] == "/prod/bills/add" and call["query"] == {"id": ["1", "2"]}
    assert json.loads(call["body"]) == {"bill": 7} and call["headers"]["x-team"] == "a, b"
    assert call["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/execute-api/aws4_request" in call["headers"]["authorization"]


def test_a_refusal_is_apigateway_status(api: tuple[str, list[dict[str, Any]]]) -> None:
    endpoint, _ = api
    result = run(task(INVOKE, {"ApiEndpoint": endpoint, "Method": "GET", "Path": "secret"}))
    assert result.status == "FAILED"
    assert result.error == "ApiGateway.403" and json.loads(str(result.cause)) == {"message": "Forbidden"}
    unreachable = run(task(INVOKE, {"ApiEndpoint": "http://127.0.0.1:9", "Method": "GET"}))
    assert unreachable.status == "FAILED" and str(unreachable.error).startswith("ApiGateway.")
    bad = run(task(INVOKE, {"ApiEndpoint": endpoint, "Method": "FLY"}))
    assert bad.status == "FAILED" and bad.error == "States.Runtime"

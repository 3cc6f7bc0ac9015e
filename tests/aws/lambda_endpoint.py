"""A small Lambda Invoke endpoint, the REST call `sam local start-lambda` serves, for Lambda by ARN.

    POST /2015-03-31/functions/{FunctionName}/invocations     body: the event
    200 + the function's result; a handler that raises answers 200 with the error document and the
    `X-Amz-Function-Error: Unhandled` header; an unknown function 404 ResourceNotFoundException.

It runs the handlers it is given, records every invocation (name, qualifier, event) and is started
on a free loopback port.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[Any], Any]
PREFIX = "/2015-03-31/functions/"


@dataclass
class LambdaEndpoint:
    handlers: dict[str, Handler]
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@contextmanager
def serving(handlers: dict[str, Handler]) -> Iterator[LambdaEndpoint]:
    endpoint = LambdaEndpoint(handlers)

    class Invoke(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            split = urllib.parse.urlsplit(self.path)
            if not (split.path.startswith(PREFIX) and split.path.endswith("/invocations")):
                self._send(
                    404, {"message": "unknown path"}, {"x-amzn-ErrorType": "UnknownOperationException"}
                )
                return
            name = urllib.parse.unquote(split.path[len(PREFIX) : -len("/invocations")])
            qualifier = urllib.parse.parse_qs(split.query).get("Qualifier", [None])[0]
            event = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
            endpoint.calls.append({"name": name, "qualifier": qualifier, "event": event})
            handler = endpoint.handlers.get(name)
            if handler is None:
                message = f"Function not found: {name}"
                error = {"Type": "User", "message": message}
                self._send(
                    404, error, {"x-amzn-ErrorType": "ResourceNotFoundException", "x-amzn-RequestId": "r1"}
                )
                return
            try:
                result = handler(event)
            except Exception as exc:
                document = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
                self._send(200, document, {"X-Amz-Function-Error": "Unhandled"})
                return
            self._send(
                200, result, {"X-Amz-Executed-Version": qualifier or "$LATEST", "x-amzn-RequestId": "r2"}
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

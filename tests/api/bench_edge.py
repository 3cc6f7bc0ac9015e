"""Requests per second through the API edge (not collected by pytest; run it by hand).

    .venv/bin/python -m tests.api.bench_edge [--requests N]

Serves a trivial ListStateMachines through uvicorn in a separate process, then drives it with a
boto3 client and with a raw keep-alive HTTP client, and with several raw clients at once.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import boto3
from botocore.config import Config

TARGET = "AWSStepFunctions.ListStateMachines"


class Trivial:
    async def list_state_machines(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"stateMachines": []}


def serve(port: int) -> None:
    import uvicorn

    from stepstone.api import make_app

    uvicorn.run(make_app(Trivial()), host="127.0.0.1", port=port, log_level="warning", http="httptools")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raw(port: int, count: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    for _ in range(count):
        conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": TARGET})
        response = conn.getresponse()
        response.read()
        assert response.status == 200
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


def raw_parallel(port: int, count: int, clients: int) -> float:
    threads = [threading.Thread(target=raw, args=(port, count // clients)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (count // clients) * clients / (time.perf_counter() - started)


def with_boto3(port: int, count: int) -> float:
    client = boto3.client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    client.list_state_machines()
    started = time.perf_counter()
    for _ in range(count):
        client.list_state_machines()
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.api.bench_edge", "--serve", str(port)])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        raw(port, 500)  # warm up
        print(f"raw keep-alive, 1 client : {raw(port, args.requests):8.0f} req/s")
        print(f"raw keep-alive, 8 clients: {raw_parallel(port, args.requests, 8):8.0f} req/s")
        print(f"boto3, 1 client          : {with_boto3(port, args.requests // 5):8.0f} req/s")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

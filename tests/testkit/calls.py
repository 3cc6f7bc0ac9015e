"""A real in-process server with a virtual clock, and a way to call stepstone's own operations."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stepstone.testkit import TestServer


def call_stepstone(
    server: TestServer, operation: str, body: dict[str, Any], key: tuple[str, str] | None = None
) -> requests.Response:
    """POST `Stepstone.<operation>` over HTTP, SigV4-signed with `key` (id, secret) when given."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"Stepstone.{operation}"}
    if key is not None:
        signed = AWSRequest(method="POST", url=server.endpoint + "/", data=data, headers=headers)
        SigV4Auth(Credentials(*key), "states", "us-east-1").add_auth(signed)
        headers = dict(signed.headers.items())
    return requests.post(server.endpoint + "/", data=data, headers=headers, timeout=60)


def signed_client(server: TestServer, key: tuple[str, str]) -> Any:
    """A boto3 Step Functions client signing with a stepstone access key."""
    session = botocore.session.get_session()
    return session.create_client(
        "stepfunctions", region_name="us-east-1", endpoint_url=server.endpoint,
        aws_access_key_id=key[0], aws_secret_access_key=key[1],
    )  # fmt: skip

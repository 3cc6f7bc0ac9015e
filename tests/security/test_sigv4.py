"""SigV4 verification: AWS's published example, botocore's own signer, and every way to get it wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stepstone.api import sigv4
from stepstone.api.auth import ApiRequest
from stepstone.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
BODY = b'{"taskToken":"abc","output":"{}"}'


def test_the_example_aws_publishes_verifies() -> None:
    # AWS's worked example (IAM ListUsers, 2015-08-30): its canonical request and signature.
    request = ApiRequest(
        "GET", "/", b"Action=ListUsers&Version=2010-05-08",
        (
            (b"content-type", b"application/x-www-form-urlencoded; charset=utf-8"),
            (b"host", b"iam.amazonaws.com"),
            (b"x-amz-date", b"20150830T123600Z"),
        ),
        b"", None,
    )  # fmt: skip
    signature = sigv4.Signature(
        "AKIDEXAMPLE",
        "20150830",
        "us-east-1",
        "iam",
        ("content-type", "host", "x-amz-date"),
        "",
        "20150830T123600Z",
    )
    assert sigv4.canonical_request(request, signature.signed_headers).splitlines()[-1] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert sigv4.expected_signature(request, signature, SECRET) == (
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def signed(body: bytes = BODY, *, region: str = "eu-west-2", service: str = "states") -> ApiRequest:
    """A request signed now by botocore, exactly as boto3 signs a Step Functions call."""
    aws = AWSRequest(
        method="POST", url="http://127.0.0.1:8083/", data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.SendTaskSuccess",
        },
    )  # fmt: skip
    SigV4Auth(Credentials("SSAKTEST", SECRET), service, region).add_auth(aws)
    prepared = aws.prepare()
    headers = [
        (k.lower().encode(), v.encode() if isinstance(v, str) else v) for k, v in prepared.headers.items()
    ]
    headers.append((b"host", b"127.0.0.1:8083"))
    return ApiRequest("POST", "/", b"", tuple(headers), body, "SendTaskSuccess")


def check(request: ApiRequest, secret: str = SECRET, now: datetime | None = None) -> None:
    signature = sigv4.parse(request)
    sigv4.check_date(signature, now or datetime.now(UTC))
    sigv4.verify(request, signature, secret)


def test_botocore_signatures_verify_in_any_region() -> None:
    for region in ("us-east-1", "eu-west-2", "ap-southeast-2"):
        request = signed(region=region)
        assert sigv4.parse(request).key_id == "SSAKTEST"
        check(request)


def test_a_changed_body_header_or_secret_does_not_verify() -> None:
    request = signed()
    tampered_body = ApiRequest(
        "POST", "/", b"", request.headers, BODY.replace(b"abc", b"abd"), "SendTaskSuccess"
    )
    with pytest.raises(InvalidSignatureException, match="does not match"):
        check(tampered_body)
    retargeted = tuple(
        (k, b"AWSStepFunctions.SendTaskFailure" if k == b"x-amz-target" else v) for k, v in request.headers
    )
    with pytest.raises(InvalidSignatureException):
        check(ApiRequest("POST", "/", b"", retargeted, BODY, "SendTaskFailure"))
    with pytest.raises(InvalidSignatureException):
        check(request, secret=SECRET[:-1] + "X")


def test_requests_outside_five_minutes_are_refused() -> None:
    request = signed()  # signed now; the server's clock moves instead
    check(request, now=datetime.now(UTC) + timedelta(minutes=4, seconds=50))
    with pytest.raises(InvalidSignatureException, match="Signature expired"):
        check(request, now=datetime.now(UTC) + timedelta(minutes=5, seconds=10))
    with pytest.raises(InvalidSignatureException, match="not yet current"):
        check(request, now=datetime.now(UTC) - timedelta(minutes=6))


def test_the_scope_must_name_the_states_service() -> None:
    with pytest.raises(InvalidSignatureException, match="correct service"):
        check(signed(service="lambda"))


def test_missing_and_malformed_authorization() -> None:
    request = signed()
    without = tuple((k, v) for k, v in request.headers if k != b"authorization")
    with pytest.raises(MissingAuthenticationTokenException):
        sigv4.parse(ApiRequest("POST", "/", b"", without, BODY, None))
    for bad in (
        b"Basic dXNlcjpwYXNz",
        b"AWS4-HMAC-SHA256 Credential=x",
        b"AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=00",
    ):
        headers = (*without, (b"authorization", bad))
        with pytest.raises(IncompleteSignatureException):
            sigv4.parse(ApiRequest("POST", "/", b"", headers, BODY, None))
    unsigned_target = tuple(
        (k, v.replace(b";x-amz-target", b"")) if k == b"authorization" else (k, v) for k, v in request.headers
    )
    with pytest.raises(IncompleteSignatureException, match="X-Amz-Target"):
        sigv4.parse(ApiRequest("POST", "/", b"", unsigned_target, BODY, None))

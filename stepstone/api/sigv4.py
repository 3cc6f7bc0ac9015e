"""AWS Signature Version 4, the server's half: parse the Authorization header, rebuild the canonical
request exactly as the signer did, and compare signatures in constant time.

    canonical request = METHOD \\n canonical URI \\n canonical query \\n canonical headers \\n
                        signed header names \\n hex(SHA-256(body))
    string to sign    = "AWS4-HMAC-SHA256" \\n X-Amz-Date \\n scope \\n hex(SHA-256(canonical request))
    signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"

Only the Authorization-header form is accepted (presigned query strings are not: the API is POST with a
JSON body). The service in the credential scope must be `states`; any region is accepted. Requests
dated more than five minutes from the server's clock are refused, as AWS refuses them.

Errors are AWS's: `MissingAuthenticationTokenException` (no signature at all),
`IncompleteSignatureException` (a malformed one), `InvalidSignatureException` (expired, wrong scope,
or a signature that does not match).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from stepstone.api.auth import ApiRequest
from stepstone.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "states"
MAX_SKEW = timedelta(minutes=5)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_UNRESERVED = "-_.~"
_SPACES = re.compile(r" +")
_PARAM = re.compile(r"\s*([A-Za-z]+)\s*=\s*([^,\s]*)\s*")


@dataclass(frozen=True, slots=True)
class Signature:
    """What the Authorization header claims: who signed, for which scope, over which headers."""

    key_id: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # the X-Amz-Date header (or Date) as sent

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse(request: ApiRequest) -> Signature:
    """The signature parts of `request`; raises when it is missing or malformed."""
    header = request.header(b"authorization")
    if header is None:
        raise MissingAuthenticationTokenException()
    text = header.decode("latin-1").strip()
    algorithm, _, rest = text.partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    params: dict[str, str] = {}
    for part in rest.split(","):
        match = _PARAM.fullmatch(part)
        if match is not None:
            params[match.group(1)] = match.group(2)
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not params.get(name)]
    if missing:
        raise IncompleteSignatureException(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        )
    credential = params["Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request" or not all(credential):
        raise IncompleteSignatureException(
            "Credential should be scoped to a valid region, service and 'aws4_request' terminator."
        )
    key_id, date, region, service, _ = credential
    if service != SERVICE:
        raise InvalidSignatureException(f"Credential should be scoped to correct service: '{SERVICE}'.")
    signed = tuple(params["SignedHeaders"].split(";"))
    if "host" not in signed:
        raise IncompleteSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    if request.header(b"x-amz-target") is not None and "x-amz-target" not in signed:
        raise IncompleteSignatureException(
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
        )
    amz_date = request.header(b"x-amz-date")
    if amz_date is not None and "x-amz-date" not in signed:
        raise IncompleteSignatureException("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    if amz_date is None:
        raise IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return Signature(key_id, date, region, service, signed, params["Signature"], amz_date.decode("latin-1"))


def check_date(signature: Signature, now: datetime) -> None:
    """Refuse a request dated outside the five-minute window, or whose scope names another day."""
    try:
        signed_at = datetime.strptime(signature.amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{signature.amz_date}'."
        ) from None
    if signature.date != signature.amz_date[:8]:
        raise InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{signature.date}' != '{signature.amz_date[:8]}', from '{signature.amz_date}'."
        )
    now_text = now.astimezone(UTC).strftime(_AMZ_DATE)
    if signed_at < now - MAX_SKEW:
        earliest = (now - MAX_SKEW).astimezone(UTC).strftime(_AMZ_DATE)
        raise InvalidSignatureException(
            f"Signature expired: {signature.amz_date} is now earlier than {earliest} ({now_text} - 5 min.)"
        )
    if signed_at > now + MAX_SKEW:
        latest = (now + MAX_SKEW).astimezone(UTC).strftime(_AMZ_DATE)
        raise InvalidSignatureException(
            f"Signature not yet current: {signature.amz_date} is still later than {latest} "
            f"({now_text} + 5 min.)"
        )


def canonical_request(request: ApiRequest, signed_headers: tuple[str, ...]) -> str:
    """The canonical request of `request` over `signed_headers`, as AWS defines it."""
    values: dict[str, list[str]] = {}
    for name, value in request.headers:
        key = name.decode("latin-1").lower()
        if key in signed_headers:
            values.setdefault(key, []).append(_SPACES.sub(" ", value.decode("latin-1").strip()))
    headers = "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in sorted(signed_headers))
    return "\n".join(
        (
            request.method.upper(),
            _canonical_uri(request.path),
            _canonical_query(request.query_string),
            headers,
            ";".join(sorted(signed_headers)),
            hashlib.sha256(request.body).hexdigest(),
        )
    )


def string_to_sign(signature: Signature, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join((ALGORITHM, signature.amz_date, signature.scope, digest))


def signing_key(secret: str, date: str, region: str, service: str = SERVICE) -> bytes:
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def expected_signature(request: ApiRequest, signature: Signature, secret: str) -> str:
    """The signature a client holding `secret` would have sent for `request`."""
    key = signing_key(secret, signature.date, signature.region, signature.service)
    text = string_to_sign(signature, canonical_request(request, signature.signed_headers))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(request: ApiRequest, signature: Signature, secret: str) -> None:
    """Raise InvalidSignatureException unless `signature` is `request` signed with `secret`."""
    content_hash = request.header(b"x-amz-content-sha256")
    if (
        content_hash is not None
        and content_hash.decode("latin-1") != hashlib.sha256(request.body).hexdigest()
    ):
        raise InvalidSignatureException(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    expected = expected_signature(request, signature, secret)
    if not hmac.compare_digest(expected.encode(), signature.signature.encode("latin-1")):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details."
        )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _canonical_uri(path: str) -> str:
    # Every service but S3 normalises the path and encodes each segment twice (the client encoded it
    # once to send it; the ASGI path we get is already decoded once).
    segments: list[str] = []
    for segment in (path or "/").split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    encoded = "/".join(quote(quote(s, safe=_UNRESERVED), safe=_UNRESERVED) for s in segments)
    trailing = "/" if path.endswith("/") and segments else ""
    return "/" + encoded + trailing


def _canonical_query(raw: bytes) -> str:
    pairs: list[tuple[str, str]] = []
    for part in raw.decode("latin-1").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe=_UNRESERVED), quote(unquote(value), safe=_UNRESERVED)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))

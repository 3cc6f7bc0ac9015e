"""Encoding and hashing intrinsics: Base64Encode, Base64Decode, Hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, failure, intrinsic
from stepstone.asl.json import JSON

#: AWS limits the input of these functions to 10,000 characters.
MAX_INPUT_CHARS = 10_000
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _check_length(name: str, text: str) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise failure(name, f"the input must not exceed {MAX_INPUT_CHARS} characters")


@intrinsic("Base64Encode", Kind.STRING, returns=Kind.STRING)
def base64_encode(args: Sequence[JSON], env: Env) -> JSON:
    _check_length("States.Base64Encode", args[0])
    return base64.b64encode(args[0].encode("utf-8")).decode("ascii")


@intrinsic("Base64Decode", Kind.STRING, returns=Kind.STRING)
def base64_decode(args: Sequence[JSON], env: Env) -> JSON:
    _check_length("States.Base64Decode", args[0])
    try:
        return base64.b64decode(args[0], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise failure("States.Base64Decode", "the input is not valid base64-encoded UTF-8 text") from None


def _check_algorithm(args: Sequence[JSON | None]) -> str | None:
    algorithm = args[1]
    if isinstance(algorithm, str) and algorithm not in HASH_ALGORITHMS:
        return f"the hash algorithm must be one of {', '.join(HASH_ALGORITHMS)}"
    return None


@intrinsic("Hash", Kind.STRING, Kind.STRING, returns=Kind.STRING, static_check=_check_algorithm)
def hash_(args: Sequence[JSON], env: Env) -> JSON:
    data, algorithm = args
    _check_length("States.Hash", data)
    name = HASH_ALGORITHMS.get(algorithm)
    if name is None:
        raise failure("States.Hash", f"the hash algorithm must be one of {', '.join(HASH_ALGORITHMS)}")
    return hashlib.new(name, data.encode("utf-8")).hexdigest()

"""Identifier intrinsic: UUID (version 4, drawn from the evaluation's seeded RNG).

The bits come from the seeded RNG; `uuid.uuid4()` would draw from the system and break replay.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, intrinsic
from stepstone.asl.json import JSON


def uuid4_from_bits(bits: int) -> str:
    """An RFC 4122 version 4 UUID string from 128 random bits (version and variant bits forced)."""
    return str(uuid.UUID(int=bits, version=4))


@intrinsic("UUID", returns=Kind.STRING)
def uuid_(args: Sequence[JSON], env: Env) -> JSON:
    return uuid4_from_bits(env.rng.getrandbits(128))

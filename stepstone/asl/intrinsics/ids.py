"""Identifier intrinsic: UUID (version 4, drawn from the evaluation's seeded RNG).

The bits are laid out by hand rather than with the `uuid` module, which the pure core may not import.
"""

from __future__ import annotations

from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, intrinsic
from stepstone.asl.json import JSON


def uuid4_from_bits(bits: int) -> str:
    """An RFC 4122 version 4 UUID string from 128 random bits (version and variant bits forced)."""
    bits &= ~(0xF000 << 64)
    bits |= 0x4000 << 64  # version 4
    bits &= ~(0xC000 << 48)
    bits |= 0x8000 << 48  # variant 10xx
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@intrinsic("UUID", returns=Kind.STRING)
def uuid_(args: Sequence[JSON], env: Env) -> JSON:
    return uuid4_from_bits(env.rng.getrandbits(128))

"""Identifier intrinsic: UUID (version 4, drawn from the evaluation's seeded RNG)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from stepstone.asl.env import Env
from stepstone.asl.intrinsics.registry import Kind, intrinsic
from stepstone.asl.json import JSON


@intrinsic("UUID", returns=Kind.STRING)
def uuid_(args: Sequence[JSON], env: Env) -> JSON:
    return str(uuid.UUID(int=env.rng.getrandbits(128), version=4))

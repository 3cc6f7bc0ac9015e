"""What an expression may read besides the state input: the Context object, variables, randomness.

Randomness is a seeded `random.Random` handed in by the caller (the interpreter seeds it from the
event), so evaluation stays deterministic and replayable.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from stepstone.asl.json import JSON


@dataclass(slots=True)
class Env:
    """The environment of one evaluation: `$$` (context), `$name` (variables) and a seeded RNG."""

    context: JSON = None
    variables: Mapping[str, JSON] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

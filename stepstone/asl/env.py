"""What an expression may read besides the state input: the Context object, variables, randomness.

Randomness is a seeded `random.Random` handed in by the caller (the interpreter seeds it from the
event), so evaluation stays deterministic and replayable. Most evaluations draw nothing, and seeding
a generator costs more than many a whole evaluation, so the caller may hand in a function that makes
the generator instead: it runs on the first draw, if any.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from stepstone.asl.json import JSON

_EMPTY: Mapping[str, JSON] = {}


class Env:
    """The environment of one evaluation: `$$` (context), `$name` (variables) and a seeded RNG."""

    __slots__ = ("_make_rng", "_rng", "context", "variables")

    def __init__(
        self,
        context: JSON = None,
        variables: Mapping[str, JSON] | None = None,
        rng: random.Random | None = None,
        *,
        make_rng: Callable[[], random.Random] | None = None,
    ) -> None:
        self.context = context
        self.variables = _EMPTY if variables is None else variables
        self._rng = rng
        self._make_rng = make_rng

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = self._make_rng() if self._make_rng is not None else random.Random(0)
        return self._rng

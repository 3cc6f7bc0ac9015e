"""The JSON value type shared by the language core.

Values are treated as immutable everywhere in `asl` and `engine`: code that "changes" a value builds a
new one and shares the untouched parts (structural sharing). That is what lets the interpreter pass
state input and output between states without copying them.

`JSON` is `Any` on purpose: the shape of user data is checked at run time by the language's own
rules (which raise AWS-named errors), and a recursive alias would force casts at every such check.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, Any]

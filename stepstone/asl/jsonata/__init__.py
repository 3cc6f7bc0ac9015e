"""JSONata for ASL states with `"QueryLanguage": "JSONata"`.

    is_expression(value)            a string "{% ... %}" (nothing before `{%` or after `%}`)
    compile_expression(text)        the text inside `{% %}` -> Expression; syntax errors raised here
    compile_value(value, field)     a JSON value whose string leaves may be expressions -> CompiledValue
    Expression / CompiledValue      .evaluate(states, variables, env) -> JSON

Evaluation binds `$states` ({"input", "result"?, "errorOutput"?, "context"}), each variable as `$name`,
and AWS's extension functions ($partition, $range, $hash, $random, $uuid, $parse; $eval is removed).
It reads no clock and draws no randomness of its own: `now` is an argument (default: the state's entry
time from `$states.context`) and randomness comes from `env.rng`. Every failure is an AslFailure named
States.QueryEvaluationError with AWS's detail text; the interpreter adds the state prefix.
"""

from __future__ import annotations

from stepstone.asl.jsonata.errors import JsonataSyntaxError, json_type_name
from stepstone.asl.jsonata.expression import (
    UNDEFINED,
    Expression,
    compile_expression,
    expression_text,
    is_expression,
)
from stepstone.asl.jsonata.value import CompiledValue, FieldSyntaxError, compile_value

__all__ = [
    "UNDEFINED",
    "CompiledValue",
    "Expression",
    "FieldSyntaxError",
    "JsonataSyntaxError",
    "compile_expression",
    "compile_value",
    "expression_text",
    "is_expression",
    "json_type_name",
]

"""Input and output of a JSONata state: `Arguments`, `Output`, `Assign` and each Catch's `Output`/`Assign`.

Every expression sees `$states`: `input` (the state's raw input), `context` (the Context object),
`result` once a Task, Parallel or Map has one, and `errorOutput` inside a Catch. Without `Arguments`
the state works on its input; without `Output` a state's output is its result (Task, Parallel, Map),
its input (the others) or, in a Catch, the error output. Failures are States.QueryEvaluationError
values raised by `stepstone.asl.jsonata`, with the field named as AWS names it.
"""

from __future__ import annotations

from stepstone.asl.env import Env
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.jsonata import (
    CompiledValue,
    Expression,
    compile_expression,
    compile_value,
    expression_text,
    is_expression,
)
from stepstone.asl.jsonata.fast import Fallback
from stepstone.engine.dataflow import Finished
from stepstone.engine.variables import JsonataAssign, check_limits, compile_assign


def optional_value(source: JSON, present: bool, field: str) -> CompiledValue | None:
    """A compiled field, or None when the definition leaves it out."""
    return compile_value(source, field) if present else None


def states_binding(input_: JSON, env: Env) -> JSONObject:
    """`$states` for expressions evaluated before the state has a result (Arguments, Items, ...)."""
    states: JSONObject = {"input": input_}
    if env.context is not None:
        states["context"] = env.context
    return states


class JsonataIO:
    """The JSONata strategy of `StateIO`."""

    __slots__ = ("_arguments", "_assign", "_catch", "_has_result", "_output")

    def __init__(
        self,
        *,
        arguments: CompiledValue | None = None,
        output: CompiledValue | None = None,
        assign: JSON = None,
        has_result: bool = False,
        catch: tuple[tuple[CompiledValue | None, JSON], ...] = (),
    ) -> None:
        self._arguments = arguments
        self._output = output
        self._assign = _jsonata_assign(assign)
        self._has_result = has_result
        self._catch = tuple((out, _jsonata_assign(assign)) for out, assign in catch)

    def effective_input(self, data: JSON, env: Env) -> JSON:
        if self._arguments is None:
            return data
        return self._arguments.evaluate(states_binding(data, env), env.variables, env)

    def finish(self, data: JSON, result: JSON, env: Env) -> Finished:
        states = states_binding(data, env)
        if self._has_result:
            states["result"] = result
        # Output and Assign both read the variables from before the state: evaluate both, then commit.
        output = result if self._output is None else self._output.evaluate(states, env.variables, env)
        assigned = (
            None if self._assign is None else check_limits(self._assign.evaluate(states, env), env.variables)
        )
        return output, assigned

    def caught(self, data: JSON, error_output: JSON, catcher: int, env: Env) -> Finished:
        out, assign = self._catch[catcher]
        states = states_binding(data, env)
        states["errorOutput"] = error_output
        output = error_output if out is None else out.evaluate(states, env.variables, env)
        assigned = None if assign is None else check_limits(assign.evaluate(states, env), env.variables)
        return output, assigned


def _jsonata_assign(source: JSON) -> JsonataAssign | None:
    assign = compile_assign(source, "JSONata")
    assert assign is None or isinstance(assign, JsonataAssign)
    return assign


class JsonataField:
    """A field that holds one JSONata expression or a plain value: TimeoutSeconds, Items, Condition, ...

    `evaluate(..., expected="number")` fails with AWS's "returned an unexpected result type" message
    when the expression's value is not of that JSON type.
    """

    __slots__ = ("_expression", "_value", "field")

    def __init__(self, source: JSON, field: str) -> None:
        self.field = field
        self._expression: Expression | None = None
        self._value: CompiledValue | None = None
        if is_expression(source):
            assert isinstance(source, str)
            self._expression = compile_expression(expression_text(source))
        else:
            self._value = compile_value(source, field)

    def evaluate(self, states: JSON, env: Env, expected: str | None = None) -> JSON:
        if self._expression is None:
            assert self._value is not None
            return self._value.evaluate(states, env.variables, env)
        if expected is None:
            return self._expression.evaluate(states, env.variables, env, field=self.field)
        return self._expression.evaluate_typed(
            states, env.variables, env, field=self.field, expected=expected
        )


class JsonataCondition:
    """A JSONata Choice rule: its `Condition` (an expression or a boolean literal) must be a boolean."""

    __slots__ = ("_condition", "_fast", "next")

    def __init__(self, condition: JSON, next_state: str) -> None:
        self.next: str | None = next_state
        self._condition = JsonataField(condition, "Condition")
        expression = self._condition._expression
        self._fast = None if expression is None else expression.fast_path

    def matches(self, data: JSON, env: Env) -> bool:
        states = states_binding(data, env)
        if self._fast is not None:
            try:
                value = self._fast(states, env.variables)
            except (Fallback, RecursionError):
                pass
            else:
                if type(value) is bool:
                    return value  # else the general path fails with AWS's unexpected-type message
        value = self._condition.evaluate(states, env, expected="boolean")
        return value is True

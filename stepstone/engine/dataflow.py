"""Input and output processing of one state, one strategy per query language.

A state's data flows `InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath`
under JSONPath; JSONata replaces all of it with `Arguments` / `Output` (`jsonata_io.JsonataIO`). The
interpreter only talks to the `StateIO` protocol. Leaving a state also evaluates its `Assign`: both
strategies answer `(output, assigned variables or None)`, computed from the variables as they were.

Every method raises `AslFailure` whose cause is the detail only; the interpreter adds the
"An error occurred while executing the state ..." prefix because only it knows the event ids.
"""

from __future__ import annotations

from typing import Protocol

from stepstone.asl.env import Env
from stepstone.asl.errors import RUNTIME, AslFailure
from stepstone.asl.json import JSON
from stepstone.asl.paths import Path, PathNotFound, ReferencePath, parse_path, parse_reference_path
from stepstone.asl.template import Template, compile_template
from stepstone.engine.variables import Assigned, JsonataAssign, JsonPathAssign, check_limits

Finished = tuple[JSON, Assigned | None]


class StateIO(Protocol):
    """How a state reads its input and shapes its output."""

    def effective_input(self, data: JSON, env: Env) -> JSON:
        """InputPath, then Parameters (or ItemSelector) when the state has them."""
        ...

    def finish(self, data: JSON, result: JSON, env: Env) -> Finished:
        """The state's output from its raw input `data` and `result`, and what its Assign assigns."""
        ...

    def caught(self, data: JSON, error_output: JSON, catcher: int, env: Env) -> Finished:
        """The output (and assignments) of a state whose error Catch entry number `catcher` handles."""
        ...


def _path(text: str | None) -> Path | None:
    return None if text is None else parse_path(text)


def _reference(text: str | None) -> ReferencePath | None:
    return None if text is None else parse_reference_path(text)


def select(path: Path, data: JSON, env: Env) -> JSON:
    """Evaluate an InputPath/OutputPath-like path; a miss is `States.Runtime` as AWS words it."""
    try:
        return path.evaluate(data, env)
    except PathNotFound as exc:
        raise AslFailure(RUNTIME, f"Invalid path '{path.text}' : {exc.reason}") from None


class JsonPathIO:
    """The JSONPath strategy: the five classic fields, with fast paths for their defaults (`$`)."""

    __slots__ = (
        "_assign",
        "_catch_assigns",
        "_catch_paths",
        "_input_path",
        "_input_whole",
        "_output_path",
        "_output_whole",
        "_parameters",
        "_result_path",
        "_result_selector",
        "_result_whole",
    )

    def __init__(
        self,
        *,
        input_path: str | None = "$",
        parameters: JSON = None,
        parameters_field: str = "Parameters",
        result_selector: JSON = None,
        result_path: str | None = "$",
        output_path: str | None = "$",
        catch_result_paths: tuple[str | None, ...] = (),
        assign: JsonPathAssign | JsonataAssign | None = None,
        catch_assigns: tuple[JsonPathAssign | JsonataAssign | None, ...] = (),
    ) -> None:
        self._input_whole = input_path == "$"
        self._input_path = None if self._input_whole else _path(input_path)
        self._parameters: Template | None = (
            None if parameters is None else compile_template(parameters, parameters_field)
        )
        self._result_selector: Template | None = (
            None if result_selector is None else compile_template(result_selector, "ResultSelector")
        )
        self._result_whole = result_path == "$"
        self._result_path = None if self._result_whole else _reference(result_path)
        self._output_whole = output_path == "$"
        self._output_path = None if self._output_whole else _path(output_path)
        self._catch_paths = tuple(_reference(p) for p in catch_result_paths)
        assert not isinstance(assign, JsonataAssign)
        self._assign = assign
        self._catch_assigns = catch_assigns or (None,) * len(catch_result_paths)

    def effective_input(self, data: JSON, env: Env) -> JSON:
        if not self._input_whole:
            data = {} if self._input_path is None else select(self._input_path, data, env)
        if self._parameters is not None:
            data = self._parameters.evaluate(data, env)
        return data

    def finish(self, data: JSON, result: JSON, env: Env) -> Finished:
        if self._result_selector is not None:
            result = self._result_selector.evaluate(result, env)
        # JSONPath Assign reads the result after ResultSelector as `$` (the effective input for
        # states without a result), before ResultPath merges it into the input.
        assigned = (
            None if self._assign is None else check_limits(self._assign.evaluate(result, env), env.variables)
        )
        if not self._result_whole:
            result = data if self._result_path is None else self._result_path.set(data, result)
        if self._output_whole:
            return result, assigned
        return ({} if self._output_path is None else select(self._output_path, result, env)), assigned

    def caught(self, data: JSON, error_output: JSON, catcher: int, env: Env) -> Finished:
        assign = self._catch_assigns[catcher]
        assigned = None if assign is None else check_limits(assign.evaluate(error_output, env), env.variables)
        path = self._catch_paths[catcher]
        return (data if path is None else path.set(data, error_output)), assigned

"""What a Distributed Map state asks for, resolved against its input when the state is entered.

ItemReader (Parameters/Arguments and ReaderConfig with MaxItems/MaxItemsPath), ItemBatcher
(MaxItemsPerBatch, MaxInputBytesPerBatch, their *Path forms, BatchInput), ResultWriter
(Parameters/Arguments and WriterConfig), the concurrency and the tolerated failures (and their *Path
forms). The resolved values are plain JSON kept in the run's state, so nothing is evaluated twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stepstone.asl import errors
from stepstone.asl.errors import AslFailure
from stepstone.asl.json import JSON, JSONObject
from stepstone.asl.jsonata import compile_value
from stepstone.asl.model import MapState
from stepstone.asl.paths import compact_json, parse_reference_path
from stepstone.asl.template import compile_template
from stepstone.engine.dataflow import select
from stepstone.engine.jsonata_io import states_binding
from stepstone.engine.program import CompiledState

if TYPE_CHECKING:
    from stepstone.asl.env import Env

#: AWS's ceiling for ReaderConfig.MaxItems.
MAX_ITEMS_LIMIT = 100_000_000


@dataclass(frozen=True, slots=True)
class RunConfig:
    """A Map Run's settings, resolved."""

    items: list[JSON] | None
    reader: JSONObject | None
    max_items: int
    batcher: JSONObject | None
    writer: JSONObject | None
    max_concurrency: int
    tolerated_count: int | None
    tolerated_percentage: float | None


def _integer(value: JSON, field: str, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        rendered = value if isinstance(value, str) else compact_json(value)
        raise AslFailure(
            errors.RUNTIME,
            f'The {field} field refers to value "{rendered}" which is not a valid integer: {path}',
        )
    return value


def _path_value(source: JSONObject, field: str, data: JSON, env: Env) -> JSON:
    """`source[field]`, or what `source[field + "Path"]` selects from the input."""
    path = source.get(f"{field}Path")
    if isinstance(path, str):
        return _integer(select(parse_reference_path(path).path, data, env), f"{field}Path", path)
    return source.get(field)


def _evaluate(cs: CompiledState, value: JSON, field: str, data: JSON, env: Env) -> JSON:
    """A template (JSONPath `.$` fields) or a JSONata value, evaluated against the state's input."""
    if value is None:
        return None
    if cs.jsonata:
        return compile_value(value, field).evaluate(states_binding(data, env), env.variables, env)
    return compile_template(value, field).evaluate(data, env)


def _reader(cs: CompiledState, spec: MapState, data: JSON, env: Env) -> tuple[JSONObject, int]:
    raw = spec.item_reader
    assert isinstance(raw, dict)
    params = _evaluate(cs, raw.get("Arguments" if cs.jsonata else "Parameters"), "ItemReader", data, env)
    config = raw.get("ReaderConfig") or {}
    if cs.jsonata:
        config = _evaluate(cs, config, "ReaderConfig", data, env) or {}
    assert isinstance(config, dict)
    max_items = _path_value(config, "MaxItems", data, env)
    if max_items is None:
        max_items = 0
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise AslFailure(
            errors.RUNTIME, f"The MaxItems field must be an integer, but was: {compact_json(max_items)}"
        )
    reader: JSONObject = {
        "resource": str(raw.get("Resource", "")),
        "parameters": params if isinstance(params, dict) else {},
        "config": {k: v for k, v in config.items() if not k.startswith("MaxItems")},
    }
    return reader, max_items


def _batcher(cs: CompiledState, spec: MapState, data: JSON, env: Env) -> JSONObject | None:
    raw = spec.item_batcher
    if not isinstance(raw, dict):
        return None
    if cs.jsonata:
        resolved = _evaluate(cs, raw, "ItemBatcher", data, env)
        raw = resolved if isinstance(resolved, dict) else {}
    per_batch = _path_value(raw, "MaxItemsPerBatch", data, env)
    max_bytes = _path_value(raw, "MaxInputBytesPerBatch", data, env)
    for name, value in (("MaxItemsPerBatch", per_batch), ("MaxInputBytesPerBatch", max_bytes)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise AslFailure(errors.RUNTIME, f"The {name} field must be a positive integer.")
    batch_input = raw.get("BatchInput")
    if batch_input is not None and not cs.jsonata:
        batch_input = _evaluate(cs, batch_input, "BatchInput", data, env)
    return {"max_items": per_batch or 0, "max_bytes": max_bytes or 0, "input": batch_input}


def _writer(cs: CompiledState, spec: MapState, data: JSON, env: Env) -> JSONObject | None:
    raw = spec.result_writer
    if not isinstance(raw, dict):
        return None
    params = _evaluate(cs, raw.get("Arguments" if cs.jsonata else "Parameters"), "ResultWriter", data, env)
    config = raw.get("WriterConfig")
    return {
        "resource": raw.get("Resource"),
        "parameters": params if isinstance(params, dict) else None,
        "config": config if isinstance(config, dict) else None,
    }


def _number(cs: CompiledState, field: str, fixed: float | None, data: JSON, env: Env) -> float | None:
    expression = cs.expressions.get(field)
    if expression is None:
        return fixed
    value = expression.evaluate(states_binding(data, env), env, expected="number")
    assert isinstance(value, int | float)
    return value


def _items(cs: CompiledState, data: JSON, env: Env) -> list[JSON]:
    if cs.jsonata:
        field = cs.expressions.get("Items")
        items = data if field is None else field.evaluate(states_binding(data, env), env, expected="array")
        error = errors.QUERY_EVALUATION_ERROR
    else:
        assert cs.items_path is not None
        items = select(cs.items_path.path, data, env)
        error = errors.RUNTIME
    if not isinstance(items, list):
        raise AslFailure(error, f"Map state input must be an array but was: {compact_json(items)}")
    return items


def resolve(cs: CompiledState, data: JSON, env: Env) -> RunConfig:
    """The run's settings from the state's effective input; raises AslFailure as AWS fails them."""
    spec = cs.spec
    assert isinstance(spec, MapState)
    items: list[JSON] | None = None
    reader: JSONObject | None = None
    max_items = 0
    if isinstance(spec.item_reader, dict):
        reader, max_items = _reader(cs, spec, data, env)
    else:
        items = _items(cs, data, env)
    concurrency = _number(cs, "MaxConcurrency", spec.max_concurrency, data, env) or 0
    count: float | None = spec.tolerated_failure_count
    percentage = spec.tolerated_failure_percentage
    if cs.jsonata:
        count = _number(cs, "ToleratedFailureCount", count, data, env)
        percentage = _number(cs, "ToleratedFailurePercentage", percentage, data, env)
    else:
        if cs.max_concurrency_path is not None:
            value = select(cs.max_concurrency_path.path, data, env)
            concurrency = _integer(value, "MaxConcurrencyPath", cs.max_concurrency_path.text)
        if cs.tolerated_count_path is not None:
            value = select(cs.tolerated_count_path.path, data, env)
            count = _integer(value, "ToleratedFailureCountPath", cs.tolerated_count_path.text)
        if cs.tolerated_percentage_path is not None:
            value = select(cs.tolerated_percentage_path.path, data, env)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            percentage = float(value) if ok else -1.0
    if percentage is not None and not 0 <= percentage <= 100:
        raise AslFailure(errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    return RunConfig(
        items=items,
        reader=reader,
        max_items=max_items,
        batcher=_batcher(cs, spec, data, env),
        writer=_writer(cs, spec, data, env),
        max_concurrency=max(int(concurrency), 0),
        tolerated_count=None if count is None else int(count),
        tolerated_percentage=None if percentage is None else float(percentage),
    )


__all__ = ["MAX_ITEMS_LIMIT", "RunConfig", "resolve"]

"""Parallel branches and Map processors: the containers' own fields, and the nested graphs they hold.

Each nested graph is validated as a graph of its own by the structure pass; this module says where
they are and checks what surrounds them (ProcessorConfig, ItemReader, ItemBatcher, ResultWriter).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stepstone.asl.validate import expressions
from stepstone.asl.validate.report import Report, at, is_int, is_jsonata, one_of, type_name
from stepstone.asl.validate.resources import check_resource

BRANCH_FIELDS = frozenset({"StartAt", "States", "Comment"})
PROCESSOR_FIELDS = frozenset({"StartAt", "States", "Comment", "ProcessorConfig"})
MODES = ("INLINE", "DISTRIBUTED")
EXECUTION_TYPES = ("STANDARD", "EXPRESS")
MAX_LABEL = 40
_READER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "ReaderConfig"})
_WRITER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "WriterConfig"})
_BATCHER_FIELDS = frozenset(
    {
        "MaxItemsPerBatch",
        "MaxItemsPerBatchPath",
        "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath",
        "BatchInput",
    }
)


def nested_graphs(state: dict[str, Any], where: str, report: Report) -> Iterator[tuple[dict[str, Any], str]]:
    """Check a Parallel's or Map's container fields and yield (graph, pointer) for each nested graph."""
    if state.get("Type") == "Parallel":
        yield from _branches(state.get("Branches"), at(where, "Branches"), report)
    elif state.get("Type") == "Map":
        yield from _processor(state, where, report)


def _branches(branches: Any, where: str, report: Report) -> Iterator[tuple[dict[str, Any], str]]:
    if not isinstance(branches, list):
        return
    if not branches:
        report.schema("The field 'Branches' must contain at least one branch", where)
    for index, branch in enumerate(branches):
        here = at(where, index)
        if not isinstance(branch, dict):
            report.schema(f"A branch must be an object, not {type_name(branch)}", here)
            continue
        _only(branch, BRANCH_FIELDS, here, report)
        yield branch, here


def _processor(state: dict[str, Any], where: str, report: Report) -> Iterator[tuple[dict[str, Any], str]]:
    name = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    processor = state.get(name)
    if processor is None:
        report.schema("The field 'ItemProcessor' is required but was missing", where)
    elif isinstance(processor, dict):
        here = at(where, name)
        _only(processor, PROCESSOR_FIELDS, here, report)
        _processor_config(processor.get("ProcessorConfig"), at(here, "ProcessorConfig"), report)
        yield processor, here
    label = state.get("Label")
    if isinstance(label, str) and len(label) > MAX_LABEL:
        report.schema(f"The field 'Label' must be at most {MAX_LABEL} characters", at(where, "Label"))
    _sub_object(state, "ItemReader", _READER_FIELDS, where, report)
    _sub_object(state, "ResultWriter", _WRITER_FIELDS, where, report)
    _sub_object(state, "ItemBatcher", _BATCHER_FIELDS, where, report)


def _processor_config(config: Any, where: str, report: Report) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        report.schema("The field 'ProcessorConfig' must be an object", where)
        return
    _only(config, frozenset({"Mode", "ExecutionType"}), where, report)
    mode = config.get("Mode", "INLINE")
    if mode not in MODES:
        report.schema(one_of("Mode", MODES), at(where, "Mode"))
    execution_type = config.get("ExecutionType")
    if execution_type is not None and execution_type not in EXECUTION_TYPES:
        report.schema(one_of("ExecutionType", EXECUTION_TYPES), at(where, "ExecutionType"))
    if mode == "DISTRIBUTED" and execution_type is None:
        report.schema("The field 'ExecutionType' is required but was missing", where)


def _sub_object(state: dict[str, Any], name: str, fields: frozenset[str], where: str, report: Report) -> None:
    value = state.get(name)
    if not isinstance(value, dict):
        return  # absent, or the field's type check already reported it
    here = at(where, name)
    _only(value, fields, here, report)
    # AWS: a ResultWriter may hold WriterConfig alone (the results are formatted, not exported)
    writer_config_only = name == "ResultWriter" and "WriterConfig" in value and "Resource" not in value
    if "Resource" in fields and not writer_config_only:
        if "Resource" not in value:
            report.schema("The field 'Resource' is required but was missing", here)
        check_resource(value.get("Resource"), at(here, "Resource"), report)
        if "Parameters" in value:
            expressions.check_template(value["Parameters"], at(here, "Parameters"), "Parameters", report)
    for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        if key in value and not (is_int(value[key]) and value[key] >= 0) and not is_jsonata(value[key]):
            report.schema(f"The field '{key}' must be an integer >= 0", at(here, key))


def _only(obj: dict[str, Any], fields: frozenset[str], where: str, report: Report) -> None:
    for name in obj:
        if name not in fields:
            report.schema(f'The field "{name}" is not supported by Step Functions', at(where, name))

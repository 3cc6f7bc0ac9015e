"""The machine and its graphs: StartAt, transitions, reachability, terminal states, unique names.

Every Parallel branch and Map processor is a graph of its own: its transitions must stay inside it,
so a `Next` that names a state of an enclosing graph is a missing target, as it is on AWS.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from stepstone.asl.diagnostics import (
    DUPLICATE_STATE_NAME,
    INVALID_STATE_NAME,
    MISSING_END_STATE,
    MISSING_TRANSITION_TARGET,
)
from stepstone.asl.validate.fields import STATE_TYPES, Kind, check_kind
from stepstone.asl.validate.map_parallel import nested_graphs
from stepstone.asl.validate.report import (
    JSONATA,
    JSONPATH,
    MAY_BE_REFUSED,
    QUERY_LANGUAGES,
    Report,
    at,
    one_of,
    type_name,
)
from stepstone.asl.validate.states import check_state

MACHINE_FIELDS = {
    "StartAt": Kind.STRING,
    "States": Kind.OBJECT,
    "Comment": Kind.STRING,
    "Version": Kind.STRING,
    "TimeoutSeconds": Kind.POSITIVE,
    "QueryLanguage": Kind.STRING,
}
MAX_STATE_NAME = 80
#: State types that move on with `Next` or stop with `End: true`.
TRANSITIONING = ("Pass", "Task", "Wait", "Parallel", "Map")


def check_machine(definition: Any, report: Report) -> None:
    """The whole definition: top-level fields, then the top graph and every graph nested in it."""
    if not isinstance(definition, dict):
        report.schema(f"The definition must be an object, not {type_name(definition)}", "")
        return
    for name, value in definition.items():
        if name not in MACHINE_FIELDS:
            report.schema(f'The field "{name}" is not supported by Step Functions', at("", name))
        elif name not in ("StartAt", "States"):  # those two are checked with the graph
            check_kind(value, MACHINE_FIELDS[name], JSONPATH, at("", name), name, report)
    language = definition.get("QueryLanguage", JSONPATH)
    if language not in QUERY_LANGUAGES:
        _bad_language(at("", "QueryLanguage"), report)
        language = JSONPATH
    report.machine_language = language
    names = set(_all_state_names(definition))
    check_graph(definition, "", report, {}, names)


def check_graph(
    graph: dict[str, Any], where: str, report: Report, seen: dict[str, str], names: set[str]
) -> None:
    """One graph: its states (recursing into nested graphs), then its transitions as a whole."""
    start = graph.get("StartAt")
    if "StartAt" not in graph:
        report.schema("The field 'StartAt' is required but was missing", where)
    elif not isinstance(start, str):
        report.schema(f"The field 'StartAt' must be a string, not {type_name(start)}", at(where, "StartAt"))
    states = graph.get("States")
    if "States" not in graph:
        report.schema("The field 'States' is required but was missing", where)
        return
    if not isinstance(states, dict):
        report.schema(f"The field 'States' must be an object, not {type_name(states)}", at(where, "States"))
        return
    if not states:
        report.schema("The field 'States' must contain at least one state", at(where, "States"))
    for name, state in states.items():
        here = at(where, "States", name)
        _check_name(name, here, report, seen)
        if not isinstance(state, dict):
            report.schema(f"A state must be an object, not {type_name(state)}", here)
            continue
        kind = state.get("Type")
        if "Type" not in state:
            report.schema("The field 'Type' is required but was missing", here)
        elif kind not in STATE_TYPES:
            report.schema(one_of("Type", STATE_TYPES), at(here, "Type"))
        else:
            check_state(state, kind, _language(state, here, report), here, report)
            _check_next_or_end(state, kind, here, report)
            for target, field, pointer in transitions(state, here):
                if target not in states:
                    _missing_target(target, field, pointer, target in names, report)
            for nested, nested_where in nested_graphs(state, here, report):
                check_graph(nested, nested_where, report, seen, names)
    if isinstance(start, str) and states:
        if start not in states:
            _missing_target(start, "StartAt", at(where, "StartAt"), start in names, report)
        else:
            _check_reachable(start, states, where, report)
    if states and not any(_is_terminal(state) for state in states.values()):
        report.add(MISSING_END_STATE, "Workflow has no terminal state", at(where, "States"))


def transitions(state: dict[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    """(target, field, pointer) of every transition out of a state: Next, Default, Choices, Catch."""
    for field in ("Next", "Default"):
        if isinstance(state.get(field), str):
            yield state[field], field, at(where, field)
    for group in ("Choices", "Catch"):
        rules = state.get(group)
        if isinstance(rules, list):
            for index, rule in enumerate(rules):
                if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                    yield rule["Next"], "Next", at(where, group, index, "Next")


def _language(state: dict[str, Any], where: str, report: Report) -> str:
    language = state.get("QueryLanguage", report.machine_language)
    if language not in QUERY_LANGUAGES:
        _bad_language(at(where, "QueryLanguage"), report)
        return report.machine_language
    if language == JSONPATH and report.machine_language == JSONATA:
        report.schema(
            "A JSONPath state is not allowed in a JSONata state machine", at(where, "QueryLanguage")
        )
    return str(language)


def _bad_language(where: str, report: Report) -> None:
    report.schema(one_of("QueryLanguage", QUERY_LANGUAGES), where)


def _check_name(name: str, where: str, report: Report, seen: dict[str, str]) -> None:
    if not name or len(name) > MAX_STATE_NAME:
        report.add(
            INVALID_STATE_NAME, f"Invalid State name: {name!r} (1 to {MAX_STATE_NAME} characters)", where
        )
    elif any(unicodedata.category(ch) == "Cc" for ch in name):
        # AWS documents the length of a state name, not its characters: accepted, but flagged
        report.warn(MAY_BE_REFUSED, f"The State name {name!r} holds a control character", where)
    if name in seen:
        report.add(DUPLICATE_STATE_NAME, f"Duplicate State name: {name}", where)
    else:
        seen[name] = where


def _check_next_or_end(state: dict[str, Any], kind: str, where: str, report: Report) -> None:
    if kind not in TRANSITIONING:
        return  # Choice, Succeed and Fail have neither; any Next/End on them is an unknown field
    if "Next" in state and state.get("End") is True:
        report.schema("These fields cannot be specified at the same time: [Next, End]", where)
    elif "Next" not in state and state.get("End") is not True:
        report.schema("The state must have either the field 'Next' or \"End\": true", where)


def _missing_target(target: str, field: str, where: str, elsewhere: bool, report: Report) -> None:
    message = f"Missing '{field}' target: {target}"
    if elsewhere:
        message += " (a transition may not leave its Parallel branch or Map processor)"
    report.add(MISSING_TRANSITION_TARGET, message, where)


def _check_reachable(start: str, states: dict[str, Any], where: str, report: Report) -> None:
    reached, todo = {start}, [start]
    while todo:
        state = states[todo.pop()]
        if isinstance(state, dict):
            for target, _, _ in transitions(state, ""):
                if target in states and target not in reached:
                    reached.add(target)
                    todo.append(target)
    for name in states:
        if name not in reached:
            report.add(
                MISSING_TRANSITION_TARGET, f'State "{name}" is not reachable.', at(where, "States", name)
            )


def _is_terminal(state: Any) -> bool:
    return isinstance(state, dict) and (state.get("Type") in ("Succeed", "Fail") or state.get("End") is True)


def _all_state_names(graph: Any) -> Iterator[str]:
    states = graph.get("States") if isinstance(graph, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        yield name
        if not isinstance(state, dict):
            continue
        branches = state.get("Branches")
        for nested in [
            *(branches if isinstance(branches, list) else []),
            state.get("ItemProcessor"),
            state.get("Iterator"),
        ]:
            yield from _all_state_names(nested)

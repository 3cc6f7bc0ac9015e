"""Step Functions Local's mock configuration file: test cases that answer named states with canned results.

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...},
                                        "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}

A test case is chosen by starting an execution on `<stateMachineArn>#<case>`; the states it names are
answered from their response, invocation by invocation (retries and re-entries count), the others run
for real. The whole file is checked when it is loaded: a mistake is a `MockConfigError` naming the file,
the JSON Pointer inside it and what is wrong, never a surprise at the state that needs it.

    MockConfigError     the file cannot be used (carries file, pointer, problem)
"""

from __future__ import annotations

import itertools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from stepstone.asl.json import JSON

__all__ = ["ENV_VAR", "MockAnswer", "MockConfig", "MockConfigError", "MockedResponse", "TestCase"]

#: The environment variable Step Functions Local and LocalStack read the file's path from.
ENV_VAR = "SFN_MOCK_CONFIG"
_KEY = re.compile(r"^(\d+)(?:-(\d+))?$")


class MockConfigError(ValueError):
    """The mock configuration file has a mistake."""

    def __init__(self, source: str, pointer: str, problem: str) -> None:
        self.source, self.pointer, self.problem = source, pointer or "/", problem
        super().__init__(f"{source}: {self.pointer}: {problem}")


@dataclass(frozen=True, slots=True)
class MockAnswer:
    """One canned answer: the state's result (`Return`), or the error it throws (`Throw`)."""

    output: JSON = None
    error: str | None = None
    cause: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True, slots=True)
class MockedResponse:
    """A named response: answers by invocation number (0 = first call); ranges are inclusive."""

    name: str
    ranges: tuple[tuple[int, int, MockAnswer], ...]  # sorted, not overlapping

    def answer(self, invocation: int) -> MockAnswer:
        """The answer for this invocation; past the last range, the last answer again."""
        for first, last, answer in self.ranges:
            if first <= invocation <= last:
                return answer
        before = [r for r in self.ranges if r[0] <= invocation]
        return (before[-1] if before else self.ranges[0])[2]


@dataclass(frozen=True, slots=True)
class TestCase:
    """The states one test case mocks, by state name."""

    machine: str
    name: str
    states: dict[str, MockedResponse]


@dataclass(frozen=True, slots=True)
class MockConfig:
    """A loaded, checked mock configuration file."""

    source: str
    machines: dict[str, dict[str, TestCase]]

    def test_case(self, machine: str, case: str) -> TestCase | None:
        return self.machines.get(machine, {}).get(case)

    @classmethod
    def load(cls, path: str | Path) -> MockConfig:
        """Read and check the file; MockConfigError (pointer "/") when it cannot be read or is not JSON."""
        source = str(path)
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise MockConfigError(source, "/", f"cannot read the file: {exc.strerror or exc}") from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise MockConfigError(source, "/", f"not JSON: {exc}") from None
        return cls.parse(document, source)

    @classmethod
    def from_env(cls, explicit: str | Path | None = None) -> MockConfig | None:
        """The file named by `explicit`, else by SFN_MOCK_CONFIG; None when neither names one."""
        path = explicit if explicit is not None else os.environ.get(ENV_VAR) or None
        return None if path is None else cls.load(path)

    @classmethod
    def parse(cls, document: object, source: str = "<mock config>") -> MockConfig:
        root = _object(document, source, "")
        responses = {
            name: _response(name, raw, source, f"/MockedResponses/{_escape(name)}")
            for name, raw in _object(root.get("MockedResponses", {}), source, "/MockedResponses").items()
        }
        machines: dict[str, dict[str, TestCase]] = {}
        for machine, raw in _object(root.get("StateMachines", {}), source, "/StateMachines").items():
            at = f"/StateMachines/{_escape(machine)}"
            body = _object(raw, source, at)
            if "TestCases" not in body:
                raise MockConfigError(source, at, "a state machine needs TestCases")
            cases: dict[str, TestCase] = {}
            for case, states in _object(body["TestCases"], source, f"{at}/TestCases").items():
                case_at = f"{at}/TestCases/{_escape(case)}"
                mocked: dict[str, MockedResponse] = {}
                for state, response in _object(states, source, case_at).items():
                    state_at = f"{case_at}/{_escape(state)}"
                    if not isinstance(response, str):
                        raise MockConfigError(source, state_at, "must name a response of MockedResponses")
                    if response not in responses:
                        raise MockConfigError(
                            source, state_at, f"names the response '{response}', which MockedResponses lacks"
                        )
                    mocked[state] = responses[response]
                cases[case] = TestCase(machine, case, mocked)
            machines[machine] = cases
        # other top-level fields are the file's own business (some keep their expected results there)
        return cls(source, machines)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _object(value: object, source: str, at: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise MockConfigError(source, at, f"must be an object, not {_kind(value)}")
    return value


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _response(name: str, raw: object, source: str, at: str) -> MockedResponse:
    ranges: list[tuple[int, int, MockAnswer]] = []
    for key, body in _object(raw, source, at).items():
        key_at = f"{at}/{_escape(key)}"
        match = _KEY.match(key)
        if match is None:
            raise MockConfigError(source, key_at, "an invocation number ('0') or range ('1-2') is expected")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise MockConfigError(source, key_at, f"the range ends ({last}) before it starts ({first})")
        ranges.append((first, last, _answer(body, source, key_at)))
    if not ranges:
        raise MockConfigError(source, at, "a mocked response needs at least one invocation ('0')")
    ranges.sort(key=lambda r: r[0])
    for (_, last, _a), (first, _, _b) in itertools.pairwise(ranges):
        if first <= last:
            raise MockConfigError(source, at, f"invocation {first} is answered twice (overlapping ranges)")
    return MockedResponse(name, tuple(ranges))


def _answer(raw: object, source: str, at: str) -> MockAnswer:
    body = _object(raw, source, at)
    kinds = [k for k in ("Return", "Throw") if k in body]
    if len(kinds) != 1 or len(body) != 1:
        raise MockConfigError(source, at, "exactly one of Return or Throw is expected")
    if kinds[0] == "Return":
        return MockAnswer(output=body["Return"])
    throw = _object(body["Throw"], source, f"{at}/Throw")
    for field in ("Error", "Cause"):
        if field in throw and not isinstance(throw[field], str):
            raise MockConfigError(source, f"{at}/Throw/{field}", "must be a string")
    if "Error" not in throw:
        raise MockConfigError(source, f"{at}/Throw", "Throw needs an Error")
    extra = sorted(set(throw) - {"Error", "Cause"})
    if extra:
        raise MockConfigError(source, f"{at}/Throw/{_escape(extra[0])}", "unknown field (Error, Cause)")
    return MockAnswer(error=str(throw["Error"]), cause=str(throw.get("Cause", "")))

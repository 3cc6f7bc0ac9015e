"""TestState: run one state on an input, outside any execution, and say what it would do.

The state runs on the pure engine through the in-process runner (virtual clock, nothing stored):
it is the only state of a throw-away machine in which every state it may go to (`Next`, a Choice
rule's or a Catch's `Next`) is a stub Succeed state, so the runner stops where the real execution
would move on, and the stub that was entered is `nextState`.

    status SUCCEEDED      the state completed; `output` and, unless it ends, `nextState`
    status CAUGHT_ERROR   it failed and a Catch took the error: `error`, `cause`, `output`, `nextState`
    status RETRIABLE      it failed and a Retrier would try again (`stateConfiguration.retrierRetryCount`
                          says how many retries were already made); nothing is retried here
    status FAILED         it failed for good: `error`, `cause`

`inspectionLevel` DEBUG adds `inspectionData` with the data at each step of the JSONPath data flow
(input, afterInputPath, afterParameters, result, afterResultSelector, afterResultPath); TRACE adds the
request and response of an HTTP Task. Task states call their resource through the server's
integrations, unless `mock` gives the result (`{"result": "<json>"}` or
`{"errorOutput": {"error", "cause"}}`). A task that would wait for a callback or a nested execution
needs a mock. A mocked result is checked as AWS checks it: against the called API's output shape
(`fieldValidationMode` STRICT, PRESENT or NONE; `mock_validation`), as an array for a Map or one item
per branch for a Parallel, whose iterations then do not run: the mock is their result.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stepstone import errors as E
from stepstone.asl.diagnostics import InvalidDefinitionError
from stepstone.asl.env import Env
from stepstone.asl.json import JSON
from stepstone.asl.load import load_definition
from stepstone.asl.paths import parse_path, parse_reference_path
from stepstone.asl.template import compile_template
from stepstone.integrations.base import Registry, TaskRequest, TaskResult
from stepstone.runtime.inprocess import InProcessRunner
from stepstone.service.base import ServiceBase, _json_payload
from stepstone.service.mock_validation import validate_mock_result

#: How long a tested Task may take (AWS allows a TestState call five minutes).
TEST_TIMEOUT = 300.0
_STATE = "TestedState"


class _Mocked:
    """Every resource answers with the mock."""

    def __init__(self, result: TaskResult) -> None:
        self.result = result

    async def invoke(self, request: TaskRequest) -> TaskResult:
        return self.result


def _pick(request: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """(state name, state definition, machine-wide QueryLanguage) from `definition` and `stateName`."""
    loaded, diagnostics = load_definition(request["definition"])
    if any(d.is_error for d in diagnostics) or not isinstance(loaded, dict):
        first = diagnostics[0] if diagnostics else "not a JSON object"
        raise E.InvalidDefinition(f"Invalid State Machine Definition: '{first}'")
    if "States" in loaded and "StartAt" in loaded:
        name = request.get("stateName") or loaded["StartAt"]
        state = loaded["States"].get(name)
        if not isinstance(state, dict):
            raise E.ValidationException(f"The state '{name}' is not in the definition.")
        language = loaded.get("QueryLanguage")
        return str(name), dict(state), language if isinstance(language, str) else None
    if "Type" not in loaded:
        raise E.InvalidDefinition("Invalid State Machine Definition: 'a state needs a Type'")
    return str(request.get("stateName") or _STATE), dict(loaded), None


def _targets(state: dict[str, Any]) -> list[str]:
    found = [state["Next"]] if isinstance(state.get("Next"), str) else []
    for rule in [*state.get("Choices", []), *state.get("Catch", [])]:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            found.append(rule["Next"])
    if isinstance(state.get("Default"), str):
        found.append(state["Default"])
    return found


#: The fields a mocked Map or Parallel keeps when it becomes a Task answered by the mock: its data flow.
_MOCKED_FANOUT_KEEPS = (
    "Comment", "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Catch", "Next", "End",
    "Assign", "Output", "QueryLanguage",
)  # fmt: skip


def _check_mock(state: dict[str, Any], mock: dict[str, Any]) -> None:
    """AWS's rules for `mock`: which states take one, and what a mocked result must look like."""
    kind = state.get("Type")
    if kind in ("Pass", "Fail", "Succeed"):
        raise E.ValidationException(f"State type '{kind}' is not supported when a mock is specified")
    if "result" not in mock:
        return
    result = _json_payload(mock.get("result"), E.ValidationException, "Mock result")
    if kind == "Parallel":
        if not isinstance(result, list):
            raise E.ValidationException("Mocked result must be an array.")
        if len(result) != len(state.get("Branches", [])):
            raise E.ValidationException(
                "Mocked result must contain the same number of items as number of Parallel branches."
            )
    elif kind == "Map":
        if "ResultWriter" in state and not isinstance(result, dict):
            raise E.ValidationException("Mocked result must be a JSON object.")
        if "ResultWriter" not in state and not isinstance(result, list):
            raise E.ValidationException("Mocked result must be an array.")
    elif kind == "Task":
        validate_mock_result(
            str(state.get("Resource", "")), result, str(mock.get("fieldValidationMode") or "STRICT")
        )


def _mocked_fanout(state: dict[str, Any]) -> dict[str, Any]:
    """A Map or Parallel under a mock does not run its iterations: the mock is its result (AWS)."""
    task = {k: v for k, v in state.items() if k in _MOCKED_FANOUT_KEEPS}
    # any resource does: the mock answers every one; lambda:invoke is one every validator knows
    return {**task, "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}


def _machine(name: str, state: dict[str, Any], language: str | None) -> dict[str, Any]:
    runnable = {k: v for k, v in state.items() if k != "Retry"}  # retries are reported, not made
    states: dict[str, Any] = {name: runnable}
    for target in _targets(state):
        states.setdefault(target, {"Type": "Succeed"})
    machine: dict[str, Any] = {"StartAt": name, "States": states}
    if language is not None:
        machine["QueryLanguage"] = language
    return machine


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _failure_event(history: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The error the tested state raised (a task failure, a timeout, a States.* runtime error)."""
    for event in history:
        if event["type"].startswith("Execution") or event["type"].endswith("StateEntered"):
            continue
        details = _details(event)
        if "error" in details:
            return details
    return None


def _retriable(state: dict[str, Any], error: str, retries_made: int) -> bool:
    for retrier in state.get("Retry", []):
        names = retrier.get("ErrorEquals", [])
        matches = error in names or ("States.ALL" in names and error != "States.Runtime")
        matches = matches or ("States.TaskFailed" in names and not error.startswith("States.Timeout"))
        if matches:
            return retries_made < int(retrier.get("MaxAttempts", 3))
    return False


def _flow(state: dict[str, Any], value: JSON, history: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSONPath data flow step by step, as far as it can be recomputed without the execution."""
    env = Env()
    data: dict[str, Any] = {"input": json.dumps(value)}
    try:
        path = state.get("InputPath", "$")
        after_input = {} if path is None else parse_path(path).evaluate(value, env)
        data["afterInputPath"] = json.dumps(after_input)
        scheduled = next((e for e in history if e["type"].endswith("Scheduled")), None)
        if scheduled is not None:
            details = _details(scheduled)
            effective = details.get("parameters", details.get("input"))
        elif "Parameters" in state:
            effective = compile_template(state["Parameters"], "Parameters").evaluate(after_input, env)
        else:
            effective = after_input
        data["afterParameters"] = json.dumps(effective)
        result: JSON = state.get("Result", effective)
        for event in history:
            if event["type"] in ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"):
                result = _details(event).get("output")
        data["result"] = json.dumps(result)
        if "ResultSelector" in state:
            result = compile_template(state["ResultSelector"], "ResultSelector").evaluate(result, env)
        data["afterResultSelector"] = json.dumps(result)
        result_path = state.get("ResultPath", "$")
        placed = value if result_path is None else parse_reference_path(result_path).set(value, result)
        data["afterResultPath"] = json.dumps(placed)
    except Exception:  # a step that fails here failed in the run too; its error is reported there
        pass
    return data


def _trace(state: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The HTTP request and response of an http:invoke Task (TRACE)."""
    out: dict[str, Any] = {}
    scheduled = next((e for e in history if e["type"] == "TaskScheduled"), None)
    if scheduled is None or not str(state.get("Resource", "")).startswith("arn:aws:states:::http:invoke"):
        return out
    params = _details(scheduled).get("parameters") or {}
    out["request"] = {
        "protocol": "https" if str(params.get("ApiEndpoint", "")).startswith("https") else "http",
        "method": params.get("Method"),
        "url": params.get("ApiEndpoint"),
        "headers": json.dumps(params.get("Headers", {})),
        "body": json.dumps(params.get("RequestBody")) if "RequestBody" in params else "",
    }
    for event in history:
        details = _details(event)
        answer = details.get("output")
        if answer is None and "cause" in details:
            try:
                answer = json.loads(details["cause"])
            except ValueError:
                answer = None
        if isinstance(answer, dict) and "StatusCode" in answer:
            out["response"] = {
                "statusCode": str(answer["StatusCode"]),
                "statusMessage": answer.get("StatusText", ""),
                "headers": json.dumps(answer.get("Headers", {})),
                "body": json.dumps(answer.get("ResponseBody")),
            }
    return out


class StateTestOperations(ServiceBase):
    """TestState: one state, one input, no execution."""

    def _test_registry(self, mock: Any) -> Registry:
        if not isinstance(mock, dict):
            return self.worker.registry
        registry = Registry()
        if "errorOutput" in mock:
            failure = mock["errorOutput"] or {}
            result = TaskResult.fail(str(failure.get("error", "")), str(failure.get("cause", "")))
        else:
            result = TaskResult.ok(_json_payload(mock.get("result"), E.ValidationException, "Mock result"))
        registry.register(lambda resource: True, _Mocked(result))
        return registry

    async def test_state(self, request: dict[str, Any]) -> dict[str, Any]:
        name, state, language = _pick(request)
        value = _json_payload(request.get("input"), E.InvalidExecutionInput, "Input")
        mock = request.get("mock")
        runnable = state
        if isinstance(mock, dict):
            _check_mock(state, mock)
            if state.get("Type") in ("Map", "Parallel"):
                runnable = _mocked_fanout(state)
        try:
            runner = InProcessRunner(
                _machine(name, runnable, language),
                registry=self._test_registry(request.get("mock")),
                state_machine_name="TestState",
            )
        except InvalidDefinitionError as exc:
            raise E.InvalidDefinition(f"Invalid State Machine Definition: '{exc}'") from None
        runner.start(value)
        try:
            result = await asyncio.wait_for(runner.run_until_idle(), TEST_TIMEOUT)
        except TimeoutError:
            raise E.ValidationException("The state did not finish within 5 minutes.") from None
        if result.status == "RUNNING" and isinstance(mock, dict):
            for token in runner.open_tokens:  # a .waitForTaskToken task: the mock is the callback
                failure = mock.get("errorOutput")
                if isinstance(failure, dict):
                    runner.send_task_failure(
                        token, str(failure.get("error", "")), str(failure.get("cause", ""))
                    )
                else:
                    runner.send_task_success(token, json.loads(str(mock.get("result", "{}"))))
            result = await runner.run_until_idle()
        if result.status == "RUNNING":
            raise E.ValidationException(
                "TestState cannot wait for a callback or a nested execution: give the result in `mock`."
            )
        history = result.history
        out: dict[str, Any] = {}
        failure = _failure_event(history, name)
        configuration = request.get("stateConfiguration") or {}
        retries_made = int(configuration.get("retrierRetryCount") or 0)
        if failure is not None and _retriable(state, str(failure["error"]), retries_made):
            out.update(status="RETRIABLE", error=failure["error"], cause=failure.get("cause", ""))
        elif result.status == "SUCCEEDED":
            exited = next((e for e in history if e["type"].endswith("StateExited")), None)
            entered_next = [e for e in history if e["type"] == "SucceedStateEntered"]
            out["output"] = json.dumps(_details(exited).get("output") if exited else result.output)
            if entered_next:
                out["nextState"] = _details(entered_next[0])["name"]
            out["status"] = "SUCCEEDED"
            if failure is not None:
                out.update(status="CAUGHT_ERROR", error=failure["error"], cause=failure.get("cause", ""))
        else:
            out.update(status="FAILED", error=result.error or "", cause=result.cause or "")
        level = request.get("inspectionLevel") or "INFO"
        if level in ("DEBUG", "TRACE"):
            inspection = (
                _flow(state, value, history) if language != "JSONata" else {"input": json.dumps(value)}
            )
            if level == "TRACE":
                inspection.update(_trace(state, history))
            out["inspectionData"] = inspection
        return out

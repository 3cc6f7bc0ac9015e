"""The console over real HTTP against a real `stepstone serve` process: pages, escaping, CSRF, actions."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import pytest

from tests.web.conftest import WAITING, Browser, Served

HOSTILE = "<script>alert('x')</script>"
PASS = {"Comment": HOSTILE, "StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}


def machine_path(arn: str) -> str:
    return "/console/state-machines/" + quote(arn, safe=":")


def execution_path(arn: str) -> str:
    return "/console/executions/" + quote(arn, safe=":")


@pytest.fixture(scope="module")
def waiting_arn(served: Served) -> str:
    return served.machine("waits", WAITING)


@pytest.fixture(scope="module")
def pass_arn(served: Served) -> str:
    return served.machine("passes", PASS)


def start_from_form(browser: Browser, machine_arn: str, payload: dict[str, object], name: str = "") -> str:
    page = browser.get(machine_path(machine_arn))
    posted = browser.post(machine_path(machine_arn) + "/start",
                          {"csrf": page.csrf(), "input": json.dumps(payload), "name": name})  # fmt: skip
    assert posted.status == 303, posted.text
    location = posted.headers["location"]
    assert location.startswith("/console/executions/")
    return location


def test_index_lists_machines_with_counts_and_security_headers(served: Served, pass_arn: str) -> None:
    served.client().start_execution(stateMachineArn=pass_arn, input="{}")
    time.sleep(0.3)
    page = served.browser().get("/console")
    assert page.status == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Strict" in page.headers["set-cookie"]
    assert (
        'href="/console/state-machines/arn:aws:states:us-east-1:123456789012:stateMachine:passes"'
        in page.text
    )
    assert re.search(r'class="badge s-SUCCEEDED">succeeded <b>\d+</b>', page.text)


def test_machine_page_escapes_the_definition_and_draws_the_diagram(served: Served, pass_arn: str) -> None:
    page = served.browser().get(machine_path(pass_arn))
    assert page.status == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert '<svg class="diagram"' in page.text and ">Only</text>" in page.text
    assert page.text.count("<script") == 1  # only the console's own script tag


def test_start_from_the_form_then_the_execution_page_shows_what_it_waits_on(
    served: Served, waiting_arn: str
) -> None:
    browser = served.browser()
    token_file = served.tmp / "token-start"
    location = start_from_form(
        browser, waiting_arn, {"path": str(token_file), "note": HOSTILE}, name="from-form"
    )
    assert location.endswith(":execution:waits:from-form")
    for _ in range(100):
        if token_file.exists() and token_file.read_text():
            break
        time.sleep(0.05)
    token = token_file.read_text()
    page = browser.get(location)
    assert page.status == 200
    assert 'class="badge s-RUNNING"' in page.text
    assert "Waiting on" in page.text and "<td>Ask</td>" in page.text
    assert "TaskScheduled" in page.text and "o-running" in page.text
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
    tasks = browser.get("/console/tasks")
    assert "from-form" in tasks.text
    for text in (page.text, tasks.text):
        assert token not in text and token[:24] not in text  # a bearer secret never reaches a page


def test_stop_from_the_form_aborts_the_execution(served: Served, waiting_arn: str) -> None:
    browser = served.browser()
    location = start_from_form(browser, waiting_arn, {"path": str(served.tmp / "token-stop")})
    page = browser.get(location)
    stopped = browser.post(location + "/stop", {"csrf": page.csrf()})
    assert stopped.status == 303 and stopped.headers["location"] == location
    arn = location.removeprefix("/console/executions/")
    assert served.wait_status(arn, {"ABORTED"})["status"] == "ABORTED"
    after = browser.get(location)
    assert 'class="badge s-ABORTED"' in after.text and "Stop execution" not in after.text


@pytest.mark.parametrize(
    ("case", "origin", "token"),
    [
        ("no token", "self", None),
        ("wrong token", "self", "0" * 64),
        ("other origin", "http://evil.example", "valid"),
        ("no origin", None, "valid"),
        ("null origin", "null", "valid"),
    ],
)
def test_forged_posts_are_refused_and_start_nothing(
    served: Served, pass_arn: str, case: str, origin: str | None, token: str | None
) -> None:
    browser = served.browser()
    page = browser.get(machine_path(pass_arn))
    form = {"input": "{}", "name": f"forged-{case.replace(' ', '-')}"}
    if token is not None:
        form["csrf"] = page.csrf() if token == "valid" else token
    refused = browser.post(machine_path(pass_arn) + "/start", form, origin=origin)
    assert refused.status == 403, case
    names = [e["name"] for e in served.client().list_executions(stateMachineArn=pass_arn)["executions"]]
    assert form["name"] not in names


def test_a_token_from_another_browser_is_refused(served: Served, pass_arn: str) -> None:
    mine, theirs = served.browser(), served.browser()
    token = mine.get(machine_path(pass_arn)).csrf()
    theirs.get(machine_path(pass_arn))  # has its own cookie
    assert theirs.post(machine_path(pass_arn) + "/start", {"csrf": token, "input": "{}"}).status == 403


def test_invalid_input_is_shown_back_escaped(served: Served, pass_arn: str) -> None:
    browser = served.browser()
    page = browser.get(machine_path(pass_arn))
    bad = '{"oops": </textarea><script>1</script>'
    answer = browser.post(machine_path(pass_arn) + "/start", {"csrf": page.csrf(), "input": bad})
    assert answer.status == 400
    assert 'role="alert"' in answer.text and "Invalid input" in answer.text
    assert "</textarea><script>" not in answer.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in answer.text


def test_status_filter_and_pagination(served: Served) -> None:
    arn = served.machine("many", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    client = served.client()
    for i in range(27):
        client.start_execution(stateMachineArn=arn, name=f"run-{i:02d}")
    for i in range(27):
        served.wait_status(arn.replace("stateMachine", "execution") + f":run-{i:02d}", {"SUCCEEDED"})
    browser = served.browser()
    first = browser.get(machine_path(arn) + "?status=SUCCEEDED")
    assert first.text.count('class="badge s-SUCCEEDED"') == 25
    older = re.search(r'<a href="([^"]+)">older »</a>', first.text)
    assert older is not None
    second = browser.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count('class="badge s-SUCCEEDED"') == 2
    assert "older »" not in second.text
    running = browser.get(machine_path(arn) + "?status=RUNNING")
    assert "No executions here." in running.text


def test_failed_execution_shows_error_cause_and_failed_states(served: Served) -> None:
    definition = {
        "StartAt": "Boom",
        "States": {"Boom": {"Type": "Task", "End": True,
                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:explode"}},
    }  # fmt: skip
    arn = served.machine("explodes", definition)
    execution = served.client().start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    served.wait_status(execution, {"FAILED"})
    page = served.browser().get(execution_path(execution))
    assert 'class="card failure"><h2>ValueError</h2>' in page.text
    assert "it &lt;b&gt;exploded&lt;/b&gt;" in page.text and "it <b>exploded" not in page.text
    assert re.search(r'class="node t-Task o-failed"', page.text)
    assert 'class="h-fail"' in page.text


def test_unknown_pages_and_resources(served: Served) -> None:
    browser = served.browser()
    missing = browser.get(execution_path("arn:aws:states:us-east-1:123456789012:execution:nope:nothing"))
    assert missing.status == 404 and "Execution Does Not Exist" in missing.text
    assert browser.get("/console/state-machines/not-an-arn").status == 404
    assert browser.get("/console/elsewhere").status == 404
    assert browser.get("/console/static/../app.py").status == 404
    css = browser.get("/console/static/console.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert browser.request("DELETE", "/console").status == 405


def test_the_api_still_answers_beside_the_console(served: Served) -> None:
    assert "stateMachines" in served.client().list_state_machines()

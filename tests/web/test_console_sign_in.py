"""Signing in once, on the approval pages, opens a locked console: the session cookie reaches /console
and the sign-in form returns the browser to the console page it came from (never off the site)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from stepstone.service import Service
from stepstone.web.approve.app import safe_next
from stepstone.web.auth import WebAuth, WebAuthSettings
from tests.approvals.conftest import PASSWORD, Stepstone, csrf_of, free_port


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stepstone]:
    """A server with a console user, an approver, and an access key (so the console requires sign-in)."""
    server = Stepstone(tmp_path_factory.mktemp("console-sign-in"), free_port())
    server.add_user("olga", "console")
    server.add_user("alice", "managers")
    server.start()
    try:
        created = subprocess.run(
            [sys.executable, "-m", "stepstone.cli.main", "keys", "create", "--name", "ops", "--allow", "*",
             "--db", str(server.db)],
            capture_output=True, text=True, env=server.env, timeout=60,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        yield server
    finally:
        server.stop()


def sign_in(server: Stepstone, user: str, sign_in_path: str) -> tuple[requests.Session, requests.Response]:
    """Open the sign-in form like a browser (requests keeps cookies by path, as browsers do), post it."""
    browser = requests.Session()
    form_page = browser.get(f"{server.url}{sign_in_path}")
    next_field = re.search(r'name="next" value="([^"]+)"', form_page.text)
    assert next_field, form_page.text
    answer = browser.post(
        f"{server.url}/approve/sign-in",
        data={
            "user": user,
            "password": PASSWORD,
            "csrf": csrf_of(form_page.text),
            "next": next_field.group(1),
        },
        allow_redirects=False,
    )
    return browser, answer


def console_sign_in_link(server: Stepstone) -> str:
    refused = requests.get(f"{server.url}/console/tasks")
    assert refused.status_code == 401
    link = re.search(r'<a href="([^"]+)">Sign in</a>', refused.text)
    assert link, refused.text
    return link.group(1)


def test_a_console_user_signs_in_through_the_consoles_link_and_reaches_the_locked_console(
    locked: Stepstone,
) -> None:
    browser, answer = sign_in(locked, "olga", console_sign_in_link(locked))
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "stepstone_session=" in cookie and "Path=/;" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    landed = browser.get(f"{locked.url}/console/")
    assert landed.status_code == 200 and "Sign-in required" not in landed.text
    tasks = browser.get(f"{locked.url}/console/tasks")
    assert tasks.status_code == 200 and "Sign-in required" not in tasks.text
    assert browser.get(f"{locked.url}/approve/").status_code == 200  # one sign-in serves both


def test_signing_in_returns_to_the_console_page_asked_for(locked: Stepstone) -> None:
    browser, answer = sign_in(locked, "olga", "/approve/sign-in?next=/console/tasks")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/tasks"
    assert browser.get(f"{locked.url}{answer.headers['location']}").status_code == 200


def test_a_signed_in_user_outside_the_console_group_is_still_refused(locked: Stepstone) -> None:
    browser, answer = sign_in(locked, "alice", console_sign_in_link(locked))
    assert answer.status_code == 303  # the sign-in itself succeeds...
    assert browser.get(f"{locked.url}/console/tasks").status_code == 401  # ...the console stays shut


def test_signing_out_ends_the_console_session_too(locked: Stepstone) -> None:
    browser, _ = sign_in(locked, "olga", console_sign_in_link(locked))
    assert browser.get(f"{locked.url}/console").status_code == 200
    home = browser.get(f"{locked.url}/approve/")
    out = browser.post(
        f"{locked.url}/approve/sign-out", data={"csrf": csrf_of(home.text)}, allow_redirects=False
    )
    assert out.status_code == 303
    assert browser.get(f"{locked.url}/console").status_code == 401


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/console", "/console"),
        (
            "/console/executions/arn:aws:states:us-east-1:1:execution:a:b",
            "/console/executions/arn:aws:states:us-east-1:1:execution:a:b",
        ),
        ("/approve/r/abc", "/approve/r/abc"),
        ("/consolex", "/approve/"),
        ("/", "/approve/"),
        ("//evil.example/console", "/approve/"),
        ("https://evil.example/console", "/approve/"),
        ("/console/../api", "/approve/"),
        ("/console/%2e%2e/x", "/approve/"),
        ("/console\\evil", "/approve/"),
        ("/console/\nLocation: x", "/approve/"),
        (None, "/approve/"),
    ],
)
def test_safe_next_admits_only_approval_and_console_paths(asked: str | None, goes_to: str) -> None:
    assert safe_next(asked) == goes_to


def test_the_session_cookie_is_secure_when_configured(tmp_path: Path) -> None:
    auth = WebAuth(Service.__new__(Service), WebAuthSettings(secure_cookies=True))
    cookie = auth.cookie("abc")
    assert cookie.split("; ") == ["stepstone_session=abc", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"]
    assert "Path=/approve" in auth.cookie("", clear=True, path="/approve")

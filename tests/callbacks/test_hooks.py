"""Signed webhooks in (`POST /hooks/<source>`) against real servers on both stores."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from stepstone.service.hooks import sign
from tests.callbacks.conftest import Node, machine, wait_for, wait_until

pytestmark = pytest.mark.slow
SECRET = "whsec_" + "s3cr3t" * 6
HOOKS = """
[sources.payments]
secret_env = "PAYMENTS_SECRET"
tolerance_seconds = 300
message_name = "Paid"
correlation_key_path = "$.data.order"
message_id_path = "$.id"
"""


@pytest.fixture
def hooked(store_dsn: str, tmp_path: Path) -> Any:
    (tmp_path / "hooks.toml").write_text(HOOKS)
    server = Node(tmp_path, store_dsn, ["--hooks", str(tmp_path / "hooks.toml")])
    assert server.env is not None
    server.env["PAYMENTS_SECRET"] = SECRET
    server.start()
    try:
        yield server
    finally:
        server.kill()


def deliver(
    node: Node, body: bytes, signature: str | None, source: str = "payments"
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stepstone-Signature"] = signature
    request = urllib.request.Request(
        f"{node.endpoint}/hooks/{source}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_good_forged_stale_and_replayed_deliveries(hooked: Node) -> None:
    sfn = hooked.sfn()
    wait = {"Type": "Task", "Resource": "arn:stepstone:states:::message:wait", "End": True,
            "Parameters": {"MessageName": "Paid", "CorrelationKey.$": "$.order"}}  # fmt: skip
    sm = machine(sfn, "pay", {"StartAt": "Wait", "States": {"Wait": wait}})
    ex = sfn.start_execution(stateMachineArn=sm, input='{"order": "o-9"}')["executionArn"]
    wait_until(lambda: hooked.call("ListOpenTasks", {"executionArn": ex})[1]["tasks"])
    body = json.dumps({"id": "evt_1", "data": {"order": "o-9", "amount": 12}}).encode()
    now = int(time.time())

    # forged (wrong secret), tampered body, stale and missing signatures: refused, nothing delivered
    forged = sign(b"not-the-secret", now, body)
    assert deliver(hooked, body, forged)[0] == 401
    tampered = body.replace(b"12", b"99")
    assert deliver(hooked, tampered, sign(SECRET.encode(), now, body))[0] == 401
    stale = sign(SECRET.encode(), now - 3600, body)
    status, answer = deliver(hooked, body, stale)
    assert status == 401 and "tolerance" in answer["message"]
    assert deliver(hooked, body, None)[0] == 401
    assert deliver(hooked, body, sign(SECRET.encode(), now, body), source="nobody")[0] == 404
    time.sleep(0.3)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"

    # good: the execution resumes with the delivery as its output; the same delivery again is a replay
    good = sign(SECRET.encode(), now, body)
    status, answer = deliver(hooked, body, good)
    assert (status, answer["delivered"], answer["messageId"]) == (200, 1, "evt_1"), answer
    done = wait_for(sfn, ex)
    assert json.loads(done["output"]) == {"id": "evt_1", "data": {"order": "o-9", "amount": 12}}
    status, answer = deliver(hooked, body, good)
    assert status == 401 and "Replayed" in answer["message"]
    # a provider's retry (re-signed, same event id) is accepted but is a duplicate message: no effect
    status, answer = deliver(hooked, body, sign(SECRET.encode(), now + 1, body))
    assert (status, answer["duplicate"]) == (200, True)

    audit = [e for e in hooked.audit() if e["action"] == "Webhook"]
    assert [e["outcome"] for e in audit].count("accepted") == 2
    reasons = [e["reason"] for e in audit if e["outcome"] == "refused"]
    assert (
        len(reasons) == 6 and any("Replayed" in r for r in reasons) and any("tolerance" in r for r in reasons)
    )
    assert all(e["principal"].startswith("hook:") for e in audit)
    everything = json.dumps(hooked.audit()) + hooked.log.read_text()
    assert SECRET not in everything and good.split("v1=")[1] not in everything

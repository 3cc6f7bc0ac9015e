"""`stepstone run` (in-process) calls AWS services at the endpoint the environment names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.aws.motoserver import MotoServer


def test_run_sends_to_the_queue_at_aws_endpoint_url(moto: MotoServer, tmp_path: Path) -> None:
    sqs: Any = moto.client("sqs")
    url = sqs.create_queue(QueueName="cli")["QueueUrl"]
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": url, "MessageBody.$": "$.text"},
                "ResultSelector": {"id.$": "$.MessageId"},
                "End": True,
            }
        },
    }
    path = tmp_path / "send.asl.json"
    path.write_text(json.dumps(definition))
    done = subprocess.run(
        [sys.executable, "-m", "stepstone.cli.main", "run", str(path), "--input", '{"text": "hi"}'],
        env={**os.environ, **moto.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert message["Body"] == "hi" and result["output"] == {"id": message["MessageId"]}

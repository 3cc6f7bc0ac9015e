"""The README's promise: boto3 and the AWS CLI reach stepstone with only an endpoint variable set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_endpoint_variable_the_readme_names_reaches_the_server(tmp_path: Path) -> None:
    assert "export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:8083" in README.read_text()
    server = ServerProcess(tmp_path)
    server.start()
    try:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL_SFN": f"http://127.0.0.1:{server.port}",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        env.pop("AWS_ENDPOINT_URL", None)
        sdk = "import boto3; boto3.client('stepfunctions').create_activity(name='readme')"
        made = subprocess.run(
            [sys.executable, "-c", sdk], env=env, capture_output=True, text=True, timeout=60
        )
        assert made.returncode == 0, made.stderr
        aws = Path(sys.executable).parent / "aws"
        listed = subprocess.run(
            [str(aws), "stepfunctions", "list-activities", "--query", "activities[].name", "--output",
             "text"], env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split() == ["readme"]
    finally:
        server.kill()

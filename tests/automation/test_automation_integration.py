"""Acceptance 3: ``preview`` -> ``up`` -> ``destroy`` of the three-node pipe with the real Pulumi CLI.

State goes to a file backend under ``tmp_path``; AWS is a moto server on 127.0.0.1 (the provider's
``endpoints`` point at it, credential checks skipped). Skipped where ``pulumi`` is not on PATH:
this is an addition to, never a replacement for, the tests that need no CLI.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from jaya_pulumi import automation
from jaya_pulumi.cli import load_pipeline

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "three_node_pipe.py"
PIPE_FILE = (
    EXAMPLE
    if EXAMPLE.exists()
    else ROOT / "tests" / "fixtures" / "pipelines" / "three_node_pipe.py"
)
KEY_ID, SECRET = "AKIAJAYAINTEGRATION1", "jaya-integration-secret-key"
SERVICES = ("s3", "lambda", "iam", "sts", "cloudwatchlogs", "cloudwatch", "logs")

pytestmark = [
    pytest.mark.pulumi_cli,
    pytest.mark.skipif(
        shutil.which("pulumi") is None,
        reason="needs the Pulumi CLI on PATH (curl -fsSL https://get.pulumi.com | sh)",
    ),
]


@pytest.fixture
def moto_url() -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_preview_up_destroy_on_a_file_backend_and_moto(tmp_path: Path, moto_url: str) -> None:
    import boto3

    pipeline = load_pipeline(PIPE_FILE)
    settings = {
        "backend_url": f"file://{tmp_path / 'state'}",
        "passphrase": "integration-test",
        "aws_conf": {
            "region": "us-east-1",
            "aws_access_key_id": KEY_ID,
            "aws_secret_access_key": SECRET,
        },
    }
    config = {
        "aws:region": "us-east-1",
        "aws:skipCredentialsValidation": "true",
        "aws:skipRequestingAccountId": "true",
        "aws:skipMetadataApiCheck": "true",
        "aws:s3UsePathStyle": "true",
        "aws:endpoints": json.dumps([{name: moto_url for name in SERVICES}]),
    }

    planned = automation.preview(pipeline, "staging", config=config, **settings)
    assert planned.node("S3('tsa-rajiv-bucket1')").count("create") >= 1
    assert planned.node("CopyS3Lambda('copy-s3')").count("create") >= 1

    lines: list[str] = []
    done = automation.up(
        pipeline,
        "staging",
        config=config,
        on_event=automation.ProgressPrinter(pipeline, write=lines.append, plan=planned.events),
        **settings,
    )
    assert "three-node-pipe" in done.outputs
    assert any("created aws:s3/bucket:Bucket tsa-rajiv-bucket1" in line for line in lines)
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {"tsa-rajiv-bucket1", "tsa-rajiv-bucket2"} <= names

    assert automation.outputs(
        pipeline, "staging", **{k: v for k, v in settings.items() if k != "aws_conf"}
    )

    gone = automation.destroy(pipeline, "staging", **settings)
    assert gone.changes.get("delete", 0) >= 3
    assert not {"tsa-rajiv-bucket1", "tsa-rajiv-bucket2"} & {
        b["Name"] for b in s3.list_buckets()["Buckets"]
    }
    # the keys never reached the state file
    state = "".join(p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*.json"))
    assert state
    assert KEY_ID not in state and SECRET not in state

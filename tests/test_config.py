"""``config.get_aws_config(environment)``: region and profile from the stack, never credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from jaya_pulumi.config import get_aws_config

ROOT = Path(__file__).resolve().parent.parent


def test_reads_the_region_of_the_stack_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert get_aws_config("staging", start=ROOT / "examples") == {"region": "us-east-1"}


def test_falls_back_to_the_environment_and_never_returns_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "data-eng")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-you")
    assert get_aws_config("development", start=tmp_path) == {
        "region": "eu-west-1",
        "profile": "data-eng",
    }

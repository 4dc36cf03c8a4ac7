"""The ``fake_cli`` fixture: a stand-in for the Pulumi CLI (``tests/fixtures/fake_pulumi.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "jaya_fake_pulumi", Path(__file__).parents[1] / "fixtures" / "fake_pulumi.py"
)
assert _SPEC is not None and _SPEC.loader is not None
fake_pulumi = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fake_pulumi)


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the Pulumi CLI with recorded events; the dict records what the wrappers passed."""
    calls: dict[str, Any] = fake_pulumi.install(monkeypatch)
    return calls

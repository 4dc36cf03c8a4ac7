"""The inline program the automation layer runs registers what the repository's ``__main__.py`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jaya_pulumi.automation import inline_program
from jaya_pulumi.cli import load_pipeline

ROOT = Path(__file__).parents[2]
MAIN = ROOT / "__main__.py"
EXAMPLE = ROOT / "examples" / "three_node_pipe.py"


def _plain(value: Any) -> Any:
    """Inputs made comparable: archives and assets become their contents."""
    import pulumi

    if isinstance(value, pulumi.asset.AssetArchive):
        return {"archive": {k: _plain(v) for k, v in value.assets.items()}}
    if isinstance(value, pulumi.asset.StringAsset):
        return {"text": value.text}
    if isinstance(value, (pulumi.asset.FileAsset, pulumi.asset.FileArchive)):
        return {"path": value.path}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _registered(synthesis: Any) -> dict[tuple[str, str], Any]:
    return {(r.type, r.name): _plain(r.inputs) for r in synthesis.resources}


@pytest.mark.skipif(
    not (MAIN.exists() and EXAMPLE.exists()), reason="__main__.py / example not present"
)
def test_inline_program_registers_the_same_resources_as_main_py() -> None:
    from jaya_pulumi.testing import synth

    from_main = synth(MAIN, stack="staging")
    inline = synth(
        inline_program(load_pipeline(EXAMPLE)),
        stack="staging",
        config={"aws:region": "us-east-1"},  # what Pulumi.staging.yaml gives __main__.py
    )

    assert _registered(inline).keys() == _registered(from_main).keys()
    assert _registered(inline) == _registered(from_main)
    assert inline.outputs == from_main.outputs

"""``synth`` and ``JayaMocks``: what a test author relies on beyond the components' own tests."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from jaya_pulumi.testing import synth

PROGRAM = """
import pulumi
from helpers import NAME
pulumi.export("name", NAME)
"""


def write_program(folder: Path, name: str, stack_config: str = "") -> Path:
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text("name: prog\nruntime: python\n")
    (folder / "helpers.py").write_text(f"NAME = {name!r}\n")
    (folder / "__main__.py").write_text(PROGRAM)
    if stack_config:
        (folder / "Pulumi.staging.yaml").write_text(stack_config)
    return folder / "__main__.py"


def test_each_program_file_sees_its_own_helper_modules(tmp_path: Path) -> None:
    first = write_program(tmp_path / "first", "first")
    second = write_program(tmp_path / "second", "second")
    assert synth(first).outputs == {"name": "first"}
    assert synth(second).outputs == {"name": "second"}


def test_exports_of_an_earlier_run_do_not_leak() -> None:
    synth(lambda: pulumi.export("only-in-first", 1))
    assert synth(lambda: pulumi.export("second", 2)).outputs == {"second": 2}


def test_encrypted_stack_config_is_named_not_silently_dropped(tmp_path: Path) -> None:
    program = write_program(
        tmp_path / "secret", "x", "config:\n  prog:dbPassword:\n    secure: AAABAxyz\n"
    )
    with pytest.warns(
        UserWarning, match=r"'prog:dbPassword' is encrypted .* config=\{'prog:dbPassword'"
    ):
        synth(program)


def test_a_provider_function_the_mocks_do_not_know_fails_by_name() -> None:
    def program() -> None:
        aws.ec2.get_vpc_output(default=True)

    with pytest.raises(Exception, match="JayaMocks has no answer for aws:ec2/getVpc:getVpc"):
        synth(program)

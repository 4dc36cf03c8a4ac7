"""The one seam into moto's internals: every attribute the harness replaces still exists."""

from __future__ import annotations

import importlib

import pytest

from jaya_pulumi.local import MOTO_SEAM

SEAM = [(module, name) for module, names in MOTO_SEAM.items() for name in names]


@pytest.mark.parametrize(("module", "name"), SEAM, ids=[f"{m}.{n}" for m, n in SEAM])
def test_moto_still_has_what_the_harness_replaces(module: str, name: str) -> None:
    target = importlib.import_module(module)
    assert callable(getattr(target, name, None)), (
        f"moto no longer has {module}.{name}, which jaya_pulumi.local._sandbox replaces to run S3 "
        "notifications on the local functions; adapt MOTO_SEAM and the harness to this moto"
    )


def test_the_seam_covers_the_s3_event_and_its_four_destinations() -> None:
    assert set(MOTO_SEAM["moto.s3.notifications"]) == {
        "_get_s3_event",
        "_invoke_awslambda",
        "_send_sqs_message",
        "_send_sns_message",
        "_send_event_bridge_message",
    }

"""Third-party requirements as a Lambda layer, built by ``pulumi_command.local.Command``.

The command runs ``pip install`` for Lambda's platform into ``python/`` (the layout Lambda puts on
``sys.path``); its ``archive`` output feeds the ``LayerVersion``. It re-runs only when the
requirements or the runtime change.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys

import pulumi

from jaya_pulumi.components._aws import aws
from jaya_pulumi.dsl import AWSLambda

__all__ = ["requirements_layer"]


def requirements_layer(
    name: str, function: AWSLambda, runtime: str, opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    """Build ``function.requirements`` into a layer and return the layer version's ARN."""
    from pulumi_command import local

    version = runtime.removeprefix("python")
    digest = hashlib.sha256("\n".join([runtime, *function.requirements]).encode()).hexdigest()[:12]
    workdir = f".jaya/layers/{name}-{digest}"
    pip = " ".join(
        [
            shlex.quote(sys.executable),
            "-m pip install --quiet --no-compile --upgrade",
            "--platform manylinux2014_x86_64 --implementation cp --only-binary=:all:",
            f"--python-version {shlex.quote(version)}",
            "--target python",
            *(shlex.quote(r) for r in function.requirements),
        ]
    )
    os.makedirs(workdir, exist_ok=True)
    build = local.Command(
        f"{name}-requirements",
        create=pip,
        update=pip,
        dir=workdir,
        archive_paths=["python/**"],
        triggers=[digest],
        opts=pulumi.ResourceOptions(parent=opts.parent),
    )
    layer = aws.lambda_.LayerVersion(
        f"{name}-requirements",
        layer_name=f"{name}-requirements",
        code=build.archive,
        compatible_runtimes=[runtime],
        description=f"Requirements of {function.label}: {', '.join(function.requirements)}"[:256],
        opts=opts,
    )
    return layer.arn

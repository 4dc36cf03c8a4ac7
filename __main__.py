"""This repository's Pulumi program: deploy the example pipelines the stack's config lists.

``pulumi up -s staging`` reads ``Pulumi.staging.yaml``: ``jaya-pulumi:pipelines`` names the
example files; every ``Pipeline`` each file defines is built under its own component.
"""

import runpy
from pathlib import Path

import pulumi

import jaya_pulumi
from jaya_pulumi.errors import ConfigurationError

config = pulumi.Config()
files = config.get_object("pipelines") or ["examples/three_node_pipe.py"]
for file in files:
    path = Path(__file__).parent / file
    if not path.is_file():
        raise ConfigurationError(f"jaya-pulumi:pipelines names {file!r}, which does not exist")
    namespace = runpy.run_path(str(path), run_name=path.stem)
    pipelines = [v for v in namespace.values() if isinstance(v, jaya_pulumi.Pipeline)]
    if not pipelines:
        raise ConfigurationError(f"{file} defines no Pipeline")
    for pipeline in pipelines:
        jaya_pulumi.build(pipeline)

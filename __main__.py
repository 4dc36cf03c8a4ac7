"""This repository's Pulumi program: deploy the example pipelines the stack's config lists.

``pulumi up -s staging`` reads ``Pulumi.staging.yaml``: ``jaya-pulumi:pipelines`` names the
example files; every ``Pipeline`` each file defines is built under its own component. A file that
ends with the seed's ``deploy.deploy_pipeline(...)`` is read up to that call, never deployed twice.
"""

from pathlib import Path

import pulumi

import jaya_pulumi

config = pulumi.Config()
for file in config.get_object("pipelines") or ["examples/three_node_pipe.py"]:
    for pipeline in jaya_pulumi.load_pipelines(Path(__file__).parent / file):
        jaya_pulumi.build(pipeline)

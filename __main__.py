"""This repository's Pulumi program: deploy the example pipelines the stack's config lists.

``pulumi up -s staging`` reads ``Pulumi.staging.yaml``: ``jaya-pulumi:pipelines`` names the
example files; every ``Pipeline`` each file defines is built under its own component. A file that
ends with the seed's ``deploy.deploy_pipeline(...)`` is read up to that call, never deployed twice.
"""

import sys
from pathlib import Path

import pulumi
from pulumi.runtime.settings import get_monitor

if get_monitor() is None:  # not under the Pulumi engine (nor its mocks): `python __main__.py`
    sys.exit(
        "__main__.py is this repository's Pulumi program: the Pulumi engine runs it.\n"
        "  Deploy it:  pulumi up -s staging   (needs the Pulumi CLI and an AWS account)\n"
        "  Try it locally, with neither:\n"
        "    echo hello > a.txt\n"
        "    jaya local examples/three_node_pipe.py --put tsa-rajiv-bucket1/a.txt=./a.txt"
    )

import jaya_pulumi  # after the check: a plain `python` run stops above

config = pulumi.Config()
for file in config.get_object("pipelines") or ["examples/three_node_pipe.py"]:
    for pipeline in jaya_pulumi.load_pipelines(Path(__file__).parent / file):
        jaya_pulumi.build(pipeline)

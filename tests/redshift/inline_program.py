"""An Automation-API-style inline program, run as ``__main__`` in a fresh process by the tests.

It defines the Pulumi program as a plain function in ``__main__`` (as an inline program is), runs it
under ``pulumi.runtime.set_mocks`` and prints, as JSON, what the mock monitor received for the table:
the serialized ``__provider``, which inputs were secret on the wire, ``additionalSecretOutputs`` and the
resolved outputs. With a database URL as argument the mocks route ``new_resource`` to the unpickled
provider's ``create``, so the table really gets created.

Usage: ``python inline_program.py PASSWORD [DATABASE_URL] [TABLE_NAME]``
"""

from __future__ import annotations

import base64
import json
import sys
from typing import Any

import dill
import pulumi
import sqlalchemy as sa
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from jaya_pulumi.redshift import ConnectionSettings, TableResource, table_spec

PASSWORD = sys.argv[1]
DATABASE_URL = sys.argv[2] if len(sys.argv) > 2 else None
TABLE_NAME = sys.argv[3] if len(sys.argv) > 3 else "my-table"
SECRET_SIG = rpc._special_secret_sig

OUTPUT_NAMES = [
    "table_name",
    "schema",
    "columns",
    "qualified_name",
    "host",
    "port",
    "database",
    "user",
    "dialect",
    "password",
]
captured: dict[str, Any] = {}


class RecordingMonitor(MockMonitor):
    """Record the raw registration (secrets still marked) before the mocks see it."""

    def RegisterResource(self, request: Any) -> Any:
        if request.type == "pulumi-python:dynamic:Resource":
            raw = rpc.deserialize_properties(request.object, keep_internal=True)
            captured["secret_inputs"] = sorted(
                k for k, v in raw.items() if isinstance(v, dict) and SECRET_SIG in v.values()
            )
            captured["additional_secret_outputs"] = list(request.additionalSecretOutputs)
        return super().RegisterResource(request)


class TableMocks(pulumi.runtime.Mocks):
    """Route the dynamic table resource to its own (unpickled) provider, like pulumi's SDK tests."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ != "pulumi-python:dynamic:Resource":
            return f"{args.name}_id", dict(args.inputs)
        serialized = args.inputs["__provider"]
        captured["provider"] = serialized
        captured["input_keys"] = sorted(args.inputs)
        if DATABASE_URL is None:
            return f"{args.name}_id", dict(args.inputs)
        provider = dill.loads(base64.b64decode(serialized))
        props = {k: v for k, v in args.inputs.items() if k != "__provider"}
        result = provider.create(props)
        return result.id, {**(result.outs or {}), "__provider": serialized}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def pulumi_program() -> TableResource:
    """The inline program: the seed's Redshift table, against the given database."""
    if DATABASE_URL is None:
        connection = ConnectionSettings.from_db_conf(
            {
                "db-name": "my-db-name",
                "db-user": "my-user",
                "db-passwd": PASSWORD,
                "db-server": "my-cluster-url",
            }
        )
    else:
        from dataclasses import replace

        connection = replace(ConnectionSettings.from_url(DATABASE_URL), password=PASSWORD)
    spec = table_spec(
        TABLE_NAME,
        [sa.Column("name", sa.String), sa.Column("age", sa.String)],
        schema="my-schema",
        redshift_diststyle="KEY",
        redshift_distkey="name",
    )
    table = TableResource.from_connection("seed-table", spec, connection)
    pulumi.export("qualified_name", table.qualified_name)
    return table


def main() -> None:
    """Run the program under mocks and print what was captured as one JSON line."""
    pulumi.runtime.set_mocks(TableMocks(), monitor=RecordingMonitor(TableMocks()), preview=False)

    @pulumi.runtime.test
    def run() -> pulumi.Output[None]:
        table = pulumi_program()
        names = ["id", *OUTPUT_NAMES]
        outputs = [getattr(table, n) for n in names]
        secret_flags = [pulumi.Output.from_input(o.is_secret()) for o in outputs]

        def record(values: list[Any]) -> None:
            half = len(names)
            captured["outputs"] = dict(zip(names, values[:half], strict=True))
            captured["secret_outputs"] = sorted(
                n for n, flag in zip(names, values[half:], strict=True) if flag
            )

        return pulumi.Output.all(*outputs, *secret_flags).apply(record)

    run()
    print(json.dumps(captured, sort_keys=True))


if __name__ == "__main__":
    main()

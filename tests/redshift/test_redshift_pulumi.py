"""TableResource through the Pulumi SDK's mock monitor, and the known dynamic-provider pitfalls.

(a) pulumi/pulumi#7453: a provider defined outside ``__main__`` must unpickle in a fresh interpreter.
(b) pulumi/pulumi#7960: it must work from an Automation-API inline program (a function in ``__main__``).
(c) pulumi/pulumi#9652: its pickle must be byte-identical across runs, or every preview shows a diff.
(d) pulumi/pulumi#17673: no secret captured in the pickle; the password is a secret input and output.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import dill
import psycopg2
import pulumi
import pytest
import sqlalchemy as sa
from pulumi.dynamic.dynamic import serialize_provider

from jaya_pulumi.redshift import ConnectionSettings, TableProvider, TableResource, table_spec

PROGRAM = Path(__file__).with_name("inline_program.py")
PASSWORD = "pw-" + uuid.uuid4().hex

UNPICKLE_AND_CREATE = """
import base64, json, sys
import dill
request = json.loads(sys.stdin.read())
provider = dill.loads(base64.b64decode(request["provider"]))
print(json.dumps({"type": type(provider).__module__ + "." + type(provider).__qualname__,
                  "state": vars(provider)}))
if request.get("props"):
    result = provider.create(request["props"])
    print(json.dumps({"id": result.id}))
"""


def run_program(*args: str) -> dict[str, Any]:
    """Run the inline program as ``__main__`` in a fresh interpreter; return what it captured."""
    done = subprocess.run(
        [sys.executable, str(PROGRAM), PASSWORD, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROGRAM.parent,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def in_fresh_interpreter(provider: str, props: dict[str, Any] | None = None) -> list[Any]:
    """Unpickle ``provider`` in a new process (and call ``create(props)``); return its JSON lines."""
    done = subprocess.run(
        [sys.executable, "-c", UNPICKLE_AND_CREATE],
        input=json.dumps({"provider": provider, "props": props}),
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.strip().splitlines()]


def table_exists(postgres_url: str, schema: str, name: str) -> bool:
    """Whether the table is there, looked up with a separate connection."""
    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, name),
        )
        found = cur.fetchone() is not None
    conn.close()
    return found


def test_a_provider_unpickles_in_a_fresh_interpreter() -> None:
    serialized = serialize_provider(TableProvider(connect_timeout=7))
    [loaded] = in_fresh_interpreter(serialized)
    assert loaded == {
        "type": "jaya_pulumi.redshift.provider.TableProvider",
        "state": {"connect_timeout": 7},
    }
    raw = base64.b64decode(serialized)
    assert b"jaya_pulumi.redshift.provider" in raw  # pickled by reference, not by value
    assert b"psycopg2" not in raw and b"sqlalchemy" not in raw


def test_b_inline_program_provider_creates_tables_from_a_fresh_process(postgres_url: str) -> None:
    first = f"inline-{uuid.uuid4().hex[:8]}"
    captured = run_program(postgres_url, first)
    assert captured["outputs"]["id"] == f"my-schema.{first}"
    assert captured["outputs"]["qualified_name"] == f"my-schema.{first}"
    assert table_exists(postgres_url, "my-schema", first)
    # The same serialized provider, in yet another interpreter, creates a second table.
    second = f"fresh-{uuid.uuid4().hex[:8]}"
    spec = table_spec(second, [sa.Column("name", sa.String)], schema="my-schema")
    props = {
        **spec.to_props(),
        **ConnectionSettings.from_url(postgres_url).to_props(),
        "password": PASSWORD,
    }
    lines = in_fresh_interpreter(captured["provider"], props)
    assert lines[-1] == {"id": f"my-schema.{second}"}
    assert table_exists(postgres_url, "my-schema", second)


def test_c_provider_pickle_is_identical_across_processes() -> None:
    first, second = run_program(), run_program()
    assert first["provider"] == second["provider"]
    assert first["input_keys"] == second["input_keys"]


def test_d_password_is_secret_and_never_in_the_pickle() -> None:
    captured = run_program()
    assert PASSWORD.encode() not in base64.b64decode(captured["provider"])
    assert captured["secret_inputs"] == ["password"]  # marked secret on the wire to the engine
    assert captured["additional_secret_outputs"] == ["password"]
    assert captured["secret_outputs"] == ["password"]
    plain = {k: v for k, v in captured["outputs"].items() if k not in captured["secret_outputs"]}
    assert PASSWORD not in json.dumps(plain)
    assert captured["outputs"]["password"] == PASSWORD  # the provider still gets it


class RoutingMocks(pulumi.runtime.Mocks):
    """Send the dynamic resource to its unpickled provider's ``create`` (pulumi's own SDK pattern)."""

    def __init__(self) -> None:
        self.providers: list[str] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ != "pulumi-python:dynamic:Resource":
            return f"{args.name}_id", dict(args.inputs)
        serialized = args.inputs["__provider"]
        self.providers.append(serialized)
        provider = dill.loads(base64.b64decode(serialized))
        result = provider.create({k: v for k, v in args.inputs.items() if k != "__provider"})
        return result.id, {**(result.outs or {}), "__provider": serialized}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def set_routing_mocks() -> RoutingMocks:
    """Install fresh routing mocks (with an event loop: an earlier asyncio.run may have unset it)."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = RoutingMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def test_table_resource_through_the_mock_monitor_creates_the_table(postgres_url: str) -> None:
    mocks = set_routing_mocks()
    name = f"mocked-{uuid.uuid4().hex[:8]}"
    spec = table_spec(
        name,
        [sa.Column("name", sa.String), sa.Column("age", sa.String)],
        schema="mocked",
        redshift_diststyle="KEY",
        redshift_distkey="name",
    )
    url = ConnectionSettings.from_url(postgres_url)
    seen: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        table = TableResource(
            "people",
            spec,
            host=url.host,
            port=url.port,
            database=url.database,
            user=url.user,
            password=PASSWORD,
            dialect="postgresql",
        )

        def record(values: list[Any]) -> None:
            seen.update(zip(["id", "qualified_name", "table_name", "columns"], values, strict=True))

        return pulumi.Output.all(
            table.id, table.qualified_name, table.table_name, table.columns
        ).apply(record)

    program()
    assert seen["id"] == seen["qualified_name"] == f"mocked.{name}"
    assert seen["table_name"] == name
    assert [c["name"] for c in seen["columns"]] == ["name", "age"]
    assert table_exists(postgres_url, "mocked", name)
    assert len(mocks.providers) == 1
    assert PASSWORD.encode() not in base64.b64decode(mocks.providers[0])


def test_table_resource_refuses_a_wrong_spec_or_dialect() -> None:
    from jaya_pulumi.errors import ConfigurationError

    set_routing_mocks()
    spec = table_spec("t", [sa.Column("a", sa.Integer)])
    with pytest.raises(ConfigurationError, match="needs a TableSpec, got dict"):
        TableResource("t", spec.to_props(), host="h", database="d", user="u", password="p")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="dialect='mysql'"):
        TableResource("t", spec, host="h", database="d", user="u", password="p", dialect="mysql")

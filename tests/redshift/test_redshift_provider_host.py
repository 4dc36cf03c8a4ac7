"""TableProvider inside Pulumi's real dynamic-provider host (``python -m pulumi.dynamic``).

The Pulumi CLI is not installed here, so this test plays the engine: it starts the SDK's provider host
in a fresh interpreter and sends it Check/Diff/Create/Update/Read/Delete over gRPC with properties
serialized the way the engine sends them (numbers as doubles, the serialized ``__provider`` string).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import psycopg2
import pytest
import sqlalchemy as sa
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from jaya_pulumi.redshift import ConnectionSettings, TableProvider, table_spec

URN = "urn:pulumi:stack::project::pulumi-python:dynamic:Resource::people"
PASSWORD = "pw-" + uuid.uuid4().hex


@pytest.fixture
def host() -> Iterator[tuple[Any, subprocess.Popen[str]]]:
    """A running dynamic-provider host process and a gRPC stub talking to it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield provider_pb2_grpc.ResourceProviderStub(channel), process
        channel.close()
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Serialize properties as the engine sends them."""
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset the thread's loop
    try:
        result: struct_pb2.Struct = loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()
    return result


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    """Deserialize properties the host sent back."""
    result: dict[str, Any] = rpc.deserialize_properties(message)
    return result


def people_props(postgres_url: str, name: str, *extra: sa.Column[Any]) -> dict[str, Any]:
    """Full resource properties for a (name, age, *extra) table, with the serialized provider."""
    spec = table_spec(
        name,
        [sa.Column("name", sa.String), sa.Column("age", sa.String), *extra],
        schema="hosted",
        redshift_diststyle="KEY",
        redshift_distkey="name",
    )
    return {
        **spec.to_props(),
        **ConnectionSettings.from_url(postgres_url).to_props(),
        "password": PASSWORD,
        "__provider": serialize_provider(TableProvider()),
    }


def count_rows(postgres_url: str, name: str) -> int:
    """Rows in hosted.<name>."""
    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM hosted."{name}"')
        row = cur.fetchone()
    conn.close()
    assert row is not None
    return int(row[0])


def test_lifecycle_in_the_real_provider_host(
    host: tuple[Any, subprocess.Popen[str]], postgres_url: str
) -> None:
    stub, process = host
    name = f"hosted-{uuid.uuid4().hex[:8]}"
    v1 = people_props(postgres_url, name)
    checked = stub.Check(provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct(v1)))
    assert list(checked.failures) == []

    created = stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    assert created.id == f"hosted.{name}"
    state = plain(created.properties)
    assert state["qualifiedName"] == f"hosted.{name}"
    assert isinstance(state["port"], float)  # came back as a double, as from the engine

    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute(f"INSERT INTO hosted.\"{name}\" VALUES ('Rajiv', '65')")
    conn.close()

    v2 = people_props(postgres_url, name, sa.Column("city", sa.String(32)))
    diff = stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=struct(v2))
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    updated = stub.Update(
        provider_pb2.UpdateRequest(id=created.id, urn=URN, olds=created.properties, news=struct(v2))
    )
    assert [c["name"] for c in plain(updated.properties)["columns"]] == ["name", "age", "city"]
    assert count_rows(postgres_url, name) == 1

    same = stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=updated.properties, news=struct(v2))
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    bad = people_props(postgres_url, name)
    bad["columns"][1]["type"] = "INTEGER"
    refused = stub.Check(
        provider_pb2.CheckRequest(urn=URN, olds=updated.properties, news=struct(bad))
    )
    assert "change column 'age' type from VARCHAR(256) to INTEGER" in refused.failures[0].reason
    with pytest.raises(grpc.RpcError, match=r"TableMigrationError.*drop column 'city'"):
        stub.Diff(
            provider_pb2.DiffRequest(
                id=created.id, urn=URN, olds=updated.properties, news=struct(bad)
            )
        )

    allowed = {**bad, "allowReplace": True, "columns": [*bad["columns"], v2["columns"][2]]}
    replace = stub.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=URN, olds=updated.properties, news=struct(allowed)
        )
    )
    assert list(replace.replaces) == ["columns"]
    assert replace.deleteBeforeReplace is True

    read = stub.Read(
        provider_pb2.ReadRequest(id=created.id, urn=URN, properties=updated.properties)
    )
    assert read.id == created.id

    stub.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=read.properties))
    assert count_rows(postgres_url, name) == 1  # held a row: left in place
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert f"left table hosted.{name} in place" in stderr

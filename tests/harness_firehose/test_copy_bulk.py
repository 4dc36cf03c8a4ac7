"""COPY's bulk path (PostgreSQL parses the plain lines) gives what the reference reader gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from test_copy_emulation import make_table

from jaya_pulumi.local.redshift import CopyResult, copy_json
from jaya_pulumi.local.redshift import copy as copy_module
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.spec import TableSpec

TRICKY = [
    '{"k": 1, "s": "plain", "b": true, "n": 10}',
    '{"k": 1E2, "s": "exp", "b": false, "n": 1}',  # a float into INTEGER: refused
    '{"k": 1.0, "s": "float", "n": 1}',
    '{"k": "42", "s": "intstr", "n": 2}',
    '{"k": "+7", "s": "plus", "n": 3}',
    '{"k": " 8 ", "s": "spaced", "n": 4}',
    '{"k": "007", "s": "zeros", "n": 5}',
    '{"k": 2147483648, "s": "over", "n": 6}',
    '{"k": -2147483648, "s": "min", "n": 9223372036854775807}',
    '{"k": -0, "s": "negzero", "n": 7}',
    '{"s": "missing k", "n": 8}',
    '{"k": null, "s": null, "b": null, "n": 9}',
    '{"k": 3, "s": "no n"}',  # NOT NULL n missing: refused
    '{"k": 4, "s": 12, "n": 11}',  # a number into VARCHAR: its JSON text
    '{"k": 5, "s": 1.5e1, "n": 12}',
    '{"k": 6, "s": {"a": [1, 2]}, "n": 13}',
    '{"k": 7, "s": "waytoolongforthis", "n": 14}',
    '{"k": 8, "s": "äöüäöüäö", "n": 15}',  # 8 characters, 16 bytes into VARCHAR(8)
    '{"k": 9, "s": "äö", "n": 16}',
    '{"k": 10, "s": "dup", "s": "last", "n": 17}',
    '{"k": 11, "s": "tab\\tnl\\n", "n": 18}',
    '{"k": 12, "s": "nul\\u0000", "n": 19}',
    '{"k": 13, "s": "\\ud83d\\ude00", "n": 20}',
    '{"k": 14, "s": "\\ud800", "n": 21}',
    '{"k": 15, "b": "yes", "n": 22}',
    '{"k": 16, "b": 1, "n": 23}',
    '{"K": 17, "S": "upper", "n": 24}',
    "",
    "   ",
    "[1, 2]",
    '"a string"',
    "{not json}",
    '{"k": 18, "n": 25} {"k": 19, "n": 26}',
    '  {"k": 20, "s": "padded", "n": 27}  ',
    '{"k": 21, "s": "NaN", "n": NaN}',
    '{"k": 22, "s": "back\\\\.slash", "n": 28}',
    "\\.",  # PostgreSQL's end-of-data marker, alone on a line
    '{"k": 23, "s": "after", "n": 29}',
]


def _table(postgres_url: str) -> TableSpec:
    return make_table(
        postgres_url,
        sa.Column("k", sa.Integer),
        sa.Column("s", sa.String(8)),
        sa.Column("b", sa.Boolean),
        sa.Column("n", sa.BigInteger, nullable=False),
    )


def _load(
    postgres_url: str, data: bytes, options: str = "JSON 'auto'"
) -> tuple[CopyResult, list[tuple[Any, ...]]]:
    spec = _table(postgres_url)
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        result = copy_json(conn, spec, data, options)
        with conn.cursor() as cur:
            cur.execute(f'SELECT * FROM copytest."{spec.name}" ORDER BY n, k NULLS LAST')
            return result, [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def _outcome(result: CopyResult) -> tuple[int, list[tuple[int, int, str, bytes]]]:
    return result.loaded, [(r.line, r.code, r.message, r.raw) for r in result.rejected]


@pytest.mark.parametrize(
    ("lines", "bulk_used"),
    [
        pytest.param(TRICKY, False, id="tricky"),  # its "\\." line: read here throughout
        pytest.param([line for line in TRICKY if line != "\\."], True, id="tricky-no-marker"),
        pytest.param(TRICKY[:1] * 3, True, id="plain"),
    ],
)
@pytest.mark.parametrize("last_break", [True, False], ids=["ends-in-break", "no-final-break"])
def test_the_bulk_path_loads_and_rejects_exactly_as_the_reference_reader(
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    bulk_used: bool,
    last_break: bool,
) -> None:
    data = "\n".join(lines).encode() + (b"\n" if last_break else b"")
    answers: list[Any] = []
    bulk_load = copy_module.bulk_load

    def spy(*args: Any) -> Any:
        answers.append(bulk_load(*args))
        return answers[-1]

    monkeypatch.setattr(copy_module, "bulk_load", spy)
    bulk, bulk_rows = _load(postgres_url, data)
    assert (answers[0] is not None) is bulk_used
    monkeypatch.setattr(copy_module, "bulk_load", lambda *args, **kwargs: None)
    reference, reference_rows = _load(postgres_url, data)
    assert bulk_rows == reference_rows
    assert _outcome(bulk) == _outcome(reference)
    assert bulk.loaded >= 1


def test_plain_lines_are_loaded_by_the_database_and_only_the_rest_read_here(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[bytes] = []
    line = copy_module._line

    def spy(raw: bytes, *args: Any) -> Any:
        read.append(raw)
        return line(raw, *args)

    monkeypatch.setattr(copy_module, "_line", spy)
    plain = [json.dumps({"k": i, "s": f"s{i}", "b": i % 2 == 0, "n": i}) for i in range(1000)]
    odd = '{"k": "x", "n": 5000}'
    result, rows = _load(postgres_url, ("\n".join([*plain, odd]) + "\n").encode())
    assert result.loaded == 1000 and len(rows) == 1000
    assert [(r.line, r.code, r.column) for r in result.rejected] == [(1001, 1207, "k")]
    assert read == [odd.encode() + b"\n"]  # the only line Python read


@pytest.mark.parametrize(
    ("options", "data"),
    [
        ("JSON 'auto ignorecase'", b'{"K": 1, "n": 1}\n'),
        ("JSON 'auto' EMPTYASNULL", b'{"k": 1, "s": "", "n": 1}\n'),
        ("JSON 'auto'", b'{"k": 1, "s": "cr", "n": 1}\r\n'),
        ("JSON 'auto'", b'{"k": 1, "s": "\xff", "n": 1}\n'),
    ],
    ids=["ignorecase", "emptyasnull", "carriage-return", "not-utf8"],
)
def test_what_the_bulk_path_cannot_vouch_for_is_read_here_whole(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, options: str, data: bytes
) -> None:
    bulk, bulk_rows = _load(postgres_url, data, options)
    monkeypatch.setattr(copy_module, "bulk_load", lambda *args, **kwargs: None)
    reference, reference_rows = _load(postgres_url, data, options)
    assert (_outcome(bulk), bulk_rows) == (_outcome(reference), reference_rows)

"""The COPY emulation: options parsed from Firehose's copyOptions, loads into a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from jaya_pulumi.local.redshift import (
    CopyOptions,
    CopyResult,
    UnsupportedCopyOptionError,
    copy_json,
    parse_copy_options,
)
from jaya_pulumi.redshift import table_spec
from jaya_pulumi.redshift.connection import ConnectionSettings
from jaya_pulumi.redshift.ddl import create_schema_ddl, create_table_ddl
from jaya_pulumi.redshift.spec import TableSpec

# -- parsing ------------------------------------------------------------------------------


def test_firehoses_default_options_parse() -> None:
    assert parse_copy_options("JSON 'auto' GZIP") == CopyOptions(text="JSON 'auto' GZIP", gzip=True)


def test_every_emulated_option_parses_in_any_spelling() -> None:
    text = (
        "format as json as 'auto ignorecase' gzip TRUNCATECOLUMNS TIMEFORMAT AS 'auto' "
        "DATEFORMAT 'AUTO' BLANKSASNULL EMPTYASNULL"
    )
    assert parse_copy_options(text) == CopyOptions(
        text=text,
        ignorecase=True,
        gzip=True,
        truncate_columns=True,
        timeformat_auto=True,
        dateformat_auto=True,
        blanks_as_null=True,
        empty_as_null=True,
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("JSON 'auto' GZIP MAXERROR 10", "COPY option MAXERROR"),
        ("JSON 's3://bucket/paths.json'", "COPY option JSON 's3://bucket/paths.json'"),
        ("CSV GZIP", "COPY option CSV"),
        ("FORMAT AS PARQUET", "COPY option FORMAT PARQUET"),
        ("JSON 'auto' TIMEFORMAT 'epochsecs'", "COPY option TIMEFORMAT 'epochsecs'"),
        ("GZIP", r"COPY option \(no JSON format\)"),
        ("JSON 'auto' ACCEPTINVCHARS", "COPY option ACCEPTINVCHARS"),
    ],
)
def test_options_that_are_not_emulated_are_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(UnsupportedCopyOptionError, match=named) as excinfo:
        parse_copy_options(text)
    assert "Supported: JSON 'auto'" in str(excinfo.value)


# -- loading ------------------------------------------------------------------------------


def make_table(postgres_url: str, *columns: sa.Column[Any]) -> TableSpec:
    spec = table_spec(f"c_{uuid.uuid4().hex[:8]}", columns, schema="copytest")
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        with conn.cursor() as cur:
            cur.execute(create_schema_ddl("copytest", "postgresql"))
            cur.execute(create_table_ddl(spec, "postgresql"))
    finally:
        conn.close()
    return spec


def load(
    postgres_url: str, spec: TableSpec, lines: list[str], options: str, **kw: Any
) -> tuple[CopyResult, list[tuple[Any, ...]]]:
    data = "".join(line + "\n" for line in lines).encode()
    if "GZIP" in options.upper():
        data = gzip.compress(data)
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        result = copy_json(conn, spec, data, options, **kw)
        with conn.cursor() as cur:
            cur.execute(f'SELECT * FROM copytest."{spec.name}" ORDER BY 1 NULLS LAST')
            return result, [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def rejections(result: CopyResult) -> list[tuple[int, int, str | None]]:
    return [(r.line, r.code, r.column) for r in result.rejected]


def test_json_auto_matches_lowercase_keys_exactly_and_ignores_extras(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(20)), sa.Column("age", sa.Integer))
    result, rows = load(
        postgres_url,
        spec,
        [
            '{"name": "ann", "age": 31, "city": "Oslo"}',
            '{"name": "bob"}',
            '{"Name": "cy", "AGE": 5}',
        ],
        "JSON 'auto' GZIP",
    )
    assert rows == [("ann", 31), ("bob", None), (None, None)]
    assert result.loaded == 3 and result.rejected == []


def test_auto_ignorecase_matches_keys_in_any_case(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(20)), sa.Column("age", sa.Integer))
    _, rows = load(postgres_url, spec, ['{"Name": "cy", "AGE": 5}'], "JSON 'auto ignorecase'")
    assert rows == [("cy", 5)]


def test_column_list_limits_what_loads(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(20)), sa.Column("age", sa.Integer))
    _, rows = load(
        postgres_url, spec, ['{"name": "ann", "age": 31}'], "JSON 'auto'", columns=["name"]
    )
    assert rows == [("ann", None)]


def test_too_long_strings_are_rejected_unless_truncatecolumns_in_bytes(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(4)))
    result, rows = load(postgres_url, spec, ['{"name": "abcdef"}', '{"name": "ok"}'], "JSON 'auto'")
    assert rows == [("ok",)]
    (rejected,) = result.rejected
    assert (rejected.line, rejected.code, rejected.column) == (1, 1204, "name")
    assert rejected.message.startswith("String length exceeds DDL length: 6 bytes into VARCHAR(4)")
    assert rejected.raw == b'{"name": "abcdef"}\n'

    spec = make_table(postgres_url, sa.Column("name", sa.String(4)))
    result, rows = load(
        postgres_url,
        spec,
        ['{"name": "abcdef"}', '{"name": "\u00e9\u00e9\u00e9"}'],
        "JSON 'auto' TRUNCATECOLUMNS",
    )
    # Redshift lengths are bytes: three 2-byte characters are cut to two.
    assert sorted(rows) == [("abcd",), ("\u00e9\u00e9",)]
    assert result.rejected == []


def test_unbounded_string_is_varchar_256_as_in_redshift(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String))
    result, rows = load(postgres_url, spec, [f'{{"name": "{"x" * 257}"}}'], "JSON 'auto'")
    assert rows == [] and rejections(result) == [(1, 1204, "name")]


def test_timeformat_auto_loads_iso_timestamps(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("at", sa.DateTime), sa.Column("day", sa.Date))
    lines = [
        '{"at": "2026-11-25T18:30:00Z", "day": "2026-11-25"}',
        '{"at": "2026-11-25 19:30:00.250+01:00"}',
        '{"at": "2026-11-25T20:00:00"}',
    ]
    result, rows = load(postgres_url, spec, lines, "JSON 'auto' TIMEFORMAT 'auto'")
    assert result.rejected == []
    assert rows == [
        (dt.datetime(2026, 11, 25, 18, 30), dt.date(2026, 11, 25)),
        (dt.datetime(2026, 11, 25, 19, 30, 0, 250000), None),  # TIMESTAMP ignores the offset
        (dt.datetime(2026, 11, 25, 20, 0), None),
    ]


def test_timestamptz_is_stored_in_utc(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("at", sa.DateTime(timezone=True)))
    _, rows = load(
        postgres_url,
        spec,
        ['{"at": "2026-11-25T19:30:00+01:00"}', '{"at": "2026-11-25 20:00:00"}'],
        "JSON 'auto' TIMEFORMAT 'auto'",
    )
    assert [r[0].astimezone(dt.UTC).replace(tzinfo=None) for r in rows] == [
        dt.datetime(2026, 11, 25, 18, 30),
        dt.datetime(2026, 11, 25, 20, 0),
    ]


def test_without_timeformat_only_redshifts_default_format_loads(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("at", sa.DateTime))
    result, rows = load(
        postgres_url,
        spec,
        ['{"at": "2026-11-25 18:30:00"}', '{"at": "2026-11-25T18:30:00Z"}'],
        "JSON 'auto'",
    )
    assert rows == [(dt.datetime(2026, 11, 25, 18, 30),)]
    assert rejections(result) == [(2, 1206, "at")]


def test_non_objects_and_bad_json_are_rejected_alone(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("name", sa.String(20)))
    result, rows = load(
        postgres_url,
        spec,
        ['{"name": "a"}', "hello", "[1, 2]", '"just a string"', '{"name": "b"} {"name": "c"}'],
        "JSON 'auto' GZIP",
    )
    assert rows == [("a",), ("b",), ("c",)]
    assert rejections(result) == [(2, 1216, None), (3, 1216, None), (4, 1216, None)]
    assert "Invalid JSON" in result.rejected[0].message
    assert "Member is not an object" in result.rejected[1].message


def test_types_convert_as_redshift_does(postgres_url: str) -> None:
    spec = make_table(
        postgres_url,
        sa.Column("id", sa.SmallInteger, nullable=False),
        sa.Column("price", sa.Numeric(6, 2)),
        sa.Column("ok", sa.Boolean),
        sa.Column("note", sa.String(40)),
        sa.Column("ratio", sa.Float),
    )
    lines = [
        '{"id": 1, "price": 12.345, "ok": "yes", "note": {"a": [1, 2]}, "ratio": "0.5"}',
        '{"id": "2", "price": "7", "ok": false, "note": 42, "ratio": 1}',
        '{"id": 40000}',  # SMALLINT overflow
        '{"price": 1}',  # NULL into NOT NULL
        '{"id": 3, "price": 123456}',  # NUMERIC(6,2) overflow
        '{"id": 4, "ok": "maybe"}',
        '{"id": 5, "ratio": "x"}',
        '{"id": 1.5}',
    ]
    result, rows = load(postgres_url, spec, lines, "JSON 'auto'")
    assert rows == [
        (1, decimal.Decimal("12.35"), True, '{"a":[1,2]}', 0.5),
        (2, decimal.Decimal("7.00"), False, "42", 1.0),
    ]
    assert rejections(result) == [
        (3, 1204, "id"),
        (4, 1213, "id"),
        (5, 1204, "price"),
        (6, 1210, "ok"),
        (7, 1208, "ratio"),
        (8, 1207, "id"),
    ]


def test_blanks_and_empties_as_null(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(5)))
    lines = ['{"k": 1, "s": ""}', '{"k": 2, "s": "  "}']
    _, rows = load(postgres_url, spec, lines, "JSON 'auto'")
    assert rows == [(1, ""), (2, "  ")]
    spec = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(5)))
    _, rows = load(postgres_url, spec, lines, "JSON 'auto' EMPTYASNULL BLANKSASNULL")
    assert rows == [(1, None), (2, None)]


def test_a_row_postgres_refuses_is_rejected_alone(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("k", sa.Integer, primary_key=True))
    result, rows = load(postgres_url, spec, ['{"k": 1}', '{"k": 1}', '{"k": 2}'], "JSON 'auto'")
    assert rows == [(1,), (2,)]
    (rejected,) = result.rejected
    assert rejected.line == 2 and "duplicate key" in rejected.message


def test_strings_needing_copy_escapes_load_exactly(postgres_url: str) -> None:
    """Rows stream in as COPY text: tabs, backslashes, line breaks and \\N must survive."""
    spec = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(40)))
    values = ["a\tb", "back\\slash", "two\nlines", "cr\rhere", "\\N", "ünï 𝄞", "", "x" * 40]
    lines = [json.dumps({"k": i, "s": v}) for i, v in enumerate(values)]
    result, rows = load(postgres_url, spec, lines, "JSON 'auto'")
    assert rows == list(enumerate(values)) and result.loaded == len(values)


def test_fast_and_line_by_line_readers_agree(postgres_url: str) -> None:
    """A CR sends the whole object through the line-by-line reader: same rows, same rejections."""
    spec = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(4)))
    lines = [
        '{"k": 1, "s": "ok"}',
        ' {"k": 2, "s": "lead"}',  # leading blank: not the fast scan's shape
        '{"k": 3, "s": "toolong"}',
        '{"k": 4} {"k": 5, "s": "tw"}',  # two objects on a line
        "[1]",
        '{"k": 6, "s": "äö"}',  # 4 bytes: fits VARCHAR(4)
        '{"k": 7, "s": "äöü"}',  # 6 bytes: does not
        "",
        '{"k": "x"}',
    ]
    fast, fast_rows = load(postgres_url, spec, lines, "JSON 'auto'")
    spec2 = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(4)))
    slow, slow_rows = load(postgres_url, spec2, [*lines, '{"k": 8, "s": "cr"}\r'], "JSON 'auto'")
    assert fast_rows == [(1, "ok"), (2, "lead"), (4, None), (5, "tw"), (6, "äö")]
    assert slow_rows == [*fast_rows, (8, "cr")]  # its line ends in CR LF
    assert rejections(fast) == [(3, 1204, "s"), (5, 1216, None), (7, 1204, "s"), (9, 1207, "k")]
    assert rejections(slow) == rejections(fast)
    assert [r.raw for r in fast.rejected] == [r.raw for r in slow.rejected]
    assert fast.rejected[0].raw == b'{"k": 3, "s": "toolong"}\n'


def test_a_refused_last_line_without_line_break_keeps_its_bytes(postgres_url: str) -> None:
    spec = make_table(postgres_url, sa.Column("k", sa.String(5), primary_key=True))
    conn = ConnectionSettings.from_url(postgres_url).connect()
    try:
        result = copy_json(conn, spec, b'{"k": "a"}\n{"k": "a"}\n{"k": "a"}', "JSON 'auto'")
    finally:
        conn.close()
    assert result.loaded == 1
    assert [(r.line, r.raw) for r in result.rejected] == [
        (2, b'{"k": "a"}\n'),
        (3, b'{"k": "a"}'),
    ]


def test_broken_json_lone_surrogates_and_nuls_are_rejected_not_raised(postgres_url: str) -> None:
    """Each once crashed the whole COPY (a JSONDecodeError, an encoding error in psycopg2)."""
    spec = make_table(postgres_url, sa.Column("k", sa.Integer), sa.Column("s", sa.String(20)))
    lines = [
        '{"k": 1, "s": "ok"}',
        "{not json}",
        '{"k": 2, "s": "\\ud800"}',
        '{"k": 3, "s": "nul\\u0000"}',
        '{"k": 4, "s": "\\ud83d\\ude00"}',  # a surrogate pair is one character: it loads
    ]
    result, rows = load(postgres_url, spec, lines, "JSON 'auto'")
    assert rows == [(1, "ok"), (4, "\U0001f600")]
    assert rejections(result) == [(2, 1216, None), (3, 1220, "s"), (4, 1220, "s")]
    assert "lone surrogate U+D800" in result.rejected[1].message
    assert "NUL (U+0000)" in result.rejected[2].message

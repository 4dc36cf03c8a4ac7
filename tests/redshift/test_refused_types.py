"""Issue 13, acceptance 4: types Redshift lacks are refused at graph build; capitals are warned about."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy_redshift.dialect import SUPER

from jaya_pulumi import Table
from jaya_pulumi.errors import PipelineDefinitionError, forget_shown_warnings

SEED = {"db-name": "dev", "db-user": "u", "db-passwd": "p", "db-server": "wh.example"}


@pytest.mark.parametrize(
    ("col_type", "named", "use"),
    [
        (sa.ARRAY(sa.Integer), "ARRAY", "SUPER"),
        (postgresql.ARRAY(sa.String), "ARRAY", "SUPER"),
        (sa.JSON(), "JSON", "SUPER"),
        (sa.JSON(), "JSON", r"VARCHAR\(MAX\)"),
        (postgresql.JSONB(), "JSONB", "SUPER"),
        (sa.Uuid(), "Uuid", r"CHAR\(36\)"),
        (postgresql.UUID(), "Uuid", r"CHAR\(36\)"),
        (sa.Enum("click", "purchase", name="kind"), "Enum", r"VARCHAR\(8\)"),
        (sa.Interval(), "Interval", "BIGINT"),
        (sa.LargeBinary(), "LargeBinary", "VARBYTE"),
        (sa.PickleType(), "LargeBinary", "VARBYTE"),
    ],
)
def test_a_type_redshift_lacks_is_refused_naming_table_column_and_the_type_to_use(
    col_type: Any, named: str, use: str
) -> None:
    with pytest.raises(PipelineDefinitionError) as caught:
        Table(SEED, "events", sa.Column("id", sa.Integer), sa.Column("payload", col_type))
    message = str(caught.value)
    assert "table 'events' column 'payload'" in message
    assert f"has type {named}:" in message
    assert re.search(use, message), message


def test_the_types_to_use_instead_are_accepted() -> None:
    table = Table(
        SEED,
        "events",
        sa.Column("payload", SUPER),
        sa.Column("doc", sa.String(65535)),
        sa.Column("uid", sa.CHAR(36)),
        sa.Column("blob", sa.VARBINARY(1024)),
        sa.Column("secs", sa.BigInteger),
    )
    assert [c.type for c in table.spec.columns] == [
        "SUPER",
        "VARCHAR(65535)",
        "CHAR(36)",
        "VARBINARY(1024)",
        "BIGINT",
    ]


def test_a_column_name_with_capitals_warns_once_that_redshift_lower_cases_it() -> None:
    forget_shown_warnings()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        for _ in range(2):  # a pipeline file loaded twice warns once
            Table(SEED, "events", sa.Column("userId", sa.Integer), sa.Column("kind", sa.String))
    messages = [str(w.message) for w in shown if "lower-cases" in str(w.message)]
    assert len(messages) == 1, messages
    assert "table 'events' column 'userId'" in messages[0]
    assert "'userid'" in messages[0]
    assert "auto ignorecase" in messages[0]


def test_lower_case_column_names_do_not_warn() -> None:
    forget_shown_warnings()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        Table(SEED, "events", sa.Column("user_id", sa.Integer))
    assert not [w for w in shown if "lower-cases" in str(w.message)]

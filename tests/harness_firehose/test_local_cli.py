"""``jaya local`` on the Redshift example: records go through Firehose into the local table."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from click.testing import CliRunner

from jaya_pulumi.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "s3_to_redshift.py"


def test_jaya_local_loads_the_table_and_says_how_many_rows(tmp_path: Path) -> None:
    people = [{"name": "Rajiv", "age": "65"}, {"name": "Harry", "age": "72"}, {"name": "Ann"}]
    data = tmp_path / "people.json.gz"
    data.write_bytes(gzip.compress("".join(json.dumps(p) + "\n" for p in people).encode()))

    result = CliRunner().invoke(
        main, ["local", str(EXAMPLE), "--put", f"my-source-bucket/people.json.gz={data}"]
    )

    assert result.exit_code == 0, result.output
    assert re.search(r"my-schema\.my-table\s+3\b", result.output), result.output
    assert re.search(
        r"s3://my-holding-bucket/my-firehose-prefix\S+\s+\S+ B\s+written by Firehose", result.output
    )
    assert "did not fit" not in result.output

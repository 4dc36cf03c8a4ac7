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


SERVERLESS = Path(__file__).parents[2] / "examples" / "s3_to_redshift_serverless.py"


def test_jaya_graph_and_local_on_the_serverless_example_read_as_the_readme_shows(
    tmp_path: Path,
) -> None:
    graph = CliRunner().invoke(main, ["graph", str(SERVERLESS)])
    assert graph.exit_code == 0, graph.output
    assert 'n5[\\"RedshiftServerless<br/>analytics-{stack}/analytics-{stack}"/]' in graph.output
    assert '    n5 -.->|"hosts"| n4' in graph.output

    data = tmp_path / "clicks.json.gz"
    data.write_bytes(
        gzip.compress(b'{"user_id": 7, "page": "/home", "at": "2026-12-02T18:00:00Z"}\n')
    )
    local = CliRunner().invoke(
        main, ["local", str(SERVERLESS), "--put", f"clicks-drop-local/clicks.json.gz={data}"]
    )
    assert local.exit_code == 0, local.output
    assert (
        "1 file(s) put, 1 invocation(s) ok, 0 failed, 1 object(s) written, 1 row(s) loaded, "
        "0 line(s) rejected." in local.output
    )
    assert re.search(r"^  clicks\s+1$", local.output, re.M), local.output
    assert (
        "Deployed 'clicks' as stack 'local' on the local harness: 1 bucket(s), 1 function(s), "
        "1 Firehose stream(s), 1 table(s), 1 Redshift Serverless warehouse(s)." in local.output
    )

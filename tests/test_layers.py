"""The layers of DESIGN.md hold: the DSL and the runtime never pull in pulumi."""

from __future__ import annotations

import json
import subprocess
import sys

CHECK = """
import json, logging, sys
root_handlers = list(logging.getLogger().handlers)
{imports}
print(json.dumps({{
    "loaded": sorted({{m.split(".")[0] for m in sys.modules}} & {{"pulumi", "pulumi_aws", "pulumi_command", "boto3", "sqlalchemy", "dill"}}),
    "logging_touched": logging.getLogger().handlers != root_handlers,
}}))
"""


def imported_by(imports: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stderr == ""
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_runtime_and_dsl_do_not_import_pulumi() -> None:
    result = imported_by(
        "import jaya_pulumi, jaya_pulumi.runtime, jaya_pulumi.runtime.copy, jaya_pulumi.dsl\n"
        "from jaya_pulumi import S3, CopyS3Lambda, Pipeline\n"
        "Pipeline('p', [S3('bucket-a', on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3('bucket-b')])"
    )
    assert result == {"loaded": [], "logging_touched": False}


def test_building_a_pipeline_is_what_imports_pulumi() -> None:
    result = imported_by("import jaya_pulumi.components")
    assert "pulumi" in result["loaded"]  # type: ignore[operator]

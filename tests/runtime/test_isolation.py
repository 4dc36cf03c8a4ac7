"""The Lambda runtime must import nothing but the standard library and boto3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("pulumi", "pulumi_aws", "pulumi_command", "sqlalchemy", "dill", "moto")


def test_runtime_imports_neither_pulumi_nor_sqlalchemy_nor_dill() -> None:
    script = (
        "import json, sys\n"
        "import jaya_pulumi.runtime, jaya_pulumi.runtime.copy, jaya_pulumi.runtime.firehose\n"
        "print(json.dumps(sorted(m for m in sys.modules)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(output))
    for name in FORBIDDEN:
        assert not {m for m in loaded if m == name or m.startswith(name + ".")}, name
    # boto3 is imported lazily, inside the handlers, so importing the runtime costs nothing
    assert "boto3" not in loaded and "botocore" not in loaded


def test_runtime_modules_import_only_each_other_and_the_standard_library() -> None:
    import jaya_pulumi.runtime as runtime

    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore", "mypy_boto3_s3"}
    allowed |= {"mypy_boto3_firehose", "__future__"}
    package = Path(runtime.__file__).parent
    for path in sorted(package.glob("*.py")):
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from") and not line.startswith(" "):
                top = words[1].split(".")[0]
                assert top == "" or top in allowed, f"{path.name}: {line}"

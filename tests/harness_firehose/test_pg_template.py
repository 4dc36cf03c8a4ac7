"""The embedded PostgreSQL's template sits in the shared temporary directory: only ours is used."""

from __future__ import annotations

import os
from pathlib import Path

from jaya_pulumi.local.redshift import server


def test_a_template_writable_by_others_or_missing_is_not_trusted(tmp_path: Path) -> None:
    mine = tmp_path / "template"
    mine.mkdir(mode=0o700)
    os.chmod(mine, 0o700)
    assert server._ours(mine)
    os.chmod(mine, 0o777)  # anyone could have put a postgresql.conf of theirs in it
    assert not server._ours(mine)
    assert not server._ours(tmp_path / "absent")

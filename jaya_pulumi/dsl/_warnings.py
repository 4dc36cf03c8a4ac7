"""jaya's warnings about a user's code, each shown once per process (stdlib only: ships in Lambda).

A pipeline file is often loaded more than once in one process (``jaya`` loads it, ``synth`` runs
it, a test suite imports it), and pytest resets Python's own "shown once" registry for every test.
:func:`warn_once` keeps its own record, so one mistake prints one warning.
"""

from __future__ import annotations

import warnings

__all__ = ["forget_shown_warnings", "warn_once"]

_SHOWN: set[tuple[type[Warning], str]] = set()


def warn_once(message: str, category: type[Warning] = UserWarning, *, stacklevel: int = 1) -> None:
    """``warnings.warn(message, category)``, unless this process has shown the same one already.

    :param stacklevel: as for :func:`warnings.warn`, counted from the caller of ``warn_once``.
    """
    key = (category, message)
    if key in _SHOWN:
        return
    _SHOWN.add(key)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def forget_shown_warnings() -> None:
    """Show every warning again (for test suites that assert on the same warning twice)."""
    _SHOWN.clear()

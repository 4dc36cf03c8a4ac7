"""Logger helper shared by the handlers (no configuration happens on import)."""

from __future__ import annotations

import logging
import os

__all__ = ["handler_logger"]


def handler_logger(name: str) -> logging.Logger:
    """Return the logger ``name``, at INFO unless Lambda's log-level control or the user chose one.

    The Lambda Python runtime leaves the root logger at WARNING, which would hide the one-line
    progress messages the handlers write; this only touches the runtime's own logger, and only when
    nobody configured it or set ``AWS_LAMBDA_LOG_LEVEL``.
    """
    logger = logging.getLogger(name)
    if logger.level == logging.NOTSET and "AWS_LAMBDA_LOG_LEVEL" not in os.environ:
        logger.setLevel(logging.INFO)
    return logger

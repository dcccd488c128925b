"""The SDK's log records in :mod:`logging`, logger ``"moveworks"``.

The Rust core produces the records (one per HTTP attempt with method, path,
status, attempt, duration, request id and retry decision; bodies only at trace,
redacted; never a token, secret, key or proxy credential); the extension calls
:func:`_emit` for each with its fields as ``extra`` (``record.method``,
``record.path``, ``record.status``, ``record.attempt``, ``record.duration_ms``,
``record.request_id``, ``record.error_kind``, ``record.retry``; None when they do
not apply). The core's trace level is logging level 5, named ``TRACE`` here unless
the program named level 5 already.

This module is imported on the first record, or at ``import moveworks`` when
``MOVEWORKS_LOG`` is set: never otherwise, so ``import moveworks`` does not import
:mod:`logging`.
"""

from __future__ import annotations

import logging

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

TRACE = 5
"""The ``logging`` level of the core's trace records (request and response bodies)."""

logger = logging.getLogger("moveworks")

if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")

_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "warning": logging.WARNING, "info": logging.INFO,
           "debug": logging.DEBUG, "trace": TRACE}


def _emit(level: int, message: str, fields: Dict[str, Any]) -> None:
    """One record of the core (called by the extension, on the thread of the call)."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra=fields)


def _setup_from_env(value: str) -> None:
    """``MOVEWORKS_LOG`` at import: when the ``moveworks`` logger has no handler, one
    writing to standard error, at that level (as the OpenAI SDK does with ``OPENAI_LOG``)."""
    name = value.strip().lower()
    if name in ("", "off", "none"):
        return
    # An unreadable value logs at debug rather than hiding what was asked for (the core's rule).
    level = _LEVELS.get(name, logging.DEBUG)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s moveworks %(levelname)s] %(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(level)

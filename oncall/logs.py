"""Logging set-up: a rotating file in the log folder plus stderr; Qt messages join the same log."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FILE_NAME = "oncall.log"
CRASH_LOG_NAME = "crash.log"
_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def log_file(log_dir: Path) -> Path:
    """The current log file inside ``log_dir`` (what the crash dialog and Help menu point at)."""
    return log_dir / LOG_FILE_NAME


def crash_log_file(log_dir: Path) -> Path:
    """Where faulthandler writes tracebacks of hard crashes (segfaults, aborts)."""
    return log_dir / CRASH_LOG_NAME


def setup_logging(log_dir: Path, *, debug: bool = False) -> Path:
    """Log to a rotating file (1 MB x 5) and to stderr; returns the log file's path.

    Calling it again replaces the handlers it added before, so tests and restarts do not
    write every line twice.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_file(log_dir)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_oncall", False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(_FORMAT)
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    stream_handler = logging.StreamHandler(sys.stderr)
    # stderr stays quiet unless asked: a gui-script's console is rarely read
    stream_handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        handler._oncall = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    return path

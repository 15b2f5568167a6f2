"""Logging set-up: a log file in the log folder plus stderr; Qt messages join the same log.

The file is rotated (1 MB x 5), but ``logging.handlers`` costs ~8 ms of start-up (it imports
``socket`` and ``pickle``), so the window's start logs to the same file with a plain
``FileHandler`` and :func:`start_rotation` swaps in the rotating handler after the first paint.
Every line reaches the file from the first one on.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

LOG_FILE_NAME = "oncall.log"
CRASH_LOG_NAME = "crash.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def log_file(log_dir: Path) -> Path:
    """The current log file inside ``log_dir`` (what the crash dialog and Help menu point at)."""
    return log_dir / LOG_FILE_NAME


def crash_log_file(log_dir: Path) -> Path:
    """Where faulthandler writes tracebacks of hard crashes (segfaults, aborts)."""
    return log_dir / CRASH_LOG_NAME


def _ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, "_oncall", False)]


def _rotating(path: Path) -> logging.Handler:
    import logging.handlers

    return logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )


def setup_logging(log_dir: Path, *, debug: bool = False, rotate: bool = True) -> Path:
    """Log to a rotating file (1 MB x 5) and to stderr; returns the log file's path.

    With ``rotate=False`` the file is appended to by a plain handler until
    :func:`start_rotation` is called (the window does so after its first paint).
    Calling it again replaces the handlers it added before, so tests and restarts do not
    write every line twice.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_file(log_dir)
    root = logging.getLogger()
    for handler in _ours(root):
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(_FORMAT)
    file_handler = _rotating(path) if rotate else logging.FileHandler(path, encoding="utf-8")
    stream_handler = logging.StreamHandler(sys.stderr)
    # stderr stays quiet unless asked: a gui-script's console is rarely read
    stream_handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        handler._oncall = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    return path


def start_rotation() -> None:
    """Replace the plain file handler of ``setup_logging(..., rotate=False)`` with the
    rotating one, on the same file; does nothing when the file already rotates."""
    root = logging.getLogger()
    for old in _ours(root):
        if type(old) is not logging.FileHandler:
            continue
        new = _rotating(Path(old.baseFilename))
        new.setFormatter(old.formatter)
        new.setLevel(old.level)
        new._oncall = True  # type: ignore[attr-defined]
        # one assignment: a line logged meanwhile goes to exactly one of the two
        root.handlers = [new if h is old else h for h in root.handlers]
        old.close()

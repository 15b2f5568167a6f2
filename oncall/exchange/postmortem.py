"""Writing a postmortem draft to a file the user picked, atomically."""

from __future__ import annotations

import os
from pathlib import Path


def write_postmortem(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, flushed to disk,
    then renamed over it, so a reader (or a crash) sees the old file or the new one, never
    half of one. Returns the path written."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target

"""Saving screenshots from UI tests: to $ONCALL_SCREENSHOT_DIR (kept by CI), else the test's tmp."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QWidget


def save_png(widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Grab ``widget`` into ``name``; fails the test if nothing could be written."""
    out = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    assert widget.grab().save(str(path))
    return path

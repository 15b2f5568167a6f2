"""Logging: every line reaches the log file from the start; rotation begins after the paint."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall import logs


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, with oncall's handlers removed again afterwards."""
    root = logging.getLogger()
    level = root.level
    yield root
    for handler in [h for h in root.handlers if getattr(h, "_oncall", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def _file_handlers(root: logging.Logger) -> list[logging.FileHandler]:
    ours = (h for h in root.handlers if getattr(h, "_oncall", False))  # not pytest's own
    return [h for h in ours if isinstance(h, logging.FileHandler)]


def test_plain_file_logs_from_the_start_then_rotates(
    tmp_path: Path, root_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = logs.setup_logging(tmp_path, rotate=False)
    logging.getLogger("oncall").info("before the first paint")
    [plain] = _file_handlers(root_logger)
    assert type(plain) is logging.FileHandler
    assert "before the first paint" in path.read_text(encoding="utf-8")

    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    logs.start_rotation()
    [rotating] = _file_handlers(root_logger)
    assert isinstance(rotating, logging.handlers.RotatingFileHandler)
    assert Path(rotating.baseFilename) == path
    logging.getLogger("oncall").info("after the first paint")
    text = path.read_text(encoding="utf-8")
    assert text.count("before the first paint") == 1
    assert text.count("after the first paint") == 1

    for i in range(100):
        logging.getLogger("oncall").info("line %d of a long session", i)
    assert path.with_name("oncall.log.1").exists()  # rolled over
    assert path.stat().st_size <= 2_000


def test_start_rotation_keeps_an_already_rotating_file(
    tmp_path: Path, root_logger: logging.Logger
) -> None:
    logs.setup_logging(tmp_path)
    [before] = _file_handlers(root_logger)
    assert isinstance(before, logging.handlers.RotatingFileHandler)
    logs.start_rotation()
    assert _file_handlers(root_logger) == [before]


def test_setting_up_again_does_not_log_twice(tmp_path: Path, root_logger: logging.Logger) -> None:
    logs.setup_logging(tmp_path, rotate=False)
    path = logs.setup_logging(tmp_path, rotate=False)
    logging.getLogger("oncall").warning("once")
    assert path.read_text(encoding="utf-8").count("once") == 1

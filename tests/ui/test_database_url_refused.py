"""An ONCALL_DATABASE_URL that cannot be read: the window path says so in a plain message
box (the password masked) and exits 2, instead of a Python traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from oncall.__main__ import parse_args, run_window


def test_an_unreadable_database_url_is_told_plainly(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "ONCALL_DATABASE_URL", "postgresql+psycopg://ana:s3cret@db.example:notaport/oncall"
    )
    shown: list[str] = []

    def exec_(box: QMessageBox) -> int:
        shown.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)

    assert run_window(parse_args(["--data-dir", str(tmp_path)])) == 2

    assert len(shown) == 1
    words = shown[0]
    assert words.startswith("oncall can't read its database setting\n")
    masked = "postgresql+psycopg://ana:***@db.example:notaport/oncall"
    assert f"“{masked}” is not a database URL" in words
    assert "unset it to use the database chosen in Settings → Database" in words
    err = capsys.readouterr().err
    assert err.startswith("oncall: ONCALL_DATABASE_URL: ")
    assert "s3cret" not in words + err
    assert "Traceback" not in err

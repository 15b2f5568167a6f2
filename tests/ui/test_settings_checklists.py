"""Settings → Team checklists: the folder is kept, and what it loads (or why not) is said."""

from __future__ import annotations

import shutil
from pathlib import Path

from oncall.ui.settings_dialog import SettingsDialog

DATA = Path(__file__).resolve().parent.parent / "data" / "checklists"


def test_team_folder_is_checked_and_saved(qtbot, ctx, tmp_path) -> None:
    folder = tmp_path / "team-checklists"
    folder.mkdir()
    shutil.copy(DATA / "bad-duplicate-id.yaml", folder / "ours.yaml")
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert "ready" in dialog.checklists.status.text()  # the shipped default alone

    dialog.checklists.path.setText(str(folder))
    dialog.checklists.check()
    status = dialog.checklists.status.text()
    assert "Not loaded" in status
    assert "ours.yaml:" in status  # the file and line of the problem are named

    assert dialog.settings().checklist_dir == str(folder)


def test_a_missing_folder_is_said_plainly(qtbot, ctx, tmp_path) -> None:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.checklists.path.setText(str(tmp_path / "nowhere"))
    dialog.checklists.check()
    assert dialog.checklists.status.text().startswith("There is no folder at")

"""Settings → Team checklists says when a team file changed its flow without raising its
version (rule 17, against the copy last imported into the database), and keeps nothing."""

from __future__ import annotations

from pathlib import Path

from oncall.db import checklists as stored
from oncall.exchange import checklists
from oncall.ui.settings_dialog import SettingsDialog
from tests.ui.shots import save_png

DATA = Path(__file__).resolve().parent.parent / "data" / "checklists"
GOOD = (DATA / "good.yaml").read_text(encoding="utf-8")


def test_a_changed_flow_without_a_new_version_is_said(qtbot, ctx, tmp_path) -> None:
    folder = tmp_path / "team-checklists"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    # An incident loaded the folder once: that file is the last imported copy.
    checklists.load_library(folder, sessions=ctx.sessions, now=ctx.clock(), record=True)
    (folder / "good.yaml").write_text(
        GOOD.replace('{label: "No", next: done}', '{label: "No", next: tell}'), encoding="utf-8"
    )
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(760, dialog.sizeHint().height())
    dialog.checklists.path.setText(str(folder))
    dialog.checklists.check()
    status = dialog.checklists.status.text()
    assert "good" in status.splitlines()[0]  # still ready: the imported copy is offered
    assert "good.yaml:4: version: steps or branches changed since version 2" in status
    assert "keeps using that version 2" in status
    with ctx.sessions.begin() as s:
        assert stored.checklist_copies(s)["good"].text == GOOD  # Settings keeps nothing
    dialog.show()
    qtbot.waitExposed(dialog)
    save_png(dialog, "settings-checklist-version.png", tmp_path)

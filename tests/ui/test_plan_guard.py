""" "Plan fairly… → Apply" goes through the planning guard like every other edit: the preview
shows the guard's concerns, Apply needs a written reason, and the reason is kept with the swaps."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog

from oncall.db import queries
from oncall.domain.guard import GuardRule
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png

REASON = "Carmen and Dev agreed: they take December, Ada and Bao take January."


@pytest.fixture
def dialog(qtbot, seeded_team):
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.tabs.setCurrentIndex(1)
    view.rotation_table.selectRow(0)  # "Primary"
    qtbot.mouseClick(view.plan_fairly_button, Qt.MouseButton.LeftButton)
    d = view.plan_dialog
    qtbot.addWidget(d)
    with qtbot.waitSignal(d.planned, timeout=20000):
        qtbot.mouseClick(d.plan_button, Qt.MouseButton.LeftButton)
    assert d.proposal.changes
    return d


def test_apply_shows_the_guards_concerns_and_keeps_the_reason(
    qtbot, dialog, seeded_team, monkeypatch, tmp_path
) -> None:
    # The seeded team is four people on a primary and a secondary: the fairest primary still
    # leaves someone above 25% of the coming 28 days and someone 14 days in a row.
    seen: dict[str, object] = {}

    def answer(preview: ChangePreviewDialog) -> QDialog.DialogCode:
        preview.resize(preview.sizeHint().expandedTo(preview.minimumSizeHint()))
        preview.show()
        qtbot.waitExposed(preview)
        seen["texts"] = [label.text() for label in preview.concern_labels]
        seen["rules"] = {c.rule for c in preview.concerns}
        seen["off_without_reason"] = not preview.confirm_button.isEnabled()
        preview.reason_edit.setPlainText(REASON)
        seen["on_with_reason"] = preview.confirm_button.isEnabled()
        save_png(preview, "plan_fairly_guard.png", tmp_path)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ChangePreviewDialog, "exec", answer)
    with qtbot.waitSignal(dialog.applied):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert {GuardRule.SHARE, GuardRule.CONSECUTIVE} <= seen["rules"]
    texts = " | ".join(seen["texts"])
    assert "of the coming 28 days" in texts
    assert "more than 25% is more than one person should carry" in texts
    assert "days in a row" in texts
    assert seen["off_without_reason"], "Apply waits for a written reason"
    assert seen["on_with_reason"]
    with seeded_team.ctx.sessions() as s:
        swaps = queries.list_swaps(s, seeded_team.team.id)
    assert len(swaps) == len(dialog.proposal.changes)
    assert {(w.note, w.reason) for w in swaps} == {("fair plan", REASON)}


def test_cancelling_at_the_concerns_saves_nothing(dialog, seeded_team, monkeypatch) -> None:
    monkeypatch.setattr(ChangePreviewDialog, "exec", lambda p: QDialog.DialogCode.Rejected)
    assert dialog.apply() is False
    assert dialog.concerns, "the guard was asked"
    with seeded_team.ctx.sessions() as s:
        assert queries.list_swaps(s, seeded_team.team.id) == []

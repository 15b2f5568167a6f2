""" "Plan fairly…" on the Team screen: plan on the worker, read the score and each person's
before/after, apply through the change preview as one undo step, and undo it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from oncall.db import queries
from oncall.domain.model import Role, SourceKind
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.plan_dialog import change_words
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png


@pytest.fixture
def team_view(qtbot, seeded_team):
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def _open_dialog(qtbot, view: TeamView):
    view.tabs.setCurrentIndex(1)
    view.rotation_table.selectRow(0)  # "Primary" (rows sort by name)
    assert view.plan_fairly_button.isEnabled()
    qtbot.mouseClick(view.plan_fairly_button, Qt.MouseButton.LeftButton)
    dialog = view.plan_dialog
    qtbot.addWidget(dialog)
    assert dialog.rotation.name == "Primary"
    return dialog


def test_plan_shows_the_score_each_person_and_applies_as_one_undo_step(
    qtbot, team_view, seeded_team, monkeypatch, tmp_path
) -> None:
    dialog = _open_dialog(qtbot, team_view)
    # The default range: today and the next 8 weeks.
    assert dialog.from_edit.date().toPython() == seeded_team.now.date()
    assert (dialog.to_edit.date().toPython() - seeded_team.now.date()).days == 56
    with qtbot.waitSignal(dialog.planned, timeout=20000):
        qtbot.mouseClick(dialog.plan_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == ""
    assert "Fairness before: balance" in dialog.score.text()
    assert "Fairness after: balance" in dialog.score.text()
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert sorted(names) == ["Ada Lovelace", "Bao Nguyen", "Carmen Diaz", "Dev Patel"]
    changes = [dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())]
    assert all(c.startswith(("▲", "▼", "=")) for c in changes)  # a shape and a word
    assert "Every hard rule is met" in dialog.unmet.text()
    proposal = dialog.proposal
    assert proposal.changes, "the seeded roster leaves room for a fairer plan"
    assert dialog.apply_button.isEnabled()
    save_png(dialog, "plan_fairly.png", tmp_path)

    asked = []
    monkeypatch.setattr(ChangePreviewDialog, "ask",
                        classmethod(lambda cls, *a, **k: asked.append(k) or True))  # fmt: skip
    with qtbot.waitSignal(dialog.applied):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert asked, "Apply goes through the per-person change preview"
    assert team_view.undo.count() == 1
    assert team_view.undo.text(0) == "Fair plan for Primary"
    team = seeded_team.team.id
    with seeded_team.ctx.sessions.begin() as s:
        swaps = queries.list_swaps(s, team)
        ledger = queries.ledger(s, team, seeded_team.now, proposal.end)
    assert len(swaps) == len(proposal.changes)
    assert {w.note for w in swaps} == {"fair plan"}
    primary = {x.start: x for x in ledger if x.role is Role.PRIMARY}
    for a in proposal.changes:
        assert primary[a.shift.start].engineer_id == a.engineer_id
        assert primary[a.shift.start].source.kind is SourceKind.SWAP

    team_view.undo.undo()
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_swaps(s, team) == []
        ledger = queries.ledger(s, team, seeded_team.now, proposal.end)
    primary = {x.start: x for x in ledger if x.role is Role.PRIMARY}
    for a in proposal.changes:
        assert primary[a.shift.start].engineer_id == a.shift.current


def test_cancelling_the_preview_saves_nothing(qtbot, team_view, seeded_team, monkeypatch):
    dialog = _open_dialog(qtbot, team_view)
    with qtbot.waitSignal(dialog.planned, timeout=20000):
        dialog.run_plan()
    monkeypatch.setattr(ChangePreviewDialog, "ask", classmethod(lambda cls, *a, **k: False))
    assert dialog.apply() is False
    assert team_view.undo.count() == 0
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_swaps(s, seeded_team.team.id) == []


def test_change_words_use_a_shape_and_a_word() -> None:
    assert change_words(100, 220) == "▲ 120 more"
    assert change_words(300, 214) == "▼ 86 less"
    assert change_words(50, 50.2) == "= same"

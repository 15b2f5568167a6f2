"""Finding cover for leave conflicts, from the Schedule screen and the Team screen's Leave tab."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from oncall.db import commands, queries
from oncall.domain.model import Leave, LeaveKind, Role, SourceKind
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.override_dialog import OverrideDialog, OverrideDraft
from oncall.ui.schedule_view import ScheduleView, cover_for
from oncall.ui.team_view import TeamView

# Carmen holds the primary week from Mon 16 Nov 09:00 UTC and the secondary day from Thu 19
# Nov 09:00; she is away from Wed 18 to Fri 20 Nov 00:00 UTC. Secondary that time: ada until
# Wed 09:00, bao until Thu 09:00, then carmen; dev's secondary day ended on Tue.
AWAY = (datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))
SECONDARY_HIT = (datetime(2026, 11, 19, 9, tzinfo=UTC), AWAY[1])


def screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def add_leave(seeded_team, handle: str, start=AWAY[0], end=AWAY[1]) -> None:
    who = seeded_team.engineer(handle)
    leave = Leave(0, who.id, start, end, LeaveKind.VACATION, "Away")
    seeded_team.ctx.edit(seeded_team.team.id, lambda s: commands.add_leave(s, leave))


@pytest.fixture
def view(seeded_team, qtbot):
    """The Schedule screen on this week, viewer in London, Carmen away Wed-Thu."""
    add_leave(seeded_team, "carmen")
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    stack = QUndoStack()
    widget = ScheduleView(ctx, stack)
    widget.undo_stack_for_test = stack
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fake_dialogs(monkeypatch, pick=0) -> dict:
    """Answer the cover dialog with the ``pick``-th suggestion (None: cancel), the preview yes."""
    asked: dict = {}

    def override_ask(parent, engineers, start, end, zone, role=Role.PRIMARY, *, suggested=None):
        asked.update(start=start, end=end, zone=zone, role=role, suggested=suggested)
        if pick is None or not suggested:
            return None
        return OverrideDraft(suggested[pick].engineer.id, role, start, end, "Covering Carmen")

    monkeypatch.setattr(OverrideDialog, "ask", staticmethod(override_ask))
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(lambda *a, **k: True))
    return asked


def conflict_roles(view) -> list[Role]:
    return [c.shift.role for c in view.resolution.conflicts]


def test_find_cover_proposes_who_is_free_and_the_override_clears_the_conflict(
    view, seeded_team, monkeypatch, qtbot, tmp_path
):
    dev = seeded_team.engineer("dev")
    assert conflict_roles(view) == [Role.PRIMARY, Role.SECONDARY]
    assert len(view.cover_buttons) == 2
    assert view.conflict_panel.isVisibleTo(view)
    assert (
        "Carmen Diaz is on vacation from Wed 18 Nov 00:00" in view.cover_buttons[0].accessibleName()
    )
    assert view.grab().save(str(screenshot_dir(tmp_path) / "schedule_leave_conflicts.png"))
    asked = fake_dialogs(monkeypatch)
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.cover_buttons[0], Qt.MouseButton.LeftButton)

    # Prefilled with the time Carmen is away during her primary shift, and its role.
    assert (asked["start"], asked["end"], asked["role"]) == (*AWAY, Role.PRIMARY)
    assert asked["zone"] == "Europe/London"
    # Everyone else holds secondary at some point then; only Dev is free.
    assert [c.engineer.handle for c in asked["suggested"]] == ["dev"]
    assert asked["suggested"][0].reason.startswith("free then · ")

    with seeded_team.ctx.sessions.begin() as s:
        overrides = queries.list_overrides(s, seeded_team.team.id)
        rows = queries.ledger(s, seeded_team.team.id, *AWAY)
    assert [(o.engineer_id, o.start, o.end, o.role) for o in overrides] == [
        (dev.id, *AWAY, Role.PRIMARY)
    ]
    assert [
        (x.start, x.end)
        for x in rows
        if x.role is Role.PRIMARY and x.source.kind is SourceKind.OVERRIDE
    ] == [AWAY]
    assert conflict_roles(view) == [Role.SECONDARY]
    assert len(view.cover_buttons) == 1

    with qtbot.waitSignal(view.changed):
        view.undo_stack_for_test.undo()
    assert conflict_roles(view) == [Role.PRIMARY, Role.SECONDARY]


def test_second_conflict_ranks_the_free_people_by_their_load(view, seeded_team, monkeypatch, qtbot):
    fake_dialogs(monkeypatch)
    with qtbot.waitSignal(view.changed):
        view.cover_buttons[0].click()  # Dev covers primary
    asked = fake_dialogs(monkeypatch, pick=1)
    with qtbot.waitSignal(view.changed):
        view.cover_buttons[0].click()  # now the secondary conflict
    assert (asked["start"], asked["end"], asked["role"]) == (*SECONDARY_HIT, Role.SECONDARY)
    suggested = asked["suggested"]
    # Dev is on call then (primary cover): not free, whatever their load.
    assert {c.engineer.handle for c in suggested} == {"ada", "bao"}
    hours = [c.hours_around for c in suggested]
    assert hours == sorted(hours)
    assert conflict_roles(view) == []
    assert view.conflict_panel.isHidden()


def test_when_nobody_is_free_the_dialog_says_so(view, seeded_team, monkeypatch, qtbot):
    for handle in ("ada", "bao", "dev"):
        add_leave(seeded_team, handle, *SECONDARY_HIT)
    view.refresh()
    asked = fake_dialogs(monkeypatch, pick=None)
    secondary = view.resolution.conflicts.index(
        next(
            c
            for c in view.resolution.conflicts
            if c.shift.engineer_id == seeded_team.engineer("carmen").id
            and c.shift.role is Role.SECONDARY
        )
    )
    with qtbot.assertNotEmitted(view.changed):
        view.cover_buttons[secondary].click()
    assert asked["suggested"] == []
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_overrides(s, seeded_team.team.id) == []

    dialog = OverrideDialog(
        seeded_team.engineers, *SECONDARY_HIT, "Europe/London", Role.SECONDARY, suggested=[]
    )
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Find cover"
    assert dialog.suggestion_note.text().startswith("Nobody on the team is free then")
    assert dialog.draft() is None  # nobody is chosen for the user


def test_override_dialog_with_suggestions_preselects_the_best(view, seeded_team, qtbot, tmp_path):
    conflict = next(c for c in view.resolution.conflicts if c.shift.role is Role.SECONDARY)
    start, end, candidates = cover_for(seeded_team.ctx, view.plan, conflict)
    assert (start, end) == SECONDARY_HIT
    assert len(candidates) >= 2
    dialog = OverrideDialog(
        seeded_team.engineers, start, end, "Europe/London", Role.SECONDARY, suggested=candidates
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    best, second = candidates[0], candidates[1]
    assert dialog.draft() == OverrideDraft(best.engineer.id, Role.SECONDARY, start, end)
    texts = dialog.suggestion_texts()
    assert texts[0] == f"{best.engineer.name} — {best.reason}"
    assert all(" h on call in the 8 weeks around it" in t or "no time" in t for t in texts)
    assert dialog.grab().save(str(screenshot_dir(tmp_path) / "override_dialog_cover.png"))
    # Picking another suggestion chooses them.
    dialog.suggestion_list.setCurrentRow(1)
    assert dialog.draft().engineer_id == second.engineer.id
    # The plain dialog is unchanged: no suggestions, nobody chosen.
    plain = OverrideDialog(seeded_team.engineers, start, end, "Europe/London")
    qtbot.addWidget(plain)
    assert plain.windowTitle() == "Add override"
    assert plain.suggestion_texts() == []
    assert plain.draft() is None


def test_team_leave_tab_finds_cover_for_the_selected_conflict(seeded_team, monkeypatch, qtbot):
    add_leave(seeded_team, "carmen")
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentIndex(3)
    table = view.conflict_table
    assert table.model().rowCount() == 2
    assert view.find_cover_button.isEnabled()
    roles = [table.model().index(r, 3).data() for r in range(2)]
    table.setCurrentIndex(table.model().index(roles.index("Secondary"), 0))
    asked = fake_dialogs(monkeypatch)
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.find_cover_button, Qt.MouseButton.LeftButton)
    assert (asked["start"], asked["end"], asked["role"]) == (*SECONDARY_HIT, Role.SECONDARY)
    # Primary is still Carmen's here, so Dev is free too; the others' secondary days are over.
    assert {c.engineer.handle for c in asked["suggested"]} == {"ada", "bao", "dev"}
    assert table.model().rowCount() == 1
    assert table.model().index(0, 3).data() == "Primary"
    view.undo.undo()
    assert table.model().rowCount() == 2

"""The planning guard on screen: the preview asks why, the reason is kept and shown; recovery
after a heavy night makes leave and cover in one undo step (issue 5 items 3 and 4)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog

from oncall.db import commands, queries
from oncall.db import pages as page_store
from oncall.domain.diff import PersonDiff, PersonLoad
from oncall.domain.guard import Concern, GuardRule
from oncall.domain.model import LeaveKind, Page, Role, SourceKind
from oncall.domain.risk import Assessment, Level
from oncall.ui import risk_badge
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.override_dialog import OverrideDraft
from oncall.ui.recovery import RecoveryDialog, needs_recovery
from oncall.ui.schedule_view import ScheduleView

H = timedelta(hours=1)


def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


CONCERN = Concern(
    1,
    GuardRule.HIGH,
    None,
    "Ada Lovelace is at High load risk (3 nights interrupted in the last 7 days (elevated at "
    "2, high at 3)). New primary shifts wait 7 days while they recover; this adds one from "
    "Tue 17 Nov 09:00.",
)


def _dialog(qtbot, concerns=(CONCERN,)) -> ChangePreviewDialog:
    from oncall.domain.model import Engineer, Provenance, Shift

    ada = Engineer(1, "Ada Lovelace", "ada", "Europe/London")
    start = datetime(2026, 11, 17, 9, tzinfo=UTC)
    gained = Shift(1, Role.PRIMARY, 1, start, start + 24 * H, Provenance(SourceKind.OVERRIDE))
    diff = PersonDiff(1, PersonLoad(1, 24, 1, 0, 0), PersonLoad(2, 48, 2, 0, 0), (gained,), ())
    dialog = ChangePreviewDialog([diff], {1: ada}, concerns=list(concerns))
    qtbot.addWidget(dialog)
    return dialog


def test_preview_with_a_concern_needs_a_written_reason(qtbot, tmp_path):
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.concern_box.isVisible()
    assert [label.text() for label in dialog.concern_labels] == [f"•  {CONCERN.text}"]
    assert dialog.reason_edit.isVisible()
    assert not dialog.confirm_button.isEnabled()
    dialog.accept()  # Ctrl+Return and Enter cannot skip the reason either
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.reason_edit.setPlainText("   ")
    assert not dialog.confirm_button.isEnabled()
    dialog.reason_edit.setPlainText("Ada asked for it; Bao takes her pages tonight.")
    assert dialog.confirm_button.isEnabled()
    dialog.grab().save(str(shots(tmp_path) / "guard-preview-concern.png"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.reason() == "Ada asked for it; Bao takes her pages tonight."


def test_preview_without_concerns_saves_at_once(qtbot):
    dialog = _dialog(qtbot, concerns=())
    assert not dialog.concern_box.isVisibleTo(dialog)
    assert not dialog.reason_edit.isVisibleTo(dialog)
    assert dialog.confirm_button.isEnabled()
    assert dialog.reason() == ""


def test_ask_with_reason_returns_the_reason_or_none(qtbot, monkeypatch):
    def fake_exec(self):
        self.reason_edit.setPlainText("Covered by Bao")
        self.accept()
        return self.result()

    monkeypatch.setattr(ChangePreviewDialog, "exec", fake_exec)
    assert ChangePreviewDialog.ask_with_reason(None, [], {}, concerns=[CONCERN]) == "Covered by Bao"
    monkeypatch.setattr(ChangePreviewDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert ChangePreviewDialog.ask_with_reason(None, [], {}, concerns=[CONCERN]) is None


# --- the schedule flow --------------------------------------------------------------------


@pytest.fixture
def view(seeded_team, qtbot):
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    stack = QUndoStack()
    widget = ScheduleView(ctx, stack)
    widget.undo_stack_for_test = stack
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _at_high(seeded_team, handle: str, monkeypatch):
    """The risk cache says ``handle`` is at High (the risk model has its own tests)."""
    who = seeded_team.engineer(handle)
    real = risk_badge.team_risk

    def team_risk(ctx, team_id, now):
        found = dict(real(ctx, team_id, now))
        reason = "3 nights interrupted in the last 7 days (elevated at 2, high at 3)"
        base = found.get(who.id) or Assessment(who.id, now, Level.LOW, False, (), ())
        from oncall.domain.risk import Outcome, RuleResult

        rule = RuleResult("N1", "sleep", Outcome.HIGH, 3, 2, 3, "last 7 nights", reason, "")
        found[who.id] = replace(base, level=Level.HIGH, rules=(rule,))
        return found

    monkeypatch.setattr(risk_badge, "team_risk", team_risk)
    return who


def test_override_for_someone_at_high_shows_the_concern_and_keeps_the_reason(
    view, seeded_team, monkeypatch, qtbot
):
    bao = _at_high(seeded_team, "bao", monkeypatch)
    seen: dict[str, object] = {}

    def fake_ask(parent, diffs, engineers, **options):
        seen.update(options)
        options["reason_out"].append("Bao volunteered; Ada shadows him")
        return True

    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(fake_ask))
    start = datetime(2026, 11, 17, 9, tzinfo=UTC)
    with qtbot.waitSignal(view.changed):
        assert view.save_override(OverrideDraft(bao.id, Role.PRIMARY, start, start + 12 * H))
    concerns = seen["concerns"]
    high = [c for c in concerns if c.rule is GuardRule.HIGH]
    assert [c.engineer_id for c in high] == [bao.id]
    assert high[0].text.startswith("Bao Nguyen is at High load risk (3 nights interrupted")
    with seeded_team.ctx.sessions() as s:
        stored = queries.list_overrides(s, seeded_team.team.id)
    assert [o.reason for o in stored] == ["Bao volunteered; Ada shadows him"]
    # The timeline's tooltip says why.
    timeline = view.timeline
    bao_row = next(r for r in timeline.rows if r.label == "Bao Nguyen")
    piece = next(x for x in bao_row.shifts if x.source.kind is SourceKind.OVERRIDE)
    tip = timeline.tooltip_at(timeline.shift_rects(piece)[0].center())
    assert "why OK: Bao volunteered; Ada shadows him" in tip


def test_team_screens_override_table_shows_the_reason(seeded_team, qtbot):
    from oncall.domain.model import Override
    from oncall.ui.team_view import TeamView

    ctx, team = seeded_team.ctx, seeded_team.team
    ada = seeded_team.engineer("ada")
    start = seeded_team.now + timedelta(days=1)
    override = Override(
        0, team.id, ada.id, start, start + H, seeded_team.now, note="dentist", reason="Ada asked"
    )
    ctx.edit(team.id, lambda s: commands.add_override(s, override))
    view = TeamView(ctx, QUndoStack())
    qtbot.addWidget(view)
    model = view.override_table.model()
    texts = [model.index(0, c).data() for c in range(model.columnCount())]
    assert texts[-1] == "dentist · why OK: Ada asked"


# --- recovery -----------------------------------------------------------------------------


def _heavy_night(seeded_team):
    """Carmen (primary this week, New York) worked an incident 02:00-03:30 her time."""
    carmen = seeded_team.engineer("carmen")
    woke = datetime(2026, 11, 16, 7, tzinfo=UTC)  # 02:00 in New York
    page = Page(0, "test", "night-1", carmen.id, woke, woke + 10 * timedelta(minutes=1),
                woke + 90 * timedelta(minutes=1), "INC-1")  # fmt: skip
    with seeded_team.ctx.sessions.begin() as s:
        page_store.log_page(s, page, seeded_team.now)
    risk_badge.invalidate_risk()
    return carmen


def test_recovery_creates_leave_and_cover_in_one_undo_step(
    seeded_team, qtbot, monkeypatch, tmp_path
):
    from oncall.ui.wellbeing_view import WellbeingView

    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London")
    carmen = _heavy_night(seeded_team)
    stack = QUndoStack()
    view = WellbeingView(ctx, stack)
    qtbot.addWidget(view)
    card = view.card_for(carmen.id)
    assert needs_recovery(view.assessments[carmen.id])
    assert card is not None
    assert card.recovery_button is not None
    assert view.card_for(seeded_team.engineer("dev").id).recovery_button is None

    shown: dict[str, object] = {}

    def fake_recovery_ask(parent, person, choices, zone):
        dialog = RecoveryDialog(person, choices, zone, parent)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.grab().save(str(shots(tmp_path) / "guard-recovery-dialog.png"))
        shown["options"] = [b.text() for b in dialog.option_buttons]
        shown["cover"] = dialog.cover_text.text()
        return dialog.picked()  # the first option (the late start), the suggested cover

    def fake_preview(parent, diffs, engineers, **options):
        shown["preview"] = options
        return True

    monkeypatch.setattr(RecoveryDialog, "ask", staticmethod(fake_recovery_ask))
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(fake_preview))
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(card.recovery_button, Qt.MouseButton.LeftButton)

    late, block = shown["options"]
    # In Carmen's time: from now (05:00) to 03:30 + 11 h; or 46 h.
    assert late == "A late start: off from Mon 16 Nov 05:00 – Mon 16 Nov 14:30"
    assert block == "A recovery block: off from Mon 16 Nov 05:00 – Wed 18 Nov 03:00"
    assert "(suggested)" in shown["cover"]
    assert "no night work in the last day" in shown["cover"]
    with ctx.sessions() as s:
        leave = queries.list_leave(s, [carmen.id], seeded_team.now - H, seeded_team.now + 3 * H)
        overrides = queries.list_overrides(s, seeded_team.team.id)
    assert [(lv.kind, lv.start, lv.end) for lv in leave] == [
        (LeaveKind.RECOVERY, seeded_team.now, datetime(2026, 11, 16, 19, 30, tzinfo=UTC))
    ]
    assert [(o.start, o.end, o.role) for o in overrides] == [
        (seeded_team.now, datetime(2026, 11, 16, 19, 30, tzinfo=UTC), Role.PRIMARY)
    ]
    cover_name = next(e.name for e in seeded_team.engineers if e.id == overrides[0].engineer_id)
    assert cover_name in shown["cover"]
    assert overrides[0].engineer_id not in (carmen.id, seeded_team.engineer("dev").id)
    assert stack.count() == 1
    assert stack.undoText() == "Arrange recovery for Carmen"

    with qtbot.waitSignal(view.changed):
        stack.undo()
    with ctx.sessions() as s:
        assert (
            queries.list_leave(s, [carmen.id], seeded_team.now - H, seeded_team.now + 3 * H) == []
        )
        assert queries.list_overrides(s, seeded_team.team.id) == []

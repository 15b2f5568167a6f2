"""Swapping a rotation's shift from the Schedule screen: dialog, preview, ledger, undo."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack

from oncall.db import commands, queries
from oncall.domain.model import Override, Provenance, Role, Shift, SourceKind
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.schedule_view import ScheduleView
from oncall.ui.swap_dialog import SwapDialog, SwapDraft

# Dev's primary week (seeded roster ada, bao, carmen, dev from Mon 2 Nov 09:00 London = UTC).
DEV_WEEK = (datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC))


def screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("ONCALL_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def view(seeded_team, qtbot):
    """The Schedule screen on the week after "now" (Dev's primary week), viewer in London."""
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    stack = QUndoStack()
    widget = ScheduleView(ctx, stack)
    widget.undo_stack_for_test = stack  # keep the stack alive as long as the view
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.step(1)
    return widget


def ledger(seeded_team) -> set[tuple]:
    """Every ledger row from two weeks before now to the horizon, as what a person sees."""
    now = seeded_team.now
    with seeded_team.ctx.sessions.begin() as s:
        rows = queries.ledger(
            s, seeded_team.team.id, now - timedelta(days=14), now + timedelta(days=200)
        )
    return {(x.role, x.engineer_id, x.start, x.end) for x in rows}


def shift_of(view: ScheduleView, name: str, role: Role = Role.PRIMARY) -> Shift:
    row = next(r for r in view.timeline.rows if r.label == name)
    return next(x for x in row.shifts if x.role is role)


def centre(view: ScheduleView, shift: Shift) -> QPoint:
    return view.timeline.shift_rects(shift)[0].center().toPoint()


def menu_action(view: ScheduleView, shift: Shift, text: str):
    menu = view.context_menu_at(centre(view, shift))
    # Never shown (and so never closed and deleted): its actions stay valid to trigger.
    found = [a for a in menu.actions() if a.text() == text]
    return found[0] if found else None


def fake_dialogs(monkeypatch, who: int, note: str = "") -> dict:
    asked: dict = {}

    def swap_ask(parent, engineers, shift, zone, **options):
        asked.update(shift=shift, zone=zone, people={e.id for e in engineers}, **options)
        return SwapDraft(who, note)

    def preview_ask(parent, diffs, engineers, **options):
        asked.update(diffs=diffs, engineers=engineers)
        return True

    monkeypatch.setattr(SwapDialog, "ask", staticmethod(swap_ask))
    monkeypatch.setattr(ChangePreviewDialog, "ask", staticmethod(preview_ask))
    return asked


def test_swap_from_the_context_menu_hands_over_exactly_that_shift(
    view, seeded_team, monkeypatch, qtbot
):
    ada, dev = seeded_team.engineer("ada"), seeded_team.engineer("dev")
    before = ledger(seeded_team)
    asked = fake_dialogs(monkeypatch, ada.id, "Dev at a wedding")
    devs = shift_of(view, "Dev Patel")
    action = menu_action(view, devs, "Swap this shift…")
    assert action is not None
    with qtbot.waitSignal(view.changed):
        action.trigger()

    # The dialog got the whole layer shift (the screen clips it at Monday 00:00), in London.
    assert (asked["shift"].start, asked["shift"].end) == DEV_WEEK
    assert asked["shift"].engineer_id == dev.id
    assert asked["zone"] == "Europe/London"
    assert asked["rotation_name"] == "Primary"
    assert {ada.id, dev.id} <= asked["people"]

    after = ledger(seeded_team)
    assert before - after == {(Role.PRIMARY, dev.id, *DEV_WEEK)}
    assert after - before == {(Role.PRIMARY, ada.id, *DEV_WEEK)}
    with seeded_team.ctx.sessions.begin() as s:
        swaps = queries.list_swaps(s, seeded_team.team.id)
    assert [(w.rotation_id, w.shift_start, w.engineer_id, w.note) for w in swaps] == [
        (seeded_team.primary.id, DEV_WEEK[0], ada.id, "Dev at a wedding")
    ]
    # On screen: Ada's row now holds a swap shift, drawn and described as one.
    swapped = [x for x in shift_of_row(view, "Ada Lovelace") if x.source.kind is SourceKind.SWAP]
    assert [(x.start, x.engineer_id) for x in swapped] == [(DEV_WEEK[0], ada.id)]
    assert "Swap on Primary" in view.timeline.describe_shift(swapped[0])


def shift_of_row(view: ScheduleView, name: str) -> tuple[Shift, ...]:
    return next(r for r in view.timeline.rows if r.label == name).shifts


def test_the_preview_shows_each_persons_hours(view, seeded_team, monkeypatch, qtbot):
    ada, dev = seeded_team.engineer("ada"), seeded_team.engineer("dev")
    asked = fake_dialogs(monkeypatch, ada.id)
    with qtbot.waitSignal(view.changed):
        view.swap_shift(shift_of(view, "Dev Patel"))
    changes = {d.engineer_id: d for d in asked["diffs"] if d.changed}
    assert set(changes) == {ada.id, dev.id}
    # 168 h change hands, but each already holds two secondary days inside that week and
    # hours count time on call once: Ada gains 120 h, Dev loses 120 h; one shift each.
    assert changes[ada.id].after.hours - changes[ada.id].before.hours == pytest.approx(120)
    assert changes[dev.id].after.hours - changes[dev.id].before.hours == pytest.approx(-120)
    assert [(x.start, x.end) for x in changes[ada.id].gained] == [DEV_WEEK]
    assert [(x.start, x.end) for x in changes[dev.id].lost] == [DEV_WEEK]
    # And the real dialog words it so.
    dialog = ChangePreviewDialog(asked["diffs"], asked["engineers"])
    qtbot.addWidget(dialog)
    rows = dialog.person_rows()
    assert rows["Ada Lovelace"][1].endswith("▲ 120 h more")
    assert rows["Dev Patel"][1].endswith("▼ 120 h fewer")


def test_undo_and_redo_of_a_swap(view, seeded_team, monkeypatch, qtbot):
    ada = seeded_team.engineer("ada")
    before = ledger(seeded_team)
    fake_dialogs(monkeypatch, ada.id)
    timeline = view.timeline
    qtbot.mouseClick(
        timeline, Qt.MouseButton.LeftButton, pos=centre(view, shift_of(view, "Dev Patel"))
    )
    with qtbot.waitSignal(view.changed):
        qtbot.keyClick(timeline, Qt.Key.Key_S)
    swapped = ledger(seeded_team)
    assert (Role.PRIMARY, ada.id, *DEV_WEEK) in swapped
    stack = view.undo_stack_for_test
    assert stack.undoText() == "Swap shift to Ada"

    with qtbot.waitSignal(view.changed):
        stack.undo()
    assert ledger(seeded_team) == before
    assert shift_of(view, "Dev Patel").source.kind is SourceKind.ROTATION
    with qtbot.waitSignal(view.changed):
        stack.redo()
    assert ledger(seeded_team) == swapped
    assert not [x for x in shift_of_row(view, "Dev Patel") if x.role is Role.PRIMARY]


def test_removing_a_swap_with_delete_and_from_the_menu(view, seeded_team, monkeypatch, qtbot):
    ada = seeded_team.engineer("ada")
    before = ledger(seeded_team)
    fake_dialogs(monkeypatch, ada.id)
    with qtbot.waitSignal(view.changed):
        view.swap_shift(shift_of(view, "Dev Patel"))
    swapped = ledger(seeded_team)
    swap_shift = next(
        x for x in shift_of_row(view, "Ada Lovelace") if x.source.kind is SourceKind.SWAP
    )
    assert menu_action(view, swap_shift, "Undo swap") is not None

    timeline = view.timeline
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=centre(view, swap_shift))
    assert timeline.current_shift() == swap_shift
    with qtbot.waitSignal(view.changed):
        qtbot.keyClick(timeline, Qt.Key.Key_Delete)
    assert ledger(seeded_team) == before
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.list_swaps(s, seeded_team.team.id) == []
    stack = view.undo_stack_for_test
    assert stack.undoText() == "Undo swap to Ada"
    with qtbot.waitSignal(view.changed):
        stack.undo()
    assert ledger(seeded_team) == swapped

    # The menu entry does the same.
    swap_shift = next(
        x for x in shift_of_row(view, "Ada Lovelace") if x.source.kind is SourceKind.SWAP
    )
    with qtbot.waitSignal(view.changed):
        menu_action(view, swap_shift, "Undo swap").trigger()
    assert ledger(seeded_team) == before


def test_a_piece_partly_hidden_by_an_override_swaps_the_whole_layer_shift(
    view, seeded_team, monkeypatch, qtbot
):
    ada, bao, dev = (seeded_team.engineer(h) for h in ("ada", "bao", "dev"))
    first_day = (DEV_WEEK[0], DEV_WEEK[0] + timedelta(days=1))
    override = Override(
        0, seeded_team.team.id, bao.id, *first_day, seeded_team.now, Role.PRIMARY, "Dev travels"
    )
    seeded_team.ctx.edit(seeded_team.team.id, lambda s: commands.add_override(s, override))
    view.refresh()
    piece = shift_of(view, "Dev Patel")
    assert piece.start == first_day[1]  # only the rest of the week shows as Dev's
    asked = fake_dialogs(monkeypatch, ada.id)
    with qtbot.waitSignal(view.changed):
        menu_action(view, piece, "Swap this shift…").trigger()

    assert (asked["shift"].start, asked["shift"].end) == DEV_WEEK
    with seeded_team.ctx.sessions.begin() as s:
        swaps = queries.list_swaps(s, seeded_team.team.id)
    assert [w.shift_start for w in swaps] == [DEV_WEEK[0]]
    after = ledger(seeded_team)
    assert (Role.PRIMARY, bao.id, *first_day) in after  # the override still wins its day
    assert (Role.PRIMARY, ada.id, first_day[1], DEV_WEEK[1]) in after
    assert not [row for row in after if row[:2] == (Role.PRIMARY, dev.id) and row[2] < DEV_WEEK[1]]
    assert not view.resolution.orphan_swaps


def test_overrides_and_past_shifts_are_not_swapped(view, seeded_team, monkeypatch, qtbot):
    bao = seeded_team.engineer("bao")
    override = Override(
        0,
        seeded_team.team.id,
        bao.id,
        DEV_WEEK[0],
        DEV_WEEK[0] + timedelta(hours=6),
        seeded_team.now,
        Role.PRIMARY,
    )
    seeded_team.ctx.edit(seeded_team.team.id, lambda s: commands.add_override(s, override))
    view.refresh()
    covering = next(
        x for x in shift_of_row(view, "Bao Nguyen") if x.source.kind is SourceKind.OVERRIDE
    )
    assert menu_action(view, covering, "Swap this shift…") is None
    monkeypatch.setattr(SwapDialog, "ask", staticmethod(lambda *a, **k: pytest.fail("asked")))
    assert view.swap_shift(covering) is False
    # Last week's shift is history.
    view.step(-2)
    old = shift_of(view, "Bao Nguyen")
    with qtbot.assertNotEmitted(view.changed):
        assert view.swap_shift(old) is False
    assert "over" in view.message.text()


def test_swap_dialog_lists_the_team_but_the_holder_and_searches(seeded_team, qtbot, tmp_path):
    carmen, dev = seeded_team.engineer("carmen"), seeded_team.engineer("dev")
    shift = Shift(
        seeded_team.team.id,
        Role.PRIMARY,
        dev.id,
        *DEV_WEEK,
        source=Provenance(SourceKind.ROTATION, seeded_team.primary.id, 1, 3),
    )
    dialog = SwapDialog(seeded_team.engineers, shift, "Europe/London", rotation_name="Primary")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    listed = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    assert [t.split(" (")[0] for t in listed] == ["Ada Lovelace", "Bao Nguyen", "Carmen Diaz"]
    assert "Dev Patel" in dialog.heading.text()
    assert "Mon 23 Nov 09:00 – Mon 30 Nov 09:00 your time (Europe/London), 168 h" in (
        dialog.heading.text()
    )
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.search, "CAR")
    assert dialog.draft() == SwapDraft(carmen.id, "")
    assert dialog.ok_button.isEnabled()
    # Carmen's own time is shown, since she is in New York.
    assert "For Carmen (America/New_York): Mon 23 Nov 04:00 – Mon 30 Nov 04:00." in (
        dialog.summary.text()
    )
    qtbot.keyClicks(dialog.note_edit, "Dev at a wedding")
    assert dialog.draft() == SwapDraft(carmen.id, "Dev at a wedding")
    assert dialog.grab().save(str(screenshot_dir(tmp_path) / "swap_dialog.png"))
    qtbot.keyClicks(dialog.search, "zzz")
    assert dialog.draft() is None
    assert dialog.summary.text() == "Nobody matches that name."

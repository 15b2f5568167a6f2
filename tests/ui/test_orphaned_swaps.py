"""Swaps a rotation edit leaves without their shift: warned of before saving, then listed on the
Schedule screen with Remove (undoable)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from oncall.db import commands, queries
from oncall.domain.diff import orphaned_by_edit
from oncall.domain.model import Swap
from oncall.ui import theme
from oncall.ui.change_preview import ChangePreviewDialog, compute_diffs
from oncall.ui.schedule_view import ScheduleView
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png

# Dev's primary week, the week after "now" (seeded roster ada, bao, carmen, dev, weekly from
# Mon 2 Nov 09:00 London = UTC); Bao takes it by a swap made before the edit.
DEV_WEEK = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def swapped(seeded_team):
    """Bao takes Dev's primary week by a swap; returns the stored swap."""
    ctx = seeded_team.ctx
    ctx.settings = ctx.settings.with_(viewer_zone="Europe/London", schedule_zoom="week")
    bao = seeded_team.engineer("bao")
    made = seeded_team.now - timedelta(days=1)
    swap = Swap(0, seeded_team.primary.id, DEV_WEEK, bao.id, made, note="Dev at a wedding")
    return ctx.edit(seeded_team.team.id, lambda s: commands.add_swap(s, swap))


def move_primary_handoff_to_ten(seeded_team) -> None:
    """The lead moves the primary handoff from 09:00 to 10:00 from now on."""
    ctx, rotation = seeded_team.ctx, seeded_team.primary
    version = replace(
        rotation.current,
        version=2,
        effective_from=seeded_team.now,
        anchor=rotation.current.anchor.replace(hour=10),
    )
    ctx.edit(seeded_team.team.id, lambda s: commands.edit_rotation(s, rotation.id, version))


@pytest.fixture
def schedule(qtbot, seeded_team, swapped):
    view = ScheduleView(seeded_team.ctx, QUndoStack())
    view.undo_stack_for_test = view.undo  # keep the stack alive as long as the view
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    view.step(1)
    return view


def swaps(seeded_team) -> list[Swap]:
    with seeded_team.ctx.sessions.begin() as s:
        return queries.list_swaps(s, seeded_team.team.id)


def primary_holders(view: ScheduleView) -> set[int]:
    return {x.engineer_id for x in view.final_shifts if x.role.value == "primary"}


def test_a_swap_that_still_matches_is_not_listed(schedule, seeded_team):
    assert schedule.stale_panel.isHidden()
    assert seeded_team.engineer("bao").id in primary_holders(schedule)


def test_after_the_handoff_moves_the_swap_is_listed_and_can_be_removed_and_undone(
    qtbot, schedule, seeded_team, swapped, tmp_path
):
    bao, dev = seeded_team.engineer("bao"), seeded_team.engineer("dev")
    move_primary_handoff_to_ten(seeded_team)
    with qtbot.waitSignal(schedule.changed):
        schedule._after_edit()  # what another screen's edit does to this one
    assert not schedule.stale_panel.isHidden()
    assert schedule.stale_label.text() == (
        "1 swap no longer matches a shift (Primary changed on Mon 16 Nov):"
    )
    line = schedule.stale_buttons[0].accessibleName()
    assert line == "Remove swap: Dev ↔ Bao, Mon 23 Nov 09:00"
    # Not applied: Dev holds the (now 10:00) week, Bao is not on primary call.
    assert bao.id not in primary_holders(schedule)
    assert dev.id in primary_holders(schedule)
    save_png(schedule, "schedule_stale_swap.png", tmp_path)

    with qtbot.waitSignal(schedule.changed):
        qtbot.mouseClick(schedule.stale_buttons[0], Qt.MouseButton.LeftButton)
    assert swaps(seeded_team) == []
    assert schedule.stale_panel.isHidden()
    assert schedule.undo.undoText() == "Remove stale swap to Bao"

    with qtbot.waitSignal(schedule.changed):
        schedule.undo.undo()
    (back,) = swaps(seeded_team)
    assert (back.shift_start, back.engineer_id, back.note) == (DEV_WEEK, bao.id, swapped.note)
    assert not schedule.stale_panel.isHidden()


def test_remove_all_is_one_undoable_edit(qtbot, schedule, seeded_team):
    carmen = seeded_team.engineer("carmen")
    second = Swap(0, seeded_team.primary.id, DEV_WEEK + timedelta(weeks=1), carmen.id,
                  seeded_team.now - timedelta(hours=2))  # fmt: skip
    seeded_team.ctx.edit(seeded_team.team.id, lambda s: commands.add_swap(s, second))
    move_primary_handoff_to_ten(seeded_team)
    with qtbot.waitSignal(schedule.changed):
        schedule._after_edit()
    assert schedule.stale_label.text().startswith("2 swaps no longer match a shift")
    assert len(schedule.stale_buttons) == 2
    assert schedule.stale_remove_all is not None
    assert schedule.stale_remove_all.text() == "Remove all 2"
    with qtbot.waitSignal(schedule.changed):
        qtbot.mouseClick(schedule.stale_remove_all, Qt.MouseButton.LeftButton)
    assert swaps(seeded_team) == []
    assert schedule.undo.undoText() == "Remove 2 stale swaps"
    with qtbot.waitSignal(schedule.changed):
        schedule.undo.undo()
    assert len(swaps(seeded_team)) == 2
    assert len(schedule.stale_buttons) == 2
    with qtbot.waitSignal(schedule.changed):  # redo removes the swaps put back (new ids)
        schedule.undo.redo()
    assert swaps(seeded_team) == []
    assert schedule.stale_panel.isHidden()


def test_the_rotation_editor_warns_before_an_edit_orphans_a_swap(
    qtbot, seeded_team, swapped, monkeypatch
):
    seen: dict = {}

    def ask(cls, parent, diffs, engineers, **options):
        seen.update(options)
        return False  # cancel: nothing is saved

    monkeypatch.setattr(ChangePreviewDialog, "ask", classmethod(ask))
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentIndex(1)
    proxy = view.rotation_table.model()
    view.rotation_table.setCurrentIndex(
        next(
            proxy.index(i, 0)
            for i in range(proxy.rowCount())
            if proxy.index(i, 0).data() == "Primary"
        )
    )
    editor = view.editor
    handoff = editor.handoff.dateTime()
    editor.handoff.setDateTime(handoff.addSecs(3600))  # 09:00 -> 10:00
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    orphaned = seen["orphaned"]
    assert [x.swap.id for x in orphaned] == [swapped.id]
    assert orphaned[0].holder_id == seeded_team.engineer("dev").id
    assert seen["zone"] == "Europe/London"
    assert len(primary_versions(seeded_team)) == 1  # cancelled: not saved


def primary_versions(seeded_team):
    with seeded_team.ctx.sessions.begin() as s:
        primary = next(
            r for r in queries.list_rotations(s, seeded_team.team.id) if r.name == "Primary"
        )
    return primary.versions


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_the_preview_names_the_orphaned_swap(qtbot, seeded_team, swapped, night, tmp_path):
    if night:
        from PySide6.QtWidgets import QApplication

        theme.apply_theme(QApplication.instance(), theme.NIGHT)
    with seeded_team.ctx.sessions.begin() as s:
        before = queries.load_plan(s, seeded_team.team.id)
    rotation = before.rotations[[r.name for r in before.rotations].index("Primary")]
    moved = replace(
        rotation.current,
        version=2,
        effective_from=seeded_team.now,
        anchor=rotation.current.anchor.replace(hour=10),
    )
    after = replace(
        before,
        rotations=tuple(
            replace(r, versions=(*r.versions, moved)) if r.id == rotation.id else r
            for r in before.rotations
        ),
    )
    orphaned = orphaned_by_edit(before, after, seeded_team.now)
    engineers = {e.id: e for e in before.engineers}
    diffs = compute_diffs(before, after, seeded_team.now)
    dialog = ChangePreviewDialog(diffs, engineers, orphaned=orphaned, zone="Europe/London")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.orphan_box.isHidden()
    assert [label.text() for label in dialog.orphan_labels] == ["•  Dev ↔ Bao, Mon 23 Nov 09:00"]
    title = dialog.orphan_box.findChildren(type(dialog.orphan_labels[0]))[0].text()
    assert title == "This edit would orphan 1 swap: no shift starts there any more."
    # Not applied after the edit: Bao loses the week, Dev has it (from 10:00).
    assert "Bao Nguyen" in dialog.person_rows()
    save_png(dialog, f"change_preview_orphaned_{'night' if night else 'light'}.png", tmp_path)
    plain = ChangePreviewDialog([], engineers)
    qtbot.addWidget(plain)
    assert plain.orphan_box.isHidden()


def test_the_words_are_in_the_viewers_zone(seeded_team, swapped):
    from oncall.domain.schedule import StaleSwap
    from oncall.ui.stale_swaps import stale_swap_words

    dev = seeded_team.engineer("dev")
    engineers = {e.id: e for e in seeded_team.engineers}
    words = stale_swap_words(StaleSwap(swapped, dev.id, None, "Primary"), engineers, "Asia/Tokyo")
    assert words == "Dev ↔ Bao, Mon 23 Nov 18:00"

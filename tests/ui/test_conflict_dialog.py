"""The conflict dialog: theirs and yours per field, choices that merge, nothing typed lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialog, QLabel
from sqlalchemy.orm import Session, sessionmaker

from oncall.db import commands, queries
from oncall.db.conflicts import EditConflict, FieldConflict, RotationEdit, describe, diff
from oncall.db.engine import make_engine, make_session_factory
from oncall.domain.model import CadenceUnit, Role, RotationVersion
from oncall.ui.change_preview import ChangePreviewDialog
from oncall.ui.conflict_dialog import DISCARD, SAVE, ConflictDialog, ago, headline
from oncall.ui.team_view import TeamView
from tests.ui.shots import save_png

NOW = datetime(2026, 11, 16, 10, tzinfo=UTC)
NAMES = {1: "Ada Lovelace", 2: "Bao Nguyen", 3: "Carmen Diaz", 4: "Dev Patel"}


def _version(**rules: object) -> RotationVersion:
    base = RotationVersion(
        1, NOW, (1, 2, 3, 4), CadenceUnit.WEEKS, 1, datetime(2026, 11, 2, 9), "Europe/London"
    )
    return replace(base, **rules)  # type: ignore[arg-type]


def rotation_conflict() -> EditConflict:
    """Ana's copy saved priority 1 and a new roster; you renamed it and changed the roster."""
    base = RotationEdit("Primary", _version(), 3)
    theirs = RotationEdit("Primary", _version(members=(4, 3, 2, 1), priority=1), 4)
    yours = RotationEdit("Primary pager", _version(members=(1, 2)), 3)
    return EditConflict(
        "rotation",
        "Primary",
        diff("rotation", theirs, yours, base),
        theirs_version=4,
        theirs=theirs,
        yours=yours,
        saved_at=NOW - timedelta(minutes=2),
        saved_by="Ana Silva",
        names=NAMES,
        row_id=7,
    )


def test_the_dialog_shows_each_differing_field_with_theirs_and_yours(qtbot, tmp_path) -> None:
    dialog = ConflictDialog(rotation_conflict(), zone="Europe/London", now=NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.headline.text() == (
        "Someone else saved this rotation (Primary) while you were editing "
        "(Ana Silva's copy, 2 minutes ago)."
    )
    assert dialog.rows() == [
        ("Name", "Primary", "Primary pager"),
        ("People, in order", "Dev Patel, Carmen Diaz, Bao Nguyen, Ada Lovelace",
         "Ada Lovelace, Bao Nguyen"),
        ("Priority", "1", "0"),
    ]  # fmt: skip
    # Yours where you changed the field; theirs where only they did.
    assert dialog.choices() == {"name": "yours", "members": "yours", "priority": "theirs"}
    assert dialog.save_button is not None
    assert dialog.save_button.isDefault()
    assert dialog.focusWidget() is dialog.radios["name"][1]  # keyboard starts on a choice
    path = save_png(dialog, "conflict_dialog.png", tmp_path)
    assert path.stat().st_size > 0


def test_choices_merge_into_theirs_at_their_version(qtbot) -> None:
    dialog = ConflictDialog(rotation_conflict(), now=NOW)
    qtbot.addWidget(dialog)
    dialog.choose("members", "theirs")
    qtbot.mouseClick(dialog.radios["priority"][1], Qt.MouseButton.LeftButton)  # yours: 0
    merged = dialog.merged()
    assert isinstance(merged, RotationEdit)
    assert (merged.name, merged.version.members, merged.version.priority) == (
        "Primary pager", (4, 3, 2, 1), 0,
    )  # fmt: skip
    assert merged.row_version == 4  # saved on top of theirs, so it can conflict again


def test_arrow_keys_switch_a_fields_choice(qtbot) -> None:
    dialog = ConflictDialog(rotation_conflict(), now=NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    theirs, yours = dialog.radios["name"]
    yours.setFocus()
    qtbot.waitUntil(yours.hasFocus)
    qtbot.keyClick(yours, Qt.Key.Key_Left)
    assert theirs.isChecked()
    assert dialog.choices()["name"] == "theirs"


@pytest.mark.parametrize(("button", "code"), [("save_button", SAVE), ("discard_button", DISCARD)])
def test_the_buttons_finish_with_their_answer(qtbot, button: str, code: int) -> None:
    dialog = ConflictDialog(rotation_conflict(), now=NOW)
    qtbot.addWidget(dialog)
    dialog.open()
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    assert finished.args == [code]


def test_escape_goes_back_to_the_edit(qtbot) -> None:
    dialog = ConflictDialog(rotation_conflict(), now=NOW)
    qtbot.addWidget(dialog)
    dialog.open()
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected.value]


def test_a_deleted_row_offers_only_close(qtbot) -> None:
    conflict = EditConflict("rotation", "Shadow", deleted=True)
    dialog = ConflictDialog(conflict, now=NOW)
    qtbot.addWidget(dialog)
    assert dialog.headline.text() == (
        "Someone else deleted this rotation (Shadow) while you were editing."
    )
    assert dialog.save_button is None
    assert dialog.discard_button is None
    assert dialog.cancel_button.text() == "Close"


def test_words_for_values_and_times() -> None:
    f = FieldConflict("start", "From", None, NOW, NOW)
    assert describe(f, NOW, {}, "Europe/Paris") == "Mon 16 Nov 2026 11:00 Europe/Paris"
    assert describe("cadence", (2, "weeks")) == "2 weeks"
    assert describe("cadence", (1, "days")) == "1 day"
    assert describe("lead_engineer_id", None) == "nobody"
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(hours=1, minutes=5), NOW) == "1 hour ago"
    assert ago(None, NOW) == ""
    assert headline(EditConflict("engineer", "Ada"), NOW) == (
        "Someone else saved this person (Ada) while you were editing."
    )


# -- end to end: the Team screen against a second client on the same database ----------------


@pytest.fixture
def other(seeded_team) -> Iterator[sessionmaker[Session]]:
    """Another copy of the app: its own engine on the same database file."""
    engine = make_engine(seeded_team.ctx.sessions.kw["bind"].url.render_as_string(False))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def view(qtbot, seeded_team, monkeypatch):
    # The per-person preview says yes (its own tests are elsewhere).
    monkeypatch.setattr(ChangePreviewDialog, "ask", classmethod(lambda *a, **k: True))
    seeded_team.ctx.settings = seeded_team.ctx.settings.with_(viewer_zone="Europe/London")
    view = TeamView(seeded_team.ctx, QUndoStack())
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentIndex(1)
    return view


def open_rotation(view: TeamView, name: str) -> None:
    proxy = view.rotation_table.model()
    row = next(i for i in range(proxy.rowCount()) if proxy.index(i, 0).data() == name)
    view.rotation_table.setCurrentIndex(proxy.index(row, 0))
    assert view.editor.title.text() == f"Edit “{name}”"


def their_edit(other, rotation_id: int, at: datetime, **rules: object) -> None:
    with other.begin() as s:
        current = queries.get_rotation(s, rotation_id)
        version = replace(current.current, effective_from=at, **rules)
        commands.edit_rotation(s, rotation_id, version, expected=current.row_version)


def stored(seeded_team, rotation_id: int):
    with seeded_team.ctx.sessions.begin() as s:
        return queries.get_rotation(s, rotation_id)


def wait_for_dialog(qtbot, view: TeamView) -> ConflictDialog:
    qtbot.waitUntil(lambda: view.conflict_dialog is not None and view.conflict_dialog.isVisible())
    assert view.conflict_dialog is not None
    return view.conflict_dialog


def test_saving_over_a_newer_rotation_asks_and_loses_nothing(
    qtbot, view, seeded_team, other, tmp_path
) -> None:
    editor, rid = view.editor, seeded_team.primary.id
    open_rotation(view, "Primary")
    editor.name.setText("Primary pager")
    editor.priority.setValue(2)
    # Meanwhile someone else changes the roster and the role.
    dev, carmen, bao, ada = (seeded_team.engineer(h).id for h in ("dev", "carmen", "bao", "ada"))
    their_edit(other, rid, seeded_team.now, members=(dev, carmen, bao, ada), role=Role.SECONDARY)
    theirs = stored(seeded_team, rid)
    view.refresh()  # the screen hears of it; the editor keeps what is typed

    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    dialog = wait_for_dialog(qtbot, view)
    assert [r[0] for r in dialog.rows()] == ["Name", "People, in order", "Priority", "Role"]
    assert dialog.choices() == {
        "name": "yours", "members": "theirs", "priority": "yours", "role": "theirs",
    }  # fmt: skip
    save_png(view.window(), "conflict_dialog_team_screen.png", tmp_path)
    # Nothing of mine was written, and the stale save left no undo step.
    assert stored(seeded_team, rid) == theirs
    assert view.undo.count() == 0

    # Back to my edit: the editor still holds everything typed.
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert (editor.name.text(), editor.priority.value()) == ("Primary pager", 2)
    assert editor.member_ids() == (ada, bao, carmen, dev)
    assert "nothing was overwritten" in editor.visible_errors()[""]

    # Save again: the same question; this time save my choices on top of theirs.
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    dialog = wait_for_dialog(qtbot, view)
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    after = stored(seeded_team, rid)
    assert (after.name, after.current.priority) == ("Primary pager", 2)
    assert (after.current.members, after.current.role) == ((dev, carmen, bao, ada), Role.SECONDARY)
    assert editor.name.text() == "Primary pager"
    assert editor.member_ids() == (dev, carmen, bao, ada)  # the editor shows what was saved
    assert view.undo.count() == 1


def test_discard_mine_shows_theirs_in_the_editor(qtbot, view, seeded_team, other) -> None:
    editor, rid = view.editor, seeded_team.primary.id
    open_rotation(view, "Primary")
    editor.priority.setValue(4)
    their_edit(other, rid, seeded_team.now, priority=1)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    dialog = wait_for_dialog(qtbot, view)
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert stored(seeded_team, rid).current.priority == 1
    assert editor.priority.value() == 1


def test_undo_after_someone_elses_save_is_reported_not_forced(
    qtbot, view, seeded_team, other
) -> None:
    editor, rid = view.editor, seeded_team.primary.id
    open_rotation(view, "Primary")
    editor.priority.setValue(3)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert stored(seeded_team, rid).current.priority == 3
    assert view.undo.count() == 1
    their_edit(other, rid, seeded_team.now + timedelta(minutes=1), role=Role.SHADOW)

    view.undo.undo()  # would drop their role change with my version: refused, and said
    dialog = wait_for_dialog(qtbot, view)
    assert ("Role", "shadow", "primary") in dialog.rows()
    after = stored(seeded_team, rid)
    assert (after.current.priority, after.current.role) == (3, Role.SHADOW)
    assert view.undo.count() == 0  # the stale undo step is gone rather than lying
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_stale_engineer_form_asks_and_keeps_the_form_until_resolved(
    qtbot, view, seeded_team, other
) -> None:
    view.tabs.setCurrentIndex(0)
    bao = seeded_team.engineer("bao")
    proxy = view.engineer_table.model()
    row = next(i for i in range(proxy.rowCount()) if proxy.index(i, 0).data() == bao.name)
    view.engineer_table.setCurrentIndex(proxy.index(row, 0))
    form = view.edit_engineer()
    assert form is not None
    form.phone.setText("+65 6000 0000")
    with other.begin() as s:  # someone else fixes Bao's email meanwhile
        commands.update_engineer(s, replace(bao, email="bao@new.example"), base=bao)

    form.submit()
    dialog = wait_for_dialog(qtbot, view)
    assert dialog.parent() is form
    assert dialog.choices() == {"email": "theirs", "phone": "yours"}
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert form.isVisible()
    assert form.phone.text() == "+65 6000 0000"

    form.submit()
    dialog = wait_for_dialog(qtbot, view)
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.isVisible())
    with seeded_team.ctx.sessions.begin() as s:
        saved = queries.get_engineer(s, bao.id)
    assert (saved.email, saved.phone) == ("bao@new.example", "+65 6000 0000")


def test_removing_an_override_someone_else_removed_says_so(qtbot, seeded_team, other) -> None:
    from oncall.domain.model import Override
    from oncall.ui.schedule_view import ScheduleView

    now, ada = seeded_team.now, seeded_team.engineer("ada")
    with seeded_team.ctx.sessions.begin() as s:
        override = commands.add_override(
            s, Override(0, seeded_team.team.id, ada.id, now, now + timedelta(hours=4), now)
        )
    stack = QUndoStack()
    schedule = ScheduleView(seeded_team.ctx, stack)
    qtbot.addWidget(schedule)
    schedule.refresh()
    assert override.id in {o.id for o in schedule.plan.overrides}
    with other.begin() as s:  # gone in the other copy while this one still shows it
        commands.delete_override(s, override.id, expected=override.row_version)

    assert not schedule.remove_override(override.id)
    assert "Someone else deleted this override" in schedule.message.text()
    assert stack.count() == 0


def test_choosing_a_lead_over_someone_elses_choice_asks_first(qtbot, view, seeded_team, other):
    ada, bao = seeded_team.engineer("ada"), seeded_team.engineer("bao")
    with other.begin() as s:  # another copy made Ada the lead a moment ago
        commands.update_team(s, replace(seeded_team.team, lead_engineer_id=ada.id))

    error = view.set_lead(bao.id)  # this copy still shows "No lead"
    assert error is not None
    dialog = wait_for_dialog(qtbot, view)
    assert dialog.rows() == [("Lead", "Ada Lovelace", "Bao Nguyen")]
    assert view.lead_pick.currentData() == ada.id  # the screen now shows their choice
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # keep mine: Bao
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.get_team(s, seeded_team.team.id).lead_engineer_id == bao.id
    assert view.lead_pick.currentData() == bao.id
    view.undo.undo()  # back to Ada (their choice), not to "No lead"
    with seeded_team.ctx.sessions.begin() as s:
        assert queries.get_team(s, seeded_team.team.id).lead_engineer_id == ada.id


def test_the_dialog_in_the_night_theme(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QApplication

    from oncall.ui import theme

    theme.apply_theme(QApplication.instance(), theme.NIGHT)
    dialog = ConflictDialog(rotation_conflict(), zone="Europe/London", now=NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # The "who changed it" notes are in the theme's muted text colour, never an alarm colour.
    muted = theme.muted_text(dialog.palette()).name()
    notes = [x.text() for x in dialog.table.findChildren(QLabel) if "changed this" in x.text()]
    assert len(notes) == 3
    assert all(f"color:{muted}" in n for n in notes)
    save_png(dialog, "conflict_dialog_night.png", tmp_path)

"""The per-person change preview: numbers before → after in words, shifts on expand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from oncall.domain.diff import PersonDiff, PersonLoad
from oncall.domain.model import Engineer, Provenance, Role, Shift, SourceKind
from oncall.ui.change_preview import ChangePreviewDialog, describe_change
from tests.ui.shots import save_png

ADA = Engineer(1, "Ada Lovelace", "ada", "Europe/London")
BO = Engineer(2, "Bo Chen", "bo", "Australia/Sydney")
CY = Engineer(3, "Cy Diaz", "cy", "America/New_York")
PEOPLE = {e.id: e for e in (ADA, BO, CY)}
MON = datetime(2026, 3, 2, 9, tzinfo=UTC)


def shift(engineer: Engineer, start: datetime, days: int = 7) -> Shift:
    return Shift(
        1,
        Role.PRIMARY,
        engineer.id,
        start,
        start + timedelta(days=days),
        Provenance(SourceKind.ROTATION, rotation_id=1, rotation_version=1),
    )


def diffs() -> list[PersonDiff]:
    gained = shift(ADA, MON)
    return [
        PersonDiff(
            ADA.id, PersonLoad(1, 168.0, 7, 2, 0), PersonLoad(2, 336.0, 14, 4, 1), (gained,), ()
        ),
        PersonDiff(
            BO.id, PersonLoad(2, 336.0, 14, 4, 0), PersonLoad(1, 168.0, 7, 2, 0), (), (gained,)
        ),
        PersonDiff(CY.id, PersonLoad(1, 168.0, 7, 2, 0), PersonLoad(1, 168.0, 7, 2, 0), (), ()),
    ]


def test_each_changed_person_gets_a_row_with_before_and_after_in_words(qtbot, tmp_path):
    dialog = ChangePreviewDialog(diffs(), PEOPLE)
    qtbot.addWidget(dialog)
    rows = dialog.person_rows()
    assert set(rows) == {"Ada Lovelace", "Bo Chen"}
    assert rows["Ada Lovelace"] == [
        "1 → 2\n▲ 1 more shift",
        "168 h → 336 h\n▲ 168 h more",
        "7 → 14\n▲ 7 more nights",
        "2 → 4\n▲ 2 more days",
        "0 → 1\n▲ 1 more holiday",
    ]
    assert rows["Bo Chen"][0] == "2 → 1\n▼ 1 fewer shift"
    assert rows["Bo Chen"][4] == "0 (same)"
    assert dialog.summary.text() == "Unchanged: Cy Diaz."

    dialog.show()
    qtbot.waitExposed(dialog)
    ada = dialog.tree.topLevelItem(0)
    dialog.tree.setCurrentItem(ada)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Right)  # expand with the keyboard
    assert ada.isExpanded()
    assert (
        ada.child(0).text(0) == "+ gains Mon 2 Mar 09:00 – Mon 9 Mar 09:00 (Europe/London), primary"
    )
    bo = dialog.tree.topLevelItem(1)
    # Bo's lost shift is shown in Bo's own zone.
    assert (
        bo.child(0)
        .text(0)
        .startswith("− loses Mon 2 Mar 20:00 – Mon 9 Mar 20:00 (Australia/Sydney)")
    )
    dialog.tree.expandAll()
    dialog.resize(1000, 420)
    save_png(dialog, "team_change_preview.png", tmp_path)


def test_no_change_says_so(qtbot, tmp_path):
    dialog = ChangePreviewDialog(diffs()[2:], PEOPLE)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == "No one's schedule changes."
    assert dialog.person_rows() == {}
    assert dialog.tree.isHidden()
    dialog.show()
    qtbot.waitExposed(dialog)
    save_png(dialog, "team_change_preview_none.png", tmp_path)


def test_enter_confirms_and_escape_cancels(qtbot):
    dialog = ChangePreviewDialog(diffs(), PEOPLE)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    dialog = ChangePreviewDialog(diffs(), PEOPLE)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)


def test_hours_are_shown_without_noise():
    before, after = PersonLoad(hours=7.5), PersonLoad(hours=12.0)
    assert describe_change(before, after, "hours", "h", "h") == "7.5 h → 12 h\n▲ 4.5 h more"

"""The zone picker: search by part of a place, see the offset now, unknown zones flagged."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from oncall.ui.zone_picker import ZonePicker, format_offset, match_zones

JAN = datetime(2026, 1, 15, 12, tzinfo=UTC)


def make(qtbot, zone: str = "") -> ZonePicker:
    picker = ZonePicker(zone, clock=lambda: JAN)
    qtbot.addWidget(picker)
    return picker


def test_typing_part_of_a_city_offers_its_zone_and_enter_takes_it(qtbot):
    picker = make(qtbot)
    qtbot.keyClicks(picker.edit, "sydn")
    picker.completer.setCompletionPrefix("sydn")
    offered = [
        picker.completer.completionModel().index(i, 0).data()
        for i in range(picker.completer.completionCount())
    ]
    assert offered == ["Australia/Sydney"]
    with qtbot.waitSignal(picker.zoneChanged) as chosen:
        qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert chosen.args == ["Australia/Sydney"]
    assert picker.zone() == "Australia/Sydney"
    # Sydney is on daylight time in January.
    assert picker.offset_label.text() == "UTC+11:00 now"


def test_spaces_read_as_underscores():
    assert match_zones("new york")[0] == "America/New_York"
    assert match_zones("europe/london")[0] == "Europe/London"


def test_unknown_zone_is_flagged_and_kept_as_typed(qtbot):
    picker = make(qtbot)
    qtbot.keyClicks(picker.edit, "Atlantis/Lost")
    picker.commit()
    assert picker.zone() is None
    assert picker.text() == "Atlantis/Lost"
    assert "No time zone has that name" in picker.error_label.text()
    assert not picker.error_label.isHidden()


def test_ambiguous_text_lists_choices_without_guessing(qtbot):
    picker = make(qtbot)
    qtbot.keyClicks(picker.edit, "america/")
    picker.commit()
    assert picker.zone() is None
    assert picker.error_label.text().startswith("Pick one zone:")


def test_fixing_the_text_clears_the_error(qtbot):
    picker = make(qtbot, "Nowhere")
    assert not picker.error_label.isHidden()
    picker.edit.clear()
    qtbot.keyClicks(picker.edit, "Europe/Berlin")
    assert picker.error_label.isHidden()
    assert picker.offset_label.text() == "UTC+01:00 now"


def test_offsets_read_naturally():
    assert format_offset("UTC", JAN) == "UTC+00:00"
    assert format_offset("Asia/Kolkata", JAN) == "UTC+05:30"
    assert format_offset("America/St_Johns", JAN) == "UTC−03:30"

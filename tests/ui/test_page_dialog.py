"""Log a page by hand: times in the viewer's zone, the engineer's local time, inline checks."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QDialogButtonBox

from oncall.domain.model import Channel
from oncall.ui.models import wall_qdatetime
from oncall.ui.page_dialog import PageDialog


def test_a_page_typed_in_new_york_is_stored_as_its_instant(qtbot, seeded_team):
    ada = seeded_team.engineer("ada")
    dialog = PageDialog(seeded_team.engineers, "America/New_York", seeded_team.now,
                        engineer_id=ada.id)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.when.setDateTime(wall_qdatetime(datetime(2026, 11, 9, 22, 10)))
    dialog.title_edit.setText("Ledger lag")
    assert dialog.local_note.text() == "That is Tue 03:10 for Ada in London."
    page = dialog.page()
    assert page is not None
    assert page.triggered_at == datetime(2026, 11, 10, 3, 10, tzinfo=UTC)
    assert page.engineer_id == ada.id
    assert page.channel is Channel.PHONE
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_resolved_before_triggered_is_refused_inline(qtbot, seeded_team):
    dialog = PageDialog(seeded_team.engineers, "Europe/London", seeded_team.now)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.when.setDateTime(wall_qdatetime(datetime(2026, 11, 9, 22, 10)))
    dialog.resolved.setChecked(True)
    dialog.resolved_at.setDateTime(wall_qdatetime(datetime(2026, 11, 9, 21, 0)))
    assert dialog.page() is None
    assert dialog.error.isVisible()
    assert "resolved before the page was triggered" in dialog.error.text().lower()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.resolved.setChecked(False)
    assert dialog.page() is not None


def test_a_page_in_the_future_is_refused(qtbot, seeded_team):
    dialog = PageDialog(seeded_team.engineers, "Europe/London", seeded_team.now)
    qtbot.addWidget(dialog)
    dialog.when.setDateTime(wall_qdatetime(datetime(2026, 11, 17, 10, 0)))
    assert dialog.page() is None
    assert "in the future" in dialog.error.text()

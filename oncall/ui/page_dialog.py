"""Log a page by hand, for pages from systems oncall does not import.

Times are typed in the viewer's zone; the engineer's own local time is shown beside them (it
decides whether the page woke them). Problems are shown inline as they appear (the same
checks as ``oncall.db.pages.page_problems``) and OK stays disabled until there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from oncall.db.pages import MANUAL_SOURCE, page_problems
from oncall.domain.model import Channel, Engineer, Page, Severity, Urgency
from oncall.domain.zones import localize_utc, wall
from oncall.ui.models import qdatetime_wall, wall_qdatetime
from oncall.ui.theme import attention
from oncall.ui.when import city
from oncall.ui.widgets import MutedLabel

NOT_GIVEN = "Not given"


def _time_edit(parent: QWidget, value: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(wall_qdatetime(value), parent)
    edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
    edit.setCalendarPopup(True)
    return edit


class PageDialog(QDialog):
    """Engineer, when, acknowledged and resolved (optional), severity, urgency, channel,
    service and title. ``page()`` is the draft (source ``manual``), or None while invalid."""

    def __init__(
        self,
        engineers: Sequence[Engineer],
        viewer_zone: str,
        now: datetime,
        parent: QWidget | None = None,
        *,
        engineer_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a page")
        self.engineers = list(engineers)
        self.zone, self.now = viewer_zone, now
        unit = self.fontMetrics().height()

        self.engineer_box = QComboBox(self)
        self.engineer_box.setAccessibleName("Engineer")
        for e in self.engineers:
            self.engineer_box.addItem(f"{e.name} ({city(e.zone)})", e.id)
        if engineer_id is not None:
            self.engineer_box.setCurrentIndex(max(0, self.engineer_box.findData(engineer_id)))
        start = wall(now, viewer_zone).replace(second=0, microsecond=0)
        self.when = _time_edit(self, start)
        self.when.setAccessibleName("When the page came")
        self.local_note = MutedLabel("", self)
        self.acked = QCheckBox("&Acknowledged", self)
        self.acked_at = _time_edit(self, start + timedelta(minutes=5))
        self.resolved = QCheckBox("&Resolved", self)
        self.resolved_at = _time_edit(self, start + timedelta(minutes=30))
        for box, edit in ((self.acked, self.acked_at), (self.resolved, self.resolved_at)):
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self._validate)
            edit.dateTimeChanged.connect(self._validate)
        self.severity = self._choices([s.value for s in Severity], "Severity")
        self.urgency = self._choices([u.value for u in Urgency], "Urgency")
        self.channel = self._choices([c.value for c in Channel], "Channel")
        self.channel.setCurrentIndex(self.channel.findData(Channel.PHONE.value))
        self.urgency.setCurrentIndex(self.urgency.findData(Urgency.HIGH.value))
        self.service = QLineEdit(self)
        self.service.setAccessibleName("Service")
        self.service.setPlaceholderText("e.g. checkout")
        self.title_edit = QLineEdit(self)
        self.title_edit.setAccessibleName("Title")
        self.title_edit.setPlaceholderText("What the page said")
        self.title_edit.setMinimumWidth(unit * 22)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problems")
        palette = self.error.palette()
        palette.setColor(self.error.foregroundRole(), attention(palette))
        self.error.setPalette(palette)

        form = QFormLayout()
        form.addRow("&Engineer:", self.engineer_box)
        form.addRow(f"&When ({city(viewer_zone)} time):", self.when)
        form.addRow("", self.local_note)
        for box, edit in ((self.acked, self.acked_at), (self.resolved, self.resolved_at)):
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(edit, 1)
            form.addRow("", row)
        form.addRow("Se&verity:", self.severity)
        form.addRow("&Urgency:", self.urgency)
        form.addRow("&Channel:", self.channel)
        form.addRow("&Service:", self.service)
        form.addRow("&Title:", self.title_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Log page")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(self.buttons)
        self.engineer_box.currentIndexChanged.connect(self._validate)
        self.when.dateTimeChanged.connect(self._validate)
        for edit in (self.service, self.title_edit):
            edit.textChanged.connect(self._validate)
        self._validate()

    def _choices(self, values: list[str], name: str) -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(name)
        box.addItem(NOT_GIVEN, None)
        for v in values:
            box.addItem(v.capitalize(), v)
        return box

    def _instant(self, edit: QDateTimeEdit) -> datetime:
        return localize_utc(qdatetime_wall(edit.dateTime()), self.zone)

    def engineer(self) -> Engineer | None:
        """The engineer chosen."""
        chosen = self.engineer_box.currentData()
        return next((e for e in self.engineers if e.id == chosen), None)

    def draft(self) -> Page | None:
        """The page as typed (before checks), or None without an engineer."""
        person = self.engineer()
        if person is None:
            return None
        severity, urgency, channel = (
            b.currentData() for b in (self.severity, self.urgency, self.channel)
        )
        return Page(
            id=0,
            source=MANUAL_SOURCE,
            source_id="new",
            engineer_id=person.id,
            triggered_at=self._instant(self.when),
            acknowledged_at=self._instant(self.acked_at) if self.acked.isChecked() else None,
            resolved_at=self._instant(self.resolved_at) if self.resolved.isChecked() else None,
            severity=Severity(severity) if severity else None,
            urgency=Urgency(urgency) if urgency else None,
            channel=Channel(channel) if channel else None,
            service=self.service.text().strip(),
            title=self.title_edit.text().strip(),
        )

    def problems(self) -> list[str]:
        """What stops the page from being logged, in plain words."""
        page = self.draft()
        if page is None:
            return ["choose an engineer"]
        return page_problems(page, self.now)

    def page(self) -> Page | None:
        """The page to log, or None while something is wrong."""
        return None if self.problems() else self.draft()

    def _validate(self) -> None:
        person = self.engineer()
        if person is not None:
            at = self._instant(self.when)
            local = wall(at, person.zone)
            self.local_note.setText(
                f"That is {local:%a %H:%M} for {person.name.split()[0]} in {city(person.zone)}."
            )
        problems = self.problems()
        text = "; ".join(problems)
        self.error.setText(text[:1].upper() + text[1:] + "." if text else "")
        self.error.setVisible(bool(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        engineers: Sequence[Engineer],
        viewer_zone: str,
        now: datetime,
    ) -> Page | None:
        """Show the dialog; the page to log, or None when cancelled."""
        dialog = cls(engineers, viewer_zone, now, parent)
        return dialog.page() if dialog.exec() == QDialog.DialogCode.Accepted else None

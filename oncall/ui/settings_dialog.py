"""Settings: who you are, your time zone, reminders, theme, team checklists; calendar publishing;
wellbeing thresholds; the database (this computer or a team server)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.domain.model import Engineer
from oncall.settings import Settings
from oncall.ui import theme
from oncall.ui.publish_settings import CalendarSection
from oncall.ui.widgets import MutedLabel
from oncall.ui.zone_picker import ZonePicker
from oncall.ui.zones import machine_zone

NOBODY = -1  # list entry for "I am not on call myself"


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``settings()`` returns the result after ``accept``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Settings"))
        current = ctx.settings
        unit = self.fontMetrics().height()

        from oncall.db import queries

        with ctx.sessions.begin() as s:
            self.engineers: list[Engineer] = queries.list_engineers(s)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name or handle"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.people = QListWidget()
        self.people.setMinimumHeight(unit * 9)
        nobody = QListWidgetItem(self.tr("Nobody: I am not on call myself"))
        nobody.setData(Qt.ItemDataRole.UserRole, NOBODY)
        self.people.addItem(nobody)
        for engineer in self.engineers:
            item = QListWidgetItem(f"{engineer.name}  (@{engineer.handle} · {engineer.zone})")
            item.setData(Qt.ItemDataRole.UserRole, engineer.id)
            self.people.addItem(item)
            if engineer.id == current.me_engineer_id:
                self.people.setCurrentItem(item)
        if self.people.currentItem() is None:
            self.people.setCurrentRow(0)
        who = QWidget()
        who_layout = QVBoxLayout(who)
        who_layout.setContentsMargins(0, 0, 0, 0)
        who_layout.addWidget(self.search)
        who_layout.addWidget(self.people)
        who_layout.addWidget(
            MutedLabel(self.tr("Your shifts appear on the Now screen and in the tray."))
        )

        self.zone = ZonePicker(current.viewer_zone, clock=ctx.clock)
        self.zone.edit.setPlaceholderText(
            self.tr("This computer's zone ({zone})").format(zone=machine_zone())
        )
        self.reminder = QSpinBox()
        self.reminder.setRange(0, 24 * 60)
        self.reminder.setSingleStep(5)
        self.reminder.setSuffix(self.tr(" minutes before"))
        self.reminder.setSpecialValueText(self.tr("No reminder before a shift"))
        self.reminder.setValue(current.reminder_minutes)
        self.theme = QComboBox()
        for name, label in theme.THEMES.items():
            self.theme.addItem(label, name)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme.normalise(current.theme))))

        self.checklists = ChecklistFolder(ctx, current.checklist_dir)

        form = QFormLayout()
        form.addRow(self.tr("&Who are you?"), who)
        form.addRow(self.tr("Your time &zone"), self.zone)
        form.addRow(self.tr("&Reminder"), self.reminder)
        form.addRow(self.tr("&Theme"), self.theme)
        form.addRow(self.tr("Team c&hecklists"), self.checklists)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        general = QWidget()
        general.setLayout(form)
        self.calendar = CalendarSection(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, self.tr("&General"))
        self.tabs.addTab(self.calendar, self.tr("&Calendar"))
        from oncall.ui.risk_settings import WellbeingSettings

        self.wellbeing = WellbeingSettings(current.risk)
        self.tabs.addTab(self.wellbeing, self.tr("&Wellbeing"))
        from oncall.ui.database_settings import DatabaseSection

        self.database = DatabaseSection(ctx)
        self.tabs.addTab(self.database, self.tr("&Database"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(unit * 36, self.sizeHint().height())

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.people.count()):
            item = self.people.item(row)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def accept(self) -> None:
        """Close only when the zone field is empty or names a zone."""
        if self.zone.text().strip() and self.zone.commit() is None:
            self.zone.show_error(self.tr("Pick a zone from the list, or leave the field empty."))
            return
        if self.wellbeing.problems():  # said inline on the Wellbeing tab
            self.tabs.setCurrentWidget(self.wellbeing)
            return
        if not self.database.accept_checks():  # said inline on the Database tab
            self.tabs.setCurrentWidget(self.database)
            return
        super().accept()

    def settings(self) -> Settings:
        """The settings as edited."""
        item = self.people.currentItem()
        chosen = item.data(Qt.ItemDataRole.UserRole) if item is not None else NOBODY
        edited = self.database.chosen(
            self.wellbeing.chosen(self.calendar.chosen(self.ctx.settings))
        )
        return edited.with_(
            me_engineer_id=None if chosen == NOBODY else int(chosen),
            viewer_zone=self.zone.zone() or "",
            reminder_minutes=self.reminder.value(),
            theme=self.theme.currentData(),
            checklist_dir=self.checklists.folder(),
        )

    @classmethod
    def ask(cls, ctx: AppContext, parent: QWidget | None = None) -> Settings | None:
        """Show the dialog; the new settings, or None when cancelled (tests replace this)."""
        dialog = cls(ctx, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.settings()
            return None
        finally:
            dialog.deleteLater()


class ChecklistFolder(QWidget):
    """The team's checklist folder, and what loading it gives (checklists, or each problem)."""

    def __init__(self, ctx: AppContext, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = QLineEdit(folder)
        self.path.setPlaceholderText(self.tr("Only the shipped checklists"))
        self.path.setClearButtonEnabled(True)
        self.path.editingFinished.connect(self.check)
        browse = QPushButton(self.tr("&Browse…"))
        browse.clicked.connect(self._browse)
        self.status = MutedLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.check()

    def folder(self) -> str:
        """The folder as typed ("" for none)."""
        return self.path.text().strip()

    def check(self) -> None:
        """Load the shipped and team checklists and say what came of it, problems by file:line."""
        from oncall.exchange.checklists import load_library

        folder = self.folder()
        team_dir = Path(folder).expanduser() if folder else None
        if team_dir is not None and not team_dir.is_dir():
            self.status.setText(self.tr("There is no folder at {path}.").format(path=folder))
            return
        # Rule 17 against the last imported copies, without keeping these files as new ones.
        library = load_library(team_dir, today=self.ctx.clock().date(),
                               sessions=self.ctx.sessions, now=self.ctx.clock())  # fmt: skip
        lines = [
            self.tr("{n} checklist(s) ready: {names}.").format(
                n=len(library.checklists), names=", ".join(sorted(library.checklists))
            )
        ]
        problems = [str(e) for e in library.errors if not e.warning]
        if problems:
            lines.append(self.tr("Not loaded, fix and reopen Settings:"))
            lines.extend(problems[:5])
        self.status.setText("\n".join(lines))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Team checklist folder"), self.folder() or str(Path.home())
        )
        if chosen:
            self.path.setText(chosen)
            self.check()

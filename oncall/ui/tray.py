"""The tray icon: whether you are on call, and a reminder before your shift and at handoff.

The decisions live in ``tray_status`` (Qt-free); this controller reads the ledger, shows the
result and remembers which reminders it has shown. Without a system tray (e.g. offscreen) it
still decides and emits ``reminder_shown``, so the logic stays testable and visible in logs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from oncall.app import AppContext
from oncall.domain.model import Shift
from oncall.ui import icons
from oncall.ui.tray_status import (
    REMINDER_GRACE,
    Reminder,
    TrayStatus,
    due_reminders,
    tray_status,
)
from oncall.ui.zones import viewer_zone

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 30_000  # reminders are checked twice a minute: well inside their grace


class TrayController(QObject):
    """Owns the tray icon (when the desktop has a tray) and the reminders.

    Signals:
        reminder_shown(str, str): title and message of a reminder just shown.
        status_changed(object): the new ``TrayStatus``.
        paged(): "I've been paged" was chosen in the tray menu.
    """

    reminder_shown = Signal(str, str)
    status_changed = Signal(object)
    paged = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window = parent
        self.shown: set[str] = set()
        self.status = TrayStatus(False, "oncall")
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._build_tray()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        # first read after the window has painted: start-up pays nothing for the tray
        QTimer.singleShot(0, self.refresh)

    def _build_tray(self) -> None:
        self.tray = QSystemTrayIcon(self._icon(False), self)
        menu = QMenu(self.window)
        open_action = QAction(self.tr("Open oncall"), menu)
        open_action.triggered.connect(self.open_window)
        paged_action = QAction(self.tr("I've been paged…"), menu)
        paged_action.triggered.connect(self.page)
        menu.addAction(paged_action)
        quit_action = QAction(self.tr("Quit"), menu)
        quit_action.triggered.connect(QApplication.quit)
        menu.addAction(open_action)
        menu.addSeparator()
        menu.addAction(quit_action)
        self.menu = menu
        self.tray.setContextMenu(menu)
        self.tray.activated.connect(self._on_tray_activated)
        self.tray.setToolTip(self.status.tooltip)
        self.tray.show()

    @staticmethod
    def _icon(on_call: bool) -> QIcon:
        return QIcon(str(icons.icon_path("tray-on" if on_call else "tray-off")))

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_window()

    def open_window(self) -> None:
        """Bring the main window to the front."""
        if self.window is not None:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()

    def page(self) -> None:
        """Bring the window up and ask it to start the triage runner."""
        self.open_window()
        self.paged.emit()

    def my_shifts(self, now: datetime) -> tuple[list[Shift], dict[int, str]]:
        """Your shifts around ``now`` (ended within the reminder grace, or coming) and the
        team names; nothing when "who am I" is not chosen."""
        me = self.ctx.settings.me_engineer_id
        if me is None:
            return [], {}
        with self.ctx.reader() as reader:  # the start-up snapshot until the database is open
            shifts = reader.next_shifts(me, now - REMINDER_GRACE, limit=20)
            names = {t.id: t.name for t in reader.teams()}
        return shifts, names

    def refresh(self) -> None:
        """Re-read your shifts, update the icon and tooltip, show reminders that are due."""
        self.check(self.ctx.clock())

    def check(self, now: datetime) -> list[Reminder]:
        """Update the status for ``now`` and show each due reminder once; returns those shown."""
        shifts, names = self.my_shifts(now)
        zone = viewer_zone(self.ctx)
        status = tray_status(
            shifts, now, zone, names, me_known=self.ctx.settings.me_engineer_id is not None
        )
        if status != self.status:
            self.status = status
            if self.tray is not None:
                self.tray.setIcon(self._icon(status.on_call))
                self.tray.setToolTip(status.tooltip)
            self.status_changed.emit(status)
        due = due_reminders(
            shifts, now, zone, names, self.ctx.settings.reminder_minutes, self.shown
        )
        for reminder in due:
            self.shown.add(reminder.key)
            self._show(reminder)
        return due

    def _show(self, reminder: Reminder) -> None:
        log.info("Reminder: %s — %s", reminder.title, reminder.message)
        if self.tray is not None:
            self.tray.showMessage(
                reminder.title, reminder.message, QSystemTrayIcon.MessageIcon.Information
            )
        self.reminder_shown.emit(reminder.title, reminder.message)

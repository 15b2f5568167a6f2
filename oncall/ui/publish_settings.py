"""Calendar publishing in the window: the Calendar section of Settings and the publisher that
keeps the published calendars fresh after every edit (docs/calendar.md, "Publishing").

The publisher coalesces: each edit restarts a short timer, so a burst of edits (an override,
its undo, a swap) runs one publish; a publish asked for while one runs is run once more when
it ends. The work itself is ``jobs.publish_calendars`` on the one Worker, never on the GUI
thread (CalDAV is network I/O).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from oncall import credentials
from oncall.app import AppContext
from oncall.exchange.caldav_publish import PASSWORD_SECRET
from oncall.settings import Settings
from oncall.ui.widgets import MutedLabel
from oncall.ui.workers import Worker
from oncall.ui.zones import viewer_zone


def has_target(settings: Settings) -> bool:
    """Whether a publish target (a folder or a CalDAV collection) is configured."""
    return bool(settings.publish_folder.strip() or settings.caldav_url.strip())


def _clock(at: datetime, zone: str) -> str:
    return f"{at.astimezone(ZoneInfo(zone or 'UTC')):%H:%M}"


def status_line(status: object | None, zone: str, now: datetime) -> str:
    """A target's last result in plain words: "Published today 12:03: 3 written, 5 unchanged",
    "Failed Mon 16 Nov 12:03: <the error sentence>", or "Not published yet"."""
    if status is None:
        return "Not published yet."
    at = status.at.astimezone(ZoneInfo(zone or "UTC"))  # type: ignore[attr-defined]
    today = now.astimezone(ZoneInfo(zone or "UTC")).date()
    when = f"today {at:%H:%M}" if at.date() == today else f"{at:%a} {at.day} {at:%b} {at:%H:%M}"
    if status.ok:  # type: ignore[attr-defined]
        return f"Published {when}: {status.message}."  # type: ignore[attr-defined]
    return f"Failed {when}: {status.message}"  # type: ignore[attr-defined]


def publish_job(ctx: AppContext, settings: Settings | None = None) -> Callable:
    """The publish job for the Worker, with the targets of ``settings`` (ctx's by default)."""
    from oncall import jobs

    chosen = settings or ctx.settings
    sessions, now = ctx.sessions, ctx.clock()
    return lambda: jobs.publish_calendars(
        sessions,
        now,
        folder=chosen.publish_folder,
        caldav_url=chosen.caldav_url,
        caldav_user=chosen.caldav_user,
        days_back=chosen.calendar_days_back,
        days_ahead=chosen.calendar_days_ahead,
    )


class CalendarPublisher(QObject):
    """Publishes the calendars after edits, coalesced, on a Worker.

    Signals:
        message(str): what the status bar says ("Calendars published 12:03" or the error).
        finished(): a publish run ended (tests wait on it).
    """

    message = Signal(str)
    finished = Signal()

    def __init__(
        self, context: Callable[[], AppContext], parent: QObject | None = None, delay_ms: int = 1500
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.publish_now)
        self.worker: Worker | None = None
        self._again = False
        self.runs = 0  # publishes started (tests count them)

    def schedule(self) -> None:
        """Publish a moment from now (restarting the wait), if a target is configured."""
        ctx = self._context()
        if ctx.is_open and has_target(ctx.settings):
            self.timer.start()

    def publish_now(self) -> None:
        """Publish at once (or right after the publish that is running)."""
        self.timer.stop()
        ctx = self._context()
        if not (ctx.is_open and has_target(ctx.settings)):
            return
        if self.worker is not None:
            self._again = True
            return
        self.runs += 1
        worker = Worker(publish_job(ctx))
        worker.signals.progress.connect(self._on_progress)
        worker.signals.failed.connect(lambda m: self.message.emit(f"Could not publish: {m}"))
        worker.signals.finished.connect(self._on_finished)
        self.worker = worker
        worker.start()

    def _on_progress(self, progress: object) -> None:
        statuses = getattr(progress, "statuses", ())
        if getattr(progress, "done", 0) < getattr(progress, "total", 0) or not statuses:
            return
        failed = [s for s in statuses if not s.ok]
        if failed:
            where = "the folder" if failed[0].target == "folder" else "CalDAV"
            self.message.emit(f"Calendars not published to {where}: {failed[0].message}")
        else:
            ctx = self._context()
            self.message.emit(f"Calendars published {_clock(statuses[-1].at, viewer_zone(ctx))}")

    def _on_finished(self) -> None:
        self.worker = None
        self.finished.emit()
        if self._again:
            self._again = False
            self.publish_now()


class CalendarSection(QWidget):
    """Settings' Calendar section: the publish folder, the CalDAV collection, user and
    password (kept in the keyring, or for this session only when there is none; never in a
    file), the horizon, "Publish now", and each target's last result."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        current = ctx.settings
        unit = self.fontMetrics().height()
        self.worker: Worker | None = None

        self.folder = QLineEdit(current.publish_folder)
        self.folder.setPlaceholderText("No folder: calendars are not kept in a folder")
        self.folder.setClearButtonEnabled(True)
        self.folder.setMinimumWidth(unit * 18)
        self.folder.setAccessibleName("Publish folder")
        self.choose_folder = QPushButton("Choose…")
        self.choose_folder.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_folder)

        self.url = QLineEdit(current.caldav_url)
        self.url.setPlaceholderText("https://dav.example.com/ada/oncall/")
        self.url.setClearButtonEnabled(True)
        self.url.setAccessibleName("CalDAV URL")
        self.user = QLineEdit(current.caldav_user)
        self.user.setAccessibleName("CalDAV user")
        self.password_state = QLabel()
        self.password_state.setWordWrap(True)
        self.password_button = QPushButton("Set password…")
        self.password_button.clicked.connect(self.ask_password)
        password_row = QHBoxLayout()
        password_row.setContentsMargins(0, 0, 0, 0)
        password_row.addWidget(self.password_state, 1)
        password_row.addWidget(self.password_button)

        self.days_back = QSpinBox()
        self.days_back.setRange(0, 3650)
        self.days_back.setSuffix(" days back")
        self.days_back.setValue(current.calendar_days_back)
        self.days_ahead = QSpinBox()
        self.days_ahead.setRange(1, 3650)
        self.days_ahead.setSuffix(" days ahead")
        self.days_ahead.setValue(current.calendar_days_ahead)
        horizon_row = QHBoxLayout()
        horizon_row.setContentsMargins(0, 0, 0, 0)
        horizon_row.addWidget(self.days_back)
        horizon_row.addWidget(self.days_ahead)
        horizon_row.addStretch(1)

        self.folder_status = MutedLabel("")
        self.caldav_status = MutedLabel("")
        for label in (self.folder_status, self.caldav_status):
            label.setWordWrap(True)
        self.publish_button = QPushButton("Test && &publish now")
        self.publish_button.setToolTip("Publish to the folder and CalDAV as entered here")
        self.publish_button.clicked.connect(self.publish_now)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        publish_row = QHBoxLayout()
        publish_row.setContentsMargins(0, 0, 0, 0)
        publish_row.addWidget(self.publish_button)
        publish_row.addWidget(self.result, 1)

        form = QFormLayout()
        folder_label = QLabel("Publish &folder")
        folder_label.setBuddy(self.folder)  # rows that are layouts need their buddy set
        form.addRow(folder_label, folder_row)
        form.addRow("", self.folder_status)
        form.addRow("CalDAV &URL", self.url)
        form.addRow("CalDAV u&ser", self.user)
        form.addRow("Password", password_row)
        form.addRow("", self.caldav_status)
        range_label = QLabel("Calendar &range")
        range_label.setBuddy(self.days_back)
        form.addRow(range_label, horizon_row)
        column = QVBoxLayout(self)
        column.addWidget(
            MutedLabel(
                "Everyone's shifts as calendars: files in a synced folder a calendar app "
                "subscribes to, and events on a CalDAV server. Kept up to date after each edit."
            )
        )
        column.addLayout(form)
        column.addLayout(publish_row)
        self.show_password_state()
        self.show_statuses()

    # -- the password ---------------------------------------------------------------------

    def show_password_state(self) -> None:
        """Say where the CalDAV password is kept, plainly."""
        try:
            secure = credentials.backend_is_secure()
            secret = credentials.get_secret(PASSWORD_SECRET)
        except Exception:  # no secure keyring and nothing for this session
            secure, secret = False, None
        if secret is not None and not secure:
            text = "Kept for this session only (no secure keyring): enter it again next time."
        elif secret is not None:
            text = f"Kept in {credentials.backend_name()}."
        elif not secure:
            text = "No password yet; without a secure keyring it is kept for this session only."
        else:
            text = "No password stored yet."
        self.password_state.setText(text)
        self.password_button.setText("Change password…" if secret is not None else "Set password…")

    def ask_password(self) -> None:
        """Ask for the CalDAV password (the shared credentials dialog) and keep it."""
        from oncall.ui.credentials_dialog import CredentialsDialog

        CredentialsDialog.ask(self, PASSWORD_SECRET, "CalDAV password")
        self.show_password_state()

    # -- results --------------------------------------------------------------------------

    def show_statuses(self) -> None:
        """Each target's last result and time (``oncall.db.calendar.publish_status``)."""
        from oncall.db import calendar

        with self.ctx.sessions.begin() as s:
            folder, caldav = (
                calendar.publish_status(s, "folder"),
                calendar.publish_status(s, "caldav"),
            )
        zone, now = viewer_zone(self.ctx), self.ctx.clock()
        for label, target, status in (
            (self.folder_status, "Folder", folder),
            (self.caldav_status, "CalDAV", caldav),
        ):
            line = status_line(status, zone, now)
            label.setText(f"{target}: {line[:1].lower()}{line[1:]}")

    def chosen(self, settings: Settings) -> Settings:
        """``settings`` with this section's values."""
        return settings.with_(
            publish_folder=self.folder.text().strip(),
            caldav_url=self.url.text().strip(),
            caldav_user=self.user.text().strip(),
            calendar_days_back=self.days_back.value(),
            calendar_days_ahead=self.days_ahead.value(),
        )

    def publish_now(self) -> None:
        """Publish to the targets as entered (on the Worker); show the outcome when done."""
        chosen = self.chosen(self.ctx.settings)
        if not has_target(chosen):
            self.result.setText("Enter a folder or a CalDAV URL first.")
            return
        if self.worker is not None:
            return
        self.publish_button.setEnabled(False)
        self.result.setText("Publishing…")
        worker = Worker(publish_job(self.ctx, chosen))
        worker.signals.progress.connect(self._on_progress)
        worker.signals.failed.connect(lambda m: self.result.setText(f"Could not publish: {m}"))
        worker.signals.finished.connect(self._on_finished)
        self.worker = worker
        worker.start()

    def _on_progress(self, progress: object) -> None:
        statuses = getattr(progress, "statuses", ())
        if statuses and getattr(progress, "done", 0) >= getattr(progress, "total", 0):
            bad = [s for s in statuses if not s.ok]
            self.result.setText("Could not publish everywhere." if bad else "Published.")

    def _on_finished(self) -> None:
        self.worker = None
        self.publish_button.setEnabled(True)
        self.show_statuses()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Publish calendars into", self.folder.text() or str(self.ctx.paths.data)
        )
        if folder:
            self.folder.setText(folder)

"""The main window: a navigation list, the screens, menus, undo and the status bar.

Screens other than Now are imported the first time they are shown, so start-up only pays
for the first screen. A later screen slots in with one ``Screen(...)`` line in ``SCREENS``.

At start-up the window may be built before its database is open (``app.prepare_context``):
Now reads the read-only snapshot, and a screen asked for meanwhile shows "Opening the
database…" and is built once :meth:`MainWindow.attach_context` has brought the ledger up to
date, so no edit can race that refresh and no click is lost.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import oncall
from oncall.app import AppContext
from oncall.logs import log_file
from oncall.ui import icons, theme
from oncall.ui.widgets import EmptyState

if TYPE_CHECKING:
    from oncall.ui.connection import ConnectionController
    from oncall.ui.runner import RunnerHost
    from oncall.ui.workers import Worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screen:
    """A screen of the window: nav label and icon, and where its widget class lives.

    ``undoable`` screens are built as ``cls(ctx, undo_stack)``, others as ``cls(ctx)``.
    ``early`` screens can be built before the database is open (they read the snapshot).
    """

    key: str
    title: str
    icon: str
    module: str
    cls: str
    undoable: bool = True
    help: str = ""
    early: bool = False


SCREENS: tuple[Screen, ...] = (
    Screen("now", "Now", "now", "oncall.ui.now_view", "NowView", undoable=False, early=True),
    Screen(
        "schedule",
        "Schedule",
        "schedule",
        "oncall.ui.schedule_view",
        "ScheduleView",
        help="The timeline of every shift, gap and override.",
    ),
    Screen(
        "team",
        "Team",
        "team",
        "oncall.ui.team_view",
        "TeamView",
        help="Engineers, rotations, overrides and leave.",
    ),
    Screen(
        "load",
        "Load",
        "moon",
        "oncall.ui.load_view",
        "LoadView",
        help="Hours on call and night pages per person.",
    ),
    Screen(
        "wellbeing",
        "Wellbeing",
        "wellbeing",
        "oncall.ui.wellbeing_view",
        "WellbeingView",
        help="Who carries too much on-call load, and exactly why.",
    ),
    Screen(
        "incidents",
        "Incidents",
        "gap",
        "oncall.ui.incidents_view",
        "IncidentsView",
        help="Incidents and their timelines; resume an open one.",
    ),
)


class MainWindow(QMainWindow):
    """oncall's window. ``undo_stack`` is the one undo history every screen pushes to.

    ``ready`` is False while the database is still opening (see the module docstring); it
    defaults to whether ``ctx`` is open.

    Signals:
        screen_shown(str): a screen became current (its key), after it was built.
        context_attached(): the database is open, the ledger refreshed, every screen usable.
    """

    screen_shown = Signal(str)
    context_attached = Signal()

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, ready: bool | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ready = ctx.is_open if ready is None else ready
        self.screens = SCREENS  # fixed for this window's life
        self.undo_stack = QUndoStack(self)
        self.views: dict[str, QWidget] = {}
        self._hosts: dict[str, QWidget] = {}
        self._opening: dict[str, QWidget] = {}  # "Opening the database…" stand-ins
        self._when_open: list[Callable[[], None]] = []  # clicks made before the database opened
        self._worker: Worker | None = None
        self.pending_resume: int | None = None  # --resume-incident: opened once attached
        self._runner_host: RunnerHost | None = None
        self.setWindowTitle("oncall — demo data" if ctx.demo else "oncall")
        self.setWindowIcon(icons.app_icon())

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setAccessibleName(self.tr("Screens"))
        self.stack = QStackedWidget()
        for screen in self.screens:
            item = QListWidgetItem(screen.title)
            item.setData(Qt.ItemDataRole.UserRole, screen.key)
            item.setToolTip(screen.help or screen.title)
            self.nav.addItem(item)
            host = QWidget()
            QVBoxLayout(host).setContentsMargins(0, 0, 0, 0)
            self._hosts[screen.key] = host
            self.stack.addWidget(host)
        self._style_nav()
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        # one banner for lasting states (read-only database, connection lost): oncall/ui/banner.py
        from oncall.ui.banner import Banner

        self.banner = Banner()
        column.addWidget(self.banner)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        column.addLayout(row, 1)
        self.setCentralWidget(central)
        self._show_read_only(ctx)

        from oncall.ui.tray import TrayController  # after the window exists: it parents the tray

        self.tray = TrayController(ctx, self)
        self.tray.paged.connect(self.page)
        self.context_attached.connect(self._after_attach_triage)
        # other clients' changes, a lost team server and the outbox: oncall/ui/connection.py
        self.connection: ConnectionController | None = None
        self._offline_screens: set[str] = set()  # built while the server was unreachable
        self.context_attached.connect(self._watch_connection)
        # a team server: the other screens are built in idle time once open, so each has its
        # data before an outage (a local database keeps building them on first visit)
        self.context_attached.connect(self.build_remaining_screens)
        if ctx.is_open:
            self._watch_connection()
            if ctx.is_shared:
                QTimer.singleShot(0, self, self.build_remaining_screens)
        self._build_menus()
        self._build_status_bar()
        theme.theme_notifier().theme_changed.connect(self._on_theme_changed)
        self._restore_state()
        self.nav.setCurrentRow(0)

    # ----- screens -------------------------------------------------------------------------

    @property
    def current_key(self) -> str:
        """The key of the screen on show."""
        return self.screens[self.stack.currentIndex()].key

    def show_screen(self, key: str) -> QWidget:
        """Show screen ``key`` (building it on first visit); returns its widget (its
        "Opening the database…" stand-in while the database opens)."""
        index = next(i for i, s in enumerate(self.screens) if s.key == key)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)  # re-enters through _on_nav_current_row_changed
        view = self.views.get(key)
        return view if view is not None else self._opening[key]

    def _on_nav_current_row_changed(self, row: int) -> None:
        if row < 0:
            return
        screen = self.screens[row]
        if screen.key not in self.views:
            if not (self.ready or screen.early):
                self._show_opening(screen)
                self.stack.setCurrentIndex(row)
                return  # screen_shown follows once it is built (attach_context)
            self._build_screen(screen)
        self.stack.setCurrentIndex(row)
        self.screen_shown.emit(screen.key)

    def _show_opening(self, screen: Screen) -> None:
        if screen.key in self._opening:
            return
        stand_in = EmptyState(
            screen.icon,
            self.tr("Opening the database…"),
            self.tr("{title} opens in a moment.").format(title=screen.title),
        )
        self._hosts[screen.key].layout().addWidget(stand_in)
        self._opening[screen.key] = stand_in

    # ----- the database, opened after the first paint ---------------------------------------

    def attach_context(self, ctx: AppContext, *, refresh_ledgers: bool = True) -> None:
        """Hand over the opened context (``app.open_database``) and make every screen usable.

        With ``refresh_ledgers`` the ledger is first brought up to ``now + horizon`` on the
        worker (shifts ended meanwhile freeze); the screens that edit open when that is done.
        Then every view re-reads and ``context_attached`` is emitted.
        """
        self.ctx = ctx
        self.tray.ctx = ctx
        for view in self.views.values():
            if hasattr(view, "ctx"):
                view.ctx = ctx  # type: ignore[attr-defined]
        self._show_read_only(ctx)
        if refresh_ledgers and ctx.read_only_reason is None:  # read-only: nothing to write
            self._refresh_ledgers()
        else:
            self._become_ready()
        queued, self._when_open = self._when_open, []
        for action in queued:
            action()

    def _show_read_only(self, ctx: AppContext) -> None:
        """The banner says why changes are off (a team database from a newer oncall)."""
        from oncall.ui.banner import READ_ONLY

        if ctx.read_only_reason:
            self.banner.show_message(READ_ONLY, ctx.read_only_reason)
        else:
            self.banner.clear_message(READ_ONLY)

    def _refresh_ledgers(self) -> None:
        from oncall import jobs
        from oncall.ui.workers import Worker

        ctx = self.ctx
        horizon = timedelta(days=ctx.settings.horizon_days)
        now = ctx.clock()
        worker = Worker(lambda: jobs.refresh_ledgers(ctx.sessions, now, horizon))
        worker.signals.progress.connect(lambda p: self.statusBar().showMessage(p.message, 3000))
        worker.signals.failed.connect(self._on_refresh_failed)
        worker.signals.finished.connect(self._become_ready)
        self._worker = worker
        worker.start()

    def _on_refresh_failed(self, message: str) -> None:
        # the ledger as it was is still correct history; say so and carry on
        self.statusBar().showMessage(
            self.tr("Could not bring the schedule up to date: {m}").format(m=message)
        )

    def _become_ready(self) -> None:
        self._worker = None
        self.ready = True
        for key, stand_in in self._opening.items():
            self._hosts[key].layout().removeWidget(stand_in)
            stand_in.setParent(None)  # gone now (not at the next turn of the loop)
            stand_in.deleteLater()
        self._opening.clear()
        current = self.screens[self.stack.currentIndex()]
        if current.key not in self.views:
            self._build_screen(current)
            self.stack.setCurrentIndex(self.stack.currentIndex())
            self.screen_shown.emit(current.key)
        self.refresh_all()
        self.context_attached.emit()

    def _build_screen(self, screen: Screen) -> None:
        view = self._make_view(screen)
        self._hosts[screen.key].layout().addWidget(view)
        self.views[screen.key] = view
        self._wire(screen.key, view)

    def _make_view(self, screen: Screen) -> QWidget:
        try:
            module = importlib.import_module(screen.module)
        except ModuleNotFoundError as exc:
            if exc.name != screen.module:
                raise
            return EmptyState(
                screen.icon,
                self.tr("{title} is on its way").format(title=screen.title),
                screen.help or self.tr("This screen is not part of this build yet."),
            )
        try:
            cls = getattr(module, screen.cls)
            view = cls(self.ctx, self.undo_stack) if screen.undoable else cls(self.ctx)
        except Exception as exc:
            from oncall.ui.connection import report_lost

            if report_lost(exc):  # the team server is away: this screen opens when it is back
                self._offline_screens.add(screen.key)
                return EmptyState(
                    screen.icon,
                    self.tr("{title} needs the team server").format(title=screen.title),
                    self.tr("It can't be reached right now; this screen opens when it's back."),
                )
            # a broken screen must not take the window down: report it, show a calm stand-in
            sys.excepthook(*sys.exc_info())
            return EmptyState(
                screen.icon,
                self.tr("{title} could not open").format(title=screen.title),
                self.tr("The problem was written to the log; the other screens still work."),
            )
        if screen.key == "now":
            view.settings_requested.connect(self.open_settings)
            view.team_screen_requested.connect(lambda: self.show_screen("team"))
            view.paged.connect(self.page)
        if screen.key == "incidents":
            view.resume_requested.connect(self.resume_incident)
        return view

    def _wire(self, key: str, view: QWidget) -> None:
        """Every view's ``changed`` refreshes every other view and the tray."""
        changed = getattr(view, "changed", None)
        for other_key, other in self.views.items():
            if other_key == key:
                continue
            if changed is not None and hasattr(other, "refresh"):
                changed.connect(other.refresh)
            other_changed = getattr(other, "changed", None)
            if other_changed is not None and hasattr(view, "refresh"):
                other_changed.connect(view.refresh)
        if changed is not None:
            changed.connect(self.tray.refresh)
            changed.connect(self.calendar.publisher.schedule)  # published calendars stay fresh

    def refresh_all(self) -> None:
        """Re-read every built screen and the tray (after settings change). A team server
        that can't be reached leaves each screen as it was and shows the banner."""
        from oncall.ui.connection import safely, safely_refresh

        for view in list(self.views.values()):
            safely_refresh(view)
        safely(self.tray.refresh)

    def _style_nav(self) -> None:
        metrics = self.nav.fontMetrics()
        side = round(metrics.height() * 1.4)
        self.nav.setIconSize(QSize(side, side))
        widest = max(metrics.horizontalAdvance(s.title) for s in self.screens)
        self.nav.setFixedWidth(widest + side + metrics.height() * 4)
        self.nav.setSpacing(max(2, metrics.height() // 5))
        self._nav_sheet()
        self._tint_nav_icons()

    def _nav_sheet(self) -> None:
        # a calm selection: a tint of the accent and a bar, not a solid block of highlight
        unit = self.nav.fontMetrics().height()
        accent = self.palette().color(self.palette().ColorRole.Highlight)
        tint = f"rgba({accent.red()}, {accent.green()}, {accent.blue()}, 60)"
        bar = max(3, unit // 6)
        self.nav.setStyleSheet(
            "QListWidget#navigation { background: palette(window); border: none;"
            " border-right: 1px solid palette(mid); }"
            f"QListWidget#navigation::item {{ padding: {unit // 2}px; color: palette(window-text);"
            f" border-left: {bar}px solid transparent; }}"
            f"QListWidget#navigation::item:selected {{ background: {tint};"
            f" border-left: {bar}px solid {accent.name()}; }}"
        )

    def _tint_nav_icons(self) -> None:
        for row, screen in enumerate(self.screens):
            self.nav.item(row).setIcon(icons.icon(screen.icon))

    # ----- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.page_action = QAction(self.tr("I've been &paged…"), self)
        self.page_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.page_action.triggered.connect(self.page)
        file_menu.addAction(self.page_action)
        self.addAction(self.page_action)  # works with the menu hidden, too
        file_menu.addSeparator()
        from oncall.ui.calendar_dialogs import CalendarActions  # export, leave import, publish

        self.calendar = CalendarActions(self)
        self.calendar.add_to(file_menu)
        self.context_attached.connect(self.calendar.publisher.publish_now)
        from oncall.ui.transfer_dialog import add_move_actions  # to a team server, a backup

        self.move_menu = add_move_actions(self, file_menu)
        self.settings_action = QAction(icons.icon("settings"), self.tr("&Settings…"), self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(QApplication.quit)
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        self.undo_action = self.undo_stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        view_menu = bar.addMenu(self.tr("&View"))
        self.screen_actions: list[QAction] = []
        for index, screen in enumerate(self.screens):
            action = QAction(icons.icon(screen.icon), screen.title, self)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, key=screen.key: self.show_screen(key))
            view_menu.addAction(action)
            self.screen_actions.append(action)
        self.addActions(self.screen_actions)  # shortcuts work whatever has focus
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu(self.tr("&Theme"))
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        current = theme.current_theme(QApplication.instance())  # type: ignore[arg-type]
        for name, label in theme.THEMES.items():
            action = QAction(label, self.theme_group)
            action.setCheckable(True)
            action.setChecked(name == current)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            theme_menu.addAction(action)
            self.theme_actions[name] = action

        help_menu = bar.addMenu(self.tr("&Help"))
        report = QAction(self.tr("&Report a bug…"), self)
        report.triggered.connect(self.show_bug_report_help)
        logs = QAction(self.tr("Open &log folder"), self)
        logs.triggered.connect(self.open_log_folder)
        about = QAction(self.tr("&About oncall"), self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)
        for action in (report, logs):
            help_menu.addAction(action)
        help_menu.addSeparator()
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        where = self.ctx.database_label if self.ctx.is_shared else str(self.ctx.paths.database)
        self.database_label = QLabel(self.tr("Database: {path}").format(path=where))
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addPermanentWidget(self.database_label, 1)
        self.demo_label = QLabel(self.tr("Demo data"))
        self.demo_label.setToolTip(
            self.tr("A sample team in its own database; real data is untouched.")
        )
        self.demo_label.setVisible(self.ctx.demo)
        bar.addPermanentWidget(self.demo_label)

    # ----- actions ---------------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        """Apply and remember a theme."""
        name = theme.apply_theme(QApplication.instance(), name)  # type: ignore[arg-type]
        if self.ctx.settings.theme != name:
            self.ctx.save_settings(self.ctx.settings.with_(theme=name))

    def _on_theme_changed(self, name: str) -> None:
        action = self.theme_actions.get(name)
        if action is not None:
            action.setChecked(True)
        self._nav_sheet()
        self._tint_nav_icons()
        for screen, action in zip(self.screens, self.screen_actions, strict=True):
            action.setIcon(icons.icon(screen.icon))

    def open_settings(self) -> None:
        """Ask for new settings; save, apply the theme and refresh what depends on them."""
        if not self.ctx.is_open:  # asked for in the first moments: answered once open
            if self.open_settings not in self._when_open:
                self._when_open.append(self.open_settings)
            self.statusBar().showMessage(self.tr("Opening the database…"), 3000)
            return
        from oncall.ui.settings_dialog import SettingsDialog  # only when asked for

        chosen = SettingsDialog.ask(self.ctx, self)
        if chosen is None:
            return
        self.ctx.save_settings(chosen)
        theme.apply_theme(QApplication.instance(), chosen.theme)  # type: ignore[arg-type]
        self.refresh_all()

    def log_path(self) -> str:
        """The current log file."""
        return str(log_file(self.ctx.paths.logs))

    def open_log_folder(self) -> None:
        """Open the log folder in the file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.paths.logs)))

    def bug_report_text(self) -> str:
        """What to send with a bug report."""
        return self.tr(
            "To report a bug, describe what you did and what you expected, and attach the log "
            "file:\n\n{path}\n\noncall {version}"
        ).format(path=self.log_path(), version=oncall.__version__)

    def show_bug_report_help(self) -> None:
        """Explain how to report a bug, with the log path ready to copy."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Report a bug"),
            self.bug_report_text(),
            QMessageBox.StandardButton.Close,
            self,
        )
        copy = box.addButton(self.tr("Copy log path"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.log_path()))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    def show_about(self) -> None:
        """Name, version and purpose."""
        QMessageBox.about(
            self,
            self.tr("About oncall"),
            self.tr(
                "<h3>oncall {version}</h3><p>Plan fair on-call rotations, see who is on call "
                "and look after the people who carry the pager.</p>"
            ).format(version=oncall.__version__),
        )

    # ----- triage (issue 6): the runner replaces the screens while an incident runs ----------

    def runner_host(self) -> RunnerHost:
        """What puts the runner in this window (imported on first use: start-up pays nothing)."""
        if self._runner_host is None:
            from oncall.ui.runner import RunnerHost

            self._runner_host = RunnerHost(self)
        return self._runner_host

    def _after_attach_triage(self) -> None:
        # on the next turn of the loop: whatever else waits for context_attached runs first
        QTimer.singleShot(0, lambda: self.runner_host().after_attach(self.pending_resume))

    def page(self) -> None:
        """ "I've been paged": start an incident (or go back to the open one) in the runner."""
        if not self.ready:
            self.statusBar().showMessage(self.tr("Opening the database…"), 3000)
            return
        self.runner_host().page()

    def resume_incident(self, incident_id: int) -> None:
        """Open incident ``incident_id`` in the runner, at the step it was left on."""
        self.runner_host().open(incident_id)

    # ----- window state (QSettings: UI state only, never preferences) -------------------------

    def ui_state(self) -> QSettings:
        """Window geometry and similar, in the app's state folder (tests stay isolated)."""
        return QSettings(str(self.ctx.paths.state / "ui-state.ini"), QSettings.Format.IniFormat)

    def _restore_state(self) -> None:
        state = self.ui_state()
        geometry = state.value("main_window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            unit = self.fontMetrics().height()
            self.resize(unit * 70, unit * 44)

    def _watch_connection(self) -> None:
        from oncall.ui.connection import ConnectionController

        if self.connection is None:
            self.connection = ConnectionController(self)
        self.connection.attach(self.ctx)

    def build_remaining_screens(self) -> None:
        """On a team server, build every screen not built yet, one per turn of the event loop
        (``QTimer.singleShot(0)``: the window stays responsive and its first frame is never
        held up), so each has read its data before the server might go away. Stops while the
        server can't be reached; a local database builds screens on first visit instead."""
        if not (self.ready and self.ctx.is_open and self.ctx.is_shared):
            return
        watcher = self.connection.watcher if self.connection is not None else None
        lost = watcher is not None and watcher.is_lost and watcher.offline is None
        if lost or self._offline_screens:
            return  # the server is away: the rest open on first visit once it's back
        screen = next((s for s in self.screens if s.key not in self.views), None)
        if screen is None:
            return
        self._build_screen(screen)
        QTimer.singleShot(0, self, self.build_remaining_screens)

    def reopened(self) -> None:
        """The team server was opened in place of its mirror (``ConnectionController.reopen``):
        the banner follows, the connection is watched anew, every screen re-reads."""
        self._show_read_only(self.ctx)
        self._watch_connection()
        self.rebuild_offline_screens()
        self.refresh_all()

    def rebuild_offline_screens(self) -> None:
        """Build again the screens that could not open while the server was unreachable."""
        for key in sorted(self._offline_screens):
            old = self.views.pop(key, None)
            if old is not None:
                self._hosts[key].layout().removeWidget(old)
                old.setParent(None)
                old.deleteLater()
        keys, self._offline_screens = self._offline_screens, set()
        for screen in self.screens:
            if screen.key in keys:
                self._build_screen(screen)
        QTimer.singleShot(0, self, self.build_remaining_screens)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the geometry."""
        if self.connection is not None:
            self.connection.stop()
        state = self.ui_state()
        state.setValue("main_window/geometry", self.saveGeometry())
        state.sync()
        super().closeEvent(event)

"""Puts the runner in a main window in place of its screens ("I've been paged", resume at
start-up, ``--resume-incident ID``) and puts the screens back after."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QInputDialog,
    QMessageBox,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import incidents
from oncall.domain.triage import Checklist
from oncall.exchange.checklists import Library
from oncall.ui.runner.incident_run import IncidentRun, load_checklists, open_run, start_run
from oncall.ui.runner.key_script import run_key_script
from oncall.ui.runner.view import RunnerView
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow


log = logging.getLogger(__name__)

DEFAULT_CHECKLIST = "web-triage"


def pick_checklist(library: Library, parent: QWidget | None) -> Checklist | None:
    """The checklist to run: the only one, or the user's pick (default: web service)."""
    found = sorted(library.checklists.values(), key=lambda c: (c.id != DEFAULT_CHECKLIST, c.title))
    if len(found) <= 1:
        return found[0] if found else None
    titles = [c.title for c in found]
    title, ok = QInputDialog.getItem(
        parent, "I've been paged", "Which checklist fits this page?", titles, 0, False
    )
    return found[titles.index(title)] if ok else None


class RunnerHost(QObject):
    """Shows the runner in ``window`` in place of its screens, and puts them back after.

    The window's menu and status bar hide while the runner is up: one calm thing on screen.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.view: RunnerView | None = None
        self._screens: QWidget | None = None
        self.offer: QMessageBox | None = None

    @property
    def ctx(self) -> AppContext:
        """The window's current context (it changes when the database opens)."""
        return self.window.ctx  # type: ignore[attr-defined,no-any-return]

    def page(self) -> RunnerView | None:
        """ "I've been paged": go back to the open incident, or start one and run it."""
        if self.view is not None:
            self.window.showNormal()
            self.window.raise_()
            return self.view
        if not self.ctx.is_open:
            self.window.statusBar().showMessage(self.tr("Opening the database…"), 3000)
            return None
        from oncall.ui.connection import report_lost

        try:
            current = incidents.open_incident(self.ctx.sessions)
        except Exception as exc:
            if not report_lost(exc):
                raise
            current = None  # the team server is away: a new incident starts on this computer
        if current is not None:
            return self.open(current.id)
        library = load_checklists(self.ctx)
        checklist = pick_checklist(library, self.window)
        if checklist is None:
            if not library.checklists:
                QMessageBox.information(
                    self.window, "No checklist", "No triage checklist could be loaded."
                )
            return None
        return self.show_run(start_run(self.ctx, checklist, library))

    def open(self, incident_id: int) -> RunnerView | None:
        """Resume incident ``incident_id`` in the runner (or show its after-care if it ended)."""
        if self.view is not None and self.view.run.incident.id == incident_id:
            return self.view
        try:
            run = open_run(self.ctx, incident_id)
        except (KeyError, ValueError) as exc:
            log.warning("Cannot resume incident %s: %s", incident_id, exc)
            QMessageBox.information(
                self.window,
                "Cannot resume",
                f"Incident {incident_id} cannot be resumed here: its checklist is missing "
                "or it does not exist. Its timeline is on the Incidents screen.",
            )
            return None
        return self.show_run(run)

    def show_run(self, run: IncidentRun) -> RunnerView:
        """Put ``run``'s view in the window in place of the screens."""
        if self.view is not None:
            self.put_back()
        view = RunnerView(self.ctx, run)
        view.leave_requested.connect(self.put_back)
        view.finished.connect(self.put_back)
        changed = getattr(self.window, "refresh_all", None)
        if changed is not None:
            view.changed.connect(changed)
        self._screens = self.window.takeCentralWidget()
        if self._screens is not None:  # still the window's (hidden), so it goes with it
            self._screens.setParent(self.window)
        self.window.setCentralWidget(view)
        view.show()  # now, not on the next turn of the loop
        self.window.menuBar().setVisible(False)
        self.window.statusBar().setVisible(False)
        self.view = view
        view.setFocus()
        run_key_script(view)
        return view

    def put_back(self) -> None:
        """The app's screens again (the incident stays open unless it was closed)."""
        if self.view is None:
            return
        view, self.view = self.view, None
        view.timer.stop()
        self.window.takeCentralWidget()
        view.deleteLater()
        if self._screens is not None:
            self.window.setCentralWidget(self._screens)
            self._screens.show()
            self._screens = None
        self.window.menuBar().setVisible(True)
        self.window.statusBar().setVisible(True)
        refresh = getattr(self.window, "refresh_all", None)
        if refresh is not None:
            refresh()

    def after_attach(self, resume_id: int | None = None) -> None:
        """Once the database is open: go straight into ``resume_id``, else offer to resume
        an incident left open (a crash, a closed laptop)."""
        if resume_id is not None:
            self.open(resume_id)
            return
        self.offer_resume()

    def offer_resume(self) -> QMessageBox | None:
        """ "You were working on an incident started at 02:14 — resume?" (not modal to the
        app: the window stays usable)."""
        current = incidents.open_incident(self.ctx.sessions)
        if current is None or self.view is not None:
            return None
        local = current.opened_at.astimezone(ZoneInfo(viewer_zone(self.ctx)))
        now = self.ctx.clock().astimezone(ZoneInfo(viewer_zone(self.ctx)))
        when = f"{local:%H:%M}" if local.date() == now.date() else f"{local:%a %d %b %H:%M}"
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "Resume the incident?",
            f"You were working on an incident started at {when} — resume?",
            QMessageBox.StandardButton.NoButton,
            self.window,
        )
        box.setInformativeText("Everything you did is kept; you will be at the same step.")
        resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(resume)
        resume.clicked.connect(lambda: self.open(current.id))
        self.offer = box
        box.open()
        return box

"""The calm triage runner: one checklist step per screen, full window, for an engineer woken
at 02:00 (reference/triage.md sections 4 and 5.3; issue 6).

- :class:`IncidentRun` wraps the domain :class:`~oncall.domain.triage.Runner` of one incident
  and writes every event it makes to the database the moment it happens
  (``oncall.db.incidents.append_events``, one commit per event): a crash loses nothing shown.
- :class:`RunnerView` is the screen: a calm header (elapsed time in minutes, severity as a
  word, a gentle status-update reminder, **Call for help**), the step (title at least 20 px,
  its why, details, links, commands and messages to copy), 2-4 big answer buttons with number
  keys, Enter for the main answer, Esc or Back to go back, and a quick note (key N). A dim,
  low-glare palette (theme.py's Night colours); red only for irreversible actions.
- :class:`RunnerHost` puts the runner in a main window in place of its screens ("I've been
  paged", resume at start-up, ``--resume-incident ID``) and puts the screens back after.

Nothing here reads the wall clock: every time comes from ``ctx.clock`` (tests inject it).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontInfo,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import incidents
from oncall.domain.incident import Event, EventKind, Incident, Marker
from oncall.domain.model import Severity
from oncall.domain.postmortem import duration_text
from oncall.domain.triage import Checklist, Choice, Risk, Runner, Step, StepKind
from oncall.exchange.checklists import Library, load_library
from oncall.ui import theme
from oncall.ui.widgets import scaled_font
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from oncall.ui.aftercare import AfterCare
    from oncall.ui.help_panel import HelpPanel

log = logging.getLogger(__name__)

DEFAULT_CHECKLIST = "web-triage"
#: The first status update is due this long after the incident opened (triage.md 8: "post
#: within about five minutes"; ten keeps it a reminder, not a race).
FIRST_UPDATE = timedelta(minutes=10)
TICK_MS = 30_000  # the header changes once a minute; checking twice a minute is enough
MIN_STEP_PX = 20  # step text at least 20 px (issue 6)
MIN_BUTTON_PX = 44  # answer buttons at least 44 px tall (WCAG 2.5.5)
#: A test-only script of keys for the crash-safety test (see :func:`run_key_script`).
KEY_SCRIPT_ENV = "ONCALL_RUNNER_KEY_SCRIPT"
SEVERITY_CHOICES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
KIND_WORDS = {
    StepKind.ACTION: "Do",
    StepKind.DECISION: "Decide",
    StepKind.PAUSE: "Pause",
    StepKind.INPUT: "Write it down",
    StepKind.COMMS: "Tell people",
    StepKind.GOTO: "Go on",
    StepKind.END: "Done",
}


# ----- data around the runner (no widgets) ---------------------------------------------------


def load_checklists(ctx: AppContext) -> Library:
    """The checklists the runner offers: shipped, plus the team folder from settings."""
    folder = ctx.settings.checklist_dir
    team_dir = Path(folder).expanduser() if folder else None
    return load_library(team_dir, today=ctx.clock().date())


def me_handle(ctx: AppContext) -> str:
    """The handle of "who am I" (settings), recorded as each event's actor; "" if unknown."""
    me = ctx.settings.me_engineer_id
    if me is None:
        return ""
    with ctx.reader() as reader:
        found = next((e for e in reader.engineers() if e.id == me), None)
    return found.handle if found else ""


@dataclass(frozen=True)
class Reminder:
    """The header's status-update chip: its words, and whether an update is due now."""

    text: str
    due: bool
    due_at: datetime


def status_reminder(runner: Runner, now: datetime, zone: str) -> Reminder:
    """When the next status update is due: ``status_every`` after the last one, or
    :data:`FIRST_UPDATE` after the start before the first. Words, never a countdown."""
    started = runner.state.started_at or now
    due_at = runner.status_due or started + FIRST_UPDATE
    local = due_at.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    if now >= due_at:
        return Reminder(f"Status update due (since {local})", True, due_at)
    first = runner.status_due is None
    return Reminder(f"{'First' if first else 'Next'} status update by {local}", False, due_at)


def elapsed_text(runner: Runner, now: datetime) -> str:
    """ "Working on it for 1 h 12 min": whole minutes only (no ticking seconds)."""
    minutes = int(runner.elapsed(now).total_seconds() // 60)
    if minutes < 1:
        return "Started just now"
    return f"Working on it for {duration_text(timedelta(minutes=minutes))}"


class IncidentRun(QObject):
    """One incident's runner and its persistence: every action stores its events at once.

    Signals:
        recorded(list): events just stored (the view redraws).
    """

    recorded = Signal(list)

    def __init__(
        self,
        ctx: AppContext,
        incident: Incident,
        runner: Runner,
        library: Library,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.incident = incident
        self.runner = runner
        self.library = library

    def _store(self, made: Sequence[Event]) -> list[Event]:
        stored = incidents.append_events(self.ctx.sessions, self.incident.id, made)
        if stored:
            self.recorded.emit(stored)
        return stored

    def now(self) -> datetime:
        """The app's clock (injected in tests)."""
        return self.ctx.clock()

    def answer(self, index: int, value: str = "") -> list[Event]:
        """Answer the current step with choice ``index`` (an input step's text in ``value``)."""
        return self._store(self.runner.answer(index, self.now(), value))

    def skip(self, reason: str = "") -> list[Event]:
        """Pass over the current step (recorded, never blocked)."""
        return self._store(self.runner.skip(self.now(), reason))

    def back(self) -> list[Event]:
        """One step back; the answer there can be changed."""
        return self._store(self.runner.back(self.now()))

    def note(self, text: str) -> list[Event]:
        """A timestamped quick note (``TODO:`` makes it a follow-up)."""
        if not text.strip():
            return []
        return self._store(self.runner.note(text, self.now()))

    def status_update(self, text: str, template: str = "") -> list[Event]:
        """A status message was posted (resets the reminder)."""
        return self._store(self.runner.status_update(text, self.now(), template=template))

    def call_for_help(
        self, name: str, role: str = "", engineer_id: int | None = None, contact: str = ""
    ) -> list[Event]:
        """Someone was called for help."""
        made = self.runner.call_for_help(
            self.now(), name=name, role=role, engineer_id=engineer_id, contact=contact
        )
        return self._store(made)

    def set_severity(self, severity: Severity) -> list[Event]:
        """Change the severity (old and new both kept)."""
        return self._store(self.runner.set_severity(severity, self.now()))

    def close(self) -> Incident:
        """Close the incident with the end step's outcome; logs the engaged time."""
        step = self.runner.step
        outcome = step.outcome if step is not None and step.outcome is not None else None
        kwargs = {"outcome": outcome} if outcome is not None else {}
        self.incident = incidents.close_incident(
            self.ctx.sessions, self.incident.id, self.now(), actor=self.runner.actor, **kwargs
        )
        return self.incident

    def events(self) -> list[Event]:
        """The incident's stored timeline."""
        return incidents.timeline(self.ctx.sessions, self.incident.id)

    def status_template(self) -> str:
        """The status message to offer now: resolved, mitigated or initial, as the timeline
        says, filled from the incident's fields."""
        templates = self.runner.checklist.templates
        markers = {e.data.get("marker") for e in self.runner.events if e.kind is EventKind.MARKER}
        for key, wanted in (
            ("status_resolved", Marker.RESOLVED),
            ("status_mitigated", Marker.MITIGATED),
            ("status_initial", None),
        ):
            if key in templates and (wanted is None or wanted.value in markers):
                return self.runner.render(key, self.now())
        summary = self.runner.state.fields.get("summary", "a problem")
        return self.runner.render(
            f"We're working on {summary}. Next update by {{next_update}}.", self.now()
        )


# ----- looks -------------------------------------------------------------------------------


def night_colours() -> dict[str, QColor]:
    """The runner's colours: theme.py's Night palette, plus a soft amber and one red."""
    p = theme.night_palette()
    role = QPalette.ColorRole
    colours = {
        "window": p.color(role.Window),
        "base": p.color(role.Base),
        "button": p.color(role.Button),
        "text": p.color(role.WindowText),
        "mid": p.color(role.Mid),
        "accent": p.color(role.Highlight),
        "link": p.color(role.Link),
    }
    colours["muted"] = theme.muted_text(p)
    colours["red"] = QColor("#b5534b")  # irreversible actions only
    return colours


def runner_sheet(unit: int) -> str:
    """The runner's style sheet at a font height of ``unit`` px (so 200% scales it)."""
    c = {k: v.name() for k, v in night_colours().items()}
    a = night_colours()["accent"]
    tint = f"rgba({a.red()}, {a.green()}, {a.blue()}, 38)"
    soft = f"rgba({a.red()}, {a.green()}, {a.blue()}, 70)"
    radius = max(6, unit // 2)
    pad_v, pad_h = max(6, unit // 3), max(12, unit)
    return f"""
#runner, #runner QWidget#page, #runner QScrollArea, #runner QWidget#qt_scrollarea_viewport {{
    background: {c["window"]}; border: none; }}
#runner QScrollBar {{ background: {c["window"]}; border: none; width: {unit // 2}px;
    height: {unit // 2}px; }}
#runner QScrollBar::handle {{ background: {c["mid"]}; border-radius: {unit // 4}px;
    min-height: {unit}px; min-width: {unit}px; }}
#runner QScrollBar::add-line, #runner QScrollBar::sub-line {{ width: 0; height: 0; }}
#runner QScrollBar::add-page, #runner QScrollBar::sub-page {{ background: none; }}
#runner QLabel {{ color: {c["text"]}; background: transparent; }}
#runner QLabel[muted="true"] {{ color: {c["muted"]}; }}
#runner QLabel[kind="true"] {{ color: {c["accent"]}; }}
#runner QLabel a {{ color: {c["link"]}; }}
#runner QPushButton, #runner QToolButton {{
    background: {c["button"]}; color: {c["text"]}; border: 1px solid {c["mid"]};
    border-radius: {radius}px; padding: {pad_v}px {pad_h}px; }}
#runner QPushButton:hover, #runner QToolButton:hover {{ border-color: {c["accent"]}; }}
#runner QPushButton:focus {{ border: 2px solid {c["accent"]}; }}
#runner QPushButton[primary="true"] {{ background: {soft}; border: 1px solid {c["accent"]}; }}
#runner QPushButton[danger="true"] {{ background: #4a2724; border: 1px solid {c["red"]}; }}
#runner QPushButton[flat="true"] {{ background: transparent; border: none; color: {c["muted"]};
    text-decoration: underline; padding: {pad_v // 2}px {pad_h // 2}px; }}
#runner QPushButton[chosen="true"] {{ border: 2px solid {c["muted"]}; }}
#runner QPlainTextEdit, #runner QLineEdit {{
    background: {c["base"]}; color: {c["text"]}; border: 1px solid {c["mid"]};
    border-radius: {radius}px; padding: {pad_v}px; selection-background-color: {c["accent"]}; }}
#runner QPlainTextEdit:focus, #runner QLineEdit:focus {{ border: 1px solid {c["accent"]}; }}
#runner QCheckBox {{ color: {c["text"]}; spacing: {unit // 2}px; }}
#runner QFrame#header {{ background: {c["base"]}; border-bottom: 1px solid {c["mid"]}; }}
#runner QFrame#chip {{ border: 1px solid {c["mid"]}; border-radius: {unit // 2}px; }}
#runner QFrame#chip[due="true"] {{ background: {tint}; border: 1px solid {c["accent"]}; }}
#runner QFrame#nudge {{ background: {tint}; border-radius: {radius}px; }}
#runner QFrame#box {{ background: {c["base"]}; border: 1px solid {c["mid"]};
    border-radius: {radius}px; }}
#runner QFrame#side {{ background: {c["base"]}; border-left: 1px solid {c["mid"]}; }}
#runner QFrame#side QWidget#page, #runner QFrame#side QWidget#qt_scrollarea_viewport {{
    background: {c["base"]}; }}
#runner QFrame#side QFrame#box {{ background: {c["window"]}; }}
#runner QProgressBar {{ background: {c["base"]}; border: none; border-radius: {unit // 4}px;
    max-height: {unit // 2}px; }}
#runner QProgressBar::chunk {{ background: {c["accent"]}; border-radius: {unit // 4}px; }}
#runner QMenu {{ background: {c["base"]}; color: {c["text"]}; }}
"""


def step_font(widget: QWidget, factor: float = 1.75, *, bold: bool = True) -> QFont:
    """A font ``factor`` times the widget's, and never under :data:`MIN_STEP_PX` pixels."""
    font = scaled_font(widget, factor, bold=bold)
    if QFontInfo(font).pixelSize() < MIN_STEP_PX:
        font.setPixelSize(MIN_STEP_PX)
    return font


def label(text: str, *, muted: bool = False, wrap: bool = True, rich: bool = False) -> QLabel:
    """A runner label (plain text unless ``rich``); ``muted`` for secondary text."""
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if muted:
        widget.setProperty("muted", True)
    return widget


def button(
    text: str,
    *,
    primary: bool = False,
    danger: bool = False,
    flat: bool = False,
    tall: bool = False,
) -> QPushButton:
    """A runner button; ``tall`` ones are at least 44 px (and 2.4 lines) high."""
    widget = QPushButton(text)
    widget.setProperty("primary", primary)
    widget.setProperty("danger", danger)
    widget.setProperty("flat", flat)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    if tall:
        unit = widget.fontMetrics().height()
        widget.setMinimumHeight(max(MIN_BUTTON_PX, round(unit * 2.4)))
    return widget


def copy_text(text: str) -> None:
    """Put ``text`` on the clipboard (commands are copied, never run)."""
    QGuiApplication.clipboard().setText(text)


def is_text_widget(widget: QWidget | None) -> bool:
    """Whether keys typed go into ``widget`` as text (then N, digits and Enter are text)."""
    return isinstance(widget, QLineEdit | QPlainTextEdit)


# ----- the screen ----------------------------------------------------------------------------


class _OnEnter(QObject):
    """Enter in a text box calls ``action`` and goes no further (a line edit would pass the
    key on to the runner, which would take it as the main answer too). With ``ctrl`` only
    Ctrl+Enter does (plain Enter stays a new line in a text box)."""

    def __init__(self, parent: QObject, action: Callable[[], None], *, ctrl: bool) -> None:
        super().__init__(parent)
        self.action = action
        self.ctrl = ctrl

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            held = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if enter and (held or not self.ctrl):
                self.action()
                return True
        return False


class RunnerView(QWidget):
    """The full-window runner of one incident.

    Keys: 1-4 answer, Enter the main answer, Esc back (or out of a text box, or closes the
    help panel), N a quick note, H help; Ctrl+Enter saves an input step's text.

    Signals:
        changed(): something was recorded (other screens re-read).
        leave_requested(): the user wants the app's screens back (the incident stays open).
        finished(): the incident is closed and the user is done with after-care.
    """

    changed = Signal()
    leave_requested = Signal()
    finished = Signal()

    def __init__(self, ctx: AppContext, run: IncidentRun, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.run = run
        self.zone = viewer_zone(ctx)
        self.setObjectName("runner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setPalette(theme.night_palette())
        self.setAutoFillBackground(True)
        self.unit = self.fontMetrics().height()
        self.setStyleSheet(runner_sheet(self.unit))
        self.answer_buttons: list[QPushButton] = []
        self.input_box: QPlainTextEdit | None = None
        self.message_box: QPlainTextEdit | None = None
        self.confirm_boxes: list[QCheckBox] = []
        self.breath: QProgressBar | None = None
        self._breath_timer = QTimer(self)
        self._breath_timer.setInterval(250)
        self._breath_timer.timeout.connect(self._breathe)
        self._help: HelpPanel | None = None
        self._aftercare: AfterCare | None = None

        self.header = self._build_header()
        self.nudge = self._build_nudge()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.note_bar = self._build_note_bar()

        self.step_page = QWidget()
        self.step_page.setObjectName("page")
        column = QVBoxLayout(self.step_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.nudge)
        column.addWidget(self.scroll, 1)
        column.addWidget(self.note_bar)
        self.pages = QStackedLayout()
        self.pages.addWidget(self.step_page)

        self.side = QFrame()
        self.side.setObjectName("side")
        QVBoxLayout(self.side).setContentsMargins(0, 0, 0, 0)
        self.side.setVisible(False)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addLayout(self.pages, 3)
        body.addWidget(self.side, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.header)
        outer.addLayout(body, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        run.recorded.connect(lambda _events: self.changed.emit())
        self.render()

    # ----- public ----------------------------------------------------------------------------

    @property
    def runner(self) -> Runner:
        """The domain runner (its state is the replay of the stored timeline)."""
        return self.run.runner

    @property
    def help_panel(self) -> HelpPanel:
        """The Call-for-help panel (built on first use)."""
        if self._help is None:
            from oncall.ui.help_panel import HelpPanel

            self._help = HelpPanel(self.ctx, self.run)
            self._help.close_requested.connect(self.hide_help)
            self.side.layout().addWidget(self._help)
            # beside the step, never crowding it out (at 200% it takes two fifths)
            self.side.setMinimumWidth(self.unit * 14)
            self.side.setMaximumWidth(self.unit * 22)
        return self._help

    @property
    def aftercare(self) -> AfterCare | None:
        """The after-care page, once the end step is reached."""
        return self._aftercare

    def render(self) -> None:
        """Show the current step (or after-care at the end) and refresh the header."""
        self._breath_timer.stop()
        if self.runner.at_end:
            self._show_aftercare()
        else:
            self.pages.setCurrentWidget(self.step_page)
            old = self.scroll.takeWidget()
            if old is not None:
                # later, not now: we may be inside one of its buttons' or text box's events
                old.hide()
                old.deleteLater()
            self.scroll.setWidget(self._step_content())
            if self.input_box is not None:
                self.input_box.setFocus()
            else:
                self.setFocus()
        self.tick()

    def tick(self) -> None:
        """Re-read the time: elapsed minutes, the status reminder, a time-box nudge."""
        now = self.run.now()
        closed = self.run.incident.closed_at
        if closed is not None:  # after-care after the close: nothing is due any more
            minutes = int(self.runner.elapsed(closed).total_seconds() // 60)
            self.elapsed_label.setText(f"Closed after {duration_text(timedelta(minutes=minutes))}")
            self.chip.setVisible(False)
            self.nudge.setVisible(False)
            return
        self.elapsed_label.setText(elapsed_text(self.runner, now))
        severity = self.runner.state.severity
        self.severity_button.setText(f"Severity: {severity.value if severity else 'not set'}")
        reminder = status_reminder(self.runner, now, self.zone)
        self.chip_label.setText(reminder.text)
        if bool(self.chip.property("due")) != reminder.due:
            self.chip.setProperty("due", reminder.due)
            self.chip.style().unpolish(self.chip)
            self.chip.style().polish(self.chip)
        nudges = []
        if reminder.due:
            nudges.append(
                "A status update is due. When you have a moment, post a short one — people "
                "wait more calmly when they hear from you."
            )
        box = self.runner.timebox_due
        if box is not None and now >= box and not self.runner.at_end:
            nudges.append("You have been on this step a while. Look again, or ask someone to help.")
        self.nudge_label.setText("\n".join(nudges))
        self.nudge_update.setVisible(reminder.due)
        self.nudge.setVisible(bool(nudges))
        # the chip's new words get their room now, not a few event-loop turns later
        self.chip.layout().activate()
        self.header.layout().activate()

    def texts(self) -> list[str]:
        """Every label's text on show (for tests and accessibility checks)."""
        return [w.text() for w in self.findChildren(QLabel) if w.text() and w.isVisible()]

    def show_help(self) -> None:
        """Open the Call-for-help panel beside the step."""
        panel = self.help_panel
        panel.refresh()
        self.side.setVisible(True)
        panel.setFocus()

    def hide_help(self) -> None:
        """Close the Call-for-help panel."""
        self.side.setVisible(False)
        self.setFocus()

    def toggle_help(self) -> None:
        """Open or close the Call-for-help panel."""
        if self.side.isVisible():
            self.hide_help()
        else:
            self.show_help()

    def focus_note(self) -> None:
        """Put the cursor in the quick-note box."""
        self.note_edit.setFocus()

    def save_note(self) -> None:
        """Save the quick note at once, with its time."""
        text = self.note_edit.text().strip()
        if not text:
            self.setFocus()
            return
        self.run.note(text)
        self.note_edit.clear()
        local = self.run.now().astimezone(ZoneInfo(self.zone))
        kind = "Follow-up" if text.upper().startswith("TODO") else "Note"
        self.note_saved.setText(f"{kind} saved at {local:%H:%M}: {text}")
        self.setFocus()

    def choose(self, index: int) -> None:
        """Press answer ``index`` of the current step (what the buttons and 1-4 do)."""
        step = self.runner.step
        if step is None or self.runner.at_end:
            return
        if step.kind is StepKind.INPUT and step.field == "severity":
            if 0 <= index < len(SEVERITY_CHOICES):
                self.run.answer(0, SEVERITY_CHOICES[index].value)
                self.render()
            return
        choices = self.runner.choices()
        if not 0 <= index < len(choices):
            return
        value = ""
        if step.kind is StepKind.INPUT and self.input_box is not None:
            value = self.input_box.toPlainText().strip()
        elif step.kind is StepKind.COMMS and self.message_box is not None:
            value = self.message_box.toPlainText().strip()
        self.run.answer(index, value)
        self.render()

    def main_answer(self) -> None:
        """Enter: the primary answer (for the severity step, the current or "high")."""
        step = self.runner.step
        if step is not None and step.kind is StepKind.INPUT and step.field == "severity":
            self.choose(SEVERITY_CHOICES.index(self._default_severity()))
            return
        primary = next((c for c in self.runner.choices() if c.primary), None)
        if primary is not None:
            self.choose(primary.index)

    def go_back(self) -> None:
        """Esc / Back: one step back, where the answer can be changed."""
        if self.runner.can_go_back:
            self.run.back()
            self.render()

    def skip(self) -> None:
        """Pass over the current step (recorded as skipped)."""
        if self.runner.step is not None and not self.runner.at_end:
            self.run.skip("not applicable")
            self.render()

    def post_update(self) -> None:
        """Offer a status message to copy; "I posted it" records it (resets the reminder)."""
        text, ok = QInputDialog.getMultiLineText(
            self,
            self.tr("Status update"),
            self.tr("Copy this, change what you like, post it; then press OK to note it."),
            self.run.status_template(),
        )
        if ok and text.strip():
            copy_text(text.strip())
            self.run.status_update(text.strip())
            self.tick()

    # ----- keys ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1-4, Enter, Esc, N and H (see the class docstring)."""
        key = event.key()
        focus = QApplication.focusWidget()
        if key == Qt.Key.Key_Escape:
            if self.side.isVisible():
                self.hide_help()
            elif is_text_widget(focus):
                self.setFocus()
            elif self._aftercare is not None and self.pages.currentWidget() is self._aftercare:
                self._aftercare.escape()
            else:
                self.go_back()
            return
        if is_text_widget(focus):
            super().keyPressEvent(event)
            return
        if self._aftercare is not None and self.pages.currentWidget() is self._aftercare:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._aftercare.main_action()
                return
            super().keyPressEvent(event)
            return
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_4 and not event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier
        ):
            self.choose(key - Qt.Key.Key_1)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.input_box is not None:
                self.input_box.setFocus()  # Enter on an input step: to the text box
            else:
                self.main_answer()
            return
        if key == Qt.Key.Key_N and not event.modifiers():
            self.focus_note()
            return
        if key == Qt.Key.Key_H and not event.modifiers():
            self.toggle_help()
            return
        super().keyPressEvent(event)

    # ----- building --------------------------------------------------------------------------

    def _build_header(self) -> QFrame:
        header = QFrame()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        u = self.unit
        row.setContentsMargins(u, round(u * 0.6), u, round(u * 0.6))
        row.setSpacing(u)
        title = label(self.run.incident.title or "Incident")
        title.setFont(scaled_font(self, 1.1, bold=True))
        title.setWordWrap(False)
        self.elapsed_label = label("", muted=True, wrap=False)
        self.severity_button = QToolButton()
        self.severity_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.severity_button.setToolTip(self.tr("Change the severity (the timeline keeps both)"))
        menu = QMenu(self.severity_button)
        for severity in Severity:
            action = menu.addAction(severity.value.capitalize())
            action.triggered.connect(lambda _=False, s=severity: self._set_severity(s))
        self.severity_button.setMenu(menu)
        self.chip = QFrame()
        self.chip.setObjectName("chip")
        chip_row = QHBoxLayout(self.chip)
        chip_row.setContentsMargins(round(u * 0.7), round(u * 0.2), round(u * 0.7), round(u * 0.2))
        self.chip_label = label("", wrap=False)
        chip_row.addWidget(self.chip_label)
        self.help_button = button(self.tr("Call for help"), primary=True)
        self.help_button.setToolTip(self.tr("Who to call now, with their numbers (H)"))
        self.help_button.clicked.connect(self.toggle_help)
        leave = button(self.tr("Leave for now"), flat=True)
        leave.setToolTip(self.tr("Back to the app's screens; the incident stays open"))
        leave.clicked.connect(self.leave_requested)
        # two short rows rather than one long one: it still fits at 200%
        top = QHBoxLayout()
        top.setSpacing(u)
        top.addWidget(title, 1)
        top.addWidget(self.help_button)
        top.addWidget(leave)
        status = QHBoxLayout()
        status.setSpacing(u)
        status.addWidget(self.elapsed_label)
        status.addWidget(self.severity_button)
        status.addWidget(self.chip)
        status.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(round(u * 0.4))
        column.addLayout(top)
        column.addLayout(status)
        row.addLayout(column, 1)
        return header

    def _build_nudge(self) -> QFrame:
        nudge = QFrame()
        nudge.setObjectName("nudge")
        row = QHBoxLayout(nudge)
        u = self.unit
        row.setContentsMargins(u, round(u * 0.5), u, round(u * 0.5))
        self.nudge_label = label("")
        self.nudge_update = button(self.tr("Write an update…"))
        self.nudge_update.clicked.connect(self.post_update)
        row.addWidget(self.nudge_label, 1)
        row.addWidget(self.nudge_update)
        holder = QFrame()
        holder.setObjectName("page")
        wrap = QVBoxLayout(holder)
        wrap.setContentsMargins(u, round(u * 0.6), u, 0)
        wrap.addWidget(nudge)
        holder.setVisible(False)
        return holder

    def _build_note_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("header")
        column = QVBoxLayout(bar)
        u = self.unit
        column.setContentsMargins(u * 2, round(u * 0.6), u * 2, round(u * 0.6))
        column.setSpacing(round(u * 0.3))
        row = QHBoxLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(
            self.tr(
                "Quick note (N) — Enter saves it with the time; start with TODO: for a follow-up"
            )
        )
        self.note_edit.setAccessibleName(self.tr("Quick note"))
        self.note_edit.installEventFilter(_OnEnter(self.note_edit, self.save_note, ctrl=False))
        save = button(self.tr("Save note"))
        save.clicked.connect(self.save_note)
        row.addWidget(self.note_edit, 1)
        row.addWidget(save)
        self.note_saved = label("", muted=True)
        column.addLayout(row)
        column.addWidget(self.note_saved)
        return bar

    def _step_content(self) -> QWidget:
        step = self.runner.step
        assert step is not None
        u = self.unit
        self.answer_buttons = []
        self.input_box = None
        self.message_box = None
        self.confirm_boxes = []
        self.breath = None

        page = QWidget()
        page.setObjectName("page")
        column = QVBoxLayout()
        column.setSpacing(round(u * 0.8))
        column.setContentsMargins(u * 2, u * 2, u * 2, u * 2)

        phase = next((p for p in self.runner.checklist.phases if step.id in p.step_ids), None)
        where = f"{KIND_WORDS[step.kind]}"
        if phase is not None:
            where += f"  ·  {phase.title}  ·  step {phase.step_ids.index(step.id) + 1} of "
            where += f"{len(phase.step_ids)}"
        kind = label(where, wrap=False)
        kind.setProperty("kind", True)
        kind.setFont(scaled_font(self, 1.0, bold=True))
        column.addWidget(kind)

        title = label(self.runner.render(step.text, self.run.now()))
        title.setObjectName("stepTitle")
        title.setFont(step_font(self))
        title.setAccessibleName(self.tr("Step"))
        column.addWidget(title)
        if step.why:
            why = label(step.why, muted=True)
            why.setObjectName("stepWhy")
            why.setFont(step_font(self, 1.2, bold=False))
            column.addWidget(why)

        given = self.runner.given()
        if given is not None and not given.skipped:
            earlier = f"Your earlier answer: {given.label}"
            if given.value:
                earlier += f" — {given.value}"
            column.addWidget(label(earlier + ". You can change it.", muted=True))

        self._add_body(column, step)
        column.addSpacing(round(u * 0.4))
        column.addLayout(self._answers(step))
        column.addLayout(self._footer(step))
        column.addWidget(self._hint())
        column.addStretch(3)
        column.insertStretch(0, 1)  # a little above the middle: calmer than the top edge

        outer = QHBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addStretch(1)
        holder = QWidget()
        holder.setObjectName("page")
        holder.setLayout(column)
        holder.setMaximumWidth(u * 46)
        outer.addWidget(holder, 6)
        outer.addStretch(1)
        return page

    def _add_body(self, column: QVBoxLayout, step: Step) -> None:
        u = self.unit
        if step.confirm:
            box = QFrame()
            box.setObjectName("box")
            inner = QVBoxLayout(box)
            inner.setContentsMargins(u, round(u * 0.8), u, round(u * 0.8))
            inner.setSpacing(round(u * 0.5))
            intro = "Check each one:" if step.kind is StepKind.PAUSE else "Before you do it:"
            inner.addWidget(label(intro, muted=True))
            for item in step.confirm:
                check = QCheckBox(item)
                check.setFont(scaled_font(self, 1.1))
                check.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                self.confirm_boxes.append(check)
                inner.addWidget(check)
            column.addWidget(box)
        if step.kind is StepKind.PAUSE and step.seconds:
            breathe = label(
                "Take a breath. Breathe out slowly. Carry on when you are ready.", muted=True
            )
            column.addWidget(breathe)
            self.breath = QProgressBar()
            self.breath.setTextVisible(False)
            self.breath.setRange(0, step.seconds * 4)
            self.breath.setValue(0)
            column.addWidget(self.breath)
            self._breath_timer.start()
        if step.details:
            details = label(" ".join(step.details.split()), muted=True)
            details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            toggle = button(self.tr("Show details"), flat=True)
            toggle.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            details.setVisible(False)

            def flip() -> None:
                details.setVisible(not details.isVisible())
                toggle.setText(
                    self.tr("Hide details") if details.isVisible() else self.tr("Show details")
                )

            toggle.clicked.connect(flip)
            column.addWidget(toggle)
            column.addWidget(details)
        links = list(step.links) + ([("Runbook", step.runbook)] if step.runbook else [])
        if links:
            html = " · ".join(f'<a href="{url}">{_escape(name)}</a>' for name, url in links)
            line = label(f"Links: {html}", rich=True)
            line.setOpenExternalLinks(False)
            line.linkActivated.connect(self.open_link)
            column.addWidget(line)
        if step.show_command:
            column.addWidget(
                self._copy_box(
                    step.show_command,
                    self.tr("Copy command"),
                    self.tr("Command to run yourself (never run here):"),
                    mono=True,
                )
            )
        if step.kind is StepKind.COMMS:
            message = self.runner.render(step.template, self.run.now()) if step.template else ""
            column.addWidget(label("Message to post (change what you like):", muted=True))
            self.message_box = QPlainTextEdit(message or self.run.status_template())
            self.message_box.setFixedHeight(u * 5)
            self.message_box.setFont(scaled_font(self, 1.1))
            copy = button(self.tr("Copy message"))
            copy.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            box = self.message_box
            copy.clicked.connect(lambda: copy_text(box.toPlainText()))
            column.addWidget(self.message_box)
            column.addWidget(copy)
        if step.kind is StepKind.INPUT and step.field != "severity":
            self.input_box = QPlainTextEdit()
            self.input_box.setObjectName("stepInput")
            self.input_box.setFont(step_font(self, 1.15, bold=False))
            self.input_box.setFixedHeight(u * 7)
            self.input_box.setPlaceholderText(self.tr("Type here; Ctrl+Enter to continue"))
            given = self.runner.given()
            if given is not None and given.value:
                self.input_box.setPlainText(given.value)
            self.input_box.installEventFilter(_OnEnter(self.input_box, self.main_answer, ctrl=True))
            column.addWidget(self.input_box)

    def _copy_box(self, text: str, action: str, intro: str, *, mono: bool = False) -> QWidget:
        u = self.unit
        box = QFrame()
        box.setObjectName("box")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(u, round(u * 0.6), u, round(u * 0.6))
        inner.addWidget(label(intro, muted=True))
        shown = label(text)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if mono:
            font = QFont("monospace")
            font.setStyleHint(QFont.StyleHint.Monospace)
            font.setPointSizeF(scaled_font(self, 1.05).pointSizeF())
            shown.setFont(font)
        copy = button(action)
        copy.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        copy.clicked.connect(lambda: copy_text(text))
        inner.addWidget(shown)
        inner.addWidget(copy)
        return box

    def _answers(self, step: Step) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(round(self.unit * 0.6))
        given = self.runner.given()
        if step.kind is StepKind.INPUT and step.field == "severity":
            default = self._default_severity()
            options = [
                Choice(i, s.value.capitalize(), None, s is default)
                for i, s in enumerate(SEVERITY_CHOICES)
            ]
        else:
            options = list(self.runner.choices())
        for choice in options:
            text = f"{choice.index + 1}   {choice.label}"
            if step.kind is StepKind.INPUT and step.field != "severity":
                text += "   (Ctrl+Enter)"
            danger = step.risk is Risk.IRREVERSIBLE and choice.primary
            widget = button(text, primary=choice.primary and not danger, danger=danger, tall=True)
            widget.setFont(scaled_font(self, 1.15, bold=choice.primary))
            if given is not None and not given.skipped and given.index == choice.index:
                widget.setProperty("chosen", step.kind is StepKind.DECISION)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            widget.clicked.connect(lambda _=False, i=choice.index: self.choose(i))
            self.answer_buttons.append(widget)
            row.addWidget(widget)
        return row

    def _footer(self, step: Step) -> QHBoxLayout:
        row = QHBoxLayout()
        back = button(self.tr("← Back (Esc)"), flat=True)
        back.setEnabled(self.runner.can_go_back)
        back.clicked.connect(self.go_back)
        row.addWidget(back)
        if step.skippable and step.kind is not StepKind.END:
            skip = button(self.tr("Not applicable — skip"), flat=True)
            skip.clicked.connect(self.skip)
            row.addWidget(skip)
        row.addStretch(1)
        return row

    def _hint(self) -> QLabel:
        hint = "Keys: 1–4 answer · Enter main answer · Esc back · N note · H help"
        if self.input_box is not None:
            hint = "Keys: Ctrl+Enter continue · Esc leaves the text box · N note · H help"
        return label(hint, muted=True)

    def _default_severity(self) -> Severity:
        current = self.runner.state.severity
        return current if current in SEVERITY_CHOICES else Severity.HIGH

    def _set_severity(self, severity: Severity) -> None:
        self.run.set_severity(severity)
        self.tick()

    def _breathe(self) -> None:
        if self.breath is None or self.breath.value() >= self.breath.maximum():
            self._breath_timer.stop()
            return
        self.breath.setValue(self.breath.value() + 1)

    def open_link(self, url: str) -> None:
        """Open a step's link in the browser (a relative path: beside the checklist file)."""
        target = QUrl(url)
        if target.isRelative():
            source = self.run.library.sources.get(self.runner.checklist.id)
            base = source.parent if source is not None else Path.cwd()
            target = QUrl.fromLocalFile(str(base / url))
        QDesktopServices.openUrl(target)

    def _show_aftercare(self) -> None:
        from oncall.ui.aftercare import AfterCare

        if self._aftercare is None:
            self._aftercare = AfterCare(self.ctx, self.run)
            self._aftercare.back_requested.connect(self.go_back)
            self._aftercare.done.connect(self.finished)
            self._aftercare.closed.connect(self.tick)
            self._aftercare.closed.connect(self.changed)
            self.pages.addWidget(self._aftercare)
        self._aftercare.refresh()
        self.pages.setCurrentWidget(self._aftercare)
        self.setFocus()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ----- opening and resuming ------------------------------------------------------------------


def open_run(ctx: AppContext, incident_id: int, library: Library | None = None) -> IncidentRun:
    """The run of a stored incident, replayed from its timeline (same step, same answers)."""
    library = library or load_checklists(ctx)
    incident, runner = incidents.resume(
        ctx.sessions, incident_id, library.checklists, actor=me_handle(ctx)
    )
    return IncidentRun(ctx, incident, runner, library)


def start_run(ctx: AppContext, checklist: Checklist, library: Library) -> IncidentRun:
    """Open a new incident on ``checklist``, pre-filled with who is on call now."""
    incident, runner = incidents.start_incident(
        ctx.sessions,
        checklist,
        ctx.clock(),
        library=library.checklists,
        engineer_id=ctx.settings.me_engineer_id,
        actor=me_handle(ctx),
    )
    return IncidentRun(ctx, incident, runner, library)


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
        current = incidents.open_incident(self.ctx.sessions)
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


def run_key_script(view: RunnerView) -> None:
    """Test-only: when ``$ONCALL_RUNNER_KEY_SCRIPT`` is set, type its keys into the runner
    (tokens split by ``|``: a key sequence such as ``1``, ``Return``, ``Ctrl+Return``, or
    ``=text`` to type text), then print ``ready-to-kill <incident> <step> <events>`` and keep
    running. The crash-safety test kills the process there and checks the resume."""
    script = os.environ.get(KEY_SCRIPT_ENV)
    if not script:
        return

    def play() -> None:
        for token in script.split("|"):
            _send(view, token)
            QApplication.processEvents()
        step = view.runner.position.step if view.runner.position else "-"
        count = len(incidents.timeline(view.ctx.sessions, view.run.incident.id))
        print(f"ready-to-kill {view.run.incident.id} {step} {count}", flush=True)  # noqa: T201
        sys.stdout.flush()

    QTimer.singleShot(0, play)


def _send(view: RunnerView, token: str) -> None:
    def target() -> QWidget:  # asked afresh: a key may move the focus or rebuild the step
        focus = QApplication.focusWidget()
        if focus is not None and (focus is view or view.isAncestorOf(focus)):
            return focus
        return view.focusWidget() or view

    if token.startswith("="):
        for char in token[1:]:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(target(), event)
        return
    combo = QKeySequence(token)[0]
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, combo.key(), combo.keyboardModifiers(), _key_text(combo))
        QApplication.sendEvent(target(), event)


def _key_text(combo: object) -> str:
    key = combo.key()  # type: ignore[attr-defined]
    if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 or Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
        return chr(int(key.value if hasattr(key, "value") else key)).lower()
    return ""

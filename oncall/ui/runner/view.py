"""The full-window runner of one incident: a calm header (elapsed time in minutes, severity
as a word, a gentle status-update reminder, **Call for help**), the current step (see
:mod:`oncall.ui.runner.step_page`) and a quick note; keys 1-4, Enter, Esc, N and H."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QKeyEvent,
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
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.domain.model import Severity
from oncall.domain.triage import Runner, StepKind
from oncall.ui import theme
from oncall.ui.runner.incident_run import IncidentRun, closed_text, elapsed_text, status_reminder
from oncall.ui.runner.looks import OnEnter, button, copy_text, is_text_widget, label, runner_sheet
from oncall.ui.runner.step_page import SEVERITY_CHOICES, StepPage, asks_severity, default_severity
from oncall.ui.widgets import scaled_font
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from oncall.ui.aftercare import AfterCare
    from oncall.ui.help_panel import HelpPanel

TICK_MS = 30_000  # the header changes once a minute; checking twice a minute is enough


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
        self.step_content: StepPage | None = None  # the current step, in the scroll area
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
        run.recorded.connect(lambda _events: self.show_waiting())
        from oncall.ui.connection import status

        status().delivered.connect(self.show_waiting)
        self.render()
        self.show_waiting()

    # ----- public ----------------------------------------------------------------------------

    @property
    def runner(self) -> Runner:
        """The domain runner (its state is the replay of the stored timeline)."""
        return self.run.runner

    @property
    def answer_buttons(self) -> list[QPushButton]:
        """The current step's answer buttons."""
        return self.step_content.answer_buttons if self.step_content is not None else []

    @property
    def input_box(self) -> QPlainTextEdit | None:
        """The current input step's text box."""
        return self.step_content.input_box if self.step_content is not None else None

    @property
    def message_box(self) -> QPlainTextEdit | None:
        """The current comms step's message box."""
        return self.step_content.message_box if self.step_content is not None else None

    @property
    def confirm_boxes(self) -> list[QCheckBox]:
        """The current step's confirm list."""
        return self.step_content.confirm_boxes if self.step_content is not None else []

    @property
    def breath(self) -> QProgressBar | None:
        """The current pause step's breathing bar."""
        return self.step_content.breath if self.step_content is not None else None

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
        if self.step_content is not None:
            self.step_content.stop_breathing()
        if self.runner.at_end:
            self._show_aftercare()
        else:
            self.pages.setCurrentWidget(self.step_page)
            old = self.scroll.takeWidget()
            if old is not None:
                # later, not now: we may be inside one of its buttons' or text box's events
                old.hide()
                old.deleteLater()
            self.step_content = self._step_content()
            self.scroll.setWidget(self.step_content)
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
            self.elapsed_label.setText(closed_text(self.runner, closed))
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
        made = self.run.note(text)
        self.note_edit.clear()
        local = self.run.now().astimezone(ZoneInfo(self.zone))
        kind = "Follow-up" if text.upper().startswith("TODO") else "Note"
        if any(e.id == 0 for e in made):  # in the outbox: the team server can't be reached
            where = "on this computer (waiting for the team server)"
            self.note_saved.setText(f"{kind} saved {where} at {local:%H:%M}: {text}")
        else:
            self.note_saved.setText(f"{kind} saved at {local:%H:%M}: {text}")
        self.setFocus()

    def choose(self, index: int) -> None:
        """Press answer ``index`` of the current step (what the buttons and 1-4 do)."""
        step = self.runner.step
        if step is None or self.runner.at_end:
            return
        if asks_severity(step):
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
        if step is not None and asks_severity(step):
            self.choose(SEVERITY_CHOICES.index(default_severity(self.runner)))
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
        self.note_edit.installEventFilter(OnEnter(self.note_edit, self.save_note, ctrl=False))
        save = button(self.tr("Save note"))
        save.clicked.connect(self.save_note)
        row.addWidget(self.note_edit, 1)
        row.addWidget(save)
        self.note_saved = label("", muted=True)
        self.waiting_label = label("", muted=True)
        self.waiting_label.setObjectName("waiting")
        self.waiting_label.setVisible(False)
        column.addLayout(row)
        column.addWidget(self.note_saved)
        column.addWidget(self.waiting_label)
        return bar

    def show_waiting(self, _delivered: int = 0) -> None:
        """Say how many entries are saved on this computer, waiting for the team server."""
        try:
            count = self.run.waiting()
        except RuntimeError:  # the view is going away
            return
        if count:
            entries = "1 entry is" if count == 1 else f"{count} entries are"
            self.waiting_label.setText(
                f"{entries} saved on this computer, waiting for the team server; "
                "they are sent, in order, when it's back."
            )
        else:
            self.waiting_label.setText("")
        self.waiting_label.setVisible(bool(count))

    def _step_content(self) -> StepPage:
        page = StepPage(self.run, self)
        page.chosen.connect(self.choose)
        page.main_answer_requested.connect(self.main_answer)
        page.back_requested.connect(self.go_back)
        page.skip_requested.connect(self.skip)
        page.link_activated.connect(self.open_link)
        return page

    def _set_severity(self, severity: Severity) -> None:
        self.run.set_severity(severity)
        self.tick()

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

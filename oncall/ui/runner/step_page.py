"""One checklist step on screen: where it sits in its phase, its title (at least 20 px) and
why, confirm lists, a breathing bar for pauses, details, links, commands and messages to copy,
a text box for input steps, 2-4 big answer buttons with number keys, Back and Skip."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.model import Severity
from oncall.domain.triage import Choice, Risk, Runner, Step, StepKind
from oncall.ui.runner.incident_run import IncidentRun
from oncall.ui.runner.looks import OnEnter, button, copy_text, escape, label, step_font
from oncall.ui.widgets import scaled_font

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


def asks_severity(step: Step) -> bool:
    """Whether ``step`` is the input step for the severity (answered with severity buttons)."""
    return step.kind is StepKind.INPUT and step.field == "severity"


def default_severity(runner: Runner) -> Severity:
    """The severity Enter picks on the severity step: the current one, else "high"."""
    current = runner.state.severity
    return current if current in SEVERITY_CHOICES else Severity.HIGH


class StepPage(QWidget):
    """The current step of ``run``, built once (the view builds a new page for each step).

    Fonts follow ``fonts`` (the runner view, so they scale with the window's font), never
    under :data:`~oncall.ui.runner.looks.MIN_STEP_PX` for the step's own words.

    Signals:
        chosen(int): an answer button was pressed (its choice index).
        main_answer_requested(): Ctrl+Enter in an input step's text box.
        back_requested(): Back.
        skip_requested(): "Not applicable — skip".
        link_activated(str): a link of the step was clicked (its url).
    """

    chosen = Signal(int)
    main_answer_requested = Signal()
    back_requested = Signal()
    skip_requested = Signal()
    link_activated = Signal(str)

    def __init__(self, run: IncidentRun, fonts: QWidget) -> None:
        super().__init__()
        self.setObjectName("page")
        self.run = run
        self.runner = run.runner
        self.fonts = fonts
        self.unit = fonts.fontMetrics().height()
        self.answer_buttons: list[QPushButton] = []
        self.input_box: QPlainTextEdit | None = None
        self.message_box: QPlainTextEdit | None = None
        self.confirm_boxes: list[QCheckBox] = []
        self.breath: QProgressBar | None = None
        self._breath_timer = QTimer(self)
        self._breath_timer.setInterval(250)
        self._breath_timer.timeout.connect(self._breathe)
        self._build()

    def stop_breathing(self) -> None:
        """Stop the breathing bar (the page is leaving the screen)."""
        self._breath_timer.stop()

    def _build(self) -> None:
        step = self.runner.step
        assert step is not None
        u = self.unit
        page = self
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
        kind.setFont(scaled_font(self.fonts, 1.0, bold=True))
        column.addWidget(kind)

        title = label(self.runner.render(step.text, self.run.now()))
        title.setObjectName("stepTitle")
        title.setFont(step_font(self.fonts))
        title.setAccessibleName(self.tr("Step"))
        column.addWidget(title)
        if step.why:
            why = label(step.why, muted=True)
            why.setObjectName("stepWhy")
            why.setFont(step_font(self.fonts, 1.2, bold=False))
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
                check.setFont(scaled_font(self.fonts, 1.1))
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
            html = " · ".join(f'<a href="{url}">{escape(name)}</a>' for name, url in links)
            line = label(f"Links: {html}", rich=True)
            line.setOpenExternalLinks(False)
            line.linkActivated.connect(self.link_activated)
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
            self.message_box.setFont(scaled_font(self.fonts, 1.1))
            copy = button(self.tr("Copy message"))
            copy.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            box = self.message_box
            copy.clicked.connect(lambda: copy_text(box.toPlainText()))
            column.addWidget(self.message_box)
            column.addWidget(copy)
        if step.kind is StepKind.INPUT and not asks_severity(step):
            self.input_box = QPlainTextEdit()
            self.input_box.setObjectName("stepInput")
            self.input_box.setFont(step_font(self.fonts, 1.15, bold=False))
            self.input_box.setFixedHeight(u * 7)
            self.input_box.setPlaceholderText(self.tr("Type here; Ctrl+Enter to continue"))
            given = self.runner.given()
            if given is not None and given.value:
                self.input_box.setPlainText(given.value)
            self.input_box.installEventFilter(
                OnEnter(self.input_box, self.main_answer_requested.emit, ctrl=True)
            )
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
            font.setPointSizeF(scaled_font(self.fonts, 1.05).pointSizeF())
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
        if asks_severity(step):
            default = default_severity(self.runner)
            options = [
                Choice(i, s.value.capitalize(), None, s is default)
                for i, s in enumerate(SEVERITY_CHOICES)
            ]
        else:
            options = list(self.runner.choices())
        for choice in options:
            text = f"{choice.index + 1}   {choice.label}"
            if step.kind is StepKind.INPUT and not asks_severity(step):
                text += "   (Ctrl+Enter)"
            danger = step.risk is Risk.IRREVERSIBLE and choice.primary
            widget = button(text, primary=choice.primary and not danger, danger=danger, tall=True)
            widget.setFont(scaled_font(self.fonts, 1.15, bold=choice.primary))
            if given is not None and not given.skipped and given.index == choice.index:
                widget.setProperty("chosen", step.kind is StepKind.DECISION)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            widget.clicked.connect(lambda _=False, i=choice.index: self.chosen.emit(i))
            self.answer_buttons.append(widget)
            row.addWidget(widget)
        return row

    def _footer(self, step: Step) -> QHBoxLayout:
        row = QHBoxLayout()
        back = button(self.tr("← Back (Esc)"), flat=True)
        back.setEnabled(self.runner.can_go_back)
        back.clicked.connect(self.back_requested)
        row.addWidget(back)
        if step.skippable and step.kind is not StepKind.END:
            skip = button(self.tr("Not applicable — skip"), flat=True)
            skip.clicked.connect(self.skip_requested)
            row.addWidget(skip)
        row.addStretch(1)
        return row

    def _hint(self) -> QLabel:
        hint = "Keys: 1–4 answer · Enter main answer · Esc back · N note · H help"
        if self.input_box is not None:
            hint = "Keys: Ctrl+Enter continue · Esc leaves the text box · N note · H help"
        return label(hint, muted=True)

    def _breathe(self) -> None:
        if self.breath is None or self.breath.value() >= self.breath.maximum():
            self._breath_timer.stop()
            return
        self.breath.setValue(self.breath.value() + 1)

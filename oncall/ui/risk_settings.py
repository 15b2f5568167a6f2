"""Settings → Wellbeing: the risk rules' thresholds, each beside its sourced default.

One row per rule: what it counts and over which window, "Elevated at" and "High at" spin
boxes (a rule that cannot reach a level shows "—" there), the default in words and its source
on hover. Problems (elevated above high) are said inline at once, and the dialog will not
close on them. "Reset to defaults" puts every sourced default back.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.risk import DEFAULT_RISK, SOURCES, RiskSettings
from oncall.settings import Settings
from oncall.ui import theme
from oncall.ui.risk_badge import NOT_MEDICAL
from oncall.ui.widgets import MutedLabel

#: rule -> what it counts (and its window). Thresholds in %, for C2, are shown as percent.
RULE_WORDS: dict[str, str] = {
    "N1": "Interrupted nights (last 7 nights)",
    "N2": "Interrupted nights in a row (last 7 nights)",
    "N3": "Nights with under 5 h undisturbed sleep (last 7 nights)",
    "N4": "Nights woken two or more separate times (last 7 nights)",
    "S1": "Most incidents in one 12-hour on-call block (last 7 days)",
    "S2": "Mean incidents per 12-hour on-call block, above (last 7 days)",
    "C1": "Out-of-hours interruptions (last 28 days)",
    "C2": "Share of the time on call, %, above (last 28 days)",
    "C3": "Days on call in a row (last 28 days)",
    "C4": "SEV1/SEV2 incidents worked (last 28 days)",
    "X1": "Interruptions while on time off (last 28 days)",
}
PERCENT = frozenset({"C2"})
FRACTIONAL = frozenset({"S2"})
NONE_TEXT = "—"


def _shown(rule: str, value: float | None) -> str:
    if value is None:
        return NONE_TEXT
    if rule in PERCENT:
        return f"{value * 100:g}%"
    return f"{value:g}"


def default_words(rule: str) -> str:
    """ "default 2 / 3" (a level the rule cannot reach shows "—")."""
    e, h = DEFAULT_RISK.threshold(rule)
    return f"default {_shown(rule, e)} / {_shown(rule, h)}"


class _Threshold(QDoubleSpinBox):
    """A threshold: whole numbers for counts, one decimal for means, percent for shares; a
    level the rule cannot reach is a disabled "—"."""

    def __init__(self, rule: str, usable: bool, name: str) -> None:
        super().__init__()
        self.rule = rule
        self.setDecimals(1 if rule in FRACTIONAL else 0)
        self.setRange(0, 100 if rule in PERCENT else 999)
        self.setSingleStep(0.5 if rule in FRACTIONAL else 1)
        if rule in PERCENT:
            self.setSuffix("%")
        self.setSpecialValueText("")
        self.setEnabled(usable)
        if not usable:
            self.setSpecialValueText(NONE_TEXT)
            self.setValue(self.minimum())
        self.setAccessibleName(f"{rule} {name}")

    def threshold(self) -> float | None:
        """The value as the model stores it (a fraction for percent; None when unusable)."""
        if not self.isEnabled():
            return None
        v = self.value()
        if self.rule in PERCENT:
            return round(v / 100, 4)
        return v if self.rule in FRACTIONAL else float(int(v))

    def set_threshold(self, value: float | None) -> None:
        """Show a stored value."""
        if value is None:
            return
        self.setValue(value * 100 if self.rule in PERCENT else value)


class WellbeingSettings(QWidget):
    """The Wellbeing tab. ``chosen(settings)`` returns them with these thresholds.

    Signals:
        edited(): a threshold changed (the problems are already re-checked).
    """

    edited = Signal()

    def __init__(self, risk: RiskSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = risk
        self.spins: dict[str, tuple[_Threshold, _Threshold]] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(self.fontMetrics().averageCharWidth() * 2)
        for col, text in enumerate(("Rule", "Elevated at", "High at", "Sourced default")):
            head = QLabel(f"<b>{text}</b>")
            grid.addWidget(head, 0, col)
        for row, rule in enumerate(RULE_WORDS, start=1):
            e_default, h_default = DEFAULT_RISK.threshold(rule)
            words = QLabel(f"{rule}  {RULE_WORDS[rule]}")
            words.setWordWrap(True)
            words.setToolTip(f"Source: {SOURCES.get(rule, '')}")
            elevated = _Threshold(rule, e_default is not None, "elevated at")
            high = _Threshold(rule, h_default is not None, "high at")
            words.setBuddy(elevated)
            e, h = risk.threshold(rule)
            elevated.set_threshold(e)
            high.set_threshold(h)
            for spin in (elevated, high):
                spin.valueChanged.connect(self._on_edited)
            default = MutedLabel(default_words(rule))
            default.setToolTip(f"Source: {SOURCES.get(rule, '')}")
            grid.addWidget(words, row, 0)
            grid.addWidget(elevated, row, 1)
            grid.addWidget(high, row, 2)
            grid.addWidget(default, row, 3)
            self.spins[rule] = (elevated, high)
        grid.setColumnStretch(0, 1)

        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName("Problems")
        palette = self.problem_label.palette()
        palette.setColor(palette.ColorRole.WindowText, theme.attention(self.palette()))
        self.problem_label.setPalette(palette)
        self.reset_button = QPushButton(self.tr("&Reset to defaults"))
        self.reset_button.clicked.connect(self.reset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(
            MutedLabel(
                "A person's level is Elevated when any rule reaches its Elevated threshold and "
                "High when any reaches High (or three are Elevated across two families). "
                + NOT_MEDICAL
            )
        )
        column.addLayout(grid)
        column.addWidget(self.problem_label)
        column.addLayout(buttons)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._on_edited()

    def risk(self) -> RiskSettings:
        """The thresholds as edited (other risk settings as they were)."""
        thresholds = dict(self.base.thresholds)
        for rule, (elevated, high) in self.spins.items():
            thresholds[rule] = (elevated.threshold(), high.threshold())
        return replace(self.base, thresholds=thresholds)

    def problems(self) -> list[str]:
        """What is wrong with the thresholds as edited, one sentence each."""
        return self.risk().validate()

    def chosen(self, settings: Settings) -> Settings:
        """``settings`` with these thresholds in their ``[risk]`` part."""
        return settings.with_(risk=self.risk())

    def reset(self) -> None:
        """Every threshold back to its sourced default."""
        for rule, (elevated, high) in self.spins.items():
            e, h = DEFAULT_RISK.threshold(rule)
            elevated.set_threshold(e)
            high.set_threshold(h)
        self._on_edited()

    def _on_edited(self) -> None:
        found = self.problems()
        self.problem_label.setText("\n".join(found))
        self.problem_label.setVisible(bool(found))
        self.edited.emit()

"""How the runner looks: a dim, low-glare palette (theme.py's Night colours, red only for
irreversible actions), its style sheet, and the big labels, buttons and fonts its pages share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QGuiApplication,
    QKeyEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from oncall.ui import theme
from oncall.ui.widgets import scaled_font

MIN_STEP_PX = 20  # step text at least 20 px (issue 6)
MIN_BUTTON_PX = 44  # answer buttons at least 44 px tall (WCAG 2.5.5)


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


class OnEnter(QObject):
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


def escape(text: str) -> str:
    """``text`` safe inside rich text (a link's label)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

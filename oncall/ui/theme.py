"""Looks: the system's own, or "Night", a dim low-glare palette for 02:00 pages.

Night keeps text off pure white, uses a warm amber accent and no red (red is kept for
irreversible actions). Widgets that paint themselves read their colours from the palette,
so switching theme needs no restart.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

SYSTEM = "system"
NIGHT = "night"
# theme name -> label shown in menus and settings
THEMES: dict[str, str] = {SYSTEM: "System", NIGHT: "Night"}

# Night colours: warm greys, amber accent, text at about 85% brightness
_NIGHT = {
    "window": "#1f1d1b",
    "base": "#262321",
    "alternate": "#2c2926",
    "button": "#2e2b28",
    "text": "#ddd5c8",
    "muted": "#9a9187",
    "disabled": "#6c655e",
    "accent": "#c9954c",
    "accent_text": "#1f1d1b",
    "link": "#d9aa66",
    "tooltip": "#35312d",
    "mid": "#3b3733",
    "dark": "#141312",
}

# properties stored on the application so the system look can be restored exactly
_ORIGINAL_STYLE = "_oncall_original_style"


class ThemeNotifier(QObject):
    """Announces theme changes to widgets that cache colours.

    Signals:
        theme_changed(str): the new theme's name.
    """

    theme_changed = Signal(str)


notifier: ThemeNotifier | None = None


def theme_notifier() -> ThemeNotifier:
    """The process-wide notifier (created on first use, on the GUI thread)."""
    global notifier
    if notifier is None:
        notifier = ThemeNotifier()
    return notifier


def normalise(name: str) -> str:
    """A known theme name; anything else ("light", typos) means the system look."""
    return name if name in THEMES else SYSTEM


def night_palette() -> QPalette:
    """The Night palette."""
    c = {k: QColor(v) for k, v in _NIGHT.items()}
    p = QPalette()
    roles = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, roles.Window, c["window"])
        p.setColor(group, roles.WindowText, c["text"])
        p.setColor(group, roles.Base, c["base"])
        p.setColor(group, roles.AlternateBase, c["alternate"])
        p.setColor(group, roles.ToolTipBase, c["tooltip"])
        p.setColor(group, roles.ToolTipText, c["text"])
        p.setColor(group, roles.PlaceholderText, c["muted"])
        p.setColor(group, roles.Text, c["text"])
        p.setColor(group, roles.Button, c["button"])
        p.setColor(group, roles.ButtonText, c["text"])
        p.setColor(group, roles.BrightText, c["link"])
        p.setColor(group, roles.Highlight, c["accent"])
        p.setColor(group, roles.HighlightedText, c["accent_text"])
        p.setColor(group, roles.Link, c["link"])
        p.setColor(group, roles.LinkVisited, c["muted"])
        p.setColor(group, roles.Light, c["mid"].lighter(130))
        p.setColor(group, roles.Midlight, c["mid"])
        p.setColor(group, roles.Mid, c["mid"])
        p.setColor(group, roles.Dark, c["dark"])
        p.setColor(group, roles.Shadow, c["dark"])
    disabled = QPalette.ColorGroup.Disabled
    p.setColor(disabled, roles.Window, c["window"])
    p.setColor(disabled, roles.Base, c["window"])
    p.setColor(disabled, roles.Button, c["window"])
    for role in (roles.WindowText, roles.Text, roles.ButtonText, roles.PlaceholderText):
        p.setColor(disabled, role, c["disabled"])
    p.setColor(disabled, roles.Highlight, c["mid"])
    p.setColor(disabled, roles.HighlightedText, c["muted"])
    return p


def apply_theme(app: QApplication, name: str) -> str:
    """Switch ``app`` to theme ``name`` ("system" or "night"); returns the theme applied."""
    name = normalise(name)
    if app.property(_ORIGINAL_STYLE) is None:
        app.setProperty(_ORIGINAL_STYLE, app.style().name())
    if name == NIGHT:
        # Fusion honours the palette everywhere; native styles may not
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(night_palette())
    else:
        original = str(app.property(_ORIGINAL_STYLE))
        if app.style().name() != original:
            app.setStyle(QStyleFactory.create(original))
        app.setPalette(app.style().standardPalette())
    app.setProperty("oncall_theme", name)
    theme_notifier().theme_changed.emit(name)
    return name


def current_theme(app: QApplication) -> str:
    """The theme last applied with ``apply_theme`` (system when none was)."""
    value = app.property("oncall_theme")
    return normalise(str(value)) if value else SYSTEM


def is_dark(palette: QPalette) -> bool:
    """Whether the palette has light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def muted_text(palette: QPalette) -> QColor:
    """Secondary text: between the text and the window colour, still readable."""
    text = palette.color(QPalette.ColorRole.WindowText)
    window = palette.color(QPalette.ColorRole.Window)
    return _mix(text, window, 0.35)


def attention(palette: QPalette) -> QColor:
    """The calm amber that marks things needing a look (gaps); never red."""
    return QColor("#d9a55b") if is_dark(palette) else QColor("#a86a12")


def card_background(palette: QPalette) -> QColor:
    """A card: a step away from the window colour, towards the base colour."""
    window = palette.color(QPalette.ColorRole.Window)
    if is_dark(palette):
        return window.lighter(118)
    base = palette.color(QPalette.ColorRole.Base)
    return _mix(base, window, 0.25)


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way to ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )

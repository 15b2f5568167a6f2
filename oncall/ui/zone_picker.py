"""A time zone picker with search: type part of a place, pick an IANA zone, see its offset now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


@cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (tzdata included), sorted; legacy aliases such
    as ``US/Pacific`` stay, since people type them."""
    return tuple(sorted(z for z in available_timezones() if not z.startswith("posix/")))


def match_zones(text: str) -> list[str]:
    """Zones whose name contains ``text`` ignoring case, with spaces read as underscores
    (so "new york" finds America/New_York); an exact name comes first."""
    needle = text.strip().replace(" ", "_").casefold()
    if not needle:
        return []
    hits = [z for z in all_zones() if needle in z.casefold()]
    hits.sort(key=lambda z: (z.casefold() != needle, not z.casefold().endswith(needle), z))
    return hits


def format_offset(zone: str, at: datetime) -> str:
    """The zone's UTC offset at ``at``, as "UTC+10:00" ("UTC+00:00" for zero)."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC+00:00"
    sign = "+" if minutes > 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


class ZonePicker(QWidget):
    """A line edit with a completer over every IANA zone, the zone's offset now beside it and a
    calm note when the text is not a zone. A unique partial match is accepted on Enter or when
    focus leaves ("sydn" becomes Australia/Sydney); anything else is kept as typed and flagged.
    """

    zoneChanged = Signal(str)  # a valid zone was chosen (emitted once per change)

    def __init__(
        self,
        zone: str = "",
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._last_valid = ""

        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Type a city or region, e.g. Sydney")
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Time zone")
        self.completer = QCompleter(QStringListModel(list(all_zones()), self), self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.edit.setCompleter(self.completer)

        self.offset_label = QLabel(self)
        self.offset_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for the widest offset, so the label never clips (measured in the font: scales).
        self.offset_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("UTC−10:30 now  "))
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setObjectName("fieldError")
        self.error_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.offset_label)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addLayout(row)
        outer.addWidget(self.error_label)
        self.setFocusProxy(self.edit)

        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.editingFinished.connect(self.commit)
        self.completer.activated.connect(self._on_completion)
        self.set_zone(zone)

    # -- public API ---------------------------------------------------------------------------

    def zone(self) -> str | None:
        """The chosen IANA zone, or None while the text is not one."""
        text = self.edit.text().strip()
        return text if text in _zone_set() else None

    def text(self) -> str:
        """What is typed, valid or not."""
        return self.edit.text()

    def set_zone(self, zone: str) -> None:
        """Show ``zone`` (any text is kept, and flagged if it is not a zone)."""
        self.edit.setText(zone)
        self._refresh(show_error=bool(zone))

    def is_valid(self) -> bool:
        """Whether the text names a zone."""
        return self.zone() is not None

    def commit(self) -> str | None:
        """Accept a unique partial match, then flag the text if it is still not a zone."""
        text = self.edit.text().strip()
        if text and text not in _zone_set():
            hits = match_zones(text)
            if len(hits) == 1 or (hits and hits[0].casefold() == text.casefold()):
                self.edit.setText(hits[0])
        self._refresh(show_error=bool(self.edit.text().strip()))
        return self.zone()

    def show_error(self, message: str) -> None:
        """Show a message under the field (used for errors found elsewhere)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # -- internals ------------------------------------------------------------------------------

    def _on_completion(self, text: str) -> None:
        self.edit.setText(text)
        self._refresh(show_error=True)

    def _on_text_changed(self, _text: str) -> None:
        # While typing, say nothing alarming: only clear an old error once the text is valid.
        self._refresh(show_error=False)

    def _refresh(self, *, show_error: bool) -> None:
        zone = self.zone()
        if zone is not None:
            self.offset_label.setText(f"{format_offset(zone, self._clock())} now")
            self.show_error("")
            if zone != self._last_valid:
                self._last_valid = zone
                self.zoneChanged.emit(zone)
            return
        self.offset_label.setText("")
        if show_error:
            hits = match_zones(self.edit.text())
            if hits:
                options = ", ".join(hits[:3]) + (" …" if len(hits) > 3 else "")
                self.show_error(f"Pick one zone: {options}")
            else:
                self.show_error("No time zone has that name. Try a city, e.g. Europe/Berlin.")


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(all_zones())

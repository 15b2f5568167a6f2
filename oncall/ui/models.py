"""Qt table models over lists of frozen dataclasses, and the few formatters they share.

Each model has a ``HEADERS`` tuple, ``set_rows`` (a full reset), ``row(index)`` for the
dataclass behind a row, and answers ``SORT_ROLE`` with a value that sorts naturally, so a
``QSortFilterProxyModel`` (``sorted_proxy``) sorts by time rather than by text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTime,
    QTimeZone,
)
from PySide6.QtGui import QFont

from oncall.domain.model import (
    Engineer,
    Leave,
    LeaveConflict,
    Override,
    Role,
    Rotation,
    Shift,
)

T = TypeVar("T")

SORT_ROLE = (
    Qt.ItemDataRole.UserRole + 1
)  # a value that sorts naturally (datetime, int, casefolded str)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the frozen dataclass behind the row

_AnyIndex = QModelIndex | QPersistentModelIndex

UNIT_WORDS = {"hours": ("hour", "hours"), "days": ("day", "days"), "weeks": ("week", "weeks")}


# -- formatting -------------------------------------------------------------------------------


def fmt_dt(at: datetime, zone: str) -> str:
    """An instant as a person reads it in ``zone``: "Mon 2 Mar 09:00"."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def fmt_date(at: datetime, zone: str) -> str:
    """The local date of an instant: "Mon 2 Mar 2026"."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y}"


def fmt_span(start: datetime, end: datetime, zone: str) -> str:
    """A half-open interval in ``zone``: "Mon 2 Mar 09:00 – Mon 9 Mar 09:00"."""
    return f"{fmt_dt(start, zone)} – {fmt_dt(end, zone)}"


def fmt_hours(delta: timedelta | float) -> str:
    """Hours without noise: "168 h", "7.5 h"."""
    hours = delta.total_seconds() / 3600 if isinstance(delta, timedelta) else float(delta)
    return f"{hours:.0f} h" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f} h"


def fmt_cadence(count: int, unit: str) -> str:
    """ "every week", "every 2 days"."""
    one, many = UNIT_WORDS.get(str(unit), (str(unit), str(unit)))
    return f"every {one}" if count == 1 else f"every {count} {many}"


def wall_qdatetime(naive: datetime) -> QDateTime:
    """A wall-clock time for a QDateTimeEdit. It is carried as UTC so that the machine's own
    zone (and its DST gaps) never shifts what the user typed; the zone is a separate field."""
    return QDateTime(
        QDate(naive.year, naive.month, naive.day),
        QTime(naive.hour, naive.minute),
        QTimeZone(QTimeZone.Initialization.UTC),
    )


def qdatetime_wall(value: QDateTime) -> datetime:
    """The naive wall-clock time a ``wall_qdatetime`` value holds."""
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def engineer_name(engineers: Mapping[int, Engineer], engineer_id: int) -> str:
    """A person's name, or a calm placeholder for someone no longer known."""
    e = engineers.get(engineer_id)
    return e.name if e is not None else f"Engineer #{engineer_id}"


# -- the base model -----------------------------------------------------------------------------


class DataclassTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table over a list of frozen dataclasses; subclasses say what each cell shows."""

    HEADERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace every row (a model reset: views keep their sort, lose their selection)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        """The rows, in model order."""
        return list(self._rows)

    def row(self, index: _AnyIndex) -> T | None:
        """The dataclass behind ``index`` (of this model), if any."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row(index)
        if item is None or not 0 <= index.column() < len(self.HEADERS):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        if role == SORT_ROLE:
            key = self.sort_key(item, column)
            # Qt compares numbers and strings, not Python objects: instants sort as timestamps.
            return key.timestamp() if isinstance(key, datetime) else key
        if role == ROW_ROLE:
            return item
        if role == Qt.ItemDataRole.FontRole and self.dimmed(item):
            font = QFont()
            font.setItalic(True)
            return font
        return None

    # What subclasses fill in.
    def text(self, item: T, column: int) -> str:
        """What cell ``column`` of ``item`` shows."""
        raise NotImplementedError

    def sort_key(self, item: T, column: int) -> str | int | float | datetime:
        """What the column sorts by: the shown text ignoring case, unless overridden."""
        return self.text(item, column).casefold()

    def tooltip(self, item: T, column: int) -> str | None:
        """Extra detail on hover."""
        return None

    def dimmed(self, item: T) -> bool:
        """Whether the row is shown in italics (inactive people, ended rotations)."""
        return False


def sorted_proxy(
    model: QAbstractTableModel, parent: QObject | None = None
) -> QSortFilterProxyModel:
    """A proxy that sorts by ``SORT_ROLE`` and filters on every column, ignoring case."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    return proxy


# -- the team screen's models ---------------------------------------------------------------------


class EngineerTableModel(DataclassTableModel[Engineer]):
    """People: name, handle, zone with the local time now, holiday country/region, email, and
    their on-call load risk (a word and a shape; sorts Low < Elevated < High)."""

    HEADERS = (
        "Name",
        "Handle",
        "Time zone (local time now)",
        "Country / region",
        "Email",
        "Load risk",
    )
    RISK_COLUMN = 5

    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.risk: Mapping[int, Any] = {}  # engineer id -> risk Assessment

    def set_risk(self, risk: Mapping[int, Any]) -> None:
        """Assessments by engineer id (set before ``set_rows``)."""
        self.risk = risk

    def text(self, item: Engineer, column: int) -> str:
        if column == self.RISK_COLUMN:
            from oncall.ui.risk_badge import badge_text

            found = self.risk.get(item.id)
            return badge_text(found.level) if found is not None else ""
        if column == 0:
            return item.name if item.active else f"{item.name} (inactive)"
        if column == 1:
            return f"@{item.handle}" if item.handle else ""
        if column == 2:
            local = self._clock().astimezone(ZoneInfo(item.zone))
            return f"{item.zone}  ({local:%a %H:%M})"
        if column == 3:
            return "/".join(p for p in (item.country, item.region) if p)
        return item.email

    def sort_key(self, item: Engineer, column: int) -> Any:
        if column == 2:
            # By offset now, then zone: people who are awake together sort together.
            offset = self._clock().astimezone(ZoneInfo(item.zone)).utcoffset()
            minutes = int(offset.total_seconds() // 60) if offset else 0
            return f"{minutes + 100_000:07d} {item.zone.casefold()}"
        if column == self.RISK_COLUMN:
            from oncall.ui.risk_badge import RANK

            found = self.risk.get(item.id)
            return RANK[found.level] if found is not None else -1
        return super().sort_key(item, column)

    def tooltip(self, item: Engineer, column: int) -> str | None:
        if column == self.RISK_COLUMN and (found := self.risk.get(item.id)) is not None:
            from oncall.ui.risk_badge import tooltip_text

            return tooltip_text(found)
        return None

    def dimmed(self, item: Engineer) -> bool:
        return not item.active


class RotationTableModel(DataclassTableModel[Rotation]):
    """A team's rotations: name, role, priority, cadence, people."""

    HEADERS = ("Rotation", "Role", "Priority", "Hands off", "People")

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))

    def text(self, item: Rotation, column: int) -> str:
        v = item.current
        if column == 0:
            return f"{item.name} (ended)" if self.dimmed(item) else item.name
        if column == 1:
            return Role(v.role).value.capitalize()
        if column == 2:
            return str(v.priority)
        if column == 3:
            return f"{fmt_cadence(v.cadence_count, v.cadence_unit)}, {v.anchor:%a %H:%M} {v.zone}"
        return str(len(v.members))

    def sort_key(self, item: Rotation, column: int) -> Any:
        if column in (2, 4):
            return item.current.priority if column == 2 else len(item.current.members)
        return super().sort_key(item, column)

    def dimmed(self, item: Rotation) -> bool:
        return item.ends_at is not None and item.ends_at <= self._clock()


class _PeopleAware(DataclassTableModel[T]):
    """A model whose rows name engineers by id; shows times in a viewer zone."""

    def __init__(self, parent: QObject | None = None, *, zone: str = "UTC") -> None:
        super().__init__(parent)
        self.engineers: dict[int, Engineer] = {}
        self.zone = zone

    def set_context(self, engineers: Mapping[int, Engineer], zone: str) -> None:
        """Who is who and which zone times are shown in (call before ``set_rows``)."""
        self.engineers = dict(engineers)
        self.zone = zone


def with_reason(note: str, reason: str) -> str:
    """A change's note and, when one was written, why it went ahead despite the planning
    guard: "Carmen at the dentist · why OK: Ada offered" (either part may be missing)."""
    why = f"why OK: {reason}" if reason else ""
    return " · ".join(part for part in (note, why) if part)


class OverrideTableModel(_PeopleAware[Override]):
    """Upcoming overrides: who, role, from, to, note (with the guard's reason, if any)."""

    HEADERS = ("Who", "Role", "From", "To", "Note")

    def text(self, item: Override, column: int) -> str:
        if column == 0:
            return engineer_name(self.engineers, item.engineer_id)
        if column == 1:
            return Role(item.role).value.capitalize()
        if column == 2:
            return fmt_dt(item.start, self.zone)
        if column == 3:
            return fmt_dt(item.end, self.zone)
        return with_reason(item.note, item.reason)

    def sort_key(self, item: Override, column: int) -> Any:
        if column in (2, 3):
            return item.start if column == 2 else item.end
        return super().sort_key(item, column)

    def tooltip(self, item: Override, column: int) -> str | None:
        if column == 4 and item.reason:
            return f"Gone ahead despite the planning guard because: {item.reason}"
        e = self.engineers.get(item.engineer_id)
        if e is None or column not in (2, 3):
            return None
        return f"Their time ({e.zone}): {fmt_span(item.start, item.end, e.zone)}"


class LeaveTableModel(_PeopleAware[Leave]):
    """Leave: who, kind, first day, last day, note (days in the person's own zone)."""

    HEADERS = ("Who", "Kind", "First day", "Last day", "Note")

    def _zone_of(self, item: Leave) -> str:
        e = self.engineers.get(item.engineer_id)
        return e.zone if e is not None else self.zone

    def text(self, item: Leave, column: int) -> str:
        if column == 0:
            return engineer_name(self.engineers, item.engineer_id)
        if column == 1:
            return str(item.kind).capitalize()
        if column == 2:
            return fmt_date(item.start, self._zone_of(item))
        if column == 3:
            # The interval is half-open: the last day is the one before its end.
            return fmt_date(item.end - timedelta(microseconds=1), self._zone_of(item))
        return item.note

    def sort_key(self, item: Leave, column: int) -> Any:
        if column in (2, 3):
            return item.start if column == 2 else item.end
        return super().sort_key(item, column)


class ConflictTableModel(_PeopleAware[LeaveConflict]):
    """Shifts that meet their engineer's leave, with the shift they hit."""

    HEADERS = ("Who", "Leave", "Shift it meets", "Role")

    def text(self, item: LeaveConflict, column: int) -> str:
        shift: Shift = item.shift
        if column == 0:
            return engineer_name(self.engineers, shift.engineer_id)
        if column == 1:
            e = self.engineers.get(shift.engineer_id)
            zone = e.zone if e is not None else self.zone
            last = item.leave.end - timedelta(microseconds=1)
            first = fmt_date(item.leave.start, zone)
            return f"{item.leave.kind.capitalize()}, {first} – {fmt_date(last, zone)}"
        if column == 2:
            return fmt_span(shift.start, shift.end, self.zone)
        return Role(shift.role).value.capitalize()

    def sort_key(self, item: LeaveConflict, column: int) -> Any:
        if column == 2:
            return item.shift.start
        return super().sort_key(item, column)


class ShiftTableModel(_PeopleAware[Shift]):
    """Shifts: who, from, to, length (the rotation editor's list of coming shifts)."""

    HEADERS = ("Who", "From", "To", "Length")

    def text(self, item: Shift, column: int) -> str:
        if column == 0:
            return engineer_name(self.engineers, item.engineer_id)
        if column == 1:
            return fmt_dt(item.start, self.zone)
        if column == 2:
            return fmt_dt(item.end, self.zone)
        return fmt_hours(item.end - item.start)

    def sort_key(self, item: Shift, column: int) -> Any:
        if column == 1:
            return item.start
        if column == 2:
            return item.end
        if column == 3:
            return (item.end - item.start).total_seconds()
        return super().sort_key(item, column)

    def tooltip(self, item: Shift, column: int) -> str | None:
        e = self.engineers.get(item.engineer_id)
        if e is None:
            return None
        return f"Their time ({e.zone}): {fmt_span(item.start, item.end, e.zone)}"

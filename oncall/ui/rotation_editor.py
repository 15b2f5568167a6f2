"""The rotation editor: the rules of one layer, with a live preview of the coming weeks.

``RotationEditor.load(plan, rotation, now=..., viewer_zone=...)`` fills the form (``rotation``
None for a new one). Every change re-draws the preview (debounced). Save emits
``save_requested(RotationDraft)``; the team screen shows the per-person diff and saves. An
existing rotation gets a new version effective now, so the past stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    TeamPlan,
)
from oncall.ui.engineer_form import error_label, field_for_message, set_error, visible_errors
from oncall.ui.models import ShiftTableModel, qdatetime_wall, wall_qdatetime
from oncall.ui.zone_picker import ZonePicker

NEW_ROTATION_ID = -1  # the id a not-yet-saved rotation has inside a preview plan
PREVIEW_DAYS = 28
WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EDITOR_FIELDS = ("name", "members", "cadence", "handoff", "zone", "restrictions", "priority")
FROM_NOW_ON = "Changes apply from now on; past shifts stay as they were."


@dataclass(frozen=True, slots=True)
class RotationDraft:
    """What the editor holds: the rotation's name and its rules as a version effective now."""

    rotation_id: int | None  # None for a new rotation
    name: str
    version: RotationVersion
    # The rotation as the editor loaded it (its row_version is what the save expects), kept
    # when the screen refreshes underneath, so a newer save by someone else is a conflict.
    base: Rotation | None = None


def plan_with_draft(plan: TeamPlan, draft: RotationDraft) -> tuple[TeamPlan, int]:
    """The plan as it would be with ``draft`` saved, and the draft's rotation id inside it.

    An edit keeps the versions that took effect before the draft and adds the draft as the
    next version (what ``commands.edit_rotation`` does); a new rotation gets ``NEW_ROTATION_ID``.
    """
    start = draft.version.effective_from
    rotations = list(plan.rotations)
    for i, rotation in enumerate(rotations):
        if rotation.id == draft.rotation_id:
            kept = tuple(v for v in rotation.versions if v.effective_from < start)
            number = rotation.current.version + 1
            rotations[i] = replace(
                rotation,
                name=draft.name,
                versions=(*kept, replace(draft.version, version=number)),
            )
            return replace(plan, rotations=tuple(rotations)), rotation.id
    new = Rotation(NEW_ROTATION_ID, plan.team.id, draft.name, (replace(draft.version, version=1),))
    return replace(plan, rotations=(*rotations, new)), NEW_ROTATION_ID


def week_start_anchor(now: datetime, zone: str) -> datetime:
    """A sensible first handoff for a new rotation: this week's Monday 09:00, local time."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(9))


class RestrictionRow(QWidget):
    """One window: weekday boxes, from and to times, and a remove button."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, restriction: Restriction | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        r = restriction or Restriction(frozenset(range(5)), time(9), time(17))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.days: list[QCheckBox] = []
        for i, short in enumerate(WEEKDAYS):
            box = QCheckBox(short)
            box.setAccessibleName(WEEKDAY_NAMES[i])
            box.setChecked(i in r.weekdays)
            box.toggled.connect(self._changed)
            self.days.append(box)
            row.addWidget(box)
        row.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        self.start = QTimeEdit(QTime(r.start.hour, r.start.minute))
        self.start.setDisplayFormat("HH:mm")
        self.start.setAccessibleName("Window opens at")
        self.end = QTimeEdit(QTime(r.end.hour, r.end.minute))
        self.end.setDisplayFormat("HH:mm")
        self.end.setAccessibleName("Window closes at")
        self.start.timeChanged.connect(self._changed)
        self.end.timeChanged.connect(self._changed)
        row.addWidget(QLabel("from"))
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        self.note = QLabel()
        self.note.setEnabled(False)
        row.addWidget(self.note)
        row.addStretch(1)
        self.remove = QPushButton("Remove")
        self.remove.setAccessibleName("Remove this window")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        row.addWidget(self.remove)
        self._update_note()

    def restriction(self) -> Restriction:
        """The window as the domain reads it."""
        s, e = self.start.time(), self.end.time()
        return Restriction(
            frozenset(i for i, box in enumerate(self.days) if box.isChecked()),
            time(s.hour(), s.minute()),
            time(e.hour(), e.minute()),
        )

    def _changed(self) -> None:
        self._update_note()
        self.changed.emit()

    def _update_note(self) -> None:
        r = self.restriction()
        if r.start == r.end:
            self.note.setText("(all day)")
        elif r.end < r.start:
            self.note.setText("(ends next day)")
        else:
            self.note.setText("")


class RotationEditor(QWidget):
    """Edit one rotation; a live preview shows the coming weeks as you type."""

    save_requested = Signal(object)  # RotationDraft
    discard_requested = Signal()
    preview_updated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: TeamPlan | None = None
        self.rotation: Rotation | None = None
        self.base: Rotation | None = None  # the rotation as loaded (see RotationDraft.base)
        self.now = datetime.now(UTC)
        self.viewer_zone = "UTC"
        self.preview_shifts: list[Shift] = []
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)  # coalesce keystrokes; the preview still feels live
        self._timer.timeout.connect(self.update_preview)

        self.title = QLabel()
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.from_now_on = QLabel(FROM_NOW_ON)
        self.from_now_on.setWordWrap(True)

        # -- the rules --
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Platform primary")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.value.capitalize(), role)
        self.priority = QSpinBox()
        self.priority.setRange(0, 1000)
        self.priority.setToolTip("Higher priority hides lower layers of the same role.")
        self.cadence_count = QSpinBox()
        self.cadence_count.setRange(1, 999)
        self.cadence_count.setAccessibleName("Shift length")
        self.cadence_unit = QComboBox()
        for unit in CadenceUnit:
            self.cadence_unit.addItem(unit.value, unit)
        self.cadence_unit.setAccessibleName("Shift length unit")
        self.handoff = QDateTimeEdit()
        self.handoff.setCalendarPopup(True)
        self.handoff.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.handoff.setAccessibleName("First handoff, local time")
        self.zone = ZonePicker()
        self.errors = {f: error_label() for f in EDITOR_FIELDS if f != "zone"}

        cadence = QHBoxLayout()
        cadence.addWidget(QLabel("every"))
        cadence.addWidget(self.cadence_count)
        cadence.addWidget(self.cadence_unit)
        cadence.addStretch(1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._add_row(form, "&Name", self.name, "name")
        role_row = QHBoxLayout()
        role_row.addWidget(self.role)
        priority_label = QLabel("&Priority")
        priority_label.setBuddy(self.priority)
        role_row.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        role_row.addWidget(priority_label)
        role_row.addWidget(self.priority)
        role_row.addStretch(1)
        self._add_row(form, "&Role", role_row, "priority", buddy=self.role)
        self._add_row(form, "Shift &length", cadence, "cadence", buddy=self.cadence_count)
        self._add_row(form, "First &handoff", self.handoff, "handoff")
        self._add_row(form, "Handoff &zone", self.zone, None)

        # -- members --
        self.members = QListWidget()
        self.members.setAccessibleName("People, in rotation order")
        self.members.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.members.model().rowsMoved.connect(self._changed)
        self.member_pick = QComboBox()
        self.member_pick.setAccessibleName("Person to add")
        self.add_member = QPushButton("&Add")
        self.remove_member = QPushButton("Re&move")
        self.move_up = QPushButton("Move &up")
        self.move_down = QPushButton("Move &down")
        self.add_member.clicked.connect(self._on_add_member)
        self.remove_member.clicked.connect(self._on_remove_member)
        self.move_up.clicked.connect(lambda: self._move_member(-1))
        self.move_down.clicked.connect(lambda: self._move_member(1))
        for keys, slot in (
            ("Delete", self._on_remove_member),
            ("Ctrl+Up", lambda: self._move_member(-1)),
            ("Ctrl+Down", lambda: self._move_member(1)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.members)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        add_row = QHBoxLayout()
        add_row.addWidget(self.member_pick, 1)
        add_row.addWidget(self.add_member)
        move_column = QVBoxLayout()
        for button in (self.move_up, self.move_down, self.remove_member):
            move_column.addWidget(button)
        move_column.addStretch(1)
        list_row = QHBoxLayout()
        list_row.addWidget(self.members, 1)
        list_row.addLayout(move_column)
        members_box = QGroupBox("People, in order (Ctrl+↑/↓ moves, Delete removes)")
        members_layout = QVBoxLayout(members_box)
        members_layout.addLayout(list_row)
        members_layout.addLayout(add_row)
        members_layout.addWidget(self.errors["members"])

        # -- restrictions --
        self.restriction_rows: list[RestrictionRow] = []
        self.restrictions_box = QGroupBox("On call only during")
        self.restrictions_layout = QVBoxLayout(self.restrictions_box)
        self.no_restrictions = QLabel("Around the clock (no windows).")
        self.no_restrictions.setEnabled(False)
        self.restrictions_layout.addWidget(self.no_restrictions)
        self.add_window = QPushButton("Add &window")
        self.add_window.clicked.connect(lambda: self.add_restriction(None))
        window_row = QHBoxLayout()
        window_row.addWidget(self.add_window)
        window_row.addStretch(1)
        self.restrictions_layout.addLayout(window_row)
        self.restrictions_layout.addWidget(self.errors["restrictions"])

        # -- preview --
        self.preview_status = QLabel()
        self.preview_status.setWordWrap(True)
        self.timeline = self._make_timeline()
        self.shift_model = ShiftTableModel(self)
        self.shift_table = QTableView()
        self.shift_table.setModel(self.shift_model)
        self.shift_table.setAccessibleName("Coming shifts")
        self.shift_table.verticalHeader().hide()
        self.shift_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.shift_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.shift_table.horizontalHeader().setStretchLastSection(True)
        preview_box = QGroupBox(f"Preview: the coming {PREVIEW_DAYS // 7} weeks")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_status)
        if self.timeline is not None:
            preview_layout.addWidget(self.timeline)
        preview_layout.addWidget(self.shift_table, 1)

        # -- buttons --
        self.save_button = QPushButton("&Save…")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Shows what changes for each person before saving (Ctrl+S)")
        self.discard_button = QPushButton("Disca&rd changes")
        self.save_button.clicked.connect(self.request_save)
        self.discard_button.clicked.connect(self.discard_requested)
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.request_save)
        self.general_error = error_label()
        buttons = QHBoxLayout()
        buttons.addWidget(self.general_error, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.save_button)

        rules = QVBoxLayout()
        rules.addLayout(form)
        rules.addWidget(members_box)
        rules.addWidget(self.restrictions_box)
        rules.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(rules, 1)
        body.addWidget(preview_box, 1)
        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.from_now_on)
        outer.addLayout(body, 1)
        outer.addLayout(buttons)

        for signal in (
            self.name.textChanged,
            self.role.currentIndexChanged,
            self.priority.valueChanged,
            self.cadence_count.valueChanged,
            self.cadence_unit.currentIndexChanged,
            self.handoff.dateTimeChanged,
            self.zone.zoneChanged,
        ):
            signal.connect(self._changed)
        self.name.textEdited.connect(lambda: set_error(self.errors["name"], ""))

    # -- loading and reading ---------------------------------------------------------------

    def load(
        self,
        plan: TeamPlan,
        rotation: Rotation | None,
        *,
        now: datetime,
        viewer_zone: str = "UTC",
    ) -> None:
        """Start editing ``rotation`` of ``plan`` (None: a new rotation with sensible defaults)."""
        self._loading = True
        self.plan, self.rotation, self.now, self.viewer_zone = plan, rotation, now, viewer_zone
        self.base = rotation  # what the form started from (refreshes leave it be)
        zone = rotation.current.zone if rotation else plan.team.zone
        v = (
            rotation.current
            if rotation
            else RotationVersion(
                1, now, (), CadenceUnit.WEEKS, 1, week_start_anchor(now, zone), zone
            )
        )
        self.title.setText(f"Edit “{rotation.name}”" if rotation else "New rotation")
        self.from_now_on.setVisible(rotation is not None)
        self.name.setText(rotation.name if rotation else "")
        self.role.setCurrentIndex(max(0, self.role.findData(Role(v.role))))
        self.priority.setValue(v.priority)
        self.cadence_count.setValue(v.cadence_count)
        self.cadence_unit.setCurrentIndex(max(0, self.cadence_unit.findData(v.cadence_unit)))
        a = v.anchor
        self.handoff.setDateTime(wall_qdatetime(a))
        self.zone.set_zone(v.zone)
        self.members.clear()
        for engineer_id in v.members:
            self._append_member(engineer_id)
        for row in list(self.restriction_rows):
            self._remove_restriction(row)
        for r in v.restrictions:
            self.add_restriction(r)
        self._refresh_member_pick()
        self.show_errors({})
        self._loading = False
        self.update_preview()

    def member_ids(self) -> tuple[int, ...]:
        """The roster, in order."""
        return tuple(
            int(self.members.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.members.count())
        )

    def check(self) -> dict[str, str]:
        """Problems by field; empty when the rules can be saved."""
        problems: dict[str, str] = {}
        if not self.name.text().strip():
            problems["name"] = "Give the rotation a name."
        if not self.member_ids():
            problems["members"] = "Add at least one person."
        if not self.zone.is_valid():
            problems["zone"] = "Pick the zone the handoff time is in."
        for row in self.restriction_rows:
            if not row.restriction().weekdays:
                problems["restrictions"] = "Tick at least one day for each window, or remove it."
        return problems

    def draft(self) -> RotationDraft | None:
        """The rules as a draft effective now, or None while something needs fixing."""
        if self.plan is None or self.check():
            return None
        version = RotationVersion(
            version=(self.rotation.current.version + 1) if self.rotation else 1,
            effective_from=self.now,
            members=self.member_ids(),
            cadence_unit=CadenceUnit(self.cadence_unit.currentData()),
            cadence_count=self.cadence_count.value(),
            anchor=qdatetime_wall(self.handoff.dateTime()),
            zone=self.zone.zone() or "UTC",
            restrictions=tuple(row.restriction() for row in self.restriction_rows),
            priority=self.priority.value(),
            role=Role(self.role.currentData()),
        )
        return RotationDraft(
            self.rotation.id if self.rotation else None,
            self.name.text().strip(),
            version,
            self.base if self.rotation else None,
        )

    # -- errors --------------------------------------------------------------------------------

    def show_errors(self, problems: dict[str, str]) -> None:
        """Show each problem under its field (key "" for the editor as a whole)."""
        for key, label in self.errors.items():
            set_error(label, problems.get(key, ""))
        self.zone.show_error(problems.get("zone", "") if "zone" in problems else "")
        set_error(self.general_error, problems.get("", ""))

    def show_save_error(self, message: str) -> None:
        """A refusal from the database, next to the field it is about; the form keeps its text."""
        key = field_for_message(message, EDITOR_FIELDS)
        if key == "zone":
            self.zone.show_error(message)
        else:
            self.show_errors({key or "": message})

    def visible_errors(self) -> dict[str, str]:
        """The error notes on show, by field ("" for the form as a whole)."""
        return visible_errors(self.errors, self.zone.error_label, self.general_error)

    def request_save(self) -> None:
        """Check the rules; if fine, ask the team screen to preview and save them."""
        self.zone.commit()
        problems = self.check()
        self.show_errors(problems)
        if problems:
            return
        draft = self.draft()
        if draft is not None:
            self.save_requested.emit(draft)

    # -- preview -------------------------------------------------------------------------------

    def update_preview(self) -> None:
        """Resolve the draft's own shifts for the coming weeks and show them."""
        self._timer.stop()
        draft = self.draft()
        if self.plan is None:
            return
        if draft is None:
            problems = self.check()
            self.preview_status.setText(
                "The preview shows once "
                + (
                    next(iter(problems.values())).rstrip(".").lower()
                    if problems
                    else "the rules are complete"
                )
                + "."
            )
            self.preview_updated.emit()
            return
        from oncall.domain.schedule import layer_shifts

        plan, rotation_id = plan_with_draft(self.plan, draft)
        rotation = next(r for r in plan.rotations if r.id == rotation_id)
        start, end = self.now, self.now + timedelta(days=PREVIEW_DAYS)
        shifts = layer_shifts(rotation, plan.team.id, start, end)
        self.preview_shifts = list(shifts)
        engineers = {e.id: e for e in plan.engineers}
        count = len(shifts)
        self.preview_status.setText(
            f"{count} shift{'s' if count != 1 else ''} in the coming {PREVIEW_DAYS // 7} weeks, "
            f"times in {self.viewer_zone}."
            if count
            else "No shifts in the coming weeks."
        )
        self.shift_model.set_context(engineers, self.viewer_zone)
        self.shift_model.set_rows(shifts)
        if self.timeline is not None:
            from oncall.ui.timeline import TimelineRow

            rows = [
                TimelineRow(
                    engineers[i].name if i in engineers else f"Engineer #{i}",
                    engineers[i].zone if i in engineers else "",
                    tuple(s for s in shifts if s.engineer_id == i),
                    (),
                    i,
                )
                for i in dict.fromkeys(draft.version.members)
            ]
            self.timeline.set_rows(rows, start, end, self.now, self.viewer_zone, engineers)
        self.preview_updated.emit()

    # -- members and windows -----------------------------------------------------------------

    def add_restriction(self, restriction: Restriction | None) -> RestrictionRow:
        """Add a window row (a weekday 09:00-17:00 one by default)."""
        row = RestrictionRow(restriction)
        row.changed.connect(self._changed)
        row.remove_requested.connect(self._remove_restriction)
        self.restriction_rows.append(row)
        self.restrictions_layout.insertWidget(len(self.restriction_rows), row)
        self.no_restrictions.setVisible(False)
        if not self._loading:
            row.days[0].setFocus()
            self._changed()
        return row

    def _remove_restriction(self, row: RestrictionRow) -> None:
        self.restriction_rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.no_restrictions.setVisible(not self.restriction_rows)
        self._changed()

    def _engineers(self) -> dict[int, Engineer]:
        return {e.id: e for e in self.plan.engineers} if self.plan else {}

    def _append_member(self, engineer_id: int) -> None:
        e = self._engineers().get(engineer_id)
        text = f"{e.name}  ·  {e.zone}" if e else f"Engineer #{engineer_id}"
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, engineer_id)
        self.members.addItem(item)

    def _refresh_member_pick(self) -> None:
        current = set(self.member_ids())
        self.member_pick.clear()
        for e in sorted(self._engineers().values(), key=lambda e: e.name.casefold()):
            if e.active and e.id not in current:
                self.member_pick.addItem(f"{e.name} ({e.zone})", e.id)
        self.add_member.setEnabled(self.member_pick.count() > 0)

    def add_member_id(self, engineer_id: int) -> None:
        """Append a person to the roster."""
        self._append_member(engineer_id)
        self.members.setCurrentRow(self.members.count() - 1)
        set_error(self.errors["members"], "")
        self._refresh_member_pick()
        self._changed()

    def _on_add_member(self) -> None:
        engineer_id = self.member_pick.currentData()
        if engineer_id is not None:
            self.add_member_id(int(engineer_id))

    def _on_remove_member(self) -> None:
        row = self.members.currentRow()
        if row < 0:
            return
        self.members.takeItem(row)
        self.members.setCurrentRow(min(row, self.members.count() - 1))
        self._refresh_member_pick()
        self._changed()

    def _move_member(self, step: int) -> None:
        row = self.members.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.members.count():
            return
        item = self.members.takeItem(row)
        self.members.insertItem(target, item)
        self.members.setCurrentRow(target)
        self._changed()

    # -- internals ---------------------------------------------------------------------------

    def _changed(self, *_args: object) -> None:
        if not self._loading:
            self._timer.start()

    def _add_row(
        self,
        form: QFormLayout,
        text: str,
        field: QWidget | QHBoxLayout,
        error_key: str | None,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or (field if isinstance(field, QWidget) else None))
        column = QVBoxLayout()
        column.setSpacing(2)
        if isinstance(field, QWidget):
            column.addWidget(field)
        else:
            column.addLayout(field)
        if error_key is not None:
            column.addWidget(self.errors[error_key])
        form.addRow(label, column)

    @staticmethod
    def _make_timeline() -> QWidget | None:
        try:
            from oncall.ui.timeline import TimelineWidget
        except ImportError:  # the schedule screen's widget is optional here; the list remains
            return None
        timeline = TimelineWidget()
        timeline.setAccessibleName("Preview of the coming shifts")
        return timeline


def members_of(rotations: Sequence[Rotation]) -> set[int]:
    """Everyone on any current roster (to warn before deactivating someone)."""
    return {m for r in rotations for m in r.current.members}

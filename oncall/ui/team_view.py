"""The Team screen: engineers, rotations (editor with live preview and per-person diff),
overrides and leave (with the shifts it meets).

Every edit is an ``ActionCommand`` on the window's undo stack whose do/undo run through
``ctx.edit`` (one transaction, ledger re-materialised); after each the screen refreshes and
emits ``changed``. A refusal from the database (ValueError) is shown next to its field and the
command is dropped from the stack, so nothing typed is lost and undo stays truthful.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db import commands, queries
from oncall.db.conflicts import EditConflict, RotationEdit
from oncall.domain.model import Engineer, LeaveConflict, Override, Rotation, Team, TeamPlan
from oncall.ui.change_preview import PREVIEW_WEEKS, ChangePreviewDialog, compute_diffs
from oncall.ui.conflict_dialog import ConflictDialog, resolve_conflict, versioned_flip
from oncall.ui.engineer_form import EngineerForm, error_label, set_error
from oncall.ui.guard_check import change_concerns
from oncall.ui.leave_dialog import LeaveDialog, TeamDialog
from oncall.ui.models import (
    ROW_ROLE,
    ConflictTableModel,
    DataclassTableModel,
    EngineerTableModel,
    LeaveTableModel,
    OverrideTableModel,
    RotationTableModel,
    sorted_proxy,
)
from oncall.ui.risk_badge import team_risk
from oncall.ui.rotation_editor import RotationDraft, RotationEditor, members_of, plan_with_draft
from oncall.ui.undo import push_edit
from oncall.ui.widgets import EmptyState
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from oncall.ui.override_dialog import OverrideDraft

log = logging.getLogger(__name__)

CONFLICT_DAYS = 90  # how far ahead leave conflicts are looked for
PREVIEW_SPAN = timedelta(weeks=PREVIEW_WEEKS)  # what a rotation edit is checked over


def _table(model: DataclassTableModel[Any], name: str) -> tuple[QTableView, Any]:
    """A sortable, row-selecting table over ``model`` (through a sorting proxy)."""
    proxy = sorted_proxy(model, model)
    view = QTableView()
    view.setModel(proxy)
    view.setAccessibleName(name)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    return view, proxy


def _selected(view: QTableView) -> Any:
    index = view.currentIndex()
    return index.data(ROW_ROLE) if index.isValid() else None


def _buttons(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row


class TeamView(QWidget):
    """People, rotations, overrides and leave of one team at a time."""

    changed = Signal()

    def __init__(self, ctx: AppContext, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.undo = ctx, undo
        self.team_id: int | None = None
        self.plan: TeamPlan | None = None
        self.members: list[Engineer] = []
        self.conflicts: list[LeaveConflict] = []
        self.engineer_form: EngineerForm | None = None
        self.last_error = ""
        self.last_conflict: EditConflict | None = None  # of the last run_edit, if it met one
        self.conflict_dialog: ConflictDialog | None = None

        # -- team picker --
        self.team_pick = QComboBox()
        self.team_pick.setAccessibleName("Team")
        self.team_pick.setMinimumContentsLength(16)
        team_label = QLabel("&Team")
        team_label.setBuddy(self.team_pick)
        self.new_team_button = QPushButton("New &team…")
        self.new_team_button.clicked.connect(self.create_team)
        self.team_pick.currentIndexChanged.connect(self._on_team_picked)
        # The lead is who the runner's "Call for help" offers beside the secondary.
        self.lead_pick = QComboBox()
        self.lead_pick.setAccessibleName("Team lead")
        self.lead_pick.setToolTip("Called for help in an incident, beside the secondary on call")
        self.lead_pick.setMinimumContentsLength(16)
        lead_label = QLabel("Lead:")
        lead_label.setBuddy(self.lead_pick)
        self.lead_pick.activated.connect(self._on_lead_picked)
        top = QHBoxLayout()
        top.addWidget(team_label)
        top.addSpacing(self.fontMetrics().averageCharWidth())
        top.addWidget(self.team_pick)
        top.addWidget(self.new_team_button)
        top.addSpacing(self.fontMetrics().averageCharWidth() * 3)
        top.addWidget(lead_label)
        top.addWidget(self.lead_pick)
        top.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = error_label()

        # -- the empty state --
        self.no_team = EmptyState(
            "team",
            "No team yet",
            "Create a team here, or import one from a file with “oncall team import FILE”.",
            "&Create a team",
        )
        self.no_team.action_triggered.connect(self.create_team)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._engineers_tab(), "&Engineers")
        self.tabs.addTab(self._rotations_tab(), "R&otations")
        self.tabs.addTab(self._overrides_tab(), "O&verrides")
        self.tabs.addTab(self._leave_tab(), "&Leave")

        self.pages = QStackedWidget()
        self.pages.addWidget(self.no_team)
        self.pages.addWidget(self.tabs)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        self.refresh()

    # -- building the tabs ----------------------------------------------------------------------

    def _engineers_tab(self) -> QWidget:
        self.engineer_model = EngineerTableModel(self, clock=self.ctx.clock)
        self.engineer_table, self.engineer_proxy = _table(self.engineer_model, "Engineers")
        self.engineer_table.doubleClicked.connect(lambda _i: self.edit_engineer())
        self.engineer_filter = QLineEdit()
        self.engineer_filter.setPlaceholderText("Filter by name, handle, zone…")
        self.engineer_filter.setClearButtonEnabled(True)
        self.engineer_filter.textChanged.connect(self.engineer_proxy.setFilterFixedString)
        self.add_engineer_button = QPushButton("&Add engineer…")
        self.edit_engineer_button = QPushButton("E&dit…")
        self.deactivate_button = QPushButton("Deacti&vate")
        self.add_engineer_button.clicked.connect(self.add_engineer)
        self.edit_engineer_button.clicked.connect(self.edit_engineer)
        self.deactivate_button.clicked.connect(self.toggle_active)
        self.export_calendar_button = QPushButton("E&xport calendar…")
        self.export_calendar_button.setToolTip("Save this person's shifts as an .ics calendar")
        self.export_calendar_button.clicked.connect(self.export_calendar)
        self.engineer_table.selectionModel().currentChanged.connect(self._update_buttons)
        page = QWidget()
        layout = QVBoxLayout(page)
        row = _buttons(
            self.add_engineer_button,
            self.edit_engineer_button,
            self.deactivate_button,
            self.export_calendar_button,
        )
        row.addWidget(self.engineer_filter, 1)
        layout.addLayout(row)
        layout.addWidget(self.engineer_table, 1)
        return page

    def _rotations_tab(self) -> QWidget:
        self.rotation_model = RotationTableModel(self, clock=self.ctx.clock)
        self.rotation_table, self.rotation_proxy = _table(self.rotation_model, "Rotations")
        self.rotation_table.selectionModel().currentChanged.connect(self._on_rotation_picked)
        self.new_rotation_button = QPushButton("&New rotation")
        self.new_rotation_button.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.end_rotation_button = QPushButton("&End rotation")
        self.new_rotation_button.clicked.connect(self.new_rotation)
        self.end_rotation_button.clicked.connect(self.toggle_rotation_end)
        self.plan_fairly_button = QPushButton("Plan &fairly…")
        self.plan_fairly_button.clicked.connect(self.plan_fairly)
        self.editor = RotationEditor()
        self.editor.save_requested.connect(self.save_rotation)
        self.editor.discard_requested.connect(self._reload_editor)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.editor)
        self.no_rotations = EmptyState(
            "schedule",
            "No rotations yet",
            "A rotation is an ordered list of people who take turns, handing off at a "
            "wall-clock time.",
            "New &rotation",
        )
        self.no_rotations.action_triggered.connect(self.new_rotation)
        self.editor_pages = QStackedWidget()
        self.editor_pages.addWidget(self.no_rotations)
        self.editor_pages.addWidget(scroller)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(
            _buttons(self.new_rotation_button, self.end_rotation_button, self.plan_fairly_button)
        )
        top_layout.addWidget(self.rotation_table)
        self.rotation_split = QSplitter(Qt.Orientation.Vertical)
        self.rotation_split.addWidget(top)
        self.rotation_split.addWidget(self.editor_pages)
        self.rotation_split.setStretchFactor(0, 1)
        self.rotation_split.setStretchFactor(1, 4)
        self.rotation_split.setChildrenCollapsible(False)
        return self.rotation_split

    def _overrides_tab(self) -> QWidget:
        self.override_model = OverrideTableModel(self)
        self.override_table, _ = _table(self.override_model, "Upcoming overrides")
        self.override_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.add_override_button = QPushButton("&Add override…")
        self.remove_override_button = QPushButton("&Remove")
        self.add_override_button.clicked.connect(self.add_override)
        self.remove_override_button.clicked.connect(self.remove_override)
        self._delete_key(self.override_table, self.remove_override)
        self.override_table.selectionModel().currentChanged.connect(self._update_buttons)
        self.no_overrides = QLabel("No upcoming overrides.")
        self.no_overrides.setEnabled(False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(_buttons(self.add_override_button, self.remove_override_button))
        layout.addWidget(self.no_overrides)
        layout.addWidget(self.override_table, 1)
        return page

    def _leave_tab(self) -> QWidget:
        self.leave_model = LeaveTableModel(self)
        self.leave_table, _ = _table(self.leave_model, "Leave")
        self.leave_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.add_leave_button = QPushButton("&Add leave…")
        self.remove_leave_button = QPushButton("&Remove")
        self.add_leave_button.clicked.connect(self.add_leave)
        self.remove_leave_button.clicked.connect(self.remove_leave)
        self._delete_key(self.leave_table, self.remove_leave)
        self.leave_table.selectionModel().currentChanged.connect(self._update_buttons)
        self.conflict_model = ConflictTableModel(self)
        self.conflict_table, _ = _table(self.conflict_model, "Shifts that meet leave")
        self.conflict_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.conflict_title = QLabel()
        self.conflict_title.setWordWrap(True)
        self.find_cover_button = QPushButton("&Find cover…")
        self.find_cover_button.setToolTip(
            "Suggest who is free during the selected conflict and add an override for them"
        )
        self.find_cover_button.clicked.connect(self.find_cover)
        self.conflict_table.activated.connect(lambda _index: self.find_cover())
        self.conflict_table.selectionModel().currentChanged.connect(self._update_buttons)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(_buttons(self.add_leave_button, self.remove_leave_button))
        layout.addWidget(self.leave_table, 2)
        conflict_bar = QHBoxLayout()
        conflict_bar.addWidget(self.conflict_title, 1)
        conflict_bar.addWidget(self.find_cover_button)
        layout.addLayout(conflict_bar)
        layout.addWidget(self.conflict_table, 1)
        return page

    @staticmethod
    def _delete_key(view: QTableView, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(slot)

    # -- reading -------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The app clock (tests pass a fixed one)."""
        return self.ctx.clock()

    @property
    def zone(self) -> str:
        """The zone times are shown in."""
        return viewer_zone(self.ctx)

    def refresh(self) -> None:
        """Re-read the teams and the chosen team's data; keep the selection where possible."""
        now = self.now()
        with self.ctx.sessions.begin() as s:
            teams = queries.list_teams(s)
            ids = [t.id for t in teams]
            if self.team_id not in ids:
                self.team_id = ids[0] if ids else None
            plan = queries.load_plan(s, self.team_id) if self.team_id is not None else None
            members = queries.team_engineers(s, self.team_id) if self.team_id else []
        self._fill_team_pick(teams)
        self.plan, self.members = plan, members
        self._fill_lead_pick()
        self.pages.setCurrentIndex(1 if plan is not None else 0)
        if plan is None:
            return
        engineers = {e.id: e for e in (*plan.engineers, *members)}
        zone = self.zone
        self.engineer_model.set_risk(team_risk(self.ctx, self.team_id, now))
        self.engineer_model.set_rows(members)

        rotation_id = self._current_rotation_id()
        visible = [r for r in plan.rotations if not self._never_in_force(r)]
        self.rotation_model.set_rows(visible)
        self._select_rotation(rotation_id)
        if not visible:
            self.editor_pages.setCurrentIndex(0)

        self.override_model.set_context(engineers, zone)
        upcoming = [o for o in plan.overrides if o.end > now]
        self.override_model.set_rows(upcoming)
        self.no_overrides.setVisible(not upcoming)

        self.leave_model.set_context(engineers, zone)
        self.leave_model.set_rows([lv for lv in plan.leave if lv.end > now])
        self.conflicts = self._find_conflicts(plan, now)
        self.conflict_model.set_context(engineers, zone)
        self.conflict_model.set_rows(self.conflicts)
        n = len(self.conflicts)
        self.conflict_title.setText(
            f"{n} shift{'s' if n != 1 else ''} in the next {CONFLICT_DAYS} days "
            f"{'meet' if n != 1 else 'meets'} someone's leave. Select one and find cover."
            if n
            else f"No shift in the next {CONFLICT_DAYS} days meets anyone's leave."
        )
        self._update_buttons()

    @staticmethod
    def _find_conflicts(plan: TeamPlan, now: datetime) -> list[LeaveConflict]:
        from oncall.domain.schedule import resolve

        if not plan.leave:
            return []
        return list(resolve(plan, now, now + timedelta(days=CONFLICT_DAYS)).conflicts)

    @staticmethod
    def _never_in_force(rotation: Rotation) -> bool:
        # An undone "new rotation" is ended where it began: it never was, so it is not listed.
        return (
            rotation.ends_at is not None and rotation.ends_at <= rotation.versions[0].effective_from
        )

    def _fill_team_pick(self, teams: list[Team]) -> None:
        self.team_pick.blockSignals(True)
        self.team_pick.clear()
        for t in teams:
            self.team_pick.addItem(t.name, t.id)
        self.team_pick.setCurrentIndex(max(0, self.team_pick.findData(self.team_id)))
        self.team_pick.blockSignals(False)
        self.team_pick.setEnabled(bool(teams))

    def _fill_lead_pick(self) -> None:
        """The team's engineers to choose the lead from, "No lead" first, the lead current."""
        self.lead_pick.clear()
        self.lead_pick.addItem("No lead", None)
        team = self.plan.team if self.plan is not None else None
        people = {e.id: e for e in (*(self.plan.engineers if self.plan else ()), *self.members)}
        for e in sorted(self.members, key=lambda e: e.name.casefold()):
            self.lead_pick.addItem(e.name, e.id)
        lead = team.lead_engineer_id if team is not None else None
        if lead is not None and self.lead_pick.findData(lead) < 0:
            # Led from outside the team (set elsewhere): shown as it is, not silently lost.
            self.lead_pick.addItem(people[lead].name if lead in people else f"#{lead}", lead)
        self.lead_pick.setCurrentIndex(max(0, self.lead_pick.findData(lead)))
        self.lead_pick.setEnabled(team is not None)

    def _on_lead_picked(self, index: int) -> None:
        lead = self.lead_pick.itemData(index)
        self.set_lead(int(lead) if lead is not None else None)

    def set_lead(self, engineer_id: int | None) -> str | None:
        """Make ``engineer_id`` the team's lead (None: no lead), undoably; returns a refusal."""
        if self.plan is None or self.plan.team.lead_engineer_id == engineer_id:
            return None
        team = self.plan.team
        who = self.lead_pick.itemText(max(0, self.lead_pick.findData(engineer_id)))
        text = f"Make {who} the lead" if engineer_id is not None else "Clear the team lead"
        # Versioned both ways: someone else's newer save of the team (a rename, another lead)
        # is a conflict to resolve, never silently overwritten or undone.
        lead = replace(team, lead_engineer_id=engineer_id)
        do, undo = versioned_flip(self._save_team, team, lead)
        error = self.run_edit(text, do, undo)
        self._show_error(error or "")
        if error and self.last_conflict is not None:
            self.refresh()  # show their save behind the dialog (its Save applies the choice)
        elif error:
            self._fill_lead_pick()
        return error

    def _on_team_picked(self, index: int) -> None:
        team_id = self.team_pick.itemData(index)
        if team_id is not None and team_id != self.team_id:
            self.team_id = int(team_id)
            self.rotation_table.clearSelection()
            self.refresh()

    def _update_buttons(self, *_args: object) -> None:
        engineer = _selected(self.engineer_table)
        self.edit_engineer_button.setEnabled(engineer is not None)
        self.deactivate_button.setEnabled(engineer is not None)
        self.export_calendar_button.setEnabled(engineer is not None)
        self.deactivate_button.setText(
            "Reacti&vate" if engineer is not None and not engineer.active else "Deacti&vate"
        )
        rotation = _selected(self.rotation_table)
        self.end_rotation_button.setEnabled(rotation is not None)
        self.plan_fairly_button.setEnabled(rotation is not None and rotation.ends_at is None)
        ended = rotation is not None and rotation.ends_at is not None
        self.end_rotation_button.setText("R&estart rotation" if ended else "&End rotation")
        self.remove_override_button.setEnabled(_selected(self.override_table) is not None)
        self.remove_leave_button.setEnabled(_selected(self.leave_table) is not None)
        self.find_cover_button.setEnabled(bool(self.conflicts))

    def plan_fairly(self) -> Any:
        """Open "Plan fairly…" for the selected rotation (oncall/ui/plan_dialog.py)."""
        from oncall.ui.plan_dialog import PlanDialog

        rotation = _selected(self.rotation_table)
        if rotation is None or self.team_id is None:
            return None
        self.plan_dialog = PlanDialog(self.ctx, self.undo, self.team_id, rotation, self,
                                      after=self._after_edit)  # fmt: skip
        self.plan_dialog.show()
        return self.plan_dialog

    # -- the edit machinery ---------------------------------------------------------------------

    def run_edit(
        self,
        text: str,
        do: Callable[[], None],
        undo: Callable[[], None],
        then: Callable[[], None] | None = None,
        on_conflict: Callable[[EditConflict], object] | None = None,
    ) -> str | None:
        """Push an undoable edit; returns the database's refusal (and drops the command) if any.

        ``then`` runs after every do and undo, once the screen shows the new state. Someone
        else's newer save (on do, redo or undo) goes to ``on_conflict`` (default: the conflict
        dialog, :meth:`resolve_conflict`); ``last_conflict`` says whether the do met one.
        """
        self.last_conflict = None

        def conflicted(conflict: EditConflict) -> None:
            self.last_conflict = conflict
            (on_conflict or self.resolve_conflict)(conflict)

        error = push_edit(
            self.undo, text, do, undo, lambda: self._after_edit(then), on_conflict=conflicted
        )
        self.last_error = error or ""
        return error

    # -- someone else saved first ---------------------------------------------------------------

    def resolve_conflict(
        self,
        conflict: EditConflict,
        parent: QWidget | None = None,
        finished: Callable[[str], None] | None = None,
    ) -> ConflictDialog:
        """Show someone else's newer save beside this one (oncall/ui/conflict_dialog.py).

        "Save my choices" saves the merge on top of their version (a further conflict opens
        the dialog again); "Discard mine" shows theirs. ``finished`` hears "saved",
        "discarded", "cancelled" or "refused" (with the refusal shown), for the form that
        asked; cancelling leaves that form as it is.
        """

        def save(merged: Any) -> None:
            error = self._save_merged(
                conflict, merged, lambda again: self.resolve_conflict(again, parent, finished)
            )
            if error is None:
                outcome = "saved"
            elif self.last_conflict is not None:
                return  # a newer save again: its own dialog is open now
            else:
                outcome = "refused"
                self._show_error(error)
            if finished is not None:
                finished(outcome)

        def discard() -> None:
            self.refresh()
            if conflict.kind == "rotation" and conflict.row_id:
                self._reload_editor_for(conflict.row_id)
            if finished is not None:
                finished("discarded")

        def cancel() -> None:
            if finished is not None:
                finished("cancelled")

        self.conflict_dialog = resolve_conflict(
            parent or self, conflict, save=save, discard=discard, cancel=cancel,
            zone=self.zone, now=self.now(),
        )  # fmt: skip
        return self.conflict_dialog

    def _save_merged(
        self, conflict: EditConflict, merged: Any, on_conflict: Callable[[EditConflict], object]
    ) -> str | None:
        """Save a merge chosen in the conflict dialog, expecting their version."""
        if conflict.kind == "rotation" and isinstance(merged, RotationEdit):
            yours = conflict.yours
            reason = yours.version.reason if isinstance(yours, RotationEdit) else ""
            draft = RotationDraft(
                conflict.row_id, merged.name, replace(merged.version, reason=reason)
            )
            return self._edit_rotation(
                draft, self.now(), expected=merged.row_version, base=conflict.theirs,
                on_conflict=on_conflict,
            )  # fmt: skip
        if conflict.kind == "engineer":
            do, undo = versioned_flip(self._save_engineer_row, conflict.theirs, merged)
            return self.run_edit(f"Edit {merged.name}", do, undo, on_conflict=on_conflict)
        if conflict.kind == "team":
            do, undo = versioned_flip(self._save_team, conflict.theirs, merged)
            return self.run_edit(f"Edit team {merged.name}", do, undo, on_conflict=on_conflict)
        return f"A {conflict.kind} cannot be merged here; it was left as they saved it."

    def _save_team(self, team: Team, base: Team) -> Team:
        # Only the team row changes (not the schedule), so no re-materialising.
        with self.ctx.sessions.begin() as s:
            return commands.update_team(s, team, base=base)

    def _save_engineer_row(self, engineer: Engineer, base: Engineer) -> Engineer:
        saved: Engineer = self._edit(lambda s: commands.update_engineer(s, engineer, base=base))
        return saved

    def _after_edit(self, then: Callable[[], None] | None = None) -> None:
        self.refresh()
        if then is not None:
            then()
        self.changed.emit()

    def _edit(self, action: Callable[[Any], Any]) -> Any:
        assert self.team_id is not None
        return self.ctx.edit(self.team_id, action)

    def _show_error(self, message: str) -> None:
        set_error(self.error, message)

    # -- teams ----------------------------------------------------------------------------------

    def create_team(self) -> None:
        """Ask for a name and zone, and create the team (not undoable: nothing to undo it with)."""
        team = TeamDialog.ask(self, self.zone)
        if team is None:
            return
        try:
            with self.ctx.sessions.begin() as s:
                created = commands.add_team(s, team)
        except ValueError as exc:
            self._show_error(str(exc))
            return
        except Exception as exc:  # a lost or read-only team server: said, never a traceback
            from oncall.ui.connection import save_refusal

            refusal = save_refusal(exc)
            if refusal is None:
                raise
            self._show_error(refusal)
            return
        self._show_error("")
        self.team_id = created.id
        self._after_edit()

    # -- engineers ------------------------------------------------------------------------------

    def add_engineer(self) -> EngineerForm:
        """Open the engineer form for a new person (non-blocking); saving adds them to the team."""
        team_zone = self.plan.team.zone if self.plan else "UTC"
        return self._open_form(EngineerForm(None, self, default_zone=team_zone, clock=self.now))

    def edit_engineer(self) -> EngineerForm | None:
        """Open the form on the selected engineer."""
        engineer = _selected(self.engineer_table)
        if engineer is None:
            return None
        return self._open_form(EngineerForm(engineer, self, clock=self.now))

    def export_calendar(self) -> QWidget | None:
        """Open the calendar export for the selected engineer (their shifts in every team)."""
        from oncall.ui.calendar_dialogs import ExportDialog

        engineer = _selected(self.engineer_table)
        if engineer is None:
            return None
        dialog = ExportDialog(self.ctx, self, engineer_id=engineer.id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _open_form(self, form: EngineerForm) -> EngineerForm:
        if self.engineer_form is not None:
            self.engineer_form.close()
        self.engineer_form = form
        form.submitted.connect(self._save_engineer)
        form.finished.connect(lambda _r: form.deleteLater())
        form.open()
        return form

    def _save_engineer(self, engineer: Engineer) -> None:
        form = self.sender()
        assert isinstance(form, EngineerForm)
        team_id = self.team_id
        if form.original is None:
            error = self._add_engineer(engineer, team_id)
        else:
            do, undo = versioned_flip(self._save_engineer_row, form.original, engineer)
            error = self.run_edit(
                f"Edit {engineer.name}",
                do,
                undo,
                on_conflict=lambda c: self.resolve_conflict(
                    c, form, lambda outcome: self._form_after_conflict(form, outcome)
                ),
            )
        if error and self.last_conflict is not None:
            form.show_save_error(
                "Someone else saved this person meanwhile; nothing was overwritten."
            )
        elif error:
            form.show_save_error(error)
        else:
            form.accept()
            self.engineer_form = None

    def _form_after_conflict(self, form: EngineerForm, outcome: str) -> None:
        # Saved or discarded: the form's work is done. Cancelled: it stays with what was typed.
        if outcome in ("saved", "discarded"):
            form.accept()
            if self.engineer_form is form:
                self.engineer_form = None

    def _add_engineer(self, engineer: Engineer, team_id: int | None) -> str | None:
        assert team_id is not None
        created: dict[str, Engineer] = {}

        def do() -> None:
            if "e" not in created:
                created["e"] = self._edit(lambda s: commands.add_engineer(s, engineer, (team_id,)))
                return
            e = created["e"]

            def back(s: Any) -> None:  # redo: the same person (same id) again
                created["e"] = commands.update_engineer(s, replace(e, active=True))
                ids = {m.id for m in queries.team_engineers(s, team_id)}
                commands.set_team_members(s, team_id, tuple(ids | {e.id}))

            self._edit(back)

        def undo() -> None:
            e = created["e"]

            def away(s: Any) -> None:  # no delete: leave the team and go inactive
                ids = {m.id for m in queries.team_engineers(s, team_id)}
                commands.set_team_members(s, team_id, tuple(ids - {e.id}))
                created["e"] = commands.update_engineer(s, replace(e, active=False))

            self._edit(away)

        return self.run_edit(f"Add {engineer.name}", do, undo)

    def toggle_active(self) -> None:
        """Deactivate the selected engineer (or reactivate an inactive one)."""
        engineer = _selected(self.engineer_table)
        if engineer is None:
            return
        flipped = replace(engineer, active=not engineer.active)
        verb = "Reactivate" if flipped.active else "Deactivate"
        do, undo = versioned_flip(self._save_engineer_row, engineer, flipped)
        error = self.run_edit(f"{verb} {engineer.name}", do, undo)
        self._show_error(error or "")
        on_rosters = [
            r.name
            for r in (self.plan.rotations if self.plan else ())
            if engineer.id in members_of([r])
        ]
        if not error and not flipped.active and on_rosters:
            self.status.setText(
                f"{engineer.name} is still on the {', '.join(on_rosters)} roster; edit the "
                "rotation to hand their shifts to someone else."
            )
        else:
            self.status.setText("")

    # -- rotations ------------------------------------------------------------------------------

    def _current_rotation_id(self) -> int | None:
        rotation = _selected(self.rotation_table)
        return rotation.id if rotation is not None else None

    def _select_rotation(self, rotation_id: int | None) -> None:
        proxy = self.rotation_proxy
        for row in range(proxy.rowCount()):
            if rotation_id is None or proxy.index(row, 0).data(ROW_ROLE).id == rotation_id:
                self.rotation_table.setCurrentIndex(proxy.index(row, 0))
                return

    def _on_rotation_picked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rotation = current.data(ROW_ROLE) if current.isValid() else None
        self._update_buttons()
        if rotation is None or self.plan is None:
            return
        if self.editor.rotation is not None and self.editor.rotation.id == rotation.id:
            # Same rotation after a refresh: keep what is typed, take the new plan.
            self.editor.plan = self.plan
            self.editor.rotation = rotation
            return
        self.editor.load(self.plan, rotation, now=self.now(), viewer_zone=self.zone)
        self.editor_pages.setCurrentIndex(1)

    def new_rotation(self) -> None:
        """Start a new rotation in the editor."""
        if self.plan is None:
            return
        self.rotation_table.clearSelection()
        self.rotation_table.setCurrentIndex(QModelIndex())
        self.tabs.setCurrentIndex(1)
        self.editor.load(self.plan, None, now=self.now(), viewer_zone=self.zone)
        self.editor_pages.setCurrentIndex(1)
        self.editor.name.setFocus()

    def _reload_editor(self) -> None:
        if self.plan is None:
            return
        rotation = self.editor.rotation
        fresh = next((r for r in self.plan.rotations if rotation and r.id == rotation.id), None)
        self.editor.load(self.plan, fresh, now=self.now(), viewer_zone=self.zone)

    def save_rotation(self, draft: RotationDraft) -> bool:
        """Show the per-person diff of the coming weeks; on confirm, save as an undoable edit."""
        if self.plan is None or self.team_id is None:
            return False
        now = self.now()
        draft = replace(draft, version=replace(draft.version, effective_from=now))
        after, _ = plan_with_draft(self.plan, draft)
        diffs = compute_diffs(self.plan, after, now)
        engineers = {e.id: e for e in (*self.plan.engineers, *self.members)}
        concerns = change_concerns(self.ctx, self.plan, after, now, now + PREVIEW_SPAN)
        from oncall.domain.diff import orphaned_by_edit  # swaps the edit leaves without a shift

        orphaned = orphaned_by_edit(self.plan, after, now)
        reason = ChangePreviewDialog.ask_with_reason(
            self, diffs, engineers, concerns=concerns, orphaned=orphaned, zone=self.zone
        )
        if reason is None:
            return False
        draft = replace(draft, version=replace(draft.version, reason=reason))
        error = (
            self._add_rotation(draft)
            if draft.rotation_id is None
            else self._edit_rotation(draft, now)
        )
        if error and self.last_conflict is not None:
            # The dialog is open; the editor keeps every value typed, with a calm note.
            self.editor.show_errors(
                {"": "Someone else saved this rotation meanwhile; nothing was overwritten."}
            )
            return False
        if error:
            self.editor.show_save_error(error)
            return False
        return True

    def _add_rotation(self, draft: RotationDraft) -> str | None:
        team_id = self.team_id
        assert team_id is not None
        created: dict[str, Rotation] = {}

        def do() -> None:
            if "r" not in created:
                created["r"] = self._edit(
                    lambda s: commands.add_rotation(s, team_id, draft.name, draft.version)
                )
            else:
                self._edit(lambda s: commands.end_rotation(s, created["r"].id, None))

        def then() -> None:  # show the saved rotation (or, after undo, the first one left)
            rotation = self._plan_rotation(created["r"].id)
            if rotation is not None and not self._never_in_force(rotation):
                self._select_rotation(rotation.id)
                self._reload_editor_for(rotation.id)
            elif self.rotation_model.rowCount():
                self._select_rotation(None)
                self._reload_editor_for(self.rotation_model.rows()[0].id)
            else:
                self.editor_pages.setCurrentIndex(0)

        def undo() -> None:
            # No delete: ending it where it began means it never produced a shift.
            r = created["r"]
            self._edit(lambda s: commands.end_rotation(s, r.id, r.versions[0].effective_from))

        return self.run_edit(f"Add rotation {draft.name}", do, undo, then)

    def _edit_rotation(
        self,
        draft: RotationDraft,
        now: datetime,
        *,
        expected: int | None = None,
        base: Rotation | RotationEdit | None = None,
        on_conflict: Callable[[EditConflict], object] | None = None,
    ) -> str | None:
        """Save the draft as a new version, expecting the rotation's version the editor loaded
        (``draft.base``) or, after a conflict, ``expected`` on top of ``base`` (theirs)."""
        assert draft.rotation_id is not None
        rotation_id = draft.rotation_id
        number: dict[str, int] = {}
        version = replace(draft.version, effective_from=now)
        if expected is None:
            expected, base = (draft.base.row_version, draft.base) if draft.base else (0, None)
        state: dict[str, Any] = {"v": expected, "base": base}

        def do() -> None:
            saved = self._edit(
                lambda s: commands.edit_rotation(
                    s, rotation_id, version, draft.name, expected=state["v"], base=state["base"]
                )
            )
            number["v"], state["v"] = saved.current.version, saved.row_version

        def undo() -> None:
            back = self._edit(
                lambda s: commands.undo_rotation_version(
                    s, rotation_id, number["v"], expected=state["v"]
                )
            )
            state["v"], state["base"] = back.row_version, back

        return self.run_edit(
            f"Edit rotation {draft.name}",
            do,
            undo,
            lambda: self._reload_editor_for(rotation_id),
            on_conflict,
        )

    def _plan_rotation(self, rotation_id: int) -> Rotation | None:
        if self.plan is None:
            return None
        return next((r for r in self.plan.rotations if r.id == rotation_id), None)

    def _reload_editor_for(self, rotation_id: int) -> None:
        rotation = self._plan_rotation(rotation_id)
        if self.plan is not None and rotation is not None:
            self.editor.load(self.plan, rotation, now=self.now(), viewer_zone=self.zone)

    def toggle_rotation_end(self) -> None:
        """End the selected rotation now (its past stays), or restart an ended one."""
        rotation = _selected(self.rotation_table)
        if rotation is None:
            return
        old_end = rotation.ends_at
        new_end = None if old_end is not None else self.now()
        verb = "Restart" if new_end is None else "End"
        state = {"v": rotation.row_version}

        def end(at: datetime | None) -> None:
            saved = self._edit(
                lambda s: commands.end_rotation(s, rotation.id, at, expected=state["v"])
            )
            state["v"] = saved.row_version

        error = self.run_edit(
            f"{verb} rotation {rotation.name}", lambda: end(new_end), lambda: end(old_end)
        )
        self._show_error(error or "")

    # -- overrides ------------------------------------------------------------------------------

    def add_override(self) -> None:
        """Ask for an override, show what it changes per person, then save it."""
        if self.plan is None or self.team_id is None:
            return
        now = self.now()
        from oncall.ui.override_dialog import OverrideDialog  # the schedule screen's dialog

        people = [e for e in self.members if e.active] or list(self.plan.engineers)
        draft = OverrideDialog.ask(self, people, now, now + timedelta(days=1), self.zone)
        if draft is None:
            return
        self._save_override(draft)

    def _save_override(self, draft: OverrideDraft) -> None:
        """Preview an override draft per person, then save it undoably."""
        if self.plan is None or self.team_id is None:
            return
        now = self.now()
        override = Override(
            0, self.team_id, draft.engineer_id, draft.start, draft.end, now, draft.role, draft.note
        )
        after = replace(self.plan, overrides=(*self.plan.overrides, replace(override, id=-1)))
        # From now, or from a week before an override further out than the preview reaches.
        start = max(min(now, override.start), override.start - timedelta(weeks=1))
        diffs = compute_diffs(self.plan, after, start)
        engineers = {e.id: e for e in (*self.plan.engineers, *self.members)}
        concerns = change_concerns(self.ctx, self.plan, after, override.start, override.end)
        reason = ChangePreviewDialog.ask_with_reason(self, diffs, engineers, concerns=concerns)
        if reason is None:
            return
        override = replace(override, reason=reason)
        created: dict[str, Any] = {}

        def do() -> None:
            created["o"] = self._edit(lambda s: commands.add_override(s, override))

        def undo() -> None:
            self._edit(lambda s: commands.delete_override(s, created["o"].id))

        name = engineers[override.engineer_id].name if override.engineer_id in engineers else ""
        self._show_error(self.run_edit(f"Override for {name}", do, undo) or "")

    def remove_override(self) -> None:
        """Remove the selected override (undo puts it back)."""
        override = _selected(self.override_table)
        if override is None:
            return
        current: dict[str, Any] = {"o": override}

        def do() -> None:  # expecting the version shown, so a changed override is not lost
            o = current["o"]
            self._edit(lambda s: commands.delete_override(s, o.id, expected=o.row_version))

        def undo() -> None:
            current["o"] = self._edit(lambda s: commands.add_override(s, current["o"]))

        self._show_error(self.run_edit("Remove override", do, undo) or "")

    # -- leave ----------------------------------------------------------------------------------

    def find_cover(self) -> None:
        """Cover the selected leave conflict (or the first): suggest who is free, then save an
        override for the chosen person after the per-person preview."""
        if self.plan is None or self.team_id is None or not self.conflicts:
            return
        from oncall.ui.override_dialog import OverrideDialog
        from oncall.ui.schedule_view import cover_for  # one way of choosing cover everywhere

        conflict = _selected(self.conflict_table) or min(
            self.conflicts, key=lambda c: c.shift.start
        )
        start, end, candidates = cover_for(self.ctx, self.plan, conflict)
        people = [e for e in self.members if e.active] or list(self.plan.engineers)
        draft = OverrideDialog.ask(
            self, people, start, end, self.zone, conflict.shift.role, suggested=candidates
        )
        if draft is not None:
            self._save_override(draft)

    def add_leave(self) -> None:
        """Ask for leave and record it; shifts it meets then show as conflicts."""
        if self.plan is None:
            return
        people = [e for e in self.members if e.active]
        today = self.now().astimezone(ZoneInfo(self.zone)).date()
        leave = LeaveDialog.ask(self, people, today)
        if leave is None:
            return
        created: dict[str, Any] = {}

        def do() -> None:
            created["l"] = self._edit(lambda s: commands.add_leave(s, leave))

        def undo() -> None:
            self._edit(lambda s: commands.delete_leave(s, created["l"].id))

        self._show_error(self.run_edit(f"Add {leave.kind} leave", do, undo) or "")
        self.tabs.setCurrentIndex(3)

    def remove_leave(self) -> None:
        """Remove the selected leave (undo puts it back)."""
        leave = _selected(self.leave_table)
        if leave is None:
            return
        current: dict[str, Any] = {"l": leave}

        def do() -> None:  # expecting the version shown, so changed leave is not lost
            lv = current["l"]
            self._edit(lambda s: commands.delete_leave(s, lv.id, expected=lv.row_version))

        def undo() -> None:
            current["l"] = self._edit(lambda s: commands.add_leave(s, current["l"]))

        self._show_error(self.run_edit("Remove leave", do, undo) or "")

""" "Plan fairly…": the fair generator for one rotation, from the Team screen's Rotations tab.

The user picks a range (the next 8 weeks by default) and presses Plan; the planner runs on the
one Worker (a progress bar shows its steps: reading history, assessing risk, planning). The
dialog then shows the fairness score before → after, each person's burden before and after
(words and ▲/▼, never colour alone) and, plainly, any shift nobody can take. Apply goes
through the per-person change preview with the planning guard's concerns, like every other
edit (a share above 25% or too many days in a row, counted over all of a person's teams;
High, rest, leave): with concerns, Apply stays off until a reason is written, and the reason
is kept with each swap. It saves one swap per changed shift (note "fair plan") in one
transaction, as ONE undo step; undo deletes those swaps.

The dialog is shown with ``show()`` (never a nested ``exec``), so tests drive it directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.domain.guard import Concern
from oncall.domain.model import Rotation, Swap, TeamPlan
from oncall.domain.planner import Fairness, Proposal
from oncall.jobs import Progress
from oncall.ui.undo import push_edit

DEFAULT_WEEKS = 8
_STEPS = 3


def fairness_text(f: Fairness) -> str:
    """ "balance 0.88 (1 = even), most/least burdened 1.34×"."""
    ratio = (
        "someone carries nothing yet"
        if math.isinf(f.ratio)
        else f"most/least burdened {f.ratio:.2f}×"
    )
    return f"balance {f.balance:.2f} (1 = even), {ratio}"


def change_words(before: float, after: float) -> str:
    """ "▲ 120 more", "▼ 86 less" or "= same" (a shape and a word, not colour)."""
    delta = after - before
    if abs(delta) < 0.5:
        return "= same"
    return f"▲ {delta:.0f} more" if delta > 0 else f"▼ {-delta:.0f} less"


def plan_job(
    ctx: AppContext, team_id: int, rotation_id: int, start: datetime, end: datetime, now: datetime,
    holder: dict[str, Any],
) -> Callable[[], Iterator[Progress]]:  # fmt: skip
    """A Worker job: the proposal (and the plan it was made from) lands in ``holder``."""

    def job() -> Iterator[Progress]:
        from oncall.db import queries
        from oncall.exchange.planning import propose

        yield Progress(0, _STEPS, "Reading the last 90 days…")
        with ctx.sessions.begin() as s:
            holder["plan"] = queries.load_plan(s, team_id)
            yield Progress(1, _STEPS, "Assessing risk and planning…")
            holder["proposal"] = propose(s, team_id, rotation_id, start, end, now,
                                         risk=ctx.settings.risk,
                                         load=ctx.settings.load_metrics())  # fmt: skip
        yield Progress(_STEPS, _STEPS, "Done")

    return job


class PlanDialog(QDialog):
    """Plan one rotation fairly; Apply saves the changes as one undoable step.

    Signals:
        planned(): a proposal is shown (or planning failed: see ``message``).
        applied(): the swaps were saved.
    """

    planned = Signal()
    applied = Signal()

    def __init__(
        self,
        ctx: AppContext,
        undo: QUndoStack,
        team_id: int,
        rotation: Rotation,
        parent: QWidget | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.undo, self.team_id, self.rotation = ctx, undo, team_id, rotation
        self.after = after
        self.setWindowTitle(f"Plan {rotation.name} fairly")
        self.proposal: Proposal | None = None
        self.plan: TeamPlan | None = None
        self.worker: Any = None
        self.swaps: list[Swap] = []
        self.concerns: list[Concern] = []  # the guard's, at the last Apply
        self.zone = rotation.current.zone
        today = ctx.clock().astimezone(ZoneInfo(self.zone)).date()

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Proposes who takes each coming shift so the load over the last 90 days and this "
            "range evens out (nights, weekends and holidays weigh more; pages count). Nobody "
            "on leave, at High risk or short of 11 h rest is given a shift. Nothing is saved "
            "until you apply it, and shifts already started never change. Apply first shows "
            "what changes for each person and anything the planning guard would check (such "
            "as more than 25% of the coming month on call); going ahead then needs a reason."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.from_edit = QDateEdit(QDate(today.year, today.month, today.day))
        last = today + timedelta(weeks=DEFAULT_WEEKS)
        self.to_edit = QDateEdit(QDate(last.year, last.month, last.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        form.addRow("&From", self.from_edit)
        form.addRow("&To (inclusive)", self.to_edit)
        layout.addLayout(form)
        self.plan_button = QPushButton("&Plan")
        self.plan_button.clicked.connect(self.run_plan)
        layout.addWidget(self.plan_button)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress_label = QLabel("")
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        self.score = QLabel("")  # three short lines: no word wrap, so all three get room
        self.score.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.score)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Person", "Burden before", "After", "Change"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Burden per person, before and after")
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        self.unmet = QLabel("")
        self.unmet.setWordWrap(True)
        self.unmet.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.unmet)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.addButton(
            "&Apply…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(620, 520)

    # -- planning ----------------------------------------------------------------------------

    def chosen_range(self) -> tuple[datetime, datetime]:
        """The chosen range as instants in the rotation's zone (last day inclusive)."""
        tz = ZoneInfo(self.zone)
        first: date = self.from_edit.date().toPython()  # type: ignore[assignment]
        last: date = self.to_edit.date().toPython()  # type: ignore[assignment]
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        return start, end

    def run_plan(self) -> None:
        """Run the planner on the Worker; the result is shown when it finishes."""
        from oncall.ui.workers import Worker

        if self.worker is not None:
            return
        start, end = self.chosen_range()
        if end <= start:
            self.message.setText("The last day must not come before the first.")
            self.planned.emit()
            return
        holder: dict[str, Any] = {}
        worker = Worker(plan_job(self.ctx, self.team_id, self.rotation.id, start, end,
                                 self.ctx.clock(), holder))  # fmt: skip
        self.worker = worker
        self.plan_button.setEnabled(False)
        self.apply_button.setEnabled(False)
        self.message.setText("")
        self.progress.setRange(0, _STEPS)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.failed.connect(lambda m: self.message.setText(f"Planning failed: {m}"))
        worker.signals.finished.connect(lambda: self._finished(worker, holder))
        worker.start()

    def _on_progress(self, value: object) -> None:
        if isinstance(value, Progress):
            self.progress.setValue(value.done)
            self.progress_label.setText(value.message)

    def _finished(self, worker: object, holder: dict[str, Any]) -> None:
        if self.worker is worker:
            self.worker = None
        self.plan_button.setEnabled(True)
        self.progress.setVisible(False)
        self.progress_label.setText("")
        proposal = holder.get("proposal")
        if proposal is not None:
            self.show_proposal(proposal, holder["plan"])
        self.planned.emit()

    def show_proposal(self, proposal: Proposal, plan: TeamPlan) -> None:
        """Show the score, the table of burdens and the unmet constraints."""
        self.proposal, self.plan = proposal, plan
        changes = len(proposal.changes)
        self.score.setText(
            f"Fairness before: {fairness_text(proposal.before)}\n"
            f"Fairness after: {fairness_text(proposal.after)}\n"
            f"{len(proposal.assignments)} coming shifts planned; {changes} would change hands."
        )
        self.table.setRowCount(len(proposal.people))
        for row, person in enumerate(proposal.people):
            cells = (
                person.name,
                f"{person.before.score:.0f}",
                f"{person.after.score:.0f}",
                change_words(person.before.score, person.after.score),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        if proposal.unmet:
            self.unmet.setText(
                "Could not be met (these shifts keep their holder):\n"
                + "\n".join(f"• {u.text}" for u in proposal.unmet)
            )
        else:
            self.unmet.setText(
                "Every hard rule is met on this rotation: leave, rest, High risk, days in a "
                "row. Apply checks the whole schedule, other rotations and teams included."
            )
        self.apply_button.setEnabled(changes > 0)
        self.layout().activate()  # the score's three lines get their room at once
        if not changes:
            self.message.setText("Nothing to change: the current roster is already the fairest.")

    # -- applying ----------------------------------------------------------------------------

    def _plan_after(self) -> TeamPlan:
        assert self.plan is not None
        assert self.proposal is not None
        now = self.ctx.clock()
        extra = tuple(
            Swap(-(i + 1), self.rotation.id, a.shift.start, a.engineer_id, now, "fair plan")
            for i, a in enumerate(self.proposal.changes)
        )
        return replace(self.plan, swaps=(*self.plan.swaps, *extra))

    def apply(self) -> bool:
        """Show the per-person change preview with the guard's concerns; on confirmation
        (with a reason when there are concerns) save the swaps as one undo step. Returns
        whether they were saved."""
        from oncall.ui.change_preview import ChangePreviewDialog, compute_diffs
        from oncall.ui.guard_check import change_concerns

        if self.proposal is None or self.plan is None or not self.proposal.changes:
            return False
        proposal = self.proposal
        weeks = max(1, math.ceil((proposal.end - proposal.start) / timedelta(weeks=1)))
        start = max(proposal.start, self.ctx.clock())
        after = self._plan_after()
        diffs = compute_diffs(self.plan, after, start, weeks)
        engineers = {e.id: e for e in self.plan.engineers}
        self.concerns = change_concerns(self.ctx, self.plan, after, start, proposal.end)
        reason = ChangePreviewDialog.ask_with_reason(
            self, diffs, engineers, weeks=weeks, concerns=self.concerns,
            title=f"Apply the fair plan for {self.rotation.name}?", confirm_text="&Apply",
        )  # fmt: skip
        if reason is None:
            return False
        # The undo step keeps its own state: it outlives this dialog.
        ctx, team_id, now = self.ctx, self.team_id, self.ctx.clock()
        made: list[Swap] = []

        def do() -> None:
            from oncall.exchange.planning import add_plan_swaps

            made[:] = ctx.edit(team_id, lambda s: add_plan_swaps(s, proposal, now, reason))

        def undo() -> None:
            from oncall.exchange.planning import delete_swaps

            gone = list(made)
            ctx.edit(team_id, lambda s: delete_swaps(s, gone))
            made.clear()

        error = push_edit(self.undo, f"Fair plan for {self.rotation.name}", do, undo, self.after)
        if error:
            self.message.setText(f"Not saved: {error}")
            return False
        self.swaps = list(made)
        self.message.setText(f"Saved {len(made)} swaps (undo with Ctrl+Z).")
        self.apply_button.setEnabled(False)
        self.applied.emit()
        return True

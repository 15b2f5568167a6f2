"""Recovery after a heavy night: "Arrange recovery…" on Wellbeing and Now (issue 5 item 4).

``arrange_recovery(parent, ctx, undo, team_id, engineer_id)`` offers a late start or a 46 h
recovery block (:mod:`oncall.domain.recovery`) with the suggested cover (changeable, with its
reason), shows the change preview with the planning guard's concerns, and saves the RECOVERY
leave and the overrides of the person's on-call time in it as ONE undo step.
``needs_recovery(assessment)`` says when to offer it; ``recovery_button`` makes the button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from oncall.domain.cover import CoverCandidate
from oncall.domain.intervals import Span
from oncall.domain.model import Engineer, Leave, Override, Role, TeamPlan
from oncall.domain.recovery import (
    RecoveryKind,
    RecoveryOption,
    best_cover,
    cover_needed,
    recovery_options,
)
from oncall.ui.models import fmt_span
from oncall.ui.when import role_word
from oncall.ui.widgets import MutedLabel

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from oncall.app import AppContext
    from oncall.domain.risk import Assessment

log = logging.getLogger(__name__)

#: On-call time around the recovery that ranks the cover (suggest_cover's reach).
AROUND = timedelta(days=28)


def needs_recovery(assessment: Assessment | None) -> bool:
    """Offer recovery: Elevated or High with a sleep reason (N1-N4), or the rest advice (A1)."""
    if assessment is None:
        return False
    sleep = any(r.family == "sleep" for r in assessment.reasons)
    rest = any(a.raised for a in assessment.advisories)
    return (str(assessment.level) != "low" and sleep) or rest


def recovery_button(parent: QWidget, on_click: Callable[[], object]) -> QPushButton:
    """The "Arrange recovery…" button."""
    button = QPushButton("Arrange &recovery…", parent)
    button.setToolTip("A late start or a recovery block, with someone rested to cover")
    button.clicked.connect(lambda _=False: on_click())
    return button


@dataclass(frozen=True)
class RecoveryChoice:
    """An option with what must be covered and who could, best first."""

    option: RecoveryOption
    cover: tuple[tuple[Role, Span], ...]
    candidates: tuple[CoverCandidate, ...]


@dataclass(frozen=True)
class RecoveryPicked:
    """What the dialog returns: the option and the cover chosen (None: nobody free)."""

    choice: RecoveryChoice
    cover: Engineer | None


class RecoveryDialog(QDialog):
    """Choose a late start or a recovery block and who covers; the cover's reason is shown."""

    def __init__(
        self,
        person: Engineer,
        choices: Sequence[RecoveryChoice],
        zone: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Arrange recovery for {person.name}")
        self.person, self.choices, self.zone = person, list(choices), zone
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{person.name} had a heavy night. Give them time to recover, and hand their "
            f"on-call time in it to someone rested. Times are {_first(person)}'s ({zone}):"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.option_buttons: list[QRadioButton] = []
        for i, choice in enumerate(self.choices):
            o = choice.option
            title = "A late start" if o.kind is RecoveryKind.LATE_START else "A recovery block"
            text = f"{title}: off from {fmt_span(o.start, o.end, zone)}"
            button = QRadioButton(text, self)
            button.setToolTip(o.why)
            self.group.addButton(button, i)
            self.option_buttons.append(button)
            layout.addWidget(button)
        form = QFormLayout()
        self.cover_box = QComboBox(self)
        self.cover_box.setAccessibleName("Who covers")
        form.addRow("&Who covers:", self.cover_box)
        self.cover_text = MutedLabel("", self)  # secondary, still readable
        form.addRow("", self.cover_text)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton("&Preview…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.group.idClicked.connect(self._on_option)
        self.cover_box.currentIndexChanged.connect(self._on_cover)
        if self.option_buttons:
            self.option_buttons[0].setChecked(True)
            self._on_option(0)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)

    def current(self) -> RecoveryChoice:
        """The option chosen."""
        return self.choices[max(0, self.group.checkedId())]

    def _on_option(self, index: int) -> None:
        choice = self.choices[index]
        self.cover_box.blockSignals(True)
        self.cover_box.clear()
        for c in choice.candidates:
            self.cover_box.addItem(c.engineer.name, c.engineer.id)
        self.cover_box.blockSignals(False)
        self.cover_box.setEnabled(bool(choice.candidates))
        self._on_cover(0)

    def _on_cover(self, index: int) -> None:
        choice = self.current()
        if not choice.cover:
            self.cover_text.setText(
                f"{self.person.name} is not on call then: only the time off is added."
            )
            return
        when = "; ".join(
            f"{role_word(role)} {fmt_span(a, b, self.zone)}" for role, (a, b) in choice.cover
        )
        if not choice.candidates:
            self.cover_text.setText(f"To cover: {when}. Nobody is free then; it stays a gap.")
            return
        found = choice.candidates[max(0, index)]
        best = " (suggested)" if index <= 0 else ""
        self.cover_text.setText(f"To cover: {when}.\n{found.engineer.name}{best}: {found.reason}")

    def picked(self) -> RecoveryPicked:
        """The option and cover chosen."""
        choice = self.current()
        index = self.cover_box.currentIndex()
        cover = choice.candidates[index].engineer if choice.candidates and index >= 0 else None
        return RecoveryPicked(choice, cover if choice.cover else None)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        person: Engineer,
        choices: Sequence[RecoveryChoice],
        zone: str,
    ) -> RecoveryPicked | None:
        """Ask (modal); None when cancelled."""
        dialog = cls(person, choices, zone, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.picked()


def recovery_choices(
    ctx: AppContext, plan: TeamPlan, engineer_id: int
) -> tuple[list[RecoveryChoice], dict[int, list[Span]]]:
    """The options for one person now, each with the time to cover and the best cover."""
    from oncall.db import pages as page_store
    from oncall.db import queries
    from oncall.domain.guard import night_work
    from oncall.domain.ledger import final_schedule
    from oncall.ui.risk_badge import risk_settings, team_risk

    now = ctx.clock()
    settings = ctx.settings.load_metrics()
    with ctx.sessions() as s:
        pages = page_store.list_pages(
            s, engineer_ids=[e.id for e in plan.engineers], start=now - timedelta(days=2), end=now
        )
    worked = night_work(pages, plan.engineers, settings)
    mine = [b for a, b in worked.get(engineer_id, []) if a < now]
    options = recovery_options(
        now, max(mine) if mine else None, daily_rest_h=risk_settings(ctx).daily_rest_h
    )
    lo, hi = now - AROUND, max(o.end for o in options) + AROUND
    with ctx.sessions() as s:
        ledger = queries.ledger(s, plan.team.id, lo, hi)
    shifts = final_schedule(plan, ledger, lo, hi, now).shifts
    assessments = team_risk(ctx, plan.team.id, now)
    choices = []
    for option in options:
        cover = cover_needed(shifts, engineer_id, option.start, option.end)
        candidates: list[CoverCandidate] = []
        if cover:
            a, b = cover[0][1][0], max(span[1] for _, span in cover)
            candidates = best_cover(
                plan, shifts, engineer_id, a, b, cover[0][0], assessments, worked, now
            )
        choices.append(RecoveryChoice(option, tuple(cover), tuple(candidates)))
    return choices, worked


def recovery_change(
    plan: TeamPlan, engineer_id: int, picked: RecoveryPicked, now: datetime
) -> tuple[Leave, list[Override]]:
    """The leave and the overrides a choice makes (ids 0: not stored yet)."""
    leave = picked.choice.option.leave(engineer_id)
    overrides = []
    if picked.cover is not None:
        note = f"Recovery cover for {_name(plan.engineers, engineer_id)}"
        overrides = [
            Override(0, plan.team.id, picked.cover.id, a, b, now, role, note)
            for role, (a, b) in picked.choice.cover
        ]
    return leave, overrides


def _first(person: Engineer) -> str:
    return person.name.split()[0] if person.name else "their"


def _name(engineers: Sequence[Engineer], engineer_id: int) -> str:
    found = next((e for e in engineers if e.id == engineer_id), None)
    return found.name if found is not None else f"engineer {engineer_id}"


def arrange_recovery(
    parent: QWidget | None,
    ctx: AppContext,
    undo: QUndoStack,
    team_id: int,
    engineer_id: int,
    after: Callable[[], None] | None = None,
) -> bool:
    """Offer recovery for one person, preview it and save leave + cover as one undo step.
    False when cancelled or refused (the reason goes to the log)."""
    from oncall.db import commands, queries
    from oncall.ui.guard_check import preview_change
    from oncall.ui.undo import push_edit

    with ctx.sessions() as s:
        plan = queries.load_plan(s, team_id)
    person = plan.engineer(engineer_id)
    if person is None:
        return False
    now = ctx.clock()
    choices, _ = recovery_choices(ctx, plan, engineer_id)
    picked = RecoveryDialog.ask(parent, person, choices, person.zone or plan.team.zone)
    if picked is None:
        return False
    leave, overrides = recovery_change(plan, engineer_id, picked, now)
    extra = () if picked.cover is None or plan.engineer(picked.cover.id) else (picked.cover,)
    trial = replace(
        plan,
        leave=(*plan.leave, replace(leave, id=-1)),
        overrides=(*plan.overrides, *(replace(o, id=-1 - i) for i, o in enumerate(overrides))),
        engineers=(*plan.engineers, *extra),
    )
    reason = preview_change(
        parent,
        ctx,
        plan,
        trial,
        leave.start,
        leave.end,
        title=f"Check the recovery for {person.name}",
        confirm_text="&Arrange",
    )
    if reason is None:
        return False
    overrides = [replace(o, reason=reason) for o in overrides]
    saved: dict[str, Any] = {}

    def write(s: Any) -> None:
        saved["leave"] = commands.add_leave(s, leave)
        saved["overrides"] = [commands.add_override(s, o) for o in overrides]

    def unwrite(s: Any) -> None:
        for o in saved["overrides"]:
            commands.delete_override(s, o.id)
        commands.delete_leave(s, saved["leave"].id)

    def do() -> None:
        ctx.edit(team_id, write)

    def undo_it() -> None:
        ctx.edit(team_id, unwrite)

    first = person.name.split()[0] if person.name else "someone"
    if error := push_edit(undo, f"Arrange recovery for {first}", do, undo_it, after):
        log.warning("recovery for %s was not saved: %s", engineer_id, error)
        return False
    return True


def recovery_for_now(parent: QWidget, ctx: AppContext, team_id: int, engineer_id: int) -> bool:
    """From Now (a screen without its own undo stack): the window's ``undo_stack``."""
    undo = getattr(parent.window(), "undo_stack", None)
    if undo is None:
        from PySide6.QtGui import QUndoStack

        undo = QUndoStack(parent)  # no window (a test): still one step on its own stack
    changed = getattr(parent, "changed", None)  # a screen's signal: the others refresh
    after = changed.emit if changed is not None else None
    return arrange_recovery(parent, ctx, undo, team_id, engineer_id, after)


def offered(assessments: Mapping[int, Assessment], engineer_id: int) -> bool:
    """Whether to offer recovery to this person (see :func:`needs_recovery`)."""
    return needs_recovery(assessments.get(engineer_id))

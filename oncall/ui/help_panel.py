"""Call for help: who to wake now, with their numbers to copy, beside the runner's step.

Read from the team's ledger at the moment the panel opens (the secondary on call now first,
then the primary when it is someone else, then the team lead, then the rest of the team). A
press on "I'm calling them" records a help-call event at once. The app never dials or messages
anyone itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.domain.model import Engineer, Role, Team
from oncall.ui.runner import IncidentRun, button, copy_text, label, step_font
from oncall.ui.when import city
from oncall.ui.widgets import scaled_font
from oncall.ui.zones import viewer_zone

_ORDER = {Role.SECONDARY: 0, Role.PRIMARY: 1, Role.SHADOW: 2}


@dataclass(frozen=True)
class Helper:
    """Someone to call: the engineer and why them ("secondary on call now")."""

    engineer: Engineer
    why: str
    role: str


def helpers_at(
    ctx: AppContext, at: datetime, team_id: int | None, me: int | None
) -> tuple[list[Helper], Team | None]:
    """Who to call at ``at``: on call in the incident's team (secondary first; the person
    running the incident left out), then the team lead, then the team's other members. And
    the team."""
    with ctx.reader() as reader:
        teams = reader.teams()
        engineers = {e.id: e for e in reader.engineers()}
        shifts = reader.ledger(team_id, at, at + timedelta(seconds=1))
    team = next((t for t in teams if t.id == team_id), None)
    if team is None and shifts:
        team = next((t for t in teams if t.id == shifts[0].team_id), None)
    found: list[Helper] = []
    seen: set[int] = set() if me is None else {me}
    for shift in sorted((s for s in shifts if s.start <= at < s.end), key=lambda s: _ORDER[s.role]):
        person = engineers.get(shift.engineer_id)
        if person is None or person.id in seen:
            continue
        seen.add(person.id)
        found.append(
            Helper(person, f"{shift.role.value.capitalize()} on call now", shift.role.value)
        )
    if team is not None and team.lead_engineer_id is not None:
        _add_lead(found, seen, engineers.get(team.lead_engineer_id), team)
    if team is not None:
        members = _members(ctx, team.id)
        for person in members:
            if person.id not in seen and person.active:
                seen.add(person.id)
                found.append(Helper(person, f"In {team.name}", "teammate"))
    return found, team


def _add_lead(found: list[Helper], seen: set[int], lead: Engineer | None, team: Team) -> None:
    """The lead after whoever is on call; a lead who is on call keeps their place and is
    named as lead too (the one running the incident is not listed at all)."""
    if lead is None:
        return
    if lead.id not in seen:
        seen.add(lead.id)
        found.append(Helper(lead, f"Team lead of {team.name}", "team lead"))
        return
    for i, helper in enumerate(found):
        if helper.engineer.id == lead.id:
            found[i] = replace(helper, why=f"{helper.why}, and team lead")


def _members(ctx: AppContext, team_id: int) -> list[Engineer]:
    if not ctx.is_open:
        return []
    from oncall.db import queries

    with ctx.sessions.begin() as s:
        return queries.team_engineers(s, team_id)


class HelpPanel(QWidget):
    """The side panel: people to call, their phone and email with Copy buttons.

    Signals:
        called(str): a help call was recorded (the person's name).
        close_requested(): Esc or the Close button.
    """

    called = Signal(str)
    close_requested = Signal()

    def __init__(self, ctx: AppContext, run: IncidentRun, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.run = run
        self.setObjectName("page")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.helpers: list[Helper] = []
        u = self.fontMetrics().height()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(u, u, u, 0)
        heading = label(self.tr("Call for help"))
        heading.setFont(step_font(self, 1.4))
        close = button(self.tr("Close (Esc)"), flat=True)
        close.clicked.connect(self.close_requested)
        top.addWidget(heading, 1)
        top.addWidget(close)
        outer.addLayout(top)
        outer.addWidget(self.scroll, 1)
        self.recorded = label("", muted=True)

    def refresh(self) -> None:
        """Re-read who is on call now."""
        now = self.run.now()
        incident = self.run.incident
        self.helpers, team = helpers_at(self.ctx, now, incident.team_id, incident.engineer_id)
        u = self.fontMetrics().height()
        page = QWidget()
        page.setObjectName("page")
        column = QVBoxLayout(page)
        column.setContentsMargins(u, round(u * 0.6), u, u)
        column.setSpacing(round(u * 0.8))
        column.addWidget(
            label(
                "Waking someone is normal. Owners of shared services want to know. "
                "Call, then press “I'm calling” so the timeline shows it.",
                muted=True,
            )
        )
        if not self.helpers:
            column.addWidget(
                label("Nobody else is on call in the team data right now.", muted=True)
            )
        for helper in self.helpers[:6]:
            column.addWidget(self._person(helper))
        if team is None or team.lead_engineer_id is None:
            team_name = team.name if team is not None else "this team"
            column.addWidget(
                label(
                    f"No team lead is recorded for {team_name} yet; if you have one, call them "
                    "too when it is big. (A lead can be set later on the Team screen.)",
                    muted=True,
                )
            )
        self.recorded = label("", muted=True)
        column.addWidget(self.recorded)
        local = now.astimezone(ZoneInfo(viewer_zone(self.ctx)))
        column.addWidget(label(f"On call as of {local:%H:%M}.", muted=True))
        column.addStretch(1)
        self.scroll.setWidget(page)

    def _person(self, helper: Helper) -> QWidget:
        person = helper.engineer
        u = self.fontMetrics().height()
        box = QFrame()
        box.setObjectName("box")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(u, round(u * 0.6), u, round(u * 0.6))
        inner.setSpacing(round(u * 0.3))
        why = label(helper.why, muted=True)
        name = label(person.name)
        name.setFont(scaled_font(self, 1.3, bold=True))
        inner.addWidget(why)
        inner.addWidget(name)
        their = self.run.now().astimezone(ZoneInfo(person.zone or "UTC"))
        inner.addWidget(label(f"{their:%H:%M} where they are ({city(person.zone)})", muted=True))
        for kind, value in (("Phone", person.phone), ("Email", person.email)):
            if not value:
                continue
            # one above the other: the panel stays narrow beside the step, even at 200%
            text = QLabel(f"{kind}: {value}")
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            copy = button(f"Copy {kind.lower()}")
            copy.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            copy.clicked.connect(lambda _=False, v=value: copy_text(v))
            inner.addWidget(text)
            inner.addWidget(copy)
        if not (person.phone or person.email):
            inner.addWidget(label("No phone or email in the team data.", muted=True))
        call = button(f"I'm calling {person.name.split()[0]}", tall=True)
        call.clicked.connect(lambda _=False, h=helper: self.record_call(h))
        inner.addWidget(call)
        return box

    def record_call(self, helper: Helper) -> None:
        """Record that ``helper`` was called (a help-call event, stored at once)."""
        person = helper.engineer
        self.run.call_for_help(
            person.name,
            role=helper.role,
            engineer_id=person.id,
            contact=person.phone or person.email,
        )
        local = self.run.now().astimezone(ZoneInfo(viewer_zone(self.ctx)))
        self.recorded.setText(
            f"Noted at {local:%H:%M}: you called {person.name}. Carry on while you wait."
        )
        self.called.emit(person.name)

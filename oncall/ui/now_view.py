"""Now: who is on call per team and role, who is next, gaps coming up, and your next shift.

Big readable type and calm cards; a gap is marked in amber, never red. The screen re-reads
the ledger every minute (time passes) and whenever ``refresh()`` is called.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from oncall.app import AppContext
from oncall.db.fastread import Reader
from oncall.domain.model import COVERED_ROLES, Engineer, Gap, Role, Shift, Team
from oncall.ui import theme
from oncall.ui.risk_badge import RiskBadge, people_risk
from oncall.ui.tray_status import merge_own_shifts
from oncall.ui.when import city, clock, day_and_clock, duration, role_word, until_phrase
from oncall.ui.widgets import Card, EmptyState, MutedLabel, SectionHeader, scaled_font
from oncall.ui.zones import viewer_zone

if TYPE_CHECKING:
    from oncall.domain.risk import Assessment

LOOK_AHEAD = timedelta(days=14)  # how far "next" looks
GAP_WINDOW = timedelta(days=7)  # how far gaps are announced
ROLE_MEMORY = timedelta(days=7)  # a role held in the past week is a role the team covers
REFRESH_MS = 60_000


# ----- what the screen shows, computed without widgets ---------------------------------------


@dataclass(frozen=True)
class RoleNow:
    """One role of one team: the stretch in progress and the next one (merged per person)."""

    role: Role
    current: Shift | None
    next: Shift | None


@dataclass(frozen=True)
class TeamNow:
    """A team's roles, and its gaps in the coming week."""

    team: Team
    roles: tuple[RoleNow, ...]
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class Board:
    """Everything the Now screen shows at one moment."""

    now: datetime
    teams: tuple[TeamNow, ...]
    engineers: dict[int, Engineer] = field(default_factory=dict)
    me: Engineer | None = None
    my_shifts: tuple[Shift, ...] = ()


def merge_runs(shifts: Iterable[Shift]) -> list[Shift]:
    """Back-to-back shifts of one person in one team and role, joined into one stretch."""
    return merge_own_shifts(shifts)


def uncovered(
    role_shifts: Sequence[Shift], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of ``[start, end)`` no shift covers (half-open, merged)."""
    holes: list[tuple[datetime, datetime]] = []
    cursor = start
    for shift in sorted(role_shifts, key=lambda s: s.start):
        if shift.end <= cursor:
            continue
        if shift.start >= end:
            break
        if shift.start > cursor:
            holes.append((cursor, shift.start))
        cursor = max(cursor, shift.end)
    if cursor < end:
        holes.append((cursor, end))
    return holes


def team_now(team: Team, shifts: Sequence[Shift], roles: Iterable[Role], now: datetime) -> TeamNow:
    """A team's board from its ledger shifts meeting ``[now, now + LOOK_AHEAD)``.

    ``roles`` are the roles the team's rotations cover; a covered role with no one on it in
    the coming week shows as a gap.
    """
    by_role: dict[Role, list[Shift]] = defaultdict(list)
    for shift in shifts:
        if shift.team_id == team.id:
            by_role[shift.role].append(shift)
    wanted = set(roles) | set(by_role)
    ordered = [r for r in Role if r in wanted]
    rows: list[RoleNow] = []
    gaps: list[Gap] = []
    for role in ordered:
        runs = merge_runs(by_role.get(role, ()))
        current = next((s for s in runs if s.start <= now < s.end), None)
        after = current.end if current else now
        upcoming = next(
            (
                s
                for s in runs
                if s.start >= after
                and s.start > now
                and (current is None or s.engineer_id != current.engineer_id)
            ),
            None,
        )
        rows.append(RoleNow(role, current, upcoming))
        if role in COVERED_ROLES:
            # gaps that begin this week, with their true end (looked for up to LOOK_AHEAD)
            gaps.extend(
                Gap(team.id, role, a, b)
                for a, b in uncovered(by_role.get(role, ()), now, now + LOOK_AHEAD)
                if a < now + GAP_WINDOW
            )
    gaps.sort(key=lambda g: (g.start, g.role))
    return TeamNow(team, tuple(rows), tuple(gaps))


def load_board(reader: Reader, now: datetime, me_id: int | None = None) -> Board:
    """Build the board for ``now`` from ``reader``: the read-only start-up snapshot or a
    session (``AppContext.reader()``); ``me_id`` is "who am I" (settings), if chosen."""
    teams = reader.teams()
    engineers = {e.id: e for e in reader.engineers()}
    # the past week tells which roles a team covers (cheaper than loading every plan), so
    # a role nobody holds in the coming weeks still shows, as a gap
    shifts = reader.ledger(None, now - ROLE_MEMORY, now + LOOK_AHEAD)
    coming = [x for x in shifts if x.end > now]
    team_boards = []
    for team in teams:
        roles = {x.role for x in shifts if x.team_id == team.id}
        team_boards.append(team_now(team, coming, roles, now))
    me = engineers.get(me_id) if me_id is not None else None
    mine = tuple(merge_runs(reader.next_shifts(me.id, now, limit=6))) if me else ()
    return Board(now, tuple(team_boards), engineers, me, mine)


def gap_sentence(gap: Gap, team: Team, zone: str, now: datetime) -> str:
    """ "Nobody is on call for Payments secondary from Tue 02:00 to 06:00"."""
    what = f"Nobody is on call for {team.name} {role_word(gap.role)}"
    start_local = gap.start.astimezone(ZoneInfo(zone))
    end_local = gap.end.astimezone(ZoneInfo(zone))
    frm = "from now" if gap.start <= now else f"from {day_and_clock(gap.start, zone, now)}"
    if gap.end >= now + LOOK_AHEAD:
        return f"{what} {frm} onwards"
    # the end is shown as a bare time when it falls on the same local day as the start
    same_day = (end_local - timedelta(microseconds=1)).date() == max(
        start_local, now.astimezone(ZoneInfo(zone))
    ).date()
    to = clock(gap.end, zone) if same_day else day_and_clock(gap.end, zone, now)
    return f"{what} {frm} to {to}"


# ----- widgets -----------------------------------------------------------------------------


class NowView(QWidget):
    """The Now screen.

    Signals:
        changed(): never emitted (Now makes no edits); present so every screen wires alike.
        settings_requested(): the user wants to choose who they are.
        team_screen_requested(): the user wants to add a team.
        paged(): "I've been paged" was pressed (the window opens the triage runner).
    """

    changed = Signal()
    settings_requested = Signal()
    team_screen_requested = Signal()
    paged = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board: Board | None = None
        self.risk: dict[int, Assessment] = {}

        self._empty: EmptyState | None = None  # built the first time there are no teams

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)

        self.pages = QStackedLayout(self)
        self.pages.addWidget(self.scroll)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    # -- public ---------------------------------------------------------------------------------

    @property
    def empty(self) -> EmptyState:
        """The "No teams yet" page (built on first use: most starts never show it)."""
        if self._empty is None:
            self._empty = EmptyState(
                "team",
                self.tr("No teams yet"),
                self.tr(
                    "Add a team and its engineers on the Team screen, or import a team file "
                    "with “oncall team import FILE”."
                ),
                self.tr("Go to Team"),
            )
            self._empty.action_triggered.connect(self.team_screen_requested)
            self.pages.addWidget(self._empty)
        return self._empty

    def refresh(self) -> None:
        """Re-read the ledger and redraw for the current time."""
        now = self.ctx.clock()
        with self.ctx.reader() as reader:  # the start-up snapshot until the database is open
            self.board = load_board(reader, now, self.ctx.settings.me_engineer_id)
        # load risk of everyone on the board ({} while the database is still opening)
        self.risk = people_risk(self.ctx, [tb.team.id for tb in self.board.teams], now)
        if not self.board.teams:
            self.pages.setCurrentWidget(self.empty)
            return
        position = self.scroll.verticalScrollBar().value()
        self.scroll.setWidget(self._content(self.board))
        self.scroll.verticalScrollBar().setValue(position)
        self.pages.setCurrentWidget(self.scroll)

    def texts(self) -> list[str]:
        """Every label's text on show (for tests and accessibility checks)."""
        page = self.pages.currentWidget()
        return [w.text() for w in page.findChildren(QLabel) if w.text()]

    # -- building ---------------------------------------------------------------------------

    def _content(self, board: Board) -> QWidget:
        zone = viewer_zone(self.ctx)
        unit = self.fontMetrics().height()
        page = QWidget()
        column = QVBoxLayout()
        column.setSpacing(round(unit * 0.7))
        column.setContentsMargins(unit * 2, unit * 1.5, unit * 2, unit * 2)

        title = QLabel(self.tr("Now"))
        title.setFont(scaled_font(self, 2.0, bold=True))
        local = board.now.astimezone(ZoneInfo(zone))
        subtitle = MutedLabel(
            f"{local:%A} {local.day} {local:%B}, {local:%H:%M} · times shown in {zone}"
        )
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addWidget(self._paged_button(unit))
        column.addWidget(self._you_card(board, zone))

        for tb in board.teams:
            column.addWidget(SectionHeader(tb.team.name))
            grid = QGridLayout()
            grid.setSpacing(round(unit * 0.7))
            for i, row in enumerate(tb.roles):
                grid.addWidget(self._role_card(tb.team, row, board, zone), i // 2, i % 2)
            if not tb.roles:
                grid.addWidget(MutedLabel(self.tr("This team has no rotations yet.")), 0, 0)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
            column.addLayout(grid)
            column.addWidget(self._gaps_block(tb, board, zone))
        column.addStretch(1)

        # a readable measure: the column stops growing at about 70 characters of big text
        outer = QHBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(unit * 56)
        outer.addWidget(holder, 1)
        outer.addStretch(0)
        return page

    def _paged_button(self, unit: int) -> QPushButton:
        # big and calm (never red): the way in to the triage runner at 02:00
        button = QPushButton(self.tr("I've been paged"))
        button.setObjectName("pagedButton")
        button.setFont(scaled_font(self, 1.3, bold=True))
        button.setMinimumHeight(max(44, round(unit * 2.8)))
        button.setMinimumWidth(unit * 14)
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        button.setToolTip(self.tr("Start the calm triage checklist (Ctrl+Shift+P)"))
        button.clicked.connect(self.paged)
        return button

    def _you_card(self, board: Board, zone: str) -> QWidget:
        palette = self.palette()
        card = Card()
        heading = QLabel()
        heading.setFont(scaled_font(self, 1.3, bold=True))
        heading.setWordWrap(True)
        card.layout_.addWidget(heading)
        if board.me is None:
            heading.setText(self.tr("Your next shift"))
            card.layout_.addWidget(
                MutedLabel(
                    self.tr(
                        "Choose who you are in Settings to see your shifts here and get a "
                        "reminder before each one."
                    )
                )
            )
            button = QPushButton(self.tr("Choose who you are…"))
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.clicked.connect(self.settings_requested)
            card.layout_.addWidget(button)
            return card
        teams = {tb.team.id: tb.team.name for tb in board.teams}
        current = [s for s in board.my_shifts if s.start <= board.now < s.end]
        coming = [s for s in board.my_shifts if s.start > board.now]
        if current:
            card.accent = palette.color(palette.ColorRole.Highlight)
            shift = current[0]
            heading.setText(self.tr("You are on call now, {name}").format(name=board.me.name))
            card.layout_.addWidget(
                self._big(
                    f"{teams.get(shift.team_id, 'Team')} {role_word(shift.role)} "
                    f"until {day_and_clock(shift.end, zone, board.now)}"
                )
            )
            if coming:
                card.layout_.addWidget(MutedLabel(self._shift_line(coming[0], teams, zone, board)))
        elif coming:
            shift = coming[0]
            heading.setText(self.tr("Your next shift, {name}").format(name=board.me.name))
            card.layout_.addWidget(
                self._big(
                    f"{teams.get(shift.team_id, 'Team')} {role_word(shift.role)} · "
                    f"{day_and_clock(shift.start, zone, board.now)} → "
                    f"{day_and_clock(shift.end, zone, board.now)}"
                )
            )
            card.layout_.addWidget(
                MutedLabel(f"Starts in {duration(shift.start - board.now)} (your time, {zone})")
            )
        else:
            heading.setText(self.tr("Your next shift, {name}").format(name=board.me.name))
            card.layout_.addWidget(MutedLabel(self.tr("No shifts planned for you.")))
        return card

    def _shift_line(self, shift: Shift, teams: dict[int, str], zone: str, board: Board) -> str:
        return (
            f"After that: {teams.get(shift.team_id, 'Team')} {role_word(shift.role)} from "
            f"{day_and_clock(shift.start, zone, board.now)}"
        )

    def _big(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setFont(scaled_font(self, 1.15))
        label.setWordWrap(True)
        return label

    def _role_card(self, team: Team, row: RoleNow, board: Board, zone: str) -> QWidget:
        attention = theme.attention(self.palette())
        card = Card(accent=None if row.current else attention)
        role_label = MutedLabel(role_word(row.role).capitalize())
        role_label.setFont(scaled_font(self, 0.95, bold=True))
        card.layout_.addWidget(role_label)
        if row.current is not None:
            person = board.engineers.get(row.current.engineer_id)
            name = QLabel(person.name if person else self.tr("Unknown engineer"))
            name.setFont(scaled_font(self, 1.7, bold=True))
            name.setWordWrap(True)
            name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            card.layout_.addWidget(name)
            if person is not None and person.id in self.risk:
                badge_row = QHBoxLayout()
                badge_row.addWidget(RiskBadge(self.risk[person.id]))
                badge_row.addStretch(1)
                card.layout_.addLayout(badge_row)
                # risk is known (a database is open): the recovery module may load now
                from oncall.ui.recovery import needs_recovery, recovery_button, recovery_for_now

                if needs_recovery(self.risk[person.id]):  # on call now after a heavy night
                    button = recovery_button(
                        card, partial(recovery_for_now, self, self.ctx, team.id, person.id)
                    )
                    card.layout_.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            if person is not None and person.handle:
                card.layout_.addWidget(MutedLabel(f"@{person.handle} · {city(person.zone)}"))
            person_zone = person.zone if person else zone
            card.layout_.addWidget(
                self._big(until_phrase(row.current.end, zone, person_zone, board.now))
            )
        else:
            name = QLabel(self.tr("Nobody on call"))
            name.setFont(scaled_font(self, 1.7, bold=True))
            palette = name.palette()
            palette.setColor(palette.ColorRole.WindowText, attention)
            name.setPalette(palette)
            card.layout_.addWidget(name)
        if row.next is not None:
            upcoming = board.engineers.get(row.next.engineer_id)
            who = upcoming.name if upcoming else self.tr("Unknown engineer")
            card.layout_.addSpacing(self.fontMetrics().height() // 3)
            card.layout_.addWidget(
                MutedLabel(f"Next: {who} from {day_and_clock(row.next.start, zone, board.now)}")
            )
        else:
            card.layout_.addSpacing(self.fontMetrics().height() // 3)
            card.layout_.addWidget(MutedLabel(self.tr("Next: nobody planned in the next 2 weeks")))
        card.layout_.addStretch(1)
        return card

    def _gaps_block(self, tb: TeamNow, board: Board, zone: str) -> QWidget:
        block = QWidget()
        layout = QVBoxLayout(block)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(self.fontMetrics().height() // 4)
        if not tb.gaps:
            layout.addWidget(MutedLabel(self.tr("No gaps in the next 7 days.")))
            return block
        attention = theme.attention(self.palette())
        shown = tb.gaps[:8]
        for gap in shown:
            line = QLabel(f"● {gap_sentence(gap, tb.team, zone, board.now)}")
            line.setWordWrap(True)
            line.setTextFormat(Qt.TextFormat.PlainText)
            palette = line.palette()
            palette.setColor(palette.ColorRole.WindowText, attention)
            line.setPalette(palette)
            layout.addWidget(line)
        if len(tb.gaps) > len(shown):
            layout.addWidget(
                MutedLabel(
                    self.tr("…and {n} more gaps this week; see the Schedule screen.").format(
                        n=len(tb.gaps) - len(shown)
                    )
                )
            )
        return block

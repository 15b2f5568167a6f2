"""The demo: two teams with a year of history, built relative to the clock so it always looks alive.

``oncall --demo`` opens a database of its own (see ``app.open_context``) and calls
:func:`ensure_demo`, which fills it once, in one transaction, and afterwards costs one query.

What a newcomer finds, and why it is there:

- **Payments** (6 engineers, London, Berlin, Kolkata, New York): a weekly primary handing off
  Monday 09:00 Europe/London, 24/7; a shadow layer for learners, weekdays 09:00-17:00 only (a
  restriction). Six people on a 24/7 week are each on call 168 h in any 28 days, exactly the
  SRE book's 25%, so Payments has had no standing secondary (a secondary too needs eight). Since
  this Wednesday it trials one (one person, to next Monday); the fortnightly secondary only
  starts on the Wednesday after, so two days of secondary cover are a visible gap to fix. That
  fortnightly secondary is more than six people can carry: the planning guard says so when it
  is planned, and Wellbeing does in the weeks after it starts (today's levels come from the
  past, where it has not started).
- **Platform** (6 engineers, London, Berlin, New York, Los Angeles, Sydney): follow-the-sun,
  a London day layer (08:00-20:00, priority 2) over an Americas/APAC layer in New York time
  (15:00-04:00, priority 1), both handing over daily since the summer, so nobody holds two
  12-hour weeks in one month. The hour they overlap shows priorities at work, and keeps the
  weeks when Europe and America change clocks on different dates free of gaps.
- Rotation versions since about 13 months ago: people joining, cadence changes.
- Overrides and swaps in the past and the coming weeks; a sick day and covered holidays in the
  past; a vacation in the coming weeks that meets a primary shift nobody has covered yet.
- The ledger materialised from the first rotation on, so the past year is frozen history.
- A year of pages, and two closed incidents walked through the shipped web-service checklist:
  a night three weeks ago (Payments: a vendor script broke checkout; a help call to the
  team lead, status updates, a rollback, follow-ups) and an office-hours one two months ago
  (Platform: a node with a full disk), each with its engaged time logged as a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    LeaveKind,
    Override,
    Restriction,
    Role,
    Rotation,
    RotationVersion,
    Shift,
    Swap,
    Team,
)

if TYPE_CHECKING:
    from oncall.settings import Settings

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
HISTORY_DAYS = 396  # about 13 months: a year of history and the weeks before it


class DemoContext(Protocol):
    """What the demo needs of ``app.AppContext`` (this module sits below ``app``)."""

    sessions: Callable
    settings: Settings
    clock: Callable[[], datetime]

    def save_settings(self, settings: Settings) -> None:
        """Keep new preferences."""


@dataclass(frozen=True)
class _Person:
    name: str
    zone: str
    country: str
    region: str
    phone: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def handle(self) -> str:
        return _ascii(self.first.lower())

    @property
    def email(self) -> str:
        return _ascii(self.name.lower().replace(" ", ".")) + "@example.com"


def _ascii(text: str) -> str:
    """``Tomás`` -> ``Tomas``: handles and addresses people can type anywhere."""
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# Phone numbers are from ranges set aside for fiction (Ofcom 07700 900, NANP 555-01xx, ACMA
# 0491 570); the others are made up.
PAYMENTS = (
    _Person("Amara Okafor", LONDON, "GB", "ENG", "+44 7700 900123"),
    _Person("Lukas Becker", "Europe/Berlin", "DE", "BE", "+49 30 5550 1842"),
    _Person("Priya Raman", "Asia/Kolkata", "IN", "", "+91 98450 01234"),
    _Person("Sofia Marchetti", "Europe/Berlin", "DE", "BE", "+49 30 5550 2291"),
    _Person("Daniel Kim", NEW_YORK, "US", "NY", "+1 212 555 0147"),
    _Person("Tomás Herrera", LONDON, "GB", "ENG", "+44 7700 900456"),  # joins in the spring
)
PLATFORM = (
    _Person("Oliver Grant", LONDON, "GB", "ENG", "+44 7700 900789"),
    _Person("Fatima Rahman", LONDON, "GB", "ENG", "+44 7700 900312"),
    _Person("Jonas Weber", "Europe/Berlin", "DE", "BE", "+49 30 5550 7310"),
    _Person("Marcus Johnson", NEW_YORK, "US", "NY", "+1 646 555 0183"),
    _Person("Elena Vasquez", "America/Los_Angeles", "US", "CA", "+1 415 555 0162"),
    _Person("Liam Nguyen", "Australia/Sydney", "AU", "NSW", "+61 491 570 156"),  # joins later
)
#: Each team's lead (a first name above): called for help in an incident.
LEADS = {"Payments": "Sofia", "Platform": "Oliver"}


def ensure_demo(ctx: DemoContext) -> None:
    """Fill an empty database with the demo; does nothing (one query) when it has teams."""
    from oncall.db import queries

    with ctx.sessions() as s:
        if queries.list_teams(s):
            return
    me = build_demo(ctx.sessions, ctx.clock(), ctx.settings.horizon_days)
    ctx.save_settings(ctx.settings.with_(me_engineer_id=me))


def build_demo(sessions: Callable, now: datetime, horizon_days: int = 180) -> int:
    """Write the demo in one transaction (all of it or nothing); returns the id of "me"."""
    from oncall.db import commands

    now = now.astimezone(UTC)
    with sessions.begin() as s:
        builder = _Builder(s, commands, now)
        me = builder.build()
        for team in (builder.payments, builder.platform):
            # First as on the day the team's rotations began, reaching to now; materialised
            # again at now, everything that has ended by then is frozen history.
            began = builder.began(team)
            commands.materialise(s, team.id, began, now - began)
            commands.materialise(s, team.id, now, timedelta(days=horizon_days))
        add_demo_pages(s, (builder.payments, builder.platform), now)
        add_demo_incidents(s, builder.payments, builder.platform, now)
    return me


def _engine() -> ModuleType:
    """The schedule engine, imported when a demo is built: not on every start's path."""
    from oncall.domain import schedule

    return schedule


def _first(person: Engineer) -> str:
    return person.name.split()[0]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _Builder:
    """Writes the demo through ``commands`` in one session, keeping what later steps refer to.

    Dates are picked relative to ``now``; people for covers and swaps are picked by asking
    the layers who is free, so the only conflict and the only gap are the intended ones.
    """

    def __init__(self, s: object, commands: object, now: datetime) -> None:
        self.s, self.c, self.now = s, commands, now
        self.today = now.astimezone(ZoneInfo(LONDON)).date()
        self.start_monday = _monday(self.today - timedelta(days=HISTORY_DAYS))
        # The Monday the secondary's trial week ends: 1 to 7 days ahead, so its gap is soon.
        self.next_monday = _monday(self.today) + timedelta(days=7)
        self.people: dict[str, Engineer] = {}
        self.rotations: dict[int, Rotation] = {}

    # --- helpers -----------------------------------------------------------------------

    def at(self, day: date, hour: int, zone: str = LONDON) -> datetime:
        """An aware instant: ``day`` at ``hour``:00 wall-clock time in ``zone``."""
        return _engine().localize(datetime.combine(day, time(hour)), zone)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def person(self, first_name: str) -> Engineer:
        return self.people[first_name]

    def ids(self, *first_names: str) -> tuple[int, ...]:
        return tuple(self.people[n].id for n in first_names)

    def engineer(self, engineer_id: int) -> Engineer:
        return next(p for p in self.people.values() if p.id == engineer_id)

    def began(self, team: Team) -> datetime:
        """When the team's first rotation started."""
        return min(
            r.versions[0].effective_from for r in self.rotations.values() if r.team_id == team.id
        )

    def who(self, rotation: Rotation, at: datetime) -> Shift:
        """The layer's own shift (before overrides) in progress at ``at``, unclipped."""
        rotation = self.rotations[rotation.id]
        around = _engine().layer_shifts(
            rotation, rotation.team_id, at - timedelta(days=15), at + timedelta(days=15)
        )
        for shift in around:
            if shift.start <= at < shift.end:
                return shift
        raise LookupError(f"nobody on {rotation.name} at {at}")  # a bug in the demo itself

    def holder(self, team: Team, role: Role, at: datetime) -> Shift:
        """The shift of ``role`` in progress at ``at`` on any of the team's layers."""
        for rotation in self.rotations.values():
            if rotation.team_id == team.id and rotation.current.role is role:
                try:
                    return self.who(rotation, at)
                except LookupError:
                    continue
        raise LookupError(f"no {role} of {team.name} at {at}")

    def busy(self, team: Team, start: datetime, end: datetime) -> set[int]:
        """Who any of the team's layers puts on call at some time in ``[start, end)``."""
        return {
            shift.engineer_id
            for r in self.rotations.values()
            if r.team_id == team.id
            for shift in _engine().layer_shifts(r, team.id, start, end)
        }

    def free(self, team: Team, start: datetime, end: datetime, names: Iterable[str]) -> Engineer:
        """The first of ``names`` on no layer of ``team`` in ``[start, end)``."""
        busy = self.busy(team, start, end)
        return next(self.people[n] for n in names if self.people[n].id not in busy)

    def version(
        self,
        members: Sequence[int],
        anchor_day: date,
        hour: int,
        *,
        zone: str = LONDON,
        count: int = 1,
        unit: CadenceUnit = CadenceUnit.WEEKS,
        role: Role = Role.PRIMARY,
        priority: int = 0,
        restrictions: tuple[Restriction, ...] = (),
    ) -> RotationVersion:
        """A version whose first handoff (and start) is ``anchor_day`` at ``hour`` in ``zone``."""
        anchor = datetime.combine(anchor_day, time(hour))
        return RotationVersion(
            version=0,
            effective_from=_engine().localize(anchor, zone),
            members=tuple(members),
            cadence_unit=unit,
            cadence_count=count,
            anchor=anchor,
            zone=zone,
            restrictions=restrictions,
            priority=priority,
            role=role,
        )

    def add_rotation(self, team: Team, name: str, first: RotationVersion) -> Rotation:
        rotation = self.c.add_rotation(self.s, team.id, name, first)
        self.rotations[rotation.id] = rotation
        return rotation

    def edit_rotation(self, rotation: Rotation, version: RotationVersion) -> Rotation:
        rotation = self.c.edit_rotation(self.s, rotation.id, version)
        self.rotations[rotation.id] = rotation
        return rotation

    def end_rotation(self, rotation: Rotation, at: datetime) -> Rotation:
        rotation = self.c.end_rotation(self.s, rotation.id, at)
        self.rotations[rotation.id] = rotation
        return rotation

    def override(
        self,
        team: Team,
        person: Engineer,
        start: datetime,
        end: datetime,
        note: str,
        role: Role = Role.PRIMARY,
        created: datetime | None = None,
    ) -> None:
        # Arranged a few days ahead, as people do; never "created" after now.
        if created is None:
            created = min(start - timedelta(days=3), self.now - timedelta(hours=2))
        self.c.add_override(
            self.s, Override(0, team.id, person.id, start, end, created, role, note)
        )

    def swap(self, rotation: Rotation, shift: Shift, taker: Engineer, note: str) -> None:
        created = min(shift.start - timedelta(days=10), self.now - timedelta(days=1))
        self.c.add_swap(self.s, Swap(0, rotation.id, shift.start, taker.id, created, note))

    def leave(self, person: Engineer, first: date, last: date, kind: LeaveKind, note: str) -> None:
        """Whole local days ``first`` to ``last`` inclusive, in the person's own zone."""
        start = self.at(first, 0, person.zone)
        end = self.at(last + timedelta(days=1), 0, person.zone)
        self.c.add_leave(self.s, Leave(0, person.id, start, end, kind, note))

    def primary_week(
        self,
        rotation: Rotation,
        monday: date,
        names: Sequence[str],
        at: tuple[int, str] = (12, LONDON),
    ) -> Shift:
        """The shift at Wednesday ``at`` (hour, zone) of the first week from ``monday`` on that
        one of ``names`` holds."""
        allowed = set(self.ids(*names))
        while True:
            shift = self.who(rotation, self.at(monday + timedelta(days=2), *at))
            if shift.engineer_id in allowed:
                return shift
            monday += timedelta(days=7)

    # --- the demo ----------------------------------------------------------------------

    def build(self) -> int:
        c, s = self.c, self.s
        self.payments = c.add_team(
            s, Team(0, "Payments", LONDON, "Card payments, refunds and the ledger service.")
        )
        self.platform = c.add_team(
            s, Team(0, "Platform", LONDON, "Kubernetes, networking and the build farm.")
        )
        for team, people in ((self.payments, PAYMENTS), (self.platform, PLATFORM)):
            for p in people:
                self.people[p.first] = c.add_engineer(
                    s,
                    Engineer(0, p.name, p.handle, p.zone, p.email, p.phone, p.country, p.region),
                    (team.id,),
                )
        self.payments, self.platform = (
            c.update_team(s, replace(t, lead_engineer_id=self.people[LEADS[t.name]].id))
            for t in (self.payments, self.platform)
        )
        primary = self.build_payments()
        self.build_platform()
        # "Me" is whoever holds the Payments pager now, so the tray has something to say.
        return self.who(primary, self.now).engineer_id

    def build_payments(self) -> Rotation:
        team, start = self.payments, self.start_monday
        first = list(self.ids("Amara", "Lukas", "Priya", "Sofia", "Daniel"))
        primary = self.add_rotation(team, "Payments primary", self.version(first, start, 9))
        business_hours = (Restriction(WEEKDAYS, time(9), time(17)),)
        shadow = self.add_rotation(
            team,
            "Payments shadow",
            self.version(
                self.ids("Priya", "Daniel"), start, 9, role=Role.SHADOW, restrictions=business_hours
            ),
        )

        # Spring: Tomás joins; the roster carries on from whoever was next.
        joined = _monday(self.ago(210))
        next_up = self.who(primary, self.at(joined, 9)).source.roster_index or 0
        second = [*first[next_up:], *first[:next_up], *self.ids("Tomás")]
        primary = self.edit_rotation(primary, self.version(second, joined, 9))
        # Late summer: shadowing moves to a daily cadence so learners see more handoffs.
        self.edit_rotation(
            shadow,
            self.version(
                self.ids("Priya", "Tomás", "Daniel"),
                _monday(self.ago(95)),
                9,
                unit=CadenceUnit.DAYS,
                role=Role.SHADOW,
                restrictions=business_hours,
            ),
        )
        self.payments_secondary(primary, second)
        self.payments_history(primary)
        self.payments_future(primary)
        return primary

    def payments_secondary(self, primary: Rotation, roster: Sequence[int]) -> None:
        """A secondary, new this week. Six people on a weekly 24/7 primary are each on call
        one week in six: 168 h in the 28 days around their week, exactly the SRE book's 25%
        (burnout.md C2), so until now Payments has had no standing secondary (that takes eight
        people). Since Wednesday a trial secondary, held by whoever is primary two weeks on
        (their last primary week began four weeks before this Monday, so they stay well within
        25%), runs to next Monday; the fortnightly secondary only starts on the Wednesday after,
        which leaves two days nobody covers: a gap to fix."""
        team = self.payments
        wednesday = self.next_monday - timedelta(days=5)
        later = self.who(primary, self.at(self.next_monday + timedelta(days=9), 12))
        trial = self.add_rotation(
            team,
            "Payments secondary (trial)",
            self.version((later.engineer_id,), wednesday, 9, role=Role.SECONDARY),
        )
        self.end_rotation(trial, self.at(self.next_monday, 9))
        half = len(roster) // 2
        self.add_rotation(
            team,
            "Payments secondary (fortnightly)",
            self.version(
                [*roster[half + 1 :], *roster[: half + 1]],
                self.next_monday + timedelta(days=2),
                9,
                count=2,
                role=Role.SECONDARY,
            ),
        )

    def payments_history(self, primary: Rotation) -> None:
        team = self.payments
        # Leave goes to people off the shadow layer, so an override of the primary covers it.
        regulars = ("Amara", "Lukas", "Sofia")
        # A summer holiday, covered by an override arranged in advance.
        week = self.primary_week(primary, _monday(self.ago(150)), ("Lukas",))
        person = self.engineer(week.engineer_id)
        first_day = week.start.astimezone(ZoneInfo(person.zone)).date() - timedelta(days=2)
        self.leave(person, first_day, first_day + timedelta(days=9), LeaveKind.VACATION, "Lisbon")
        cover = self.free(team, week.start, week.end, ("Sofia", "Amara"))
        self.override(team, cover, week.start, week.end, f"Holiday cover for {_first(person)}")

        # Two people traded weeks in the autumn.
        week = self.who(primary, self.at(_monday(self.ago(80)) + timedelta(days=2), 12))
        taker = self.free(team, week.start, week.end, ("Daniel", "Priya", *regulars))
        self.swap(primary, week, taker, "Traded weeks: moving house")

        # A sick day eight weeks ago, covered the same morning.
        week = self.primary_week(primary, _monday(self.ago(56)), ("Amara", "Sofia"))
        person = self.engineer(week.engineer_id)
        sick_day = week.start.astimezone(ZoneInfo(person.zone)).date() + timedelta(days=2)
        self.leave(person, sick_day, sick_day, LeaveKind.SICK, "Flu")
        start = self.at(sick_day, 0, person.zone)
        end = self.at(sick_day + timedelta(days=1), 0, person.zone)
        cover = self.free(team, start, end, ("Sofia", "Lukas", "Amara"))
        note = f"Covering for {_first(person)} (sick)"
        self.override(team, cover, start, end, note, created=start + timedelta(hours=7))

        # A recovery day after a long night of incident work, the day after a primary week.
        week = self.primary_week(primary, _monday(self.ago(28)), ("Lukas", "Amara", "Sofia"))
        person = self.engineer(week.engineer_id)
        day = week.end.astimezone(ZoneInfo(person.zone)).date() + timedelta(days=1)
        self.leave(person, day, day, LeaveKind.RECOVERY, "After the ledger outage")

    def payments_future(self, primary: Rotation) -> None:
        team = self.payments
        # A vacation that meets a primary week nobody has covered yet: the conflict to fix.
        week = self.who(primary, self.at(self.next_monday, 12))
        away = self.engineer(week.engineer_id)
        self.leave(
            away,
            max(self.next_monday - timedelta(days=2), self.today + timedelta(days=2)),
            self.next_monday + timedelta(days=4),
            LeaveKind.VACATION,
            "Family wedding",
        )
        # Covers come from people who held neither this week's nor last week's primary: last
        # week's nights are the risk story, and nobody is asked to cover after them.
        recent = {
            self.who(primary, self.at(self.next_monday - timedelta(days=days), 12)).engineer_id
            for days in (5, 12)
        }
        rested = [p.first for p in reversed(PAYMENTS) if self.people[p.first].id not in recent]
        others = [p.first for p in reversed(PAYMENTS) if p.first not in rested]
        everyone = [n for n in (*rested, *others) if n != _first(away)]  # rested first
        # A swap already agreed for the week after.
        later = self.who(primary, self.at(self.next_monday + timedelta(days=9), 12))
        taker = self.free(team, later.start, later.end, everyone)
        self.swap(primary, later, taker, "Swapped: school holidays")
        # A secondary Friday night taken over: the trial's, or the first fortnight's.
        friday = self.next_monday - timedelta(days=3)
        if self.at(friday, 18) <= self.now:
            friday += timedelta(days=7)
        start, end = self.at(friday, 18), self.at(friday + timedelta(days=1), 9)
        held = _first(self.engineer(self.holder(team, Role.SECONDARY, start).engineer_id))
        cover = self.free(team, start, end, everyone)
        self.override(team, cover, start, end, f"Friday night for {held}", Role.SECONDARY)

    def build_platform(self) -> None:
        team, start = self.platform, self.start_monday
        day_window = (Restriction(EVERY_DAY, time(8), time(20)),)
        # 15:00-04:00 New York is 20:00-09:00 London most of the year and 19:00-08:00 in the
        # weeks the two change clocks apart: the day layer (priority 2) wins the overlap.
        night_window = (Restriction(EVERY_DAY, time(15), time(4)),)
        london = self.ids("Oliver", "Fatima", "Jonas")
        day = self.add_rotation(
            team,
            "Platform day (London)",
            self.version(london, start, 8, count=2, priority=2, restrictions=day_window),
        )
        night = self.add_rotation(
            team,
            "Platform night (Americas/APAC)",
            self.version(
                self.ids("Marcus", "Elena"),
                start,
                15,
                zone=NEW_YORK,
                priority=1,
                restrictions=night_window,
            ),
        )
        # Liam joins from Sydney in the spring, when the nights move to daily handoffs; in the
        # summer London follows. Daily turns keep everyone near a third of one layer's hours:
        # with three people a weekly 12-hour layer puts two weeks (168 h, 25%) into some
        # 28 days, and any cover on top goes past the SRE book's 25%.
        self.edit_rotation(
            night,
            self.version(
                self.ids("Marcus", "Liam", "Elena"),
                _monday(self.ago(180)),
                15,
                zone=NEW_YORK,
                unit=CadenceUnit.DAYS,
                priority=1,
                restrictions=night_window,
            ),
        )
        self.edit_rotation(
            day,
            self.version(
                london,
                _monday(self.ago(120)),
                8,
                unit=CadenceUnit.DAYS,
                priority=2,
                restrictions=day_window,
            ),
        )

        # London days covered by a colleague: a conference, a dentist, a meetup next week.
        for days_ago, (first, last), note in (
            (200, (8, 20), "KubeCon"),
            (45, (8, 13), "Dentist"),
            (9, (14, 20), "School play"),
            (-4, (8, 20), "Speaking at a meetup"),
        ):
            d = self.ago(days_ago)
            start, end = self.at(d, first), self.at(d, last)
            held = self.who(day, start)
            cover = self.free(team, start, end, ("Fatima", "Jonas", "Oliver"))
            away = _first(self.engineer(held.engineer_id))
            self.override(team, cover, start, end, f"Covering {away} ({note})")

        # Elena's holiday last winter: Marcus took her nights, swap by swap.
        elena = self.person("Elena")
        week = self.primary_week(night, _monday(self.ago(300)), ("Elena",), (20, NEW_YORK))
        first_day = week.start.astimezone(ZoneInfo(elena.zone)).date()
        self.leave(elena, first_day, first_day + timedelta(days=6), LeaveKind.VACATION, "Oaxaca")
        lo = self.at(first_day, 0, elena.zone)
        hi = self.at(first_day + timedelta(days=7), 0, elena.zone)
        for shift in _engine().layer_shifts(night, team.id, lo - timedelta(days=1), hi):
            if shift.engineer_id == elena.id and shift.end > lo:
                self.swap(night, shift, self.person("Marcus"), "Covering Elena's holiday")


# --- paging history --------------------------------------------------------------------------
#
# A year of pages for both teams, the same for a given clock: a seeded generator walks the days
# before ``now`` and pages whoever held the primary pager (the materialised ledger). Most weeks
# are quiet; a few are heavy; Tuesday and Thursday evening deploys (18:00 London) bring
# clusters of pages into the night; an unacknowledged page re-pages (the 60-second merge and
# incident re-pages both show); low-urgency email notifications come in office hours; now and
# then someone logs a page by hand. The last five weeks are busy but calm (see
# RISK_STORY_DAYS): last week's Payments primary had the ledger replication lag wake them on
# up to four nights, and a Platform engineer was paged on seven evenings, so the Load and
# Wellbeing screens have a story to tell.

PAGES_SEED = 4242
PAGE_HISTORY_DAYS = 365
#: The last weeks of paging history tell the risk story (burnout.md 9.5) on purpose: there,
#: routine incidents and pages logged by hand happen in their holder's business hours, so the
#: only out-of-hours load is last week's Payments primary woken on three or four nights (High:
#: interrupted nights in a row, too little sleep) and a Platform engineer paged on seven
#: evenings of their recent days (Elevated: 7 out-of-hours interruptions in 28 days, one
#: family of rules). Long enough for the 28-day rules and the nights.
RISK_STORY_DAYS = 35
_SERVICES = {
    "Payments": (
        ("checkout-api", "Checkout 5xx rate above 2%"),
        ("card-vault", "Card vault latency p99 > 800 ms"),
        ("refund-worker", "Refund queue not draining"),
        ("ledger", "Ledger replication lag > 5 min"),
        ("payouts", "Payout batch failed"),
    ),
    "Platform": (
        ("kubernetes", "Node pool eu-west-1c NotReady"),
        ("ingress", "Ingress 502s above threshold"),
        ("build-farm", "Build queue wait > 30 min"),
        ("dns", "Internal DNS SERVFAIL spike"),
        ("etcd", "etcd leader changes > 3 in 10 min"),
    ),
}
_EMAIL_TITLES = (
    "Disk usage above 75%",
    "Certificate expires in 21 days",
    "Weekly SLO report",
    "Deprecated API used by a client",
)
_BY_HAND = (
    "Support phoned: card refunds failing for one merchant",
    "Partner bank emailed about late settlement file",
    "Security team rang about a leaked key in a public repo",
)


def add_demo_pages(s: object, teams: Sequence[Team], now: datetime) -> int:
    """Write the demo's paging history for ``teams`` through ``oncall.db.pages`` in the caller's
    transaction; returns how many pages. Deterministic for a given ``now``."""
    import random
    from bisect import bisect_right

    from oncall.db import pages as page_store
    from oncall.db import queries
    from oncall.domain.model import Channel, Page, Severity, Urgency
    from oncall.exchange.public_holidays import holiday_dates

    rng = random.Random(PAGES_SEED)
    start = now - timedelta(days=PAGE_HISTORY_DAYS)
    london = ZoneInfo(LONDON)
    drafts: list[Page] = []
    counter = iter(range(1, 1_000_000))

    def page(engineer: int, at: datetime, key: str, service: str, title: str, **kw: object) -> None:
        ack = kw.pop("ack", None)
        res = kw.pop("res", None)
        drafts.append(
            Page(
                0,
                str(kw.pop("source", "pagerduty")),
                f"DEMO{next(counter):06d}",
                engineer,
                at,
                ack if ack is None or ack < now else None,
                res if res is None or res < now else None,
                key,
                service=service,
                title=title,
                **kw,
            )  # type: ignore[arg-type]
        )

    def incident(
        holder: int, at: datetime, service: str, title: str, heavy: bool, keep: bool = True
    ) -> None:
        """Push, then SMS half a minute later (one interruption), a re-page if nobody
        acknowledged, acknowledgement and resolution. ``keep=False`` draws the same random
        numbers and writes nothing (the rest of the history stays where it was)."""
        key = f"INC-{next(counter)}"
        ack_after = timedelta(minutes=rng.randint(2, 12))
        work = timedelta(minutes=rng.randint(15, 150 if heavy else 70))
        ack, res = at + ack_after, at + ack_after + work
        # One page in four is SEV1/SEV2 (the same draw as four choices always took, so the
        # rest of the history does not move): most pages are routine.
        severity = rng.choice((Severity.CRITICAL, Severity.MEDIUM, Severity.MEDIUM, Severity.LOW))
        if not keep:
            return
        common = {"severity": severity, "urgency": Urgency.HIGH, "ack": ack, "res": res}
        page(holder, at, key, service, title, channel=Channel.PUSH, **common)
        page(holder, at + timedelta(seconds=30), key, service, title, channel=Channel.SMS, **common)
        if ack_after > timedelta(minutes=8):  # still unacknowledged: PagerDuty phones
            page(
                holder,
                at + timedelta(minutes=5),
                key,
                service,
                title,
                channel=Channel.PHONE,
                **common,
            )

    for team in teams:
        shifts = sorted(
            (x for x in queries.ledger(s, team.id, start, now) if x.role is Role.PRIMARY),
            key=lambda x: x.start,
        )
        starts = [x.start for x in shifts]

        def holder(at: datetime, shifts: list[Shift] = shifts, starts: list = starts) -> int | None:
            i = bisect_right(starts, at) - 1
            return shifts[i].engineer_id if i >= 0 and shifts[i].end > at else None

        zones: dict[int, tuple[ZoneInfo, frozenset[date]]] = {}

        def office_hours(at: datetime, who: int, zones: dict = zones) -> datetime | None:
            """``at`` moved into 09:00-16:59 of its holder's local day (a weekend or one of
            their public holidays, which count as off-hours: None)."""
            if who not in zones:
                person = queries.get_engineer(s, who)
                # Only the story's weeks move: their years are enough (and cheap to compute).
                years = range((now - timedelta(days=RISK_STORY_DAYS)).year, now.year + 1)
                off = holiday_dates([person], years) if person else {}
                zone = ZoneInfo(person.zone if person and person.zone else LONDON)
                zones[who] = (zone, off.get(who, frozenset()))
            zone, off = zones[who]
            local = at.astimezone(zone)
            if local.weekday() >= 5 or local.date() in off:
                return None
            if 9 <= local.hour < 17:
                return at  # already in office hours: stays where it is
            minute = (local.hour * 60 + local.minute) % (8 * 60)
            moved = datetime.combine(local.date(), time(9 + minute // 60, minute % 60), zone)
            return moved.astimezone(UTC)

        story_from = now - timedelta(days=RISK_STORY_DAYS)
        story_days: set[date] = set()
        services = _SERVICES.get(team.name, _SERVICES["Platform"])
        weeks = PAGE_HISTORY_DAYS // 7 + 2
        factor = [rng.choice((0.15, 0.3, 0.5, 0.7, 1.0, 1.0, 1.3)) for _ in range(weeks)]
        for heavy_week in rng.sample(range(4, weeks - 6), 3):
            factor[heavy_week] = 3.5
        factor[(PAGE_HISTORY_DAYS - 12) // 7] = 3.0  # a heavy week in the last four
        base = 0.55 if team.name == "Payments" else 0.4
        for day in range(PAGE_HISTORY_DAYS):
            midnight = start + timedelta(days=day)
            f = factor[day // 7]
            heavy = f >= 3
            for _ in range(3):  # about ``base * f`` incidents a day, at any hour
                if rng.random() < base * f / 3:
                    at = midnight + timedelta(seconds=rng.randrange(86_400))
                    who = holder(at)
                    if who is not None and at >= story_from:  # the story's weeks: office hours
                        moved = office_hours(at, who)
                        who = holder(moved) if moved is not None and moved < now else None
                        # The holder then may be another person: their office hours too.
                        if who is not None and office_hours(moved, who) != moved:
                            who = None
                        # At most one a day: nobody's 12-hour block reaches 3 incidents.
                        if who is not None and moved.date() in story_days:
                            who = None
                        elif who is not None:
                            story_days.add(moved.date())
                        if who is None:
                            incident(0, at, *rng.choice(services), heavy, keep=False)
                            continue
                        at = moved
                    if who is not None:
                        incident(who, at, *rng.choice(services), heavy)
            local_day = midnight.astimezone(london).date()
            if local_day.weekday() in (1, 3) and rng.random() < min(0.9, 0.35 * f + 0.1):
                # A deploy at 18:00 London; what it broke surfaces over the evening and night.
                deploy = datetime.combine(local_day, time(18), london).astimezone(UTC)
                for _ in range(rng.choice((1, 1, 2, 3))):
                    at = deploy + timedelta(minutes=rng.randint(40, 9 * 60))
                    who = holder(at)
                    if who is not None and at < now:
                        # In the story's weeks deploys break nothing out of hours.
                        incident(who, at, *rng.choice(services), heavy, keep=at < story_from)
            if local_day.weekday() < 5 and rng.random() < 0.45:
                at = datetime.combine(
                    local_day, time(rng.randint(9, 16), rng.randint(0, 59)), london
                ).astimezone(UTC)
                who = holder(at)
                if who is not None and at < now:
                    page(
                        who,
                        at,
                        "",
                        services[0][0],
                        rng.choice(_EMAIL_TITLES),
                        channel=Channel.EMAIL,
                        urgency=Urgency.LOW,
                        severity=Severity.INFO,
                    )
            if day % 41 == 17:
                at = midnight + timedelta(hours=rng.randint(7, 21))
                who = holder(at)
                if who is not None and at >= story_from:  # the story's weeks: office hours
                    moved = office_hours(at, who)
                    at, who = (moved, holder(moved)) if moved is not None else (at, None)
                    if who is not None and office_hours(at, who) != at:
                        who = None
                if who is not None and at < now:
                    page(
                        who,
                        at,
                        "",
                        "",
                        rng.choice(_BY_HAND),
                        channel=Channel.PHONE,
                        urgency=Urgency.HIGH,
                        source=page_store.MANUAL_SOURCE,
                        res=at + timedelta(minutes=40),
                    )
        if team.name == "Payments":
            # The primary of most of the last six nights: the ledger's replication lag woke
            # them on up to four of them, in the small hours of their own time.
            times = ((2, 10), (3, 40), (1, 25), (4, 5))
            mornings = [now.astimezone(london).date() - timedelta(days=k) for k in range(6)]
            held = [holder(datetime.combine(m, time(3), london).astimezone(UTC)) for m in mornings]
            votes = [w for w in held if w is not None]
            chosen = max(votes, key=lambda w: (votes.count(w), -votes.index(w)), default=None)
            person = queries.get_engineer(s, chosen) if chosen is not None else None
            zone = ZoneInfo(person.zone if person and person.zone else LONDON)
            n = 0
            for m in mornings:
                if chosen is None or n == 4:
                    break
                hour, minute = times[n]
                at = datetime.combine(m, time(hour, minute), zone).astimezone(UTC)
                if at < now and holder(at) == chosen:
                    incident(chosen, at, "ledger", "Ledger replication lag > 5 min", heavy=n == 1)
                    n += 1
        if team.name == "Platform":
            # Whoever held the evening last: a flaky health check paged them on 7 evenings of
            # their recent shifts (19:xx their time, fixed in 20 minutes: off-hours, never
            # into the night), the 28-day out-of-hours count that makes a load Elevated.
            day = now.astimezone(london).date()
            evening = datetime.combine(day, time(18), london).astimezone(UTC)
            chosen = holder(evening if evening < now else evening - timedelta(days=1))
            person = queries.get_engineer(s, chosen) if chosen is not None else None
            zone = ZoneInfo(person.zone if person and person.zone else LONDON)
            evenings = 0
            for back in range(27):
                local_day = day - timedelta(days=back)
                at = datetime.combine(local_day, time(19, 5 * (back % 7)), zone).astimezone(UTC)
                if chosen is None or evenings == 7 or at >= now or holder(at) != chosen:
                    continue
                evenings += 1
                key = f"INC-{next(counter)}"
                for ch, delay in ((Channel.PUSH, 0), (Channel.SMS, 30)):
                    page(chosen, at + timedelta(seconds=delay), key, "edge-proxy",
                         "Health check flapping on edge-proxy", channel=ch,
                         severity=Severity.MEDIUM, urgency=Urgency.HIGH,
                         ack=at + timedelta(minutes=3), res=at + timedelta(minutes=20))  # fmt: skip

    store = page_store.BulkPages(
        s, source="pagerduty", file_name="demo history", zone=None, now=now
    )
    rows = [
        page_store.PageValues(
            p.source,
            p.source_id,
            p.engineer_id,
            p.triggered_at,
            p.acknowledged_at,
            p.resolved_at,
            p.incident_key,
            p.severity.value if p.severity else None,
            p.urgency.value if p.urgency else None,
            p.channel.value if p.channel else None,
            p.service,
            p.title,
            "",
            page_store.content_hash(page_store.page_fields(p)),
            n,
        )
        for n, p in enumerate(drafts, 1)
    ]
    outcomes = store.write(rows)
    store.finish(len(rows), {"inserted": outcomes.count("inserted")})
    return len(rows)


# --- incidents -------------------------------------------------------------------------------
#
# Two closed incidents, so the Incidents screen has something to show and a postmortem draft to
# write: each walked through the shipped web-service checklist by the real Runner (every event
# the app would have written, minute by minute) and closed the way the app closes one, so its
# engaged time is a page of the engineer. Both are stored in the demo's one transaction.

#: The shipped checklist the demo's incidents follow.
DEMO_CHECKLIST = "web-triage"


class _Walk:
    """One incident walked through its checklist by the real runner, in the demo's session.

    Every action names the step it expects to be on, so a changed checklist fails the demo's
    tests loudly instead of quietly storing a timeline that makes no sense."""

    def __init__(
        self,
        s: object,
        store: ModuleType,
        library: Mapping,
        team: Team,
        at: datetime,
        engineer: Engineer,
        title: str,
    ) -> None:
        # Kept in UTC: the runner writes the times it renders into messages as UTC.
        self.s, self.store, self.start = s, store, at.astimezone(UTC)
        self.engineer = engineer
        self.incident, self.runner = store.start_incident_in(
            s,
            library[DEMO_CHECKLIST],
            at,
            library=library,
            team_id=team.id,
            engineer_id=engineer.id,
            title=title,
            actor=engineer.handle,
        )

    def at(self, minute: float) -> datetime:
        return self.start + timedelta(minutes=minute)

    def _keep(self, made: Sequence[object]) -> None:
        for e in made:
            self.store.append_event_in(self.s, self.incident.id, e)

    def answer(self, minute: float, step: str, label: str = "", value: str = "") -> None:
        """Answer ``step`` (the one on screen) with the button called ``label`` (default:
        the only one) and, for an input or comms step, ``value``."""
        shown = self.runner.step
        if shown is None or shown.id != step:
            raise LookupError(f"the demo expected step {step}, the checklist shows {shown}")
        index = next(c.index for c in self.runner.choices() if not label or c.label == label)
        self._keep(self.runner.answer(index, self.at(minute), value))

    def note(self, minute: float, text: str) -> None:
        self._keep(self.runner.note(text, self.at(minute)))

    def began(self, minute: float, minutes_before_start: int, text: str) -> None:
        """A backfilled impact-began marker, written at ``minute``."""
        from oncall.domain.incident import Marker

        began = self.start - timedelta(minutes=minutes_before_start)
        self._keep(self.runner.backfill(text, began, self.at(minute), marker=Marker.IMPACT_BEGAN))

    def status(self, minute: float, template: str, **extra: str) -> None:
        """A status update outside a comms step, from ``template`` (a checklist template's
        name or the text itself)."""
        at = self.at(minute)
        self._keep(self.runner.status_update(self.runner.render(template, at, **extra), at))

    def message(self, minute: float, template: str, **extra: str) -> str:
        """What a comms step posts at ``minute``, from the checklist's ``template``."""
        return self.runner.render(template, self.at(minute), **extra)

    def call(self, minute: float, person: Engineer, role: str) -> None:
        self._keep(
            self.runner.call_for_help(
                self.at(minute),
                name=person.name,
                role=role,
                engineer_id=person.id,
                contact=person.phone,
            )
        )

    def close(self, minute: float) -> None:
        """Close as the app does on the end step: with its outcome, the engaged time logged."""
        step = self.runner.step
        if step is None or not self.runner.at_end or step.outcome is None:
            raise LookupError(f"the demo's incident is not at an end step but at {step}")
        self.incident = self.store.close_incident_in(
            self.s, self.incident.id, self.at(minute), step.outcome, actor=self.engineer.handle
        )


def _holder_at_local(
    s: object, team: Team, days: Iterable[date], clock: time
) -> tuple[datetime, Engineer, Engineer | None]:
    """The first of ``days`` on which the team's primary (as on the ledger at noon London)
    still holds the pager at ``clock`` in their own zone: that instant, the primary and the
    secondary (None when there is none)."""
    from oncall.db import incidents, queries

    for day in days:
        _, noon_holder, _ = incidents.on_call(
            s, _engine().localize(datetime.combine(day, time(12)), LONDON), team.id
        )
        person = queries.get_engineer(s, noon_holder) if noon_holder is not None else None
        if person is None:
            continue
        at = _engine().localize(datetime.combine(day, clock), person.zone)
        _, primary, second = incidents.on_call(s, at, team.id)
        if primary == person.id:
            return at, person, queries.get_engineer(s, second) if second is not None else None
    raise LookupError(f"no {team.name} primary at {clock} on {days}")  # a bug in the demo


def _lead_or_teammate(s: object, team: Team, person: Engineer) -> tuple[Engineer, str]:
    """Who ``person`` calls for help at night with no secondary on call: the team lead, or
    when they are the lead, the first teammate (by name); with the role to say."""
    from oncall.db import queries

    if team.lead_engineer_id not in (None, person.id):
        return queries.get_engineer(s, team.lead_engineer_id), "team lead"
    mate = next(e for e in queries.team_engineers(s, team.id) if e.id != person.id)
    return mate, "teammate"


def _colleague(s: object, team: Team, person: Engineer, at: datetime) -> Engineer:
    """A teammate of ``person`` for whom ``at`` falls in the working day (09:00-17:00)."""
    from oncall.db import queries

    return next(
        e
        for e in queries.team_engineers(s, team.id)
        if e.id != person.id and 9 <= at.astimezone(ZoneInfo(e.zone)).hour < 17
    )


def add_demo_incidents(s: object, payments: Team, platform: Team, now: datetime) -> list[int]:
    """Write the demo's two closed incidents in the caller's transaction; returns their ids.

    Three weeks ago at 02:14 (the engineer's own time) the Payments primary was woken by
    failing card checkouts: a vendor's analytics script had changed under the checkout page.
    Two months ago, in office hours, a Platform node with a full disk broke some downloads.
    Deterministic for a given ``now``.
    """
    from oncall.db import incidents, queries
    from oncall.exchange import checklists

    library = checklists.load_library(today=now.date()).checklists
    today = now.astimezone(ZoneInfo(LONDON)).date()

    def around(days_ago: int) -> list[date]:
        """The Wednesday of that week, then the days either side: mid-week, clear of handoffs."""
        wednesday = _monday(today - timedelta(days=days_ago)) + timedelta(days=2)
        return [wednesday + timedelta(days=d) for d in (0, 1, -1, 2)]

    at, primary, _ = _holder_at_local(s, payments, around(21), time(2, 14))
    # Payments had no secondary then: the primary calls the lead (a teammate if they are it).
    helper, role = _lead_or_teammate(s, payments, primary)
    w = _Walk(
        s,
        incidents,
        library,
        payments,
        at,
        primary,
        "Checkout POST requests failing after a vendor analytics script changed",
    )
    w.answer(3, "acknowledge")
    w.answer(4, "breathe")
    w.answer(6, "one-line", value="Card checkout fails: POST /checkout errors in the browser")
    w.note(7, "Graphs show 5xx on POST /checkout since 01:58")
    w.began(7, 16, "Impact began: first 5xx on the checkout graphs")
    w.answer(9, "see-it", "Yes")
    w.answer(11, "scope", "Only some")
    w.answer(13, "pattern", value="Only POST /checkout from browsers; the apps and API are fine")
    w.answer(14, "severity", value="high")
    w.answer(15, "triage-check")
    w.answer(16, "customers-feel", "Yes")
    affected = {"affected": "Card checkout on the website"}
    w.answer(18, "status-first", value=w.message(18, "status_initial", **affected))
    w.answer(19, "get-help", "Yes")
    w.call(20, helper, role)
    w.answer(27, "split-roles")
    w.note(28, f"{_first(helper)} takes the status updates; I keep digging")
    w.answer(29, "say-check")
    w.answer(33, "what-we-changed")
    w.note(34, "No deploy or flag change of ours since yesterday evening")
    w.answer(40, "outside-changes")
    w.note(
        41,
        "The vendor analytics script loads as 'latest': a new version went out at 01:55 "
        "and wraps fetch() on the checkout page",
    )
    w.answer(42, "change-before", "Yes")
    w.answer(44, "pause-before-change")
    w.status(
        46,
        "We found a likely cause of the failed card checkouts and are undoing it. "
        "Next update by {next_update}.",
    )
    w.note(51, "Pinned the analytics script to last week's version in the tag manager")
    w.answer(52, "rollback")
    w.answer(60, "verify", "Yes")
    w.answer(62, "status-mitigated", value=w.message(62, "status_mitigated", **affected))
    w.answer(77, "watch")
    w.answer(78, "fix-temporary", "Yes")
    w.answer(
        79,
        "temporary-todo",
        value="TODO: self-host the analytics script and load it off the checkout path",
    )
    w.note(80, "TODO: ask the vendor why a breaking change went to 'latest' without notice")
    w.answer(81, "post-resolved", value=w.message(81, "status_resolved", **affected))
    w.answer(
        84,
        "write-up",
        value="A new version of the vendor analytics script broke checkout "
        "POSTs from 01:58. Pinned the old version at 03:05; checkout works again since "
        "03:14. Left: self-host the script.",
    )
    w.answer(85, "follow-ups")
    w.answer(85, "hand-off")
    w.answer(86, "rest")
    w.close(86)
    night = w.incident.id

    at, primary, _ = _holder_at_local(s, platform, around(61), time(14, 5))
    # The lead is called, unless they hold the pager: then a teammate in their working day.
    helper, role = _colleague(s, platform, primary, at), "teammate"
    if platform.lead_engineer_id not in (None, primary.id):
        helper, role = queries.get_engineer(s, platform.lead_engineer_id), "team lead"
    w = _Walk(
        s,
        incidents,
        library,
        platform,
        at,
        primary,
        "Build artifact downloads failing through one ingress node",
    )
    affected = {"affected": "Downloading build artifacts"}
    w.answer(1, "acknowledge")
    w.answer(2, "breathe")
    w.answer(3, "one-line", value="Some build artifact downloads fail with 502")
    w.answer(4, "see-it", "Yes")
    w.answer(5, "scope", "Only some")
    w.answer(7, "pattern", value="Only requests through the ingress pods on eu-west-1c-14")
    w.answer(8, "severity", value="medium")
    w.answer(8, "triage-check")
    w.answer(9, "customers-feel", "No")
    w.answer(10, "get-help", "Yes")
    w.call(10, helper, role)
    w.answer(14, "split-roles")
    w.answer(15, "say-check")
    w.answer(16, "what-we-changed")
    w.answer(17, "outside-changes")
    w.answer(18, "change-before", "No")
    w.note(19, "Node eu-west-1c-14: disk full, the kubelet is evicting the ingress pods")
    w.answer(20, "before-mitigating")
    w.answer(21, "pick-mitigation", "Drain the odd node")
    w.answer(24, "drain")
    w.status(
        26,
        "Some artifact downloads fail; we are moving traffic off one node. "
        "Next update by {next_update}.",
    )
    w.answer(29, "verify", "Yes")
    w.answer(30, "status-mitigated", value=w.message(30, "status_mitigated", **affected))
    w.note(31, "TODO: alert on node disk usage before the kubelet starts evicting pods")
    w.answer(40, "watch")
    w.answer(41, "fix-temporary", "No, it is fixed")
    w.answer(42, "post-resolved", value=w.message(42, "status_resolved", **affected))
    w.answer(
        44,
        "write-up",
        value="A full disk on one node broke some downloads through its "
        "ingress pods. Drained the node; downloads work. Left: the disk alert.",
    )
    w.answer(45, "follow-ups")
    w.answer(45, "hand-off")
    w.answer(46, "rest")
    w.close(46)
    return [night, w.incident.id]

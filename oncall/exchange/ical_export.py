"""The final schedule as iCalendar: a team feed, a personal feed per engineer, and a folder
kept fresh with both (reference/formats.md 5.3, docs/calendar.md).

One VEVENT per final shift, in UTC (no VTIMEZONE, no RRULE). The text is written by a small
serialiser of our own (escaping per RFC 5545 3.3.11, folding at 75 octets without splitting a
UTF-8 character, CRLF): it is several times faster than building icalendar components, and the
tests parse every export back with icalendar, vobject and recurring-ical-events.

**UIDs.** A team feed's UID is the sha256 (first 32 hex digits) of ``team id | role | shift
start (UTC)``, at ``oncall.invalid``: the slot,
not the person, so a swap or an override of a whole shift updates the event in place (same
UID, higher SEQUENCE) instead of deleting one and adding another. A personal feed adds the
engineer id, since a swap really does remove the shift from one person's calendar and add it
to another's. An override of part of a shift splits it: the first piece keeps the UID (its end
moves), the override and the rest are new events, and they vanish again when the override is
removed. Moving a rotation's handoff time changes the starts, so those events are replaced.

**SEQUENCE and LAST-MODIFIED** come from ``oncall.db.calendar.assign_sequences``: the hash of
what an event says (everything but DTSTAMP, SEQUENCE, LAST-MODIFIED) is stored per UID, and
SEQUENCE rises by one whenever it changes. Given DTSTAMP and that state the output is
byte-for-byte deterministic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from oncall import __version__
from oncall.domain.model import Engineer, Role, Shift, Team, TeamPlan

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251  (types only)

    from oncall.db.calendar import EventRevision, PublishStatus

log = logging.getLogger(__name__)

PRODID = f"-//OnCall Wellbeing//oncall {__version__}//EN"
UID_DOMAIN = "oncall.invalid"  # RFC 7986 5.3: no real host names in UIDs
REFRESH = "PT1H"  # REFRESH-INTERVAL and X-PUBLISHED-TTL (clients may poll less often)
DAYS_BACK, DAYS_AHEAD = 15, 180  # Grafana OnCall's window (formats.md 5.3)
# Shifts that start inside the horizon are exported whole: resolve this far past its end so
# the last shift of each role is not cut at the edge (and does not change every day).
_TAIL = timedelta(days=31)
_ROLE_ORDER = {role: i for i, role in enumerate(Role)}
_WHO_TO_CALL_MAX = 8


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One final shift as an event: what the VEVENT says apart from its revision.

    ``start`` and ``end`` are aware (written in UTC). ``team_id``, ``role`` and
    ``engineer_id`` identify the shift for callers (the UI, the tests).
    """

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    team_id: int
    role: Role
    engineer_id: int
    categories: str = "On-call"

    def content_hash(self) -> str:
        """sha256 of what the event says (not DTSTAMP, SEQUENCE, LAST-MODIFIED)."""
        text = "\x1f".join(
            (
                self.uid,
                _utc_text(self.start),
                _utc_text(self.end),
                self.summary,
                self.description,
                self.categories,
                "CONFIRMED",
                "TRANSPARENT",
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """A whole calendar: ``key`` names its file (``team-payments``, ``person-ada``), ``name``
    is shown by clients (NAME, X-WR-CALNAME); events by start, role, UID."""

    key: str
    name: str
    events: tuple[CalendarEvent, ...] = field(default=())


# ---------------------------------------------------------------------------------- identity


def shift_uid(shift: Shift, *, personal: bool = False) -> str:
    """The stable UID of a shift's event: the slot (team, role, start) in a team feed, plus
    the engineer in a personal feed (module docstring: why)."""
    key = f"{shift.team_id}|{shift.role.value}|{_utc_text(shift.start)}"
    if personal:
        key += f"|{shift.engineer_id}"
    # 128 bits of the hash keep the UID line under 75 octets (no folding in the UID).
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def horizon(
    now: datetime, days_back: int = DAYS_BACK, days_ahead: int = DAYS_AHEAD
) -> tuple[datetime, datetime]:
    """The exported window ``[now - days_back, now + days_ahead)``."""
    return now - timedelta(days=days_back), now + timedelta(days=days_ahead)


def slug(text: str) -> str:
    """A file-name-safe lower-case form of a name: "Payments EU" -> "payments-eu"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "calendar"


# ---------------------------------------------------------------------------------- feeds


def _name(people: Mapping[int, Engineer], engineer_id: int) -> str:
    person = people.get(engineer_id)
    return person.name if person else f"engineer #{engineer_id}"


def _when(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%a %d %b %Y %H:%M")


def _contact(person: Engineer | None) -> str:
    if person is None:
        return ""
    parts = [p for p in (person.email, person.phone) if p]
    return f" ({', '.join(parts)})" if parts else ""


def _describe(
    shift: Shift,
    team: Team,
    plan: TeamPlan,
    same_team: Sequence[Shift],
    people: Mapping[int, Engineer],
    zone_name: str,
) -> str:
    """Handoff notes and who to call, in ``zone_name``'s wall-clock time."""
    zone = ZoneInfo(zone_name)
    lines = [
        f"{team.name} {shift.role.value} on call: {_when(shift.start, zone)} to "
        f"{_when(shift.end, zone)} ({zone_name})"
    ]
    before = next((x for x in same_team if x.role == shift.role and x.end == shift.start), None)
    after = next((x for x in same_team if x.role == shift.role and x.start == shift.end), None)
    if before is not None:
        lines.append(f"Handoff from {_name(people, before.engineer_id)} at the start.")
    if after is not None:
        lines.append(f"Handoff to {_name(people, after.engineer_id)} at the end.")
    note = _note(shift, plan)
    if note:
        lines.append(f"Note: {note}")
    others = [
        x
        for x in same_team
        if x.role != shift.role
        and x.role != Role.SHADOW
        and x.start < shift.end
        and x.end > shift.start
    ]
    if others:
        lines.append("Who to call:")
        for x in others[:_WHO_TO_CALL_MAX]:
            person = people.get(x.engineer_id)
            lines.append(
                f"- {x.role.value.capitalize()}: {_name(people, x.engineer_id)}"
                f"{_contact(person)}, {_when(max(x.start, shift.start), zone)} to "
                f"{_when(min(x.end, shift.end), zone)}"
            )
        if len(others) > _WHO_TO_CALL_MAX:
            lines.append(f"- and {len(others) - _WHO_TO_CALL_MAX} more")
    return "\n".join(lines)


def _note(shift: Shift, plan: TeamPlan) -> str:
    source = shift.source
    if source.override_id is not None:
        return next((o.note for o in plan.overrides if o.id == source.override_id), "")
    if source.swap_id is not None:
        return next((w.note for w in plan.swaps if w.id == source.swap_id), "")
    return ""


def _order(event: CalendarEvent) -> tuple:
    return (event.start, _ROLE_ORDER[event.role], event.uid)


def _events(
    shifts: Iterable[Shift],
    plan: TeamPlan,
    all_shifts: Sequence[Shift],
    people: Mapping[int, Engineer],
    *,
    personal: bool,
    zone: str,
) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    seen: set[str] = set()
    for shift in shifts:
        uid = shift_uid(shift, personal=personal)
        if uid in seen:  # two people in one slot (stacked shadow layers): keep both
            uid = shift_uid(shift, personal=True)
        seen.add(uid)
        events.append(
            CalendarEvent(
                uid=uid,
                start=shift.start,
                end=shift.end,
                summary=(
                    f"On call: {plan.team.name} {shift.role.value} — "
                    f"{_name(people, shift.engineer_id)}"
                ),
                description=_describe(shift, plan.team, plan, all_shifts, people, zone),
                team_id=shift.team_id,
                role=shift.role,
                engineer_id=shift.engineer_id,
            )
        )
    return events


def _inside(shifts: Sequence[Shift], window: tuple[datetime, datetime] | None) -> list[Shift]:
    if window is None:
        return list(shifts)
    return [x for x in shifts if x.start < window[1] and x.end > window[0]]


def team_feed(
    plan: TeamPlan,
    shifts: Sequence[Shift],
    people: Mapping[int, Engineer],
    window: tuple[datetime, datetime] | None = None,
) -> CalendarFeed:
    """A team's calendar from its final shifts (times in descriptions in the team's zone).

    With ``window``, only shifts meeting it become events; the others still name the next
    person in "handoff to" and "who to call".
    """
    events = _events(
        _inside(shifts, window), plan, shifts, people, personal=False, zone=plan.team.zone
    )
    return CalendarFeed(
        key=f"team-{slug(plan.team.name)}",
        name=f"{plan.team.name} on-call",
        events=tuple(sorted(events, key=_order)),
    )


def engineer_feed(
    engineer: Engineer,
    teams: Iterable[tuple[TeamPlan, Sequence[Shift]]],
    people: Mapping[int, Engineer],
    window: tuple[datetime, datetime] | None = None,
) -> CalendarFeed:
    """One engineer's calendar: their final shifts in every team given (each as
    ``(plan, that team's final shifts)``), described in the engineer's zone; ``window`` as
    in :func:`team_feed`."""
    events: list[CalendarEvent] = []
    for plan, shifts in teams:
        mine = [x for x in _inside(shifts, window) if x.engineer_id == engineer.id]
        events += _events(mine, plan, shifts, people, personal=True, zone=engineer.zone)
    return CalendarFeed(
        key=f"person-{slug(engineer.handle)}",
        name=f"{engineer.name} on-call",
        events=tuple(sorted(events, key=_order)),
    )


# ---------------------------------------------------------------------------------- text

_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""})


def _text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11."""
    return value.translate(_ESCAPES)


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """One content line folded at 75 octets (CRLF + space), never inside a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    data = line.encode()
    if len(data) <= 75:
        return line
    pieces = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte
            end -= 1
        pieces.append(data[start:end].decode())
        start, limit = end, 74  # continuation lines start with the space
    return "\r\n ".join(pieces)


def _event_lines(
    event: CalendarEvent, revision: EventRevision, dtstamp: str, out: list[str]
) -> None:
    out += (
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{dtstamp}",
        f"LAST-MODIFIED:{_utc_text(revision.changed_at)}",
        f"SEQUENCE:{revision.sequence}",
        f"DTSTART:{_utc_text(event.start)}",
        f"DTEND:{_utc_text(event.end)}",
        _fold(f"SUMMARY:{_text(event.summary)}"),
        _fold(f"DESCRIPTION:{_text(event.description)}"),
        f"CATEGORIES:{_text(event.categories)}",
        "TRANSP:TRANSPARENT",  # on call is not busy: do not block the whole day (GoAlert #3475)
        "STATUS:CONFIRMED",
        "END:VEVENT",
    )


def render(feed: CalendarFeed, revisions: Mapping[str, EventRevision], dtstamp: datetime) -> str:
    """The feed as an iCalendar text (CRLF line ends), per formats.md 5.3.

    ``revisions`` gives each UID's SEQUENCE and LAST-MODIFIED (from ``assign_sequences``);
    ``dtstamp`` is the export time. Deterministic given both.
    """
    stamp = _utc_text(dtstamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _fold(f"NAME:{_text(feed.name)}"),
        _fold(f"X-WR-CALNAME:{_text(feed.name)}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",  # VALUE=DURATION is required (RFC 7986)
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for event in feed.events:
        _event_lines(event, revisions[event.uid], stamp, lines)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def render_event(event: CalendarEvent, revision: EventRevision, dtstamp: datetime) -> str:
    """One event as a calendar object resource for CalDAV: no METHOD (RFC 4791 4.1 forbids it
    in a calendar collection), no calendar name."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    _event_lines(event, revision, _utc_text(dtstamp), lines)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename, so a
    syncing client or a subscriber sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------- database


def team_final_shifts(
    s: Session, team_id: int, start: datetime, end: datetime, now: datetime
) -> tuple[TeamPlan, list[Shift]]:
    """A team's plan and its final shifts (ledger history + live) from the first that meets
    ``start`` to a month past ``end``, each whole (not cut at the window's edges, so UIDs and
    times do not move as the window slides day by day). The feeds take ``(start, end)`` as
    their window and use the shifts past it for "handoff to" and "who to call"."""
    from oncall.db import queries
    from oncall.domain.ledger import final_schedule

    plan = queries.load_plan(s, team_id)
    ledger = queries.ledger(s, team_id, start, end + _TAIL)
    lo = min([start, *(x.start for x in ledger)])
    final = final_schedule(plan, ledger, lo, end + _TAIL, now)
    return plan, [x for x in final.shifts if x.end > start]


def people_by_id(s: Session) -> dict[int, Engineer]:
    """Every engineer (inactive ones too: history names them), by id."""
    from oncall.db import queries

    return {e.id: e for e in queries.list_engineers(s, include_inactive=True)}


def load_team_feed(
    s: Session, team_id: int, start: datetime, end: datetime, now: datetime
) -> CalendarFeed:
    """The team's feed over ``[start, end)`` (see :func:`team_final_shifts`)."""
    plan, shifts = team_final_shifts(s, team_id, start, end, now)
    return team_feed(plan, shifts, people_by_id(s), (start, end))


def load_engineer_feed(
    s: Session, engineer_id: int, start: datetime, end: datetime, now: datetime
) -> CalendarFeed:
    """An engineer's personal feed over ``[start, end)``: their shifts in every team they
    belong to or hold a shift of. Raises ValueError for an unknown engineer."""
    from oncall.db import queries

    engineer = queries.get_engineer(s, engineer_id)
    if engineer is None:
        raise ValueError(f"There is no engineer with id {engineer_id}.")
    team_ids = {t.id for t in queries.engineer_teams(s, engineer_id)}
    team_ids |= {x.team_id for x in queries.engineer_ledger(s, engineer_id, start, end)}
    teams = [team_final_shifts(s, t, start, end, now) for t in sorted(team_ids)]
    return engineer_feed(engineer, teams, people_by_id(s), (start, end))


def export_feed(s: Session, feed: CalendarFeed, now: datetime) -> str:
    """The feed's text, stamped ``now``, with SEQUENCE from (and written to) the state."""
    from oncall.db import calendar

    revisions = calendar.assign_sequences(s, {e.uid: e.content_hash() for e in feed.events}, now)
    return render(feed, revisions, now)


def export_team(
    s: Session,
    team_id: int,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """A team's calendar as text: over ``[start, end)``, by default the standard horizon
    (15 days back, 180 ahead). Updates the SEQUENCE state; call in a write transaction."""
    lo, hi = horizon(now)
    return export_feed(s, load_team_feed(s, team_id, start or lo, end or hi, now), now)


def export_engineer(
    s: Session,
    engineer_id: int,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """An engineer's personal calendar as text (see :func:`export_team`)."""
    lo, hi = horizon(now)
    return export_feed(s, load_engineer_feed(s, engineer_id, start or lo, end or hi, now), now)


def all_feeds(
    s: Session, start: datetime, end: datetime, now: datetime
) -> tuple[list[CalendarFeed], list[CalendarFeed]]:
    """Every team's feed and every active engineer's personal feed (who has shifts), each
    team resolved once."""
    from oncall.db import queries

    people = people_by_id(s)
    resolved = {t.id: team_final_shifts(s, t.id, start, end, now) for t in queries.list_teams(s)}
    window = (start, end)
    teams = [team_feed(plan, shifts, people, window) for plan, shifts in resolved.values()]
    personal = []
    for engineer in queries.list_engineers(s):
        feed = engineer_feed(engineer, resolved.values(), people, window)
        if feed.events:
            personal.append(feed)
    return teams, personal


def publish_folder(
    sessions: sessionmaker[Session],
    folder: str | Path,
    now: datetime,
    *,
    days_back: int = DAYS_BACK,
    days_ahead: int = DAYS_AHEAD,
) -> PublishStatus:
    """Write every team's and person's calendar into ``folder`` (``team-<name>.ics``,
    ``person-<handle>.ics``), each atomically, and record the result as the "folder" publish
    status. Call it after each edit (the UI) and from ``oncall publish`` (cron).

    A file whose calendar did not change is not rewritten (a synced folder then uploads
    nothing). Never raises for a folder problem: the status says what went wrong.
    """
    from oncall.db import calendar

    target = Path(folder).expanduser()
    start, end = horizon(now, days_back, days_ahead)
    written = unchanged = 0
    try:
        with sessions.begin() as s:
            teams, personal = all_feeds(s, start, end, now)
            texts = {f"{feed.key}.ics": export_feed(s, feed, now) for feed in teams + personal}
        target.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            path = target / name
            if _same_but_stamp(path, text):
                unchanged += 1
                continue
            write_atomic(path, text)
            written += 1
        status = calendar.PublishStatus(
            "folder", now, True, f"{written} written, {unchanged} unchanged", str(target),
            written, 0, unchanged,
        )  # fmt: skip
    except OSError as error:
        status = calendar.PublishStatus(
            "folder", now, False, f"cannot write to {target}: {error.strerror or error}",
            str(target), written, 0, unchanged,
        )  # fmt: skip
    with sessions.begin() as s:
        calendar.record_publish(s, status)
    return status


_DTSTAMP = re.compile(r"^DTSTAMP:\d{8}T\d{6}Z\r$", re.MULTILINE)


def _same_but_stamp(path: Path, text: str) -> bool:
    """Whether ``path`` already holds ``text`` apart from the DTSTAMP lines."""
    try:
        old = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return _DTSTAMP.sub("", old) == _DTSTAMP.sub("", text)

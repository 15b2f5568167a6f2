"""Leave from ``.ics`` files (Google and Outlook exports): read, preview, save (formats.md 7).

Reading (:func:`read_leave_ics`) goes: unfold the lines (keeping line numbers) and check the
structure; map Windows zone names in TZIDs to IANA (:data:`WINDOWS_ZONES`; an unknown zone
with no VTIMEZONE is an error naming its line); parse with icalendar and refuse a file with
broken values (naming the line); apply ``x_wr_timezone.to_standard`` (Google's X-WR-TIMEZONE
for floating times); expand recurrences with ``recurring_ical_events`` over a window.

Each occurrence becomes a :class:`LeaveEvent` whose times are still as the file says: a
``date`` (all-day: whole local days in the engineer's zone, DTEND exclusive, one day when
missing), an aware ``datetime``, or a naive one (floating: read in the engineer's zone).
Cancelled events are skipped; so are timed TRANSPARENT ("free") events unless Outlook marks
them out of office. All-day events are kept whatever their TRANSP, since Google exports
all-day vacation as "free" by default.

Saving is idempotent by (engineer, UID, RECURRENCE-ID): a re-import updates the leave it made
before and never adds a second row (``oncall.db.calendar.save_imported_leave``). Events are
matched to the engineer given, else by ATTENDEE/ORGANIZER email. A re-import of the same
source (the file name) also removes the leave that source made earlier whose event is no
longer in the file over the window read (only leave imported from that source, of the engineer
given when one is; hand-entered leave is never touched). :func:`preview_leave_import` shows
what would happen; :func:`import_leave_file` does it all in one transaction, and re-materialises
the ledger of the teams whose people's leave changed (nothing is saved for a broken file or a
dry run).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oncall.domain.model import Engineer, Leave, LeaveKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251  (types only)

#: Windows zone names seen in Outlook and Exchange exports, to IANA (CLDR windowsZones,
#: territory "001"). icalendar knows more; these are the ones we promise.
WINDOWS_ZONES: dict[str, str] = {
    "Dateline Standard Time": "Etc/GMT+12",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Central America Standard Time": "America/Guatemala",
    "Eastern Standard Time": "America/New_York",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Buenos_Aires",
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "GTB Standard Time": "Europe/Bucharest",
    "FLE Standard Time": "Europe/Kiev",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Turkey Standard Time": "Europe/Istanbul",
    "Russian Standard Time": "Europe/Moscow",
    "Arabian Standard Time": "Asia/Dubai",
    "Pakistan Standard Time": "Asia/Karachi",
    "India Standard Time": "Asia/Calcutta",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "SE Asia Standard Time": "Asia/Bangkok",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
}

_SICK = re.compile(r"\b(sick|ill|illness|krank)\b", re.IGNORECASE)


class LeaveFileError(ValueError):
    """A file that cannot be imported: ``str()`` is "file:line: what is wrong"."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.message = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class LeaveEvent:
    """One occurrence of a leave event as the file gives it (see the module docstring).

    ``recurrence_id`` is "" for a single event, else the occurrence's original start (ISO
    8601, UTC for timed ones). ``emails`` are the ATTENDEE and ORGANIZER addresses, lower case.
    """

    uid: str
    recurrence_id: str
    start: date | datetime
    end: date | datetime
    summary: str
    emails: tuple[str, ...] = ()
    line: int | None = None

    @property
    def all_day(self) -> bool:
        """Whether the event is whole days (DTSTART;VALUE=DATE)."""
        return not isinstance(self.start, datetime)

    @property
    def kind(self) -> LeaveKind:
        """SICK when the summary says so, else VACATION."""
        return LeaveKind.SICK if _SICK.search(self.summary) else LeaveKind.VACATION

    def instants(self, zone: str) -> tuple[datetime, datetime]:
        """Start and end as aware UTC instants: days and floating times read in ``zone``."""
        tz = ZoneInfo(zone)

        def at(value: date | datetime) -> datetime:
            if not isinstance(value, datetime):
                value = datetime.combine(value, time())
            if value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            return value.astimezone(UTC)

        return at(self.start), at(self.end)


# ---------------------------------------------------------------------------------- reading


def _unfold(text: str) -> list[tuple[int, str]]:
    """Content lines with the number of the physical line each starts on."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((number, raw))
    return out


def _check_structure(lines: list[tuple[int, str]], source: str) -> None:
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise LeaveFileError(source, lines[0][0] if lines else None, "not an iCalendar file "
                             "(it must start with BEGIN:VCALENDAR)")  # fmt: skip
    stack: list[tuple[str, int]] = []
    for number, line in lines:
        name, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9-]+(;.*)?", name):
            raise LeaveFileError(source, number, f"not an iCalendar content line: {line[:60]!r}")
        key = name.split(";", 1)[0].upper()
        if key == "BEGIN":
            stack.append((value.strip().upper(), number))
        elif key == "END":
            if not stack or stack[-1][0] != value.strip().upper():
                expected = f"END:{stack[-1][0]}" if stack else "nothing"
                raise LeaveFileError(source, number, f"END:{value} where {expected} was expected")
            stack.pop()
    if stack:
        kind, number = stack[-1]
        raise LeaveFileError(source, number, f"BEGIN:{kind} is never closed (file cut short?)")


_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)


def _is_iana(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _map_zones(lines: list[tuple[int, str]], source: str) -> list[tuple[int, str]]:
    """TZIDs made IANA: Windows names through :data:`WINDOWS_ZONES`; a zone that is neither
    IANA, nor in the table, nor defined by a VTIMEZONE in the file is an error."""
    defined = {
        line.partition(":")[2].strip()
        for _, line in lines
        if line.upper().startswith("TZID:") or line.upper().startswith("TZID;")
    }

    def mapped(name: str, number: int) -> str:
        bare = name.strip('"')
        if bare in WINDOWS_ZONES:
            return WINDOWS_ZONES[bare]
        if _is_iana(bare) or bare in defined:
            return bare
        raise LeaveFileError(
            source, number, f'unknown time zone "{bare}" (not an IANA or a known Windows zone '
            "name, and the file has no VTIMEZONE for it)"
        )  # fmt: skip

    out = []
    for number, line in lines:
        name, sep, value = line.partition(":")
        if name.upper() == "TZID":
            bare = value.strip()
            line = f"TZID:{WINDOWS_ZONES.get(bare, bare)}"
        elif ";TZID=" in name.upper():
            name = _TZID_PARAM.sub(lambda m: f";TZID={mapped(m.group(1), number)}", name)  # noqa: B023
            line = f"{name}{sep}{value}"
        out.append((number, line))
    return out


def _line_of(lines: list[tuple[int, str]], prop: str, bad: str) -> int | None:
    for number, line in lines:
        name, _, value = line.partition(":")
        if name.split(";", 1)[0].upper() == prop.upper() and (not bad or bad in line or
                                                              value in bad):  # fmt: skip
            return number
    return None


def _emails(component: Any) -> tuple[str, ...]:
    values: list[Any] = []
    for key in ("ATTENDEE", "ORGANIZER"):
        got = component.get(key)
        if got is None:
            continue
        values += got if isinstance(got, list) else [got]
    out = []
    for v in values:
        text = str(v).strip()
        if text.lower().startswith("mailto:"):
            text = text[7:]
        if "@" in text:
            out.append(text.lower())
    return tuple(dict.fromkeys(out))


def _recurrence_key(value: Any) -> str:
    dt = getattr(value, "dt", value)
    if isinstance(dt, datetime):
        return (dt.astimezone(UTC) if dt.tzinfo else dt).strftime("%Y%m%dT%H%M%S") + (
            "Z" if dt.tzinfo else ""
        )
    return dt.strftime("%Y%m%d") if isinstance(dt, date) else str(value)


def read_leave_ics(
    data: bytes | str, *, source: str, start: datetime, end: datetime
) -> tuple[list[LeaveEvent], list[str]]:
    """The leave occurrences of an ``.ics`` file meeting ``[start, end)`` (recurrences
    expanded), and a sentence per skipped event. Raises :class:`LeaveFileError` naming the
    file and, where it can, the line, for any broken file."""
    import icalendar
    import recurring_ical_events
    import x_wr_timezone

    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise LeaveFileError(source, None, f"not UTF-8 text ({error.reason})") from None
    else:
        text = data
    lines = _map_zones(_unfold(text), source)
    _check_structure(lines, source)
    try:
        cal = icalendar.Calendar.from_ical("\r\n".join(line for _, line in lines) + "\r\n")
    except ValueError as error:
        raise LeaveFileError(source, None, f"cannot be read as iCalendar: {error}") from None
    recurring: set[str] = set()
    begins = iter([n for n, line in lines if line.upper() == "BEGIN:VEVENT"])
    event_lines: dict[str, int] = {}
    for component in cal.walk("VEVENT"):
        number = next(begins, None)
        for prop, problem in component.errors:
            raise LeaveFileError(source, _line_of(lines, prop, problem.split(": ")[-1]),
                                 f"{prop}: {problem}")  # fmt: skip
        uid = str(component.get("UID", "")).strip()
        if not uid:
            raise LeaveFileError(source, number, "an event without a UID cannot be re-imported")
        if component.get("DTSTART") is None:
            raise LeaveFileError(source, number, f"event {uid} has no DTSTART")
        event_lines.setdefault(uid, number or 0)
        if any(k in component for k in ("RRULE", "RDATE", "RECURRENCE-ID")):
            recurring.add(uid)
    try:
        cal = x_wr_timezone.to_standard(cal)
        occurrences = recurring_ical_events.of(cal).between(
            start - timedelta(days=1), end + timedelta(days=1)
        )
    except Exception as error:  # a bad RRULE and the like: say which file, never a traceback
        raise LeaveFileError(source, None, f"cannot expand the events: {error}") from None

    events: list[LeaveEvent] = []
    skipped: list[str] = []
    for occ in occurrences:
        uid = str(occ.get("UID")).strip()
        summary = str(occ.get("SUMMARY", "")).strip()
        begin = occ["DTSTART"].dt
        finish = occ["DTEND"].dt if occ.get("DTEND") is not None else None
        if finish is None and occ.get("DURATION") is not None:
            finish = begin + occ["DURATION"].dt
        all_day = not isinstance(begin, datetime)
        if (
            not all_day
            and str(occ.get("X-MICROSOFT-CDO-ALLDAYEVENT", "")).upper() == "TRUE"
            and isinstance(finish, datetime)
            and begin.time() == finish.time() == time()
        ):  # Exchange's all-day: midnight to midnight in the sender's zone; whole days here
            begin, finish, all_day = begin.date(), finish.date(), True
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            skipped.append(f"{summary or uid}: cancelled")
            continue
        busy = str(occ.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
        if not all_day and str(occ.get("TRANSP", "")).upper() == "TRANSPARENT" and busy != "OOF":
            skipped.append(f"{summary or uid}: marked free, not out of office")
            continue
        if finish is None:
            if not all_day:
                skipped.append(f"{summary or uid}: no end")
                continue
            finish = begin + timedelta(days=1)
        if isinstance(begin, datetime) and not isinstance(finish, datetime):
            finish = datetime.combine(finish, time(), begin.tzinfo)
        rid = _recurrence_key(occ.get("RECURRENCE-ID")) if uid in recurring else ""
        event = LeaveEvent(uid, rid, begin, finish, summary, _emails(occ), event_lines.get(uid))
        lo, hi = event.instants("UTC")
        if hi <= lo:
            skipped.append(f"{summary or uid}: ends before it starts")
            continue
        events.append(event)
    events.sort(key=lambda e: (e.instants("UTC")[0], e.uid, e.recurrence_id))
    return events, skipped


# ---------------------------------------------------------------------------------- saving

Action = Literal["add", "update", "remove", "unchanged", "unmatched"]

#: Why a ``remove`` row goes: its event is not in the file any more.
GONE = "no longer in the calendar"


@dataclass(frozen=True, slots=True)
class LeavePreviewRow:
    """What importing one occurrence does: ``add``, ``update`` (``leave_id`` is the row),
    ``unchanged``, ``unmatched`` (no engineer: nothing saved), or ``remove``: leave this source
    imported before whose event the file no longer has (``event`` is then rebuilt from the
    stored UID, RECURRENCE-ID, times and summary; ``reason`` says why). ``leave`` is the leave
    as it would be saved (id 0 when new) or as it is (unchanged, remove), None when
    unmatched."""

    event: LeaveEvent
    action: Action
    engineer: Engineer | None
    leave: Leave | None
    leave_id: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LeavePreview:
    """The outcome of an import (or of its dry run)."""

    source: str
    rows: tuple[LeavePreviewRow, ...]
    skipped: tuple[str, ...] = ()
    saved: bool = False
    unmatched_emails: tuple[str, ...] = field(default=())

    def count(self, action: Action) -> int:
        """How many rows have ``action``."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def changes(self) -> int:
        """How many rows saving would change (added, updated, removed)."""
        return self.count("add") + self.count("update") + self.count("remove")

    def summary(self) -> str:
        """ "2 added, 1 updated, 1 removed, 3 unchanged, 0 unmatched, 1 skipped"."""
        return (
            f"{self.count('add')} added, {self.count('update')} updated, "
            f"{self.count('remove')} removed, "
            f"{self.count('unchanged')} unchanged, {self.count('unmatched')} unmatched, "
            f"{len(self.skipped)} skipped"
        )

    def engineer_ids(self) -> frozenset[int]:
        """The engineers whose leave saving would change."""
        return frozenset(
            r.engineer.id
            for r in self.rows
            if r.engineer is not None and r.action in ("add", "update", "remove")
        )


def _match(
    event: LeaveEvent, engineer: Engineer | None, by_email: dict[str, Engineer]
) -> Engineer | None:
    if engineer is not None:
        return engineer
    found = {by_email[e].id: by_email[e] for e in event.emails if e in by_email}
    return next(iter(found.values())) if len(found) == 1 else None


def preview_leave_import(
    s: Session,
    events: Sequence[LeaveEvent],
    *,
    source: str,
    engineer: Engineer | None = None,
    skipped: Iterable[str] = (),
    window: tuple[datetime, datetime] | None = None,
) -> LeavePreview:
    """What importing ``events`` would do, without writing: each matched to ``engineer`` or,
    when None, to the one engineer whose email is an ATTENDEE or the ORGANIZER.

    With ``window`` (the ``[start, end)`` the file was read over), leave imported earlier from
    ``source`` (of ``engineer`` only, when given) that meets the window and whose event (UID
    and RECURRENCE-ID) is not among ``events`` becomes a ``remove`` row. Leave outside the
    window is left alone: the file was not read there.
    """
    from oncall.db import calendar, queries

    engineers = queries.list_engineers(s, include_inactive=True)
    by_email = {e.email.lower(): e for e in engineers}
    by_email.pop("", None)
    rows: list[LeavePreviewRow] = []
    unmatched: set[str] = set()
    for event in events:
        who = _match(event, engineer, by_email)
        if who is None:
            unmatched.update(event.emails)
            rows.append(LeavePreviewRow(event, "unmatched", None, None))
            continue
        start, end = event.instants(who.zone)
        leave = Leave(0, who.id, start, end, event.kind, event.summary)
        old = calendar.find_imported_leave(s, who.id, event.uid, event.recurrence_id)
        if old is None:
            rows.append(LeavePreviewRow(event, "add", who, leave))
        elif (old.leave.start, old.leave.end, old.leave.kind, old.leave.note) == (
            start, end, leave.kind, leave.note
        ):  # fmt: skip
            rows.append(LeavePreviewRow(event, "unchanged", who, old.leave, old.leave.id))
        else:
            rows.append(LeavePreviewRow(event, "update", who, leave, old.leave.id))
    if window is not None:
        by_id = {e.id: e for e in engineers}
        rows += _removals(s, events, source, engineer, window, by_id)
    return LeavePreview(source, tuple(rows), tuple(skipped), False, tuple(sorted(unmatched)))


def _removals(
    s: Session,
    events: Sequence[LeaveEvent],
    source: str,
    engineer: Engineer | None,
    window: tuple[datetime, datetime],
    by_id: dict[int, Engineer],
) -> list[LeavePreviewRow]:
    """The ``remove`` rows: ``source``'s imported leave in ``window`` whose event is gone."""
    from oncall.db import calendar

    start, end = window
    present = {(e.uid, e.recurrence_id) for e in events}
    scope = [engineer.id] if engineer is not None else None
    out = []
    for old in calendar.imported_leave(s, scope, source=source):
        if (old.uid, old.recurrence_id) in present:
            continue
        if not (old.leave.start < end and start < old.leave.end):
            continue
        who = by_id.get(old.leave.engineer_id)
        first, last = _as_days(old.leave.start, old.leave.end, who.zone if who else "UTC")
        event = LeaveEvent(old.uid, old.recurrence_id, first, last, old.summary or old.leave.note)
        out.append(LeavePreviewRow(event, "remove", who, old.leave, old.leave.id, GONE))
    return out


def _as_days(start: datetime, end: datetime, zone: str) -> tuple[date | datetime, date | datetime]:
    """Leave that is whole local days in ``zone`` as those days (as an all-day event reads),
    else the instants."""
    tz = ZoneInfo(zone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.time() == time() == b.time():
        return a.date(), b.date()
    return start, end


def apply_leave_import(
    s: Session, preview: LeavePreview, now: datetime, *, horizon: timedelta | None = None
) -> LeavePreview:
    """Save the preview's added and updated leave and delete its removed leave (in the
    caller's transaction); returns the preview with ``saved`` set and the stored leave.

    Unchanged rows are claimed by this source (the latest file holding an event owns its
    leave). A removed row is found again by its event (engineer, UID, RECURRENCE-ID), not by
    its id, so a preview still applies after an undo put that leave back under a new id. With
    ``horizon``, the ledger of every team of the engineers whose leave changed is
    re-materialised (as every edit does), from ``now`` to ``now + horizon``.
    """
    from oncall.db import calendar, commands, queries

    rows = []
    for row in preview.rows:
        if row.action in ("add", "update") and row.leave is not None:
            stored = calendar.save_imported_leave(
                s, row.leave, row.event.uid, row.event.recurrence_id,
                summary=row.event.summary, source=preview.source, now=now,
            )  # fmt: skip
            row = replace(row, leave=stored, leave_id=stored.id)
        elif row.action == "unchanged" and row.leave_id is not None:
            calendar.claim_imported_leave(s, row.leave_id, preview.source)
        elif row.action == "remove" and row.leave is not None:
            calendar.delete_imported_leave(
                s, row.leave.engineer_id, row.event.uid, row.event.recurrence_id
            )
        rows.append(row)
    if horizon is not None:
        teams = {t.id for e in preview.engineer_ids() for t in queries.engineer_teams(s, e)}
        for team_id in sorted(teams):
            commands.materialise(s, team_id, now, horizon)
    return replace(preview, rows=tuple(rows), saved=True)


def import_leave_file(
    sessions: sessionmaker[Session],
    path: str | Path,
    now: datetime,
    *,
    engineer_id: int | None = None,
    dry_run: bool = False,
    days_back: int = 15,
    days_ahead: int = 365,
    horizon: timedelta = timedelta(days=180),
) -> LeavePreview:
    """Read ``path`` and import its leave over ``[now - days_back, now + days_ahead)`` in one
    transaction (``dry_run``: the preview only): new and changed events saved, this file's
    earlier leave whose event is gone from that window removed, and the ledger of the teams
    touched re-materialised over ``horizon``. Raises :class:`LeaveFileError` for a broken
    file and ValueError for an unknown engineer; nothing is saved then."""
    from oncall.db import queries

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LeaveFileError(str(path), None, f"cannot be read: {error.strerror}") from None
    window = leave_window(now, days_back, days_ahead)
    events, skipped = read_leave_ics(data, source=str(path), start=window[0], end=window[1])
    with sessions.begin() as s:
        engineer = None
        if engineer_id is not None:
            engineer = queries.get_engineer(s, engineer_id)
            if engineer is None:
                raise ValueError(f"There is no engineer with id {engineer_id}.")
        preview = preview_leave_import(
            s,
            events,
            source=leave_source(path),
            engineer=engineer,
            skipped=skipped,
            window=window,
        )
        if dry_run:
            return preview
        return apply_leave_import(s, preview, now, horizon=horizon)


_DOWNLOAD_COPY = re.compile(r" ?\(\d{1,3}\)(?=\.[^.]*$|$)")


def leave_source(path: str | Path) -> str:
    """The source a leave file's rows remember: its file name, without the " (2)" a browser
    adds when the same export is downloaded again (``Calendar (2).ics`` is ``Calendar.ics``),
    so a re-downloaded calendar is the same source."""
    return _DOWNLOAD_COPY.sub("", Path(path).name, count=1)


def leave_window(now: datetime, days_back: int, days_ahead: int = 365) -> tuple[datetime, datetime]:
    """The ``[start, end)`` a leave file is read over (and removals are limited to)."""
    return now - timedelta(days=days_back), now + timedelta(days=days_ahead)

"""Publish the teams' calendars to a CalDAV collection, event by event (docs/calendar.md).

Each final shift is one calendar object resource ``<collection>/<uid>.ics`` holding one
VEVENT (RFC 4791: no METHOD). A publish PUTs only the events whose content changed since the
last publish to that collection (kept in ``caldav_item``), with the higher SEQUENCE the
export state gives them, so clients update them in place; it DELETEs the events this app put
there whose shifts have disappeared. Events that have merely slid out of the back of the
horizon stay: the calendar keeps its history. Events other software put in the collection are
never touched (only UIDs this app recorded are deleted).

The password is read from the keyring (``oncall.credentials``, name :data:`PASSWORD_SECRET`);
every outcome, good or bad, is recorded as the "caldav" publish status with a sentence the
Settings page can show: a wrong password (401), a server that cannot be reached, a URL that
is not a calendar collection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from oncall.exchange import ical_export

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251  (types only)

    from oncall.credentials import Secret
    from oncall.db.calendar import EventRevision, PublishStatus
    from oncall.exchange.ical_export import CalendarEvent

log = logging.getLogger(__name__)

#: The keyring name of the CalDAV password (``oncall credentials set caldav-password``).
PASSWORD_SECRET = "caldav-password"
TARGET = "caldav"
_CALENDAR = "{urn:ietf:params:xml:ns:caldav}calendar"


class CalDAVPublishError(Exception):
    """A publish that could not happen, with a sentence for the user (no secret in it)."""


@dataclass(frozen=True, slots=True)
class _Planned:
    event: CalendarEvent
    revision: EventRevision
    digest: str


def _href(collection: str, uid: str) -> str:
    # The UID is hex digits and "@oncall.invalid": safe in a path once "@" is escaped.
    return collection.rstrip("/") + "/" + uid.replace("@", "%40") + ".ics"


def _password(given: Secret | str | None) -> str:
    from oncall import credentials

    if given is not None:
        return given if isinstance(given, str) else given.reveal()
    try:
        secret = credentials.get_secret(PASSWORD_SECRET)
    except credentials.SecretStoreUnavailable as error:
        raise CalDAVPublishError(f"The CalDAV password cannot be read: {error}.") from None
    if secret is None:
        raise CalDAVPublishError(
            f'No CalDAV password is stored; set it in Settings or with "oncall credentials '
            f'set {PASSWORD_SECRET}".'
        )
    return secret.reveal()


def _explain(error: Exception, url: str) -> str:
    """A sentence for a failed request."""
    from caldav.lib import error as dav_error

    if isinstance(error, dav_error.AuthorizationError):
        return f"The CalDAV server at {url} refused the user name or password (401/403)."
    if isinstance(error, dav_error.NotFoundError):
        return f"There is nothing at {url} (404); check the calendar's URL."
    if isinstance(error, dav_error.DAVError):
        reason = getattr(error, "reason", "") or str(error).splitlines()[0]
        return f"The CalDAV server at {url} refused the request: {reason}."
    if isinstance(error, OSError):  # niquests' ConnectionError and Timeout are OSErrors
        return f"Cannot reach the CalDAV server at {url}: {type(error).__name__}."
    return f"CalDAV publishing failed: {type(error).__name__}: {error}"


def _open_calendar(url: str, username: str, password: str, timeout: int) -> Any:
    """The caldav Calendar at ``url``, checked to be a calendar collection."""
    import caldav
    from caldav.elements import dav

    client = caldav.DAVClient(url=url, username=username, password=password, timeout=timeout)
    calendar = client.calendar(url=url)
    props = calendar.get_properties([dav.ResourceType()])
    kinds = props.get("{DAV:}resourcetype") or []
    if _CALENDAR not in kinds:
        raise CalDAVPublishError(
            f"{url} is not a calendar collection (it is: {', '.join(kinds) or 'a plain file'}); "
            "give the URL of one calendar, e.g. https://dav.example.com/ada/oncall/."
        )
    return calendar


def publish_caldav(
    sessions: sessionmaker[Session],
    url: str,
    username: str,
    now: datetime,
    *,
    password: Secret | str | None = None,
    team_ids: Sequence[int] | None = None,
    days_back: int = ical_export.DAYS_BACK,
    days_ahead: int = ical_export.DAYS_AHEAD,
    timeout: int = 30,
    open_calendar: Callable[[str, str, str, int], Any] = _open_calendar,
) -> PublishStatus:
    """Bring the CalDAV collection at ``url`` up to date with the teams' final schedules
    (every team, or ``team_ids``) over the horizon; returns and records the outcome.

    ``password`` defaults to the keyring's :data:`PASSWORD_SECRET`. Never raises for a
    server, network or password problem: the returned status has ``ok=False`` and a
    sentence. What was pushed before a failure stays recorded, so the next run resumes.
    """
    from oncall.db import calendar, queries

    url = url.strip()
    if not url.endswith("/"):
        url += "/"
    start, end = ical_export.horizon(now, days_back, days_ahead)
    with sessions.begin() as s:
        ids = list(team_ids) if team_ids is not None else [t.id for t in queries.list_teams(s)]
        people = ical_export.people_by_id(s)
        events: list[CalendarEvent] = []
        for team_id in ids:
            plan, shifts = ical_export.team_final_shifts(s, team_id, start, end, now)
            events += ical_export.team_feed(plan, shifts, people, (start, end)).events
        digests = {e.uid: e.content_hash() for e in events}
        revisions = calendar.assign_sequences(s, digests, now)
        known = calendar.caldav_items(s, url)
    planned = [_Planned(e, revisions[e.uid], digests[e.uid]) for e in events]
    changed = [
        p for p in planned if (k := known.get(p.event.uid)) is None or k.content_hash != p.digest
    ]
    # Ours, gone from the window where they should be; older ones are history and stay.
    gone = [k for uid, k in known.items() if uid not in digests and k.start >= start]
    put: list[calendar.CalDAVItem] = []
    deleted: list[str] = []
    message = ""
    try:
        cal = open_calendar(url, username, _password(password), timeout)
        for p in changed:
            href = _href(url, p.event.uid)
            text = ical_export.render_event(p.event, p.revision, now)
            response = cal.client.put(href, text, {"Content-Type": "text/calendar; charset=utf-8"})
            if response.status not in (200, 201, 204):
                raise CalDAVPublishError(
                    f"The CalDAV server refused event {p.event.uid} ({response.status} "
                    f"{response.reason})."
                )
            put.append(
                calendar.CalDAVItem(p.event.uid, href, p.digest, p.revision.sequence, p.event.start)
            )
        for item in gone:
            response = cal.client.delete(item.href)
            if response.status not in (200, 204, 404):  # 404: someone removed it already
                raise CalDAVPublishError(
                    f"The CalDAV server refused to delete {item.uid} ({response.status})."
                )
            deleted.append(item.uid)
    except CalDAVPublishError as error:
        message = str(error)
    except Exception as error:  # caldav and niquests raise many kinds; each gets a sentence
        message = _explain(error, url)
    ok = not message
    if ok:
        message = f"{len(put)} updated, {len(deleted)} deleted, {len(planned) - len(put)} unchanged"
    status = calendar.PublishStatus(
        TARGET, now, ok, message, url, len(put), len(deleted), len(planned) - len(put)
    )
    with sessions.begin() as s:
        for item in put:
            calendar.record_caldav_put(s, url, item, now)
        for uid in deleted:
            calendar.record_caldav_delete(s, url, uid)
        calendar.record_publish(s, status)
    if not ok:
        log.warning("CalDAV publish to %s failed: %s", url, message)
    return status

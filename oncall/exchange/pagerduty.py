"""PagerDuty REST API v2: who was paged, and when (reference/formats.md 1b).

The record is the ``notify_log_entry`` of ``GET /log_entries``: one notification to one user.
Incidents' assignments are empty once resolved, so log entries are the only history there is.

- Requests are serial, over urllib (no extra dependency), with ``Authorization: Token
  token=...`` and ``Accept: application/vnd.pagerduty+json;version=2``.
- Classic pagination (``limit``, ``offset``, ``more``) is capped at ``offset + limit <= 10 000``,
  so the date range is read in windows (a week by default) and a window that reaches the cap is
  split in two and read again; an entry seen twice (at a window's edge) is kept once.
- HTTP 429 waits the ``ratelimit-reset`` seconds; 5xx and timeouts are retried with backoff;
  401/403, no network and other failures raise :class:`PagerDutyError` with a message for the
  user. ``sleep`` is injected: nothing else here waits.
- :func:`to_pages` turns the entries into :class:`oncall.domain.model.Page` drafts (``id`` 0),
  matching PagerDuty users to engineers by an explicit map, then by email; the others are
  returned as :class:`UnmatchedUser` with their page counts, for a review step.

The token is a :class:`oncall.credentials.Secret` or text; it is only ever put in the header.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from oncall.domain.model import Channel, Page, Severity, Urgency

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only)

SOURCE = "pagerduty"
DEFAULT_BASE_URL = "https://api.pagerduty.com"
ACCEPT = "application/vnd.pagerduty+json;version=2"
#: ``offset + limit`` may not exceed this with classic pagination (PagerDuty enforces it).
OFFSET_LIMIT = 10_000
PAGE_SIZE = 100  # the API's maximum ``limit``
DEFAULT_WINDOW = timedelta(days=7)
BAD_TOKEN = "PagerDuty refused the API token: check it in Settings → PagerDuty"

_NOTIFY = "notify_log_entry"
# The spec's AcknowledgeLogEntry schema spells its type differently from LogEntry's list.
_ACKNOWLEDGE = {"acknowledge_log_entry", "acknowledgement_log_entry"}
_RESOLVE = "resolve_log_entry"
#: The log entry types a page is built from (the rest is not kept while reading).
HISTORY_TYPES = frozenset({_NOTIFY, _RESOLVE, *_ACKNOWLEDGE})
_CHANNELS = {
    "sms": Channel.SMS,
    "phone": Channel.PHONE,
    "push": Channel.PUSH,
    "push_notification": Channel.PUSH,
    "email": Channel.EMAIL,
}
_PRIORITIES = {  # formats.md 4.4: P1 -> critical ... P5 -> info
    "p1": Severity.CRITICAL,
    "p2": Severity.HIGH,
    "p3": Severity.MEDIUM,
    "p4": Severity.LOW,
    "p5": Severity.INFO,
}


class PagerDutyError(Exception):
    """A failed request, with a message fit for the user (never the token); ``status`` is the
    HTTP status when PagerDuty answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TokenRefusedError(PagerDutyError):
    """HTTP 401 or 403: the token is wrong, revoked or lacks access."""


class _OffsetLimitError(Exception):
    """A window holds more entries than classic pagination can reach."""


class _Token(Protocol):
    def reveal(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Batch:
    """The log entries of one finished window, and how much of the whole range is done."""

    entries: tuple[dict[str, Any], ...]
    window_start: datetime
    window_end: datetime
    done: timedelta
    total: timedelta


@dataclass(frozen=True, slots=True)
class UnmatchedUser:
    """A PagerDuty user paged in the range who is none of our engineers (for review)."""

    user_id: str
    name: str
    email: str
    pages: int


@dataclass(frozen=True, slots=True)
class Conversion:
    """What :func:`to_pages` made: page drafts, and the users it could not place."""

    pages: tuple[Page, ...]
    unmatched: tuple[UnmatchedUser, ...]


def utc_param(value: datetime) -> str:
    """An instant as the API reads it: ISO 8601 in UTC with ``Z`` (explicit, never the
    account's zone)."""
    if value.tzinfo is None:
        raise ValueError("PagerDuty range bounds must be timezone-aware")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_instant(text: str) -> datetime:
    """A PagerDuty timestamp (``2026-11-16T09:00:00Z`` or with an offset), aware, in UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {text!r}")
    return value.astimezone(UTC)


class Client:
    """A serial PagerDuty REST API v2 reader.

    ``sleep`` is called for every wait (429 reset, retry backoff): tests pass a recorder.
    ``offset_limit`` and ``page_size`` exist so tests can exercise windowing on a small scale.
    """

    def __init__(
        self,
        token: _Token | str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        retries: int = 4,
        offset_limit: int = OFFSET_LIMIT,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._token = token
        self._base = base_url.rstrip("/")
        self._sleep = sleep
        self._timeout = timeout
        self._retries = retries
        self._offset_limit = offset_limit
        self._page_size = page_size
        self.requests = 0  # how many HTTP requests were sent (tests, the log)

    def __repr__(self) -> str:  # the token stays out of tracebacks' locals
        return f"Client({self._base!r})"

    # ---------------------------------------------------------------------------- requests

    def get(self, path: str, params: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
        """``GET path`` as JSON, with waits on 429, retries on 5xx and timeouts, and
        :class:`PagerDutyError` for everything that cannot be retried."""
        query = urllib.parse.urlencode(list(params))
        url = f"{self._base}{path}" + (f"?{query}" if query else "")
        secret = self._token if isinstance(self._token, str) else self._token.reveal()
        request = urllib.request.Request(
            url,
            headers={
                "Authorization": f"Token token={secret}",
                "Accept": ACCEPT,
                "Content-Type": "application/json",
                "User-Agent": "oncall",
            },
        )
        failures = 0
        while True:
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    return _json(response.read(), path)
            except urllib.error.HTTPError as error:
                status, headers, body = error.code, error.headers, _read(error)
                error.close()
                if status == 429:
                    # Not a failure: the account's budget refills after the reset.
                    self._sleep(_reset_seconds(headers))
                    continue
                if status in (401, 403):
                    raise TokenRefusedError(BAD_TOKEN, status) from None
                if status == 400 and _is_offset_limit(body):
                    raise _OffsetLimitError from None
                if status >= 500 and failures < self._retries:
                    failures += 1
                    self._sleep(_backoff(failures))
                    continue
                raise PagerDutyError(
                    f"PagerDuty answered {status} to {path}: {_api_message(body)}", status
                ) from None
            except TimeoutError as error:
                if failures < self._retries:
                    failures += 1
                    self._sleep(_backoff(failures))
                    continue
                raise PagerDutyError(
                    f"PagerDuty did not answer within {self._timeout:g} s ({error}); "
                    "try again later"
                ) from None
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError) and failures < self._retries:
                    failures += 1
                    self._sleep(_backoff(failures))
                    continue
                host = urllib.parse.urlsplit(self._base).hostname or self._base
                raise PagerDutyError(
                    f"cannot reach PagerDuty at {host}: {error.reason}; "
                    "check the network connection"
                ) from None

    # ---------------------------------------------------------------------------- log entries

    def log_entries(
        self, since: datetime, until: datetime, *, window: timedelta = DEFAULT_WINDOW
    ) -> Iterator[Batch]:
        """Every log entry created in ``[since, until)``, one :class:`Batch` per window read.

        A window whose entries do not fit under the offset limit is split in halves (down to
        one second); an entry is yielded once even when two windows both return it.
        """
        if until <= since:
            return
        total = until - since
        done = timedelta(0)
        seen: set[str] = set()
        pending: list[tuple[datetime, datetime]] = []
        start = since
        while start < until:
            pending.append((start, min(start + window, until)))
            start = pending[-1][1]
        pending.reverse()  # a stack: the earliest window on top
        while pending:
            w_start, w_end = pending.pop()
            try:
                entries = self._window(w_start, w_end)
            except _OffsetLimitError:
                middle = _midpoint(w_start, w_end)
                if middle is None:
                    raise PagerDutyError(
                        f"PagerDuty holds more than {self._offset_limit:,} log entries within "
                        f"one second at {utc_param(w_start)}; they cannot all be read"
                    ) from None
                pending.extend([(middle, w_end), (w_start, middle)])
                continue
            fresh = []
            for entry in entries:
                key = str(entry.get("id", ""))
                at = _created_at(entry)
                if key in seen or at is None or not since <= at < until:
                    continue
                seen.add(key)
                fresh.append(entry)
            done += w_end - w_start
            yield Batch(tuple(fresh), w_start, w_end, done, total)

    def _window(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        offset = 0
        while True:
            if offset + self._page_size > self._offset_limit:
                raise _OffsetLimitError
            body = self.get(
                "/log_entries",
                [
                    ("since", utc_param(start)),
                    ("until", utc_param(end)),
                    ("time_zone", "UTC"),
                    ("is_overview", "false"),
                    ("include[]", "incidents"),
                    ("limit", str(self._page_size)),
                    ("offset", str(offset)),
                ],
            )
            page = body.get("log_entries")
            if not isinstance(page, list):
                raise PagerDutyError("PagerDuty's answer to /log_entries has no log_entries list")
            entries.extend(e for e in page if isinstance(e, dict))
            if not body.get("more") or not page:
                return entries
            offset += len(page)

    # ---------------------------------------------------------------------------- users

    def user(self, user_id: str) -> dict[str, Any] | None:
        """``GET /users/{id}``: the user object (with ``email``), or None when it is gone."""
        try:
            body = self.get(f"/users/{urllib.parse.quote(user_id, safe='')}")
        except PagerDutyError as error:
            if error.status == 404:
                return None
            raise
        user = body.get("user")
        return user if isinstance(user, dict) else None


# -------------------------------------------------------------------------------- to pages


def notify_user_ids(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The PagerDuty user ids that notify entries name, in order of first appearance."""
    ids: dict[str, None] = {}
    for entry in entries:
        if entry.get("type") == _NOTIFY:
            user_id = _ref_id(entry.get("user"))
            if user_id:
                ids.setdefault(user_id, None)
    return list(ids)


def to_pages(
    entries: Iterable[Mapping[str, Any]],
    users: Mapping[str, Mapping[str, Any]],
    engineers_by_email: Mapping[str, int],
    engineer_map: Mapping[str, int] | None = None,
    stored_engineers: Mapping[str, int] | None = None,
) -> Conversion:
    """Page drafts (``id`` 0, source "pagerduty", ``source_id`` the log entry's id) for the
    notify entries among ``entries``.

    The engineer is ``engineer_map[user id]``, else ``engineer_map[email]``, else the engineer
    with that email (``engineers_by_email``: lower-cased emails), else the engineer an earlier
    import stored that entry under (``stored_engineers`` by log entry id, so a re-import
    without the review's map changes nothing). ``users`` holds the user
    objects by id (for emails). Acknowledged at = the user's first acknowledgement of the
    incident at or after the notification, among ``entries``; resolved at = the incident's first
    resolve entry after it, else the incident's ``resolved_at``.
    """
    explicit = {k.strip().lower(): v for k, v in (engineer_map or {}).items()}
    by_email = {k.strip().lower(): v for k, v in engineers_by_email.items()}
    notifies: list[Mapping[str, Any]] = []
    acks: dict[tuple[str, str], list[datetime]] = {}
    resolves: dict[str, list[datetime]] = {}
    for entry in entries:
        kind, at = entry.get("type"), _created_at(entry)
        incident_id = _ref_id(entry.get("incident"))
        if at is None:
            continue
        if kind == _NOTIFY:
            notifies.append(entry)
        elif kind in _ACKNOWLEDGE and incident_id:
            agent = _ref_id(entry.get("agent"))
            if agent:
                acks.setdefault((incident_id, agent), []).append(at)
        elif kind == _RESOLVE and incident_id:
            resolves.setdefault(incident_id, []).append(at)

    pages: list[Page] = []
    missing: Counter[str] = Counter()
    names: dict[str, tuple[str, str]] = {}
    for entry in sorted(notifies, key=lambda e: (_created_at(e), str(e.get("id")))):
        user_ref = entry.get("user") if isinstance(entry.get("user"), Mapping) else {}
        user_id = _ref_id(user_ref)
        user = users.get(user_id, {})
        email = str(user.get("email") or "").strip().lower()
        engineer_id = explicit.get(user_id.lower()) if user_id else None
        if engineer_id is None and email:
            engineer_id = explicit.get(email, by_email.get(email))
        if engineer_id is None:
            engineer_id = (stored_engineers or {}).get(str(entry.get("id")))
        if engineer_id is None:
            missing[user_id] += 1
            names[user_id] = (str(user.get("name") or user_ref.get("summary") or ""), email)
            continue
        pages.append(_page(entry, engineer_id, user_id, acks, resolves))
    unmatched = tuple(
        UnmatchedUser(uid, names[uid][0], names[uid][1], count)
        for uid, count in sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return Conversion(tuple(pages), unmatched)


def _page(
    entry: Mapping[str, Any],
    engineer_id: int,
    user_id: str,
    acks: Mapping[tuple[str, str], list[datetime]],
    resolves: Mapping[str, list[datetime]],
) -> Page:
    at = _created_at(entry)
    assert at is not None  # filtered by the caller
    incident = entry.get("incident") if isinstance(entry.get("incident"), Mapping) else {}
    incident_id = _ref_id(incident)
    acknowledged = min((t for t in acks.get((incident_id, user_id), ()) if t >= at), default=None)
    resolved = min((t for t in resolves.get(incident_id, ()) if t >= at), default=None)
    if resolved is None and incident.get("resolved_at"):
        resolved = _instant_or_none(incident.get("resolved_at"))
    urgency = str(incident.get("urgency") or "").lower()
    priority = incident.get("priority")
    priority_name = str(priority.get("summary") or "") if isinstance(priority, Mapping) else ""
    return Page(
        id=0,
        source=SOURCE,
        source_id=str(entry["id"]),
        engineer_id=engineer_id,
        triggered_at=at,
        acknowledged_at=acknowledged,
        resolved_at=resolved if resolved is None or resolved >= at else None,
        incident_key=incident_id,
        severity=_PRIORITIES.get(priority_name.strip().lower()),
        urgency=Urgency(urgency) if urgency in ("high", "low") else None,
        channel=_channel(entry.get("channel")),
        service=_summary(entry.get("service")) or _summary(incident.get("service")),
        title=str(incident.get("title") or incident.get("summary") or "").strip(),
    )


def _channel(channel: object) -> Channel | None:
    """sms / phone / push / email from ``channel.notification.type`` (``sms_notification``)
    or ``channel.type``; another named kind is OTHER; no channel at all is None."""
    if not isinstance(channel, Mapping):
        return None
    notification = channel.get("notification")
    kinds = [notification.get("type") if isinstance(notification, Mapping) else None]
    kinds.append(channel.get("type"))
    for kind in kinds:
        text = str(kind or "").strip().lower()
        if not text or text == "notification":
            continue
        text = text.removesuffix("_notification")
        return _CHANNELS.get(text, Channel.OTHER)
    return None


# -------------------------------------------------------------------------------- helpers


def _ref_id(ref: object) -> str:
    return str(ref.get("id") or "") if isinstance(ref, Mapping) else ""


def _summary(ref: object) -> str:
    if not isinstance(ref, Mapping):
        return ""
    return str(ref.get("summary") or ref.get("name") or "").strip()


def _instant_or_none(value: object) -> datetime | None:
    try:
        return parse_instant(str(value))
    except ValueError:
        return None


def _created_at(entry: Mapping[str, Any]) -> datetime | None:
    return _instant_or_none(entry.get("created_at"))


def _midpoint(start: datetime, end: datetime) -> datetime | None:
    """The whole second halfway through ``[start, end)``, or None if it cannot be split."""
    seconds = int((end - start).total_seconds()) // 2
    return start + timedelta(seconds=seconds) if seconds >= 1 else None


def _backoff(failures: int) -> float:
    return float(min(2 ** (failures - 1), 30))  # 1, 2, 4, 8 ... seconds


def _reset_seconds(headers: Mapping[str, str] | None) -> float:
    """The ``ratelimit-reset`` header's seconds (at least 1, at most 5 minutes)."""
    raw = (headers or {}).get("ratelimit-reset") or (headers or {}).get("retry-after") or ""
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 60.0
    return min(max(seconds, 1.0), 300.0)


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except OSError:
        return b""


def _json(raw: bytes, path: str) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise PagerDutyError(f"PagerDuty's answer to {path} is not JSON") from None
    if not isinstance(body, dict):
        raise PagerDutyError(f"PagerDuty's answer to {path} is not a JSON object")
    return body


def _api_message(body: bytes) -> str:
    """PagerDuty's error text: ``{"error": {"message": ..., "errors": [...]}}``."""
    try:
        error = json.loads(body).get("error") or {}
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", "replace") or "no details"
    parts = [str(error.get("message") or "")] + [str(e) for e in error.get("errors") or ()]
    return "; ".join(p for p in parts if p) or "no details"


def _is_offset_limit(body: bytes) -> bool:
    """Whether a 400 is PagerDuty refusing an offset past the classic pagination cap."""
    return "offset" in _api_message(body).lower()


# -------------------------------------------------------------------------------- storing


@dataclass(frozen=True, slots=True)
class Rejected:
    """A notify entry that was not stored, and why (in plain words)."""

    source_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of one PagerDuty import (or dry run) over ``[since, until)``.

    Every notify entry read has exactly one outcome: ``entries == inserted + updated +
    unchanged + rejected_count``. Rejected are the entries of users who are none of our
    engineers (``unmatched``, with their counts: the review step) and the pages the store
    refused (``rejected``, with reasons). ``batch_id`` is the ``import_batch`` row written;
    None for a dry run or a run that changed nothing.
    """

    since: datetime
    until: datetime
    dry_run: bool
    entries: int
    inserted: int
    updated: int
    unchanged: int
    rejected: tuple[Rejected, ...]
    unmatched: tuple[UnmatchedUser, ...]
    batch_id: int | None
    requests: int

    @property
    def rejected_count(self) -> int:
        """Entries not stored: refused pages plus the pages of unmatched users."""
        return len(self.rejected) + sum(u.pages for u in self.unmatched)

    @property
    def changed(self) -> bool:
        """Whether the import wrote (or, dry, would write) anything."""
        return bool(self.inserted or self.updated)

    @property
    def rows(self) -> int:
        """The notify entries read (the rows every outcome is counted over)."""
        return self.entries

    def counts(self) -> dict[str, int]:
        """The outcome counts by the CSV import's names (``pages_csv.OUTCOMES``); PagerDuty
        entries are unique, so ``duplicate_in_file`` is always 0."""
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicate_in_file": 0,
            "rejected": self.rejected_count,
        }

    def adds_up(self) -> bool:
        """True when every entry has exactly one outcome."""
        return sum(self.counts().values()) == self.rows

    def summary(self) -> str:
        """One line of counts: ``3 inserted, 0 updated, ...``."""
        return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in self.counts().items())

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values (``oncall import pagerduty --json``)."""
        return {
            "since": utc_param(self.since),
            "until": utc_param(self.until),
            "dry_run": self.dry_run,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "counts": self.counts(),
            "unmatched": [
                {"user_id": u.user_id, "name": u.name, "email": u.email, "pages": u.pages}
                for u in self.unmatched
            ],
            "rejections": [{"source_id": r.source_id, "reason": r.reason} for r in self.rejected],
            "requests": self.requests,
        }


def engineers_by_email(s: Session) -> dict[str, int]:
    """Every engineer's id by lower-cased email (inactive ones too: history outlives them)."""
    from oncall.db import queries

    return {
        e.email.strip().lower(): e.id
        for e in queries.list_engineers(s, include_inactive=True)
        if e.email.strip()
    }


def stored_engineers(s: Session, since: datetime, until: datetime) -> dict[str, int]:
    """The engineer of every PagerDuty page already stored in ``[since, until)``, by log entry
    id (what the review step decided last time)."""
    from oncall.db import pages as page_store

    return {
        p.source_id: p.engineer_id
        for p in page_store.list_pages(s, start=since, end=until, source=SOURCE)
    }


def store(
    s: Session,
    conversion: Conversion,
    *,
    since: datetime,
    until: datetime,
    started_at: datetime,
    now: datetime,
    dry_run: bool = False,
    requests: int = 0,
) -> ImportReport:
    """Upsert the pages of ``conversion`` by ``(source, source_id)`` in the session ``s``
    (the caller commits or rolls back: all or nothing) and record the batch.

    A page the store refuses (times out of order, a page in the future) is rejected with the
    store's reason; the others are inserted, updated or unchanged.
    """
    from oncall.db import pages as page_store
    from oncall.db.page_models import ImportBatchRow

    batch: ImportBatchRow | None = None
    if not dry_run:
        batch = ImportBatchRow(
            source=SOURCE,
            file_name=f"{utc_param(since)}/{utc_param(until)}",
            zone=None,
            started_at=started_at,
        )
        s.add(batch)
        s.flush()
    counts: Counter[str] = Counter()
    rejected: list[Rejected] = []
    for page in conversion.pages:
        problems = page_store.page_problems(page, now)
        if problems:
            rejected.append(Rejected(page.source_id, "; ".join(problems)))
            continue
        try:
            _, outcome = page_store.upsert_page(
                s, page, batch_id=batch.id if batch else None, now=now
            )
        except ValueError as error:  # checked before anything is written (an unknown engineer)
            rejected.append(Rejected(page.source_id, str(error)))
            continue
        counts[outcome] += 1
    entries = len(conversion.pages) + sum(u.pages for u in conversion.unmatched)
    report = ImportReport(
        since=since,
        until=until,
        dry_run=dry_run,
        entries=entries,
        inserted=counts["inserted"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        rejected=tuple(rejected),
        unmatched=conversion.unmatched,
        batch_id=None,
        requests=requests,
    )
    if batch is not None:
        if not report.changed:
            # A re-import that changes nothing leaves no trace, not even a batch row.
            s.delete(batch)
            s.flush()
            return report
        batch.finished_at = now
        batch.total_rows = entries
        batch.inserted, batch.updated = report.inserted, report.updated
        batch.unchanged, batch.rejected = report.unchanged, report.rejected_count
        s.flush()
        return replace(report, batch_id=batch.id)
    return report

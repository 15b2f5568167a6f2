"""Paging history from CSV: the generic contract of reference/formats.md section 4.

One data row is one page delivered to one engineer. The file is streamed (``csv.reader`` over
the open file, rows checked and written in batches of :data:`BATCH_ROWS`), never loaded whole.
Every row ends in exactly one outcome (``inserted``, ``updated``, ``unchanged``,
``duplicate_in_file``, ``rejected``); a rejected row comes with all its errors, each naming
the record, the physical line, the column, the value, a stable code and a message.

:func:`import_file` does the work on a Connection inside the caller's transaction and yields
progress; ``oncall.jobs.import_pages`` owns the transaction (all or nothing; a dry run rolls
back, so it reports exactly what a real run would do). A file-level problem (size, too many
rows, a field over 10,000 characters, no usable header, bad encoding) raises
:class:`PagesFileError` and nothing is written.

Header aliases (formats.md 4.4) let PagerDuty CSV exports import directly, including the
incident-level shape: ``assigned_user_names`` holds several people (split on ``;`` or ``,``)
and gives one row per person, with ``source_id`` ``<id>:<person>`` and the incident key ``id``.
Deliberate choices beyond the contract: titles may hold line breaks (multi-line descriptions
are common in exports); a record with more cells than the header is rejected with
``E_COLUMNS``; engineers also match by their full name when it is unique (exports carry
names); severity falls back to the urgency column (high -> high, low -> low).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from oncall.db import pages as page_store
from oncall.db.pages import PageValues

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_FIELD_CHARS = 10_000
#: Errors kept in the report (all of them still go to ``rejected_out``).
MAX_ERRORS_KEPT = 10_000
BATCH_ROWS = 5_000
VALUE_SHOWN = 200

OUTCOMES = ("inserted", "updated", "unchanged", "duplicate_in_file", "rejected")
#: Row error codes (formats.md 4.3 step 3, plus E_COLUMNS). Stable: scripts match on them.
ROW_CODES = (
    "E_TS_NAIVE", "E_TS_FORMAT", "E_TS_ORDER", "E_TS_DST", "E_REQUIRED", "E_ENUM",
    "E_TZ_UNKNOWN", "E_DUP_CONFLICT", "E_ENGINEER_UNKNOWN", "E_TOO_LONG", "E_CONTROL_CHAR",
    "E_COLUMNS",
)  # fmt: skip
#: File error codes (:class:`PagesFileError`).
FILE_CODES = (
    "E_FILE_TOO_LARGE", "E_TOO_MANY_ROWS", "E_FIELD_TOO_LONG", "E_ENCODING", "E_CSV",
    "E_NO_HEADER", "E_HEADER_AMBIGUOUS", "E_REQUIRED", "E_SOURCE", "E_FILE",
)  # fmt: skip

# Header (lower-cased, trimmed) -> canonical column. formats.md 4.4 plus PagerDuty's analytics
# exports (service_name, incident_urgency, *priority_name).
_ALIASES: dict[str, str] = {
    "source": "source",
    "source_id": "source_id", "id": "source_id", "log_entry_id": "source_id",
    "alert id": "source_id",
    "paged_at": "paged_at", "triggered_at": "paged_at", "created_at": "paged_at",
    "created_on": "paged_at", "createdat": "paged_at", "incident_created_at": "paged_at",
    "started_at": "paged_at",
    "acknowledged_at": "acknowledged_at",
    "seconds_to_first_ack": "seconds_to_first_ack",
    "resolved_at": "resolved_at", "resolved_on": "resolved_at", "closed_at": "resolved_at",
    "engineer": "engineer", "user_email": "engineer", "responder_name": "engineer",
    "acknowledgedby": "engineer", "assigned_user_names": "engineer",
    "severity": "severity", "priority": "severity", "priority_name": "severity",
    "incident_priority_name": "severity",
    "urgency": "urgency", "incident_urgency": "urgency",
    "channel": "channel",
    "incident_id": "incident_id", "incident_key": "incident_id",
    "title": "title", "description": "title", "summary": "title", "message": "title",
    "incident_description": "title",
    "service": "service", "service_name": "service",
    "engineer_tz": "engineer_tz",
}  # fmt: skip
_ZONED_HEADER = re.compile(r"^(created|closed) at \((.+)\)$")
_MULTI_ENGINEER = "assigned_user_names"
# Headers only PagerDuty exports have: a file with one of them and no source is PagerDuty's.
_PAGERDUTY_HEADERS = frozenset(
    {"incident_number", "assigned_user_names", "responder_name", "log_entry_id",
     "seconds_to_first_ack", "incident_created_at", "created_on", "escalation_policy_name"}
)  # fmt: skip
_SEVERITY = {
    "critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "info",
    "p1": "critical", "p2": "high", "p3": "medium", "p4": "low", "p5": "info",
    "sev1": "critical", "sev2": "high", "sev3": "medium", "sev4": "low", "sev5": "info",
}  # fmt: skip
_URGENCY = {"high": "high", "low": "low"}
_CHANNEL = {c: c for c in ("phone", "sms", "push", "email", "chat", "other")}
_SHOWN_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Any character a text check looks for (control characters, tab and line breaks): a record
# without one, and without a cell longer than _PLAIN_MAX, passes every text check.
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLAIN_MAX = min(page_store.MAX_ID, page_store.MAX_TEXT, page_store.MAX_TITLE)
assert len(PageValues._fields) == 16  # check() builds them whole, field by field
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_INSERT_COLUMNS = (
    "source", "source_id", "engineer_id", "triggered_at", "acknowledged_at", "resolved_at",
    "incident_key", "severity", "urgency", "channel", "service", "title", "engineer_tz",
    "content_hash", "batch_id",
)  # fmt: skip


class PagesFileError(ValueError):
    """The whole file is refused (nothing is written): ``code`` is one of :data:`FILE_CODES`."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.code, self.message, self.line = code, message, line


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row. ``record`` is the 1-based data row; ``line`` the physical line
    where it starts (the header is line 1); ``value`` is shown (200 characters at most,
    control characters escaped)."""

    record: int
    line: int
    column: str
    value: str
    code: str
    message: str


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do). The five outcome counts add up to
    ``rows``: one per page row (a record naming several engineers is one row per engineer,
    once its shared fields are valid)."""

    file_name: str
    source: str | None
    zone: str | None
    dry_run: bool
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    ignored_columns: list[str] = field(default_factory=list)
    records: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate_in_file: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_not_kept: int = 0  # beyond MAX_ERRORS_KEPT (all are in the rejected-rows CSV)
    unmatched_engineers: dict[str, int] = field(default_factory=dict)  # value -> rows
    batch_id: int | None = None

    def counts(self) -> dict[str, int]:
        """The outcome counts by name (see :data:`OUTCOMES`)."""
        return {name: getattr(self, name) for name in OUTCOMES}

    def adds_up(self) -> bool:
        """True when every row has exactly one outcome."""
        return sum(self.counts().values()) == self.rows

    def summary(self) -> str:
        """One line of counts: ``3 inserted, 0 updated, ...``."""
        return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in self.counts().items())

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values (the ``oncall.import/1`` document's body)."""
        return {
            "file": self.file_name,
            "source": self.source,
            "zone": self.zone,
            "dry_run": self.dry_run,
            "batch_id": self.batch_id,
            "records": self.records,
            "rows": self.rows,
            "counts": self.counts(),
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "unmatched_engineers": dict(sorted(self.unmatched_engineers.items())),
            "errors": [error_json(e) for e in self.errors],
            "errors_not_kept": self.errors_not_kept,
        }

    def write_rejected_csv(self, path: Path) -> None:
        """Write the kept errors as ``<name>.rejected.csv`` (atomically, formula-guarded)."""
        with RejectedWriter(path) as out:
            for e in self.errors:
                out.write(e)


def error_json(e: RowError) -> dict[str, Any]:
    """A row error as a JSON object."""
    return {
        "record": e.record,
        "line": e.line,
        "column": e.column,
        "value": e.value,
        "code": e.code,
        "message": e.message,
    }


def shown(value: str) -> str:
    """A cell as an error shows it: 200 characters at most once control characters are
    escaped (``\x1f`` takes four), then "…" if anything was left out."""
    escaped = _SHOWN_CONTROL.sub(
        lambda m: m.group().encode("unicode_escape").decode("ascii"), value[:VALUE_SHOWN]
    )
    if len(escaped) <= VALUE_SHOWN and len(value) <= VALUE_SHOWN:
        return escaped
    cut = escaped[:VALUE_SHOWN]
    tail = cut.rfind("\\", VALUE_SHOWN - 3)  # never half an escape: \x1 or a lone \
    if tail >= 0 and VALUE_SHOWN - tail < (4 if cut[tail + 1 : tail + 2] == "x" else 2):
        cut = cut[:tail]
    return cut + "…"


def guard_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (``'`` before ``= + - @``)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class RejectedWriter:
    """Streams row errors to a CSV (``record,line,column,value,code,message``); the file gets
    its name only when closed without an exception (atomic: never half a report)."""

    HEADER = ("record", "line", "column", "value", "code", "message")

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._file: io.TextIOWrapper | None = None

    def __enter__(self) -> RejectedWriter:
        self._file = open(self._tmp, "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.HEADER)
        return self

    def write(self, e: RowError) -> None:
        """Add one error."""
        cells = (str(e.record), str(e.line), e.column, e.value, e.code, e.message)
        self._writer.writerow([guard_cell(c) for c in cells])

    def __exit__(self, kind: object, *_: object) -> None:
        assert self._file is not None
        self._file.close()
        if kind is None:
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------- header


@dataclass(frozen=True)
class _Columns:
    index: dict[str, int]  # canonical -> cell index
    names: dict[str, str]  # canonical -> header as written
    ignored: list[str]
    width: int
    multi_engineer: bool
    zone_hint: str | None  # the zone a "Created At (<zone>)" header names


def _map_header(header: list[str], source: str | None) -> tuple[_Columns, str | None]:
    """Canonical columns of a header row, and the source to use when the file has none."""
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    zone_hint = None
    for i, raw in enumerate(header):
        key = " ".join(raw.strip().lower().split())
        canonical = _ALIASES.get(key)
        zoned = _ZONED_HEADER.match(key)
        if canonical is None and zoned:
            canonical = "paged_at" if zoned.group(1) == "created" else "resolved_at"
            zone_hint = raw.strip()[raw.strip().index("(") + 1 : -1].strip()
        if canonical is None:
            ignored.append(raw)
            continue
        if canonical in index:
            raise PagesFileError(
                "E_HEADER_AMBIGUOUS",
                f'columns "{names[canonical]}" and "{raw}" both mean {canonical}; keep one',
                1,
            )
        if key == "alert id" and source is None:
            raise PagesFileError(
                "E_SOURCE", 'an "Alert ID" column needs the source chosen for the import', 1
            )
        index[canonical], names[canonical] = i, raw
    lowered = {" ".join(h.strip().lower().split()) for h in header}
    default_source = source
    if "source" not in index and default_source is None:
        if lowered & _PAGERDUTY_HEADERS:
            default_source = "pagerduty"
        else:
            raise PagesFileError(
                "E_SOURCE",
                "the file has no source column; choose the source of these pages (--source)",
                1,
            )
    multi = names.get("engineer", "").strip().lower() == _MULTI_ENGINEER
    missing = [c for c in ("paged_at", "engineer") if c not in index]
    if "source_id" not in index and "incident_id" not in index:
        missing.insert(0, "source_id")
    if missing:
        raise PagesFileError(
            "E_REQUIRED",
            f"the header has no {', '.join(missing)} column (found: {', '.join(header)})",
            1,
        )
    zone_problem = zone_hint is not None and zone_hint not in _zones()
    return (
        _Columns(index, names, ignored, len(header), multi, None if zone_problem else zone_hint),
        default_source,
    )


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


# ---------------------------------------------------------------------------------- rows


class _Checker:
    """Checks records and turns them into page rows (one per engineer)."""

    # Slots: check() reads a dozen of these for every record of a million-row file.
    __slots__ = (
        "ambiguous", "columns", "default_source", "engineer_map", "engineers", "enum_columns",
        "i_ack", "i_ack_seconds", "i_channel", "i_engineer", "i_incident", "i_paged",
        "i_resolved", "i_service", "i_severity", "i_source", "i_source_id", "i_title", "i_tz",
        "i_urgency", "latest", "name", "zone",
    )  # fmt: skip

    def __init__(
        self,
        columns: _Columns,
        source: str | None,
        zone: str | None,
        engineers: dict[str, int],
        ambiguous: dict[str, str],
        engineer_map: Mapping[str, int],
        now: datetime,
    ) -> None:
        ix = columns.index
        self.columns = columns
        self.i_source = ix.get("source", -1)
        self.i_source_id = ix.get("source_id", -1)
        self.i_paged = ix["paged_at"]
        self.i_ack = ix.get("acknowledged_at", -1)
        self.i_ack_seconds = ix.get("seconds_to_first_ack", -1)
        self.i_resolved = ix.get("resolved_at", -1)
        self.i_engineer = ix["engineer"]
        self.i_severity = ix.get("severity", -1)
        self.i_urgency = ix.get("urgency", -1)
        self.i_channel = ix.get("channel", -1)
        self.i_incident = ix.get("incident_id", -1)
        self.i_title = ix.get("title", -1)
        self.i_service = ix.get("service", -1)
        self.i_tz = ix.get("engineer_tz", -1)
        self.default_source = source
        self.zone = ZoneInfo(zone) if zone else None
        self.engineers = engineers
        self.ambiguous = ambiguous
        self.engineer_map = {k.strip().lower(): v for k, v in engineer_map.items()}
        self.latest = now + page_store.FUTURE_SLACK
        self.name = columns.names
        self.enum_columns = [
            (slot, canonical, i, table, words)
            for slot, (canonical, table, words) in enumerate(
                (
                    ("severity", _SEVERITY, "critical, high, medium, low, info, P1-P5"),
                    ("urgency", _URGENCY, "high, low"),
                    ("channel", _CHANNEL, "phone, sms, push, email, chat, other"),
                )
            )
            if (i := ix.get(canonical, -1)) >= 0
        ]

    def _column(self, canonical: str) -> str:
        return self.name.get(canonical, canonical)

    def _text(
        self,
        errors: list[tuple[str, str, str, str]],
        canonical: str,
        value: str,
        limit: int,
        *,
        breaks: bool,
    ) -> None:
        """Length and control-character checks of a non-empty text cell (``breaks``: TAB,
        LF and CR are allowed, as in a title)."""
        if len(value) > limit:
            errors.append(
                (self._column(canonical), value, "E_TOO_LONG",
                 f"{len(value)} characters; at most {limit}")
            )  # fmt: skip
        if page_store.CONTROL_CHARS.search(value) or (
            not breaks and page_store.LINE_BREAKS.search(value)
        ):
            allowed = " (only tabs and line breaks in a title)" if breaks else ""
            errors.append(
                (self._column(canonical), value, "E_CONTROL_CHAR",
                 f"holds control characters{allowed}")
            )  # fmt: skip

    def _instant(
        self, raw: str, canonical: str, errors: list[tuple[str, str, str, str]]
    ) -> datetime | None:
        """An aware UTC instant, or None with an error added (``raw`` is not empty)."""
        try:
            if len(raw) < 16:  # a date alone, or junk: fromisoformat would take 2026-01-05
                raise ValueError
            value = datetime.fromisoformat(raw)
        except ValueError:
            errors.append(
                (
                    self._column(canonical),
                    raw,
                    "E_TS_FORMAT",
                    "not an ISO 8601 date and time; write e.g. 2026-01-05T23:14:07+01:00",
                )
            )
            return None
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        if self.zone is None:
            hint = self.columns.zone_hint
            errors.append(
                (
                    self._column(canonical),
                    raw,
                    "E_TS_NAIVE",
                    "has no UTC offset; add one (+01:00 or Z) or choose the file's time zone"
                    + (f" (the header says {hint})" if hint else ""),
                )
            )
            return None
        early, late = value.replace(tzinfo=self.zone), value.replace(tzinfo=self.zone, fold=1)
        if early.utcoffset() != late.utcoffset():
            back = early.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None)
            what = "does not exist" if back != value else "happens twice"
            errors.append(
                (
                    self._column(canonical),
                    raw,
                    "E_TS_DST",
                    f"{what} in {self.zone.key} (a daylight-saving change); add the UTC offset",
                )
            )
            return None
        return early.astimezone(UTC)

    def check(
        self, cells: list[str], record: int, line: int
    ) -> tuple[list[PageValues], list[RowError], list[str]]:
        """The page rows of one record; or its errors (one rejected row per failed engineer
        once the shared fields are valid; else one rejected row). Also the unmatched
        engineer values."""
        errors: list[tuple[str, str, str, str]] = []
        width = self.columns.width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                (
                    "",
                    ",".join(cells[width:]),
                    "E_COLUMNS",
                    f"the record has {len(cells)} cells and the header {width} (a stray "
                    "comma or quote?)",
                )
            )
        n = len(cells)
        if n != width:
            cells = cells[:width] if n > width else cells + [""] * (width - n)
        # Index -1 (a column the file lacks) reads as empty. The list is this record's own
        # (csv.reader makes a new one per record), so it is extended in place, not copied.
        cells.append("")
        # Most records hold no control character, line break or long cell: then the text
        # checks below cannot fail and are skipped (one scan of the record, in C).
        plain = max(map(len, cells)) <= _PLAIN_MAX and not _ANY_CONTROL.search(" ".join(cells))
        text = self._text

        # source (a file without the column uses the default, checked once)
        if self.i_source < 0:
            source = self.default_source or ""
        else:
            source = cells[self.i_source].strip().lower() or (self.default_source or "")
        if not source:
            errors.append((self._column("source"), "", "E_REQUIRED", "source is empty"))
        elif self.i_source >= 0 and not page_store.SOURCE_PATTERN.match(source):
            errors.append(
                (
                    self._column("source"),
                    source,
                    "E_ENUM",
                    "a source is a short lower-case name such as pagerduty (letters, digits, "
                    "- and _; at most 32)",
                )
            )
        # identifiers and text
        source_id = cells[self.i_source_id].strip()
        incident = cells[self.i_incident].strip()
        if self.columns.multi_engineer and source_id and not incident:
            incident = source_id  # an incident-level export: its id is the incident
        base_id = source_id or incident
        if not base_id:
            errors.append(
                (
                    self._column("source_id" if self.i_source_id >= 0 else "incident_id"),
                    "",
                    "E_REQUIRED",
                    "source_id is empty",
                )
            )
        title = cells[self.i_title].strip()
        service = cells[self.i_service].strip()
        if not plain:
            if base_id:
                text(errors, "source_id", base_id, page_store.MAX_ID, breaks=False)
            if incident:
                text(errors, "incident_id", incident, page_store.MAX_ID, breaks=False)
            if title:
                title = title.replace("\r\n", "\n")
                text(errors, "title", title, page_store.MAX_TITLE, breaks=True)
            if service:
                text(errors, "service", service, page_store.MAX_TEXT, breaks=False)
        # enumerations (only the file's own columns are looked at)
        enums = ["", "", ""]
        for slot, canonical, i, table, words in self.enum_columns:
            raw = cells[i].strip()
            if raw:
                value = table.get(raw.lower())
                if value is None:
                    errors.append((self._column(canonical), raw, "E_ENUM", f"not one of {words}"))
                else:
                    enums[slot] = value
        severity, urgency, channel = enums
        if not severity and self.i_severity < 0 and urgency:
            severity = urgency  # formats.md 4.4: urgency high -> high, low -> low
        tz = cells[self.i_tz].strip()
        if tz and tz not in _zones():
            errors.append(
                (
                    self._column("engineer_tz"),
                    tz,
                    "E_TZ_UNKNOWN",
                    "not an IANA time zone name such as Europe/Berlin",
                )
            )
        # instants
        raw_paged = cells[self.i_paged].strip()
        paged = None
        if not raw_paged:
            errors.append((self._column("paged_at"), "", "E_REQUIRED", "paged_at is empty"))
        else:
            paged = self._instant(raw_paged, "paged_at", errors)
        raw_ack = cells[self.i_ack].strip()
        ack = self._instant(raw_ack, "acknowledged_at", errors) if raw_ack else None
        raw_secs = cells[self.i_ack_seconds].strip()
        if raw_secs and not raw_ack and paged is not None:
            try:
                ack = paged + timedelta(seconds=float(raw_secs))
            except (ValueError, OverflowError):
                errors.append(
                    (
                        self._column("seconds_to_first_ack"),
                        raw_secs,
                        "E_TS_FORMAT",
                        "not a number of seconds",
                    )
                )
        raw_res = cells[self.i_resolved].strip()
        res = self._instant(raw_res, "resolved_at", errors) if raw_res else None
        if paged is not None:
            if paged > self.latest:
                errors.append(
                    (
                        self._column("paged_at"),
                        raw_paged,
                        "E_TS_ORDER",
                        "is in the future (more than 5 minutes from now)",
                    )
                )
            if ack is not None and ack < paged - page_store.ACK_SKEW:
                errors.append(
                    (
                        self._column("acknowledged_at"),
                        raw_ack or raw_secs,
                        "E_TS_ORDER",
                        "is more than 60 seconds before paged_at",
                    )
                )
            if res is not None and res < paged:
                errors.append(
                    (self._column("resolved_at"), raw_res, "E_TS_ORDER", "is before paged_at")
                )
        if res is not None and ack is not None and res < ack:
            errors.append(
                (
                    self._column("resolved_at"),
                    raw_res,
                    "E_TS_ORDER",
                    "is before acknowledged_at",
                )
            )
        # engineers
        raw_engineer = cells[self.i_engineer].strip()
        if self.columns.multi_engineer:
            people = [p.strip() for p in re.split(r"[;,]", raw_engineer) if p.strip()]
        else:
            people = [raw_engineer] if raw_engineer else []
        if not people:
            errors.append((self._column("engineer"), "", "E_REQUIRED", "engineer is empty"))
        if errors:
            return [], [RowError(record, line, c, shown(v), k, m) for c, v, k, m in errors], []

        assert paged is not None
        utc_text = page_store.utc_text
        texts = (utc_text(paged), utc_text(ack) if ack is not None else "",
                 utc_text(res) if res is not None else "")  # fmt: skip
        rows: list[PageValues] = []
        rejected: list[RowError] = []
        unmatched: list[str] = []
        new_row = tuple.__new__  # PageValues without its Python-level __new__ (same tuple)
        for person in people:
            key = person.lower()
            if "  " in key or "\t" in key or "\n" in key:
                key = " ".join(key.split())
            engineer_id = self.engineer_map.get(key)
            if engineer_id is None:
                engineer_id = self.engineers.get(key)
            if engineer_id is None:
                why = self.ambiguous.get(key, "no engineer has this email, handle or name")
                rejected.append(
                    RowError(
                        record,
                        line,
                        self._column("engineer"),
                        shown(person),
                        "E_ENGINEER_UNKNOWN",
                        f"{why}; add the engineer or map the value",
                    )
                )
                unmatched.append(person)
                continue
            fields = (
                str(engineer_id), *texts, incident, severity, urgency, channel, service, title,
                tz,
            )  # fmt: skip
            digest = sha256("\x1f".join(fields).encode()).hexdigest()  # content_hash, inline
            row_id = f"{base_id}:{person}" if self.columns.multi_engineer else base_id
            rows.append(
                new_row(
                    PageValues,
                    (
                        source,
                        row_id,
                        engineer_id,
                        paged,
                        ack,
                        res,
                        incident,
                        severity or None,
                        urgency or None,
                        channel or None,
                        service,
                        title,
                        tz,
                        digest,
                        line,
                        texts,
                    ),
                )
            )
        return rows, rejected, unmatched


# ---------------------------------------------------------------------------------- import


def _records(text: io.TextIOWrapper) -> Generator[tuple[list[str], int], None, None]:
    """The file's records with the physical line each starts on; file-level errors raised."""
    reader = csv.reader(text, strict=False)
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if cells and max(map(len, cells)) > MAX_FIELD_CHARS:
                length = next(n for n in map(len, cells) if n > MAX_FIELD_CHARS)
                raise PagesFileError(
                    "E_FIELD_TOO_LONG",
                    f"a field of {length:,} characters; at most {MAX_FIELD_CHARS:,} per "
                    "field (an unclosed quote?)",
                    start,
                )
            yield cells, start
    except UnicodeDecodeError as error:
        raise PagesFileError(
            "E_ENCODING",
            f"the file is not UTF-8 (byte {error.start} of a block after line {previous_end}); "
            "save it as UTF-8 CSV",
            previous_end + 1,
        ) from None
    except csv.Error as error:
        raise PagesFileError("E_CSV", f"not valid CSV: {error}", previous_end + 1) from None


def import_file(
    s: Session,
    path: Path,
    *,
    zone: str | None = None,
    dry_run: bool = False,
    engineer_map: Mapping[str, int] | None = None,
    source: str | None = None,
    now: datetime | None = None,
    rejected_out: Path | None = None,
) -> Generator[tuple[int, int, str], None, ImportReport]:
    """Import a paging-history CSV through session ``s``, inside the caller's transaction.

    Yields ``(bytes read, file size, message)`` after each batch; returns the
    :class:`ImportReport`. Writes an ``import_batch`` row (source, file name, ``zone``, start
    and finish, counts) and the pages. The caller commits, or rolls back for ``dry_run`` or a
    cancel (closing the generator). ``zone`` is the IANA zone naive timestamps are read in
    (None: they are rejected). ``engineer_map`` maps a file's engineer values (any case) to
    engineer ids; ``source`` fills rows without one (and is required for files without a
    ``source`` column unless the header is recognisably PagerDuty's). ``rejected_out``, when
    given, receives every row error as CSV (formula-guarded). ``now`` bounds ``paged_at``
    (5 minutes of slack). Raises :class:`PagesFileError` (nothing should be committed then).
    """
    path = Path(path)
    now = datetime.now(UTC) if now is None else now
    if zone is not None and zone not in _zones():
        raise PagesFileError("E_FILE", f'"{zone}" is not an IANA time zone name')
    if source is not None:
        source = source.strip().lower()
        if not page_store.SOURCE_PATTERN.match(source):
            raise PagesFileError(
                "E_SOURCE", f'"{source}" is not a source name (lower-case letters, digits, - _)'
            )
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise PagesFileError("E_FILE", f"cannot read {path}: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise PagesFileError(
            "E_FILE_TOO_LARGE",
            f"the file is {size / 2**20:.1f} MB; at most {MAX_FILE_BYTES // 2**20} MB per import "
            "(split it)",
        )
    report = ImportReport(file_name=path.name, source=source, zone=zone, dry_run=dry_run)
    engineers, ambiguous = page_store.engineer_lookup(s)
    known = set(engineers.values())
    stray = sorted({v for v in (engineer_map or {}).values() if v not in known})
    if stray:
        raise PagesFileError("E_FILE", f"the engineer map names no engineer with id {stray[0]}")
    try:
        binary = open(path, "rb")  # noqa: SIM115 (closed in finally; the generator may pause)
    except OSError as error:
        raise PagesFileError("E_FILE", f"cannot read {path}: {error.strerror}") from None
    # Progress is the binary file's position: the text layer's tell() is off while iterating.
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    rejected_file = RejectedWriter(rejected_out) if rejected_out is not None else None
    store: page_store.BulkPages | None = None
    failed = True
    try:
        if rejected_file is not None:
            rejected_file.__enter__()
        records = _records(text)
        first = next(records, None)
        if first is None or not any(c.strip() for c in first[0]):
            raise PagesFileError("E_NO_HEADER", "the file is empty; a header row is required", 1)
        columns, default_source = _map_header(first[0], source)
        report.source = default_source
        report.columns = dict(columns.names)
        report.ignored_columns = list(columns.ignored)
        checker = _Checker(
            columns, default_source, zone, engineers, ambiguous, engineer_map or {}, now
        )
        store = page_store.BulkPages(
            s, source=default_source or "csv", file_name=path.name, zone=zone, now=now
        )
        yield binary.tell(), size, f"Import batch {store.batch_id} started: {path.name}"

        def reject(e: RowError) -> None:
            if len(report.errors) < MAX_ERRORS_KEPT:
                report.errors.append(e)
            else:
                report.errors_not_kept += 1
            if rejected_file is not None:
                rejected_file.write(e)

        def flush(pending: list[PageValues], numbers: list[int]) -> None:
            outcomes = store.write(pending)
            for row, number, outcome in zip(pending, numbers, outcomes, strict=True):
                if outcome != "conflict":
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    continue
                report.rejected += 1
                first_line = store.first_line(row.source, row.source_id)
                where = f"line {first_line}" if first_line else "an earlier line"
                reject(
                    RowError(
                        number,
                        row.line,
                        columns.names.get("source_id", "source_id"),
                        shown(row.source_id),
                        "E_DUP_CONFLICT",
                        f"{where} has the same source and source_id with different content",
                    )
                )

        pending: list[PageValues] = []
        numbers: list[int] = []  # the record number of each pending row (for conflicts)
        check = checker.check
        for cells, line in records:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line is no record
            report.records += 1
            record = report.records
            if record > MAX_ROWS:
                raise PagesFileError(
                    "E_TOO_MANY_ROWS", f"more than {MAX_ROWS:,} rows; split the file", line
                )
            rows, errors, unmatched = check(cells, record, line)
            if len(rows) == 1 and not unmatched:  # most records: one good row
                report.rows += 1
                pending.append(rows[0])
                numbers.append(record)
            else:
                # A record with bad shared fields is one rejected row; otherwise each engineer
                # that matches nobody is a rejected row of its own.
                bad = len(unmatched) if unmatched else (1 if errors else 0)
                report.rows += bad + len(rows)
                report.rejected += bad
                for e in errors:
                    reject(e)
                for u in unmatched:
                    report.unmatched_engineers[u] = report.unmatched_engineers.get(u, 0) + 1
                pending.extend(rows)
                numbers.extend([record] * len(rows))
            if len(pending) >= BATCH_ROWS:
                flush(pending, numbers)
                pending, numbers = [], []
                yield binary.tell(), size, f"{report.records:,} rows read"
        if pending:
            flush(pending, numbers)
        store.finish(report.rows, report.counts())
        report.batch_id = None if dry_run else store.batch_id
        yield size, size, f"{report.records:,} rows read: {report.summary()}"
        failed = False
    finally:
        if store is not None:
            store.close()
        text.close()  # and the binary file under it
        if rejected_file is not None:
            rejected_file.__exit__(RuntimeError if failed else None, None, None)
    return report

"""Paging history reads and writes: pages by engineer and range, upsert by source key, manual pages.

A page's identity across imports is ``(source, source_id)``; its *content* is everything else,
normalised (UTC instants, trimmed text) and hashed with SHA-256 (reference/formats.md 4.3 step
5), so an upsert can tell ``unchanged`` from ``updated`` and keeps the replaced content in
``page_revision``. The CSV importer (``oncall.exchange.pages_csv``) writes in bulk with the same
hash (:func:`content_hash` over :data:`CONTENT_FIELDS`); these functions are the one-page path.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from oncall.db.models import EngineerRow
from oncall.db.page_models import ImportBatchRow, PageRevisionRow, PageRow
from oncall.domain.model import Channel, Page, Severity, Urgency

#: The source of pages logged by hand in the app (``log_page``).
MANUAL_SOURCE = "manual"
#: Order of the normalised content that :func:`content_hash` hashes.
CONTENT_FIELDS = (
    "engineer_id", "triggered_at", "acknowledged_at", "resolved_at", "incident_key",
    "severity", "urgency", "channel", "service", "title", "engineer_tz",
)  # fmt: skip
SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
#: Control characters refused in text (TAB, LF and CR are allowed in titles only).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\t\n\r]")
#: How much earlier than the page an acknowledgement may be (clock skew between systems).
ACK_SKEW = timedelta(seconds=60)
#: How far in the future a page may be (clock skew); later ones are typing mistakes.
FUTURE_SLACK = timedelta(minutes=5)
MAX_ID, MAX_TEXT, MAX_TITLE = 255, 255, 1000

Outcome = Literal["inserted", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """One importer run that was committed: what it read and what happened to its rows."""

    id: int
    source: str
    file_name: str
    zone: str | None
    started_at: datetime
    finished_at: datetime | None
    rows: int
    inserted: int
    updated: int
    unchanged: int
    duplicate_in_file: int
    rejected: int


@dataclass(frozen=True, slots=True)
class PageRevision:
    """The content a page had before an import replaced it."""

    page_id: int
    batch_id: int | None
    replaced_at: datetime
    content: dict[str, Any]


_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)


def utc_text(value: datetime | None) -> str:
    """The normalised text of an instant: ISO 8601 in UTC with microseconds ("" for None)."""
    if value is None:
        return ""
    # What value.astimezone(UTC).isoformat(timespec="microseconds") gives, at a third of the
    # cost (an import formats every instant it reads): the UTC wall time as a naive datetime
    # (two subtractions, no tzinfo call) and positional arguments (keyword parsing is slow).
    return (_EPOCH_NAIVE + (value - _EPOCH_UTC)).isoformat("T", "microseconds") + "+00:00"


def content_hash(fields: Sequence[str]) -> str:
    """SHA-256 (hex) of a page's normalised content, given in :data:`CONTENT_FIELDS` order."""
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def page_fields(page: Page, engineer_tz: str = "") -> tuple[str, ...]:
    """A page's normalised content as text, in :data:`CONTENT_FIELDS` order."""
    return (
        str(page.engineer_id),
        utc_text(page.triggered_at),
        utc_text(page.acknowledged_at),
        utc_text(page.resolved_at),
        page.incident_key.strip(),
        page.severity.value if page.severity else "",
        page.urgency.value if page.urgency else "",
        page.channel.value if page.channel else "",
        page.service.strip(),
        page.title.strip(),
        engineer_tz.strip(),
    )


def page_of(row: PageRow) -> Page:
    """A page row as a domain page."""
    return Page(
        id=row.id,
        source=row.source,
        source_id=row.source_id,
        engineer_id=row.engineer_id,
        triggered_at=row.triggered_at,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        incident_key=row.incident_key,
        severity=Severity(row.severity) if row.severity else None,
        urgency=Urgency(row.urgency) if row.urgency else None,
        channel=Channel(row.channel) if row.channel else None,
        service=row.service,
        title=row.title,
    )


def _content(row: PageRow) -> dict[str, Any]:
    """A row's content as JSON-ready values (the audit record of ``page_revision``)."""
    return {
        "engineer_id": row.engineer_id,
        "triggered_at": utc_text(row.triggered_at),
        "acknowledged_at": utc_text(row.acknowledged_at) or None,
        "resolved_at": utc_text(row.resolved_at) or None,
        "incident_key": row.incident_key,
        "severity": row.severity,
        "urgency": row.urgency,
        "channel": row.channel,
        "service": row.service,
        "title": row.title,
        "engineer_tz": row.engineer_tz,
    }


def revision_content(row: PageRow) -> str:
    """The JSON text ``page_revision.content`` keeps for ``row``'s current content."""
    return json.dumps(_content(row), ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------------------------- checks


def page_problems(page: Page, now: datetime | None = None) -> list[str]:
    """Everything wrong with ``page`` as plain sentences (empty when it can be stored).

    Checks the rules of reference/formats.md 4.2: a source slug, a source id of 1 to 255
    characters, aware instants in order (an acknowledgement may precede the page by 60 s of
    clock skew), no page more than 5 minutes after ``now``, lengths, control characters.
    """
    problems: list[str] = []
    if not SOURCE_PATTERN.match(page.source):
        problems.append(
            f'source "{page.source}" must be a short lower-case name such as pagerduty or manual '
            "(letters, digits, - and _; at most 32)"
        )
    if not page.source_id.strip():
        problems.append("source id is empty")
    elif len(page.source_id) > MAX_ID:
        problems.append(f"source id is {len(page.source_id)} characters long; at most {MAX_ID}")
    instants = {
        "triggered at": page.triggered_at,
        "acknowledged at": page.acknowledged_at,
        "resolved at": page.resolved_at,
    }
    aware = True
    for what, value in instants.items():
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            problems.append(f"{what} {value.isoformat(sep=' ')} has no time zone")
            aware = False
    if aware:
        t, ack, res = page.triggered_at, page.acknowledged_at, page.resolved_at
        if ack is not None and ack < t - ACK_SKEW:
            problems.append("acknowledged before the page was triggered")
        if res is not None and res < t:
            problems.append("resolved before the page was triggered")
        if res is not None and ack is not None and res < ack:
            problems.append("resolved before it was acknowledged")
        if now is not None and t > now + FUTURE_SLACK:
            problems.append(f"triggered at {utc_text(t)[:19]}Z is in the future")
    for what, value, limit in (
        ("incident key", page.incident_key, MAX_ID),
        ("service", page.service, MAX_TEXT),
        ("title", page.title, MAX_TITLE),
    ):
        if len(value) > limit:
            problems.append(f"{what} is {len(value)} characters long; at most {limit}")
        if CONTROL_CHARS.search(value) or (what != "title" and LINE_BREAKS.search(value)):
            problems.append(f"{what} holds control characters")
    return problems


# ---------------------------------------------------------------------------------- reads


def get_page(s: Session, page_id: int) -> Page | None:
    """The page with this id, or None."""
    row = s.get(PageRow, page_id)
    return page_of(row) if row is not None else None


def find_page(s: Session, source: str, source_id: str) -> Page | None:
    """The page with this source key, or None."""
    row = s.scalars(
        select(PageRow).where(PageRow.source == source, PageRow.source_id == source_id)
    ).one_or_none()
    return page_of(row) if row is not None else None


def list_pages(
    s: Session,
    *,
    engineer_ids: Iterable[int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    source: str | None = None,
) -> list[Page]:
    """Pages triggered in ``[start, end)`` (either side open when None), oldest first.

    ``engineer_ids`` keeps the pages of these engineers (an empty collection: none).
    """
    q = select(PageRow).order_by(PageRow.triggered_at, PageRow.id)
    if engineer_ids is not None:
        q = q.where(PageRow.engineer_id.in_(list(engineer_ids)))
    if start is not None:
        q = q.where(PageRow.triggered_at >= start)
    if end is not None:
        q = q.where(PageRow.triggered_at < end)
    if source is not None:
        q = q.where(PageRow.source == source)
    return [page_of(r) for r in s.scalars(q)]


def pages_by_engineer(
    s: Session, engineer_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[Page]]:
    """Pages triggered in ``[start, end)`` grouped per engineer (every asked id is a key)."""
    ids = list(engineer_ids)
    grouped: dict[int, list[Page]] = {i: [] for i in ids}
    for page in list_pages(s, engineer_ids=ids, start=start, end=end):
        grouped[page.engineer_id].append(page)
    return grouped


def list_import_batches(s: Session) -> list[ImportBatch]:
    """Committed import batches, newest first."""
    rows = s.scalars(select(ImportBatchRow).order_by(ImportBatchRow.id.desc()))
    return [
        ImportBatch(
            id=r.id,
            source=r.source,
            file_name=r.file_name,
            zone=r.zone,
            started_at=r.started_at,
            finished_at=r.finished_at,
            rows=r.total_rows,
            inserted=r.inserted,
            updated=r.updated,
            unchanged=r.unchanged,
            duplicate_in_file=r.duplicate_in_file,
            rejected=r.rejected,
        )
        for r in rows
    ]


def page_revisions(s: Session, page_id: int) -> list[PageRevision]:
    """The earlier contents of a page, oldest first."""
    rows = s.scalars(
        select(PageRevisionRow)
        .where(PageRevisionRow.page_id == page_id)
        .order_by(PageRevisionRow.id)
    )
    return [PageRevision(r.page_id, r.batch_id, r.replaced_at, json.loads(r.content)) for r in rows]


# ---------------------------------------------------------------------------------- writes


def _check(s: Session, page: Page, now: datetime | None) -> None:
    problems = page_problems(page, now)
    if s.get(EngineerRow, page.engineer_id) is None:
        problems.append(f"no engineer with id {page.engineer_id}")
    if problems:
        raise ValueError("; ".join(problems))


def _fill(row: PageRow, page: Page, engineer_tz: str, digest: str) -> None:
    row.engineer_id = page.engineer_id
    row.triggered_at = page.triggered_at
    row.acknowledged_at = page.acknowledged_at
    row.resolved_at = page.resolved_at
    row.incident_key = page.incident_key.strip()
    row.severity = page.severity.value if page.severity else None
    row.urgency = page.urgency.value if page.urgency else None
    row.channel = page.channel.value if page.channel else None
    row.service = page.service.strip()
    row.title = page.title.strip()
    row.engineer_tz = engineer_tz.strip()
    row.content_hash = digest


def upsert_page(
    s: Session,
    page: Page,
    *,
    engineer_tz: str = "",
    batch_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Page, Outcome]:
    """Store ``page`` under its ``(source, source_id)``; returns it as stored and the outcome.

    ``unchanged`` when the stored content hashes the same; ``updated`` keeps the old content
    in ``page_revision``. ``page.id`` is ignored. A ValueError lists every problem.
    """
    _check(s, page, now)
    digest = content_hash(page_fields(page, engineer_tz))
    row = s.scalars(
        select(PageRow).where(PageRow.source == page.source, PageRow.source_id == page.source_id)
    ).one_or_none()
    if row is None:
        row = PageRow(source=page.source, source_id=page.source_id, batch_id=batch_id)
        _fill(row, page, engineer_tz, digest)
        s.add(row)
        s.flush()
        return page_of(row), "inserted"
    if row.content_hash == digest:
        return page_of(row), "unchanged"
    s.add(
        PageRevisionRow(
            page_id=row.id,
            batch_id=batch_id,
            replaced_at=datetime.now(UTC) if now is None else now,
            content_hash=row.content_hash,
            content=revision_content(row),
        )
    )
    _fill(row, page, engineer_tz, digest)
    row.batch_id = batch_id
    s.flush()
    return page_of(row), "updated"


def log_page(s: Session, page: Page, now: datetime | None = None) -> Page:
    """Log a page by hand (from a system we do not import): source ``manual``, a new uuid as
    source id; ``page.source``, ``page.source_id`` and ``page.id`` are ignored.

    A ValueError lists every problem in plain words (unknown engineer, times out of order, a
    page after ``now`` plus 5 minutes, too long or control characters).
    """
    manual = replace(page, source=MANUAL_SOURCE, source_id=str(uuid.uuid4()))
    stored, _ = upsert_page(s, manual, now=now)
    return stored


def delete_page(s: Session, page_id: int) -> None:
    """Delete a hand-logged page. Imported pages are history of their source and are refused
    (re-importing would bring them back anyway)."""
    row = s.get(PageRow, page_id)
    if row is None:
        raise ValueError(f"no page with id {page_id}")
    if row.source != MANUAL_SOURCE:
        raise ValueError(
            f"page {page_id} was imported from {row.source}; only pages logged by hand can be "
            "deleted"
        )
    s.execute(delete(PageRevisionRow).where(PageRevisionRow.page_id == page_id))
    s.delete(row)
    s.flush()


# ---------------------------------------------------------------------------------- importers


def engineer_lookup(s: Session) -> tuple[dict[str, int], dict[str, str]]:
    """How importers find engineers: ids by lower-cased email, handle and full name (names
    only when unique); and the names several engineers share, with a sentence saying so."""
    found: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    t = EngineerRow.__table__
    for id_, email, handle, name in s.execute(select(t.c.id, t.c.email, t.c.handle, t.c.name)):
        if email:
            found.setdefault(email.strip().lower(), id_)
        found.setdefault(handle.strip().lower(), id_)
        by_name.setdefault(" ".join(name.lower().split()), []).append(id_)
    ambiguous: dict[str, str] = {}
    for name, ids in by_name.items():
        if len(ids) == 1:
            found.setdefault(name, ids[0])
        elif name not in found:
            ambiguous[name] = f"{len(ids)} engineers are called that; map it to one"
    return found, ambiguous


class PageValues(NamedTuple):
    """One checked page row for :class:`BulkPages` (instants aware; enums as their values or
    None; ``digest`` is :func:`content_hash` of the normalised content; ``line`` is where the
    row came from, to name it in a conflict). ``texts``, when the caller has them, are the
    three instants as :func:`utc_text` gives them (``""`` for None): the stored text is cut
    from them instead of formatting each instant again."""

    source: str
    source_id: str
    engineer_id: int
    triggered_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    incident_key: str
    severity: str | None
    urgency: str | None
    channel: str | None
    service: str
    title: str
    engineer_tz: str
    digest: str
    line: int
    texts: tuple[str, str, str] = ("", "", "")


#: A row's fate in :meth:`BulkPages.write`: an outcome, or ``conflict`` (same key, other
#: content, earlier in this run: the importer rejects it with E_DUP_CONFLICT).
BulkOutcome = Literal["inserted", "updated", "unchanged", "duplicate_in_file", "conflict"]
_INSERT_COLUMNS = (
    "source", "source_id", "engineer_id", "triggered_at", "acknowledged_at", "resolved_at",
    "incident_key", "severity", "urgency", "channel", "service", "title", "engineer_tz",
    "content_hash", "batch_id",
)  # fmt: skip
_CONTENT_COLUMNS = _INSERT_COLUMNS[2:14]
#: SQLite page cache during an import, in KiB (the import benchmark's peak stays < 200 MB).
IMPORT_CACHE_KB = 64 * 1024


class BulkPages:
    """An import run's writer: one ``import_batch`` row, then pages in batches, in the
    session's transaction (the caller commits, or rolls back for a dry run or a cancel).

    Rows already seen in this run are recognised without keeping every key in memory (a
    million-row file): a page inserted or updated here carries this run's ``batch_id``; an
    unchanged one sets its bit in a bitmap of page ids; the line of a key's first row is
    looked up (rarely: only for a conflict) in compact arrays of key fingerprints and lines.
    On SQLite rows go to the driver's ``executemany`` as the UTC text SQLAlchemy's DateTime
    stores there ("YYYY-MM-DD HH:MM:SS.ffffff"): bind processing per value was most of the
    import's time.
    """

    def __init__(
        self, s: Session, *, source: str, file_name: str, zone: str | None, now: datetime
    ) -> None:
        self.s, self.now = s, now
        self.conn = s.connection()
        table = ImportBatchRow.__table__
        self.batch_id: int = self.conn.execute(
            insert(table).values(
                source=source,
                file_name=file_name,
                zone=zone,
                started_at=datetime.now(UTC),
                finished_at=None,
                total_rows=0,
                inserted=0,
                updated=0,
                unchanged=0,
                duplicate_in_file=0,
                rejected=0,
            )
        ).inserted_primary_key[0]
        self.fast = self.conn.dialect.name == "sqlite"
        self.page = PageRow.__table__
        self.seen_bits = bytearray()
        self.fingerprints = array("q")
        self.lines = array("q")
        # SQLite before 3.32 allowed only 999 parameters in one statement.
        old = self.fast and tuple(map(int, sqlite3.sqlite_version.split("."))) < (3, 32)
        self.chunk = 900 if old else 5000
        self._cache_size: int | None = None
        if self.fast:
            # A million-row import touches its indexes all over: with SQLite's default 2 MB
            # page cache most lookups and inserts missed it and the import slowed as it grew.
            self._cache_size = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KB}")

    def close(self) -> None:
        """Give the connection its page cache size back (call once the run is over)."""
        if self._cache_size is not None and not self.conn.closed:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self._cache_size)}")
        self._cache_size = None

    def _seen(self, page_id: int) -> bool:
        byte = page_id >> 3
        return byte < len(self.seen_bits) and bool(self.seen_bits[byte] & (1 << (page_id & 7)))

    def _mark(self, page_id: int) -> None:
        byte = page_id >> 3
        if byte >= len(self.seen_bits):
            self.seen_bits.extend(bytes(byte + 1 - len(self.seen_bits) + 4096))
        self.seen_bits[byte] |= 1 << (page_id & 7)

    def first_line(self, source: str, source_id: str) -> int:
        """The line of this key's first row in this run (0 when unknown)."""
        try:
            return self.lines[self.fingerprints.index(hash((source, source_id)))]
        except ValueError:
            return 0

    def _existing(self, rows: Sequence[PageValues]) -> dict[tuple[str, str], tuple[Any, ...]]:
        by_source: dict[str, list[str]] = {}
        for r in rows:
            by_source.setdefault(r.source, []).append(r.source_id)
        found: dict[tuple[str, str], tuple[Any, ...]] = {}
        p = self.page
        for source, ids in by_source.items():
            for at in range(0, len(ids), self.chunk):
                if self.fast:  # plain SQL: compiling a 5,000-item IN each batch cost more
                    part = ids[at : at + self.chunk]
                    sql = (
                        "SELECT source_id, id, content_hash, batch_id FROM page "
                        f"WHERE source = ? AND source_id IN ({', '.join('?' * len(part))})"
                    )
                    for source_id, id_, digest, batch in self.conn.exec_driver_sql(
                        sql, (source, *part)
                    ):
                        found[(source, source_id)] = (id_, digest, batch)
                    continue
                q = select(p.c.source_id, p.c.id, p.c.content_hash, p.c.batch_id).where(
                    p.c.source == source, p.c.source_id.in_(ids[at : at + self.chunk])
                )
                for source_id, id_, digest, batch in self.conn.execute(q):
                    found[(source, source_id)] = (id_, digest, batch)
        return found

    def write(self, rows: Sequence[PageValues]) -> list[BulkOutcome]:
        """Decide each row's outcome (in order), write the batch; returns the outcomes."""
        existing = self._existing(rows)
        in_batch: dict[tuple[str, str], str] = {}
        inserts: list[PageValues] = []
        updates: list[tuple[int, PageValues]] = []
        outcomes: list[BulkOutcome] = []
        # The first row of each key in this run is remembered (fingerprint and line) for
        # first_line; kept in plain lists per batch and moved to the arrays at the end.
        fingerprints: list[int] = []
        lines: list[int] = []
        outcome, remember, keep_line = outcomes.append, fingerprints.append, lines.append
        for row in rows:
            key = row[:2]  # (source, source_id), a plain tuple
            earlier = in_batch.get(key)
            old = existing.get(key) if existing else None
            if earlier is None and old is not None:
                id_, digest, batch = old
                if batch == self.batch_id or self._seen(id_):
                    earlier = digest
                else:
                    outcome("unchanged" if digest == row.digest else "updated")
                    if digest != row.digest:
                        updates.append((id_, row))
                    self._mark(id_)
                    in_batch[key] = row.digest
                    remember(hash(key))
                    keep_line(row.line)
                    continue
            if earlier is not None:
                outcome("duplicate_in_file" if earlier == row.digest else "conflict")
                continue
            outcome("inserted")
            inserts.append(row)
            in_batch[key] = row.digest
            remember(hash(key))
            keep_line(row.line)
        self.fingerprints.extend(fingerprints)
        self.lines.extend(lines)
        if inserts:
            self._insert(inserts)
        if updates:
            self._update(updates)
        return outcomes

    def _insert(self, rows: list[PageValues]) -> None:
        batch = self.batch_id
        if self.fast:
            sql = (
                f"INSERT INTO page ({', '.join(_INSERT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})"
            )
            values: list[tuple[Any, ...]] = []
            add = values.append
            for r in rows:
                paged, ack, res = r.texts
                if paged:  # cut from utc_text: "YYYY-MM-DDTHH:MM:SS.ffffff+00:00"
                    add((*r[:3], paged[:10] + " " + paged[11:26],
                         ack[:10] + " " + ack[11:26] if ack else None,
                         res[:10] + " " + res[11:26] if res else None,
                         *r[6:14], batch))  # fmt: skip
                else:
                    add((*r[:3], _sqlite_text(r[3]), _sqlite_text(r[4]), _sqlite_text(r[5]),
                         *r[6:14], batch))  # fmt: skip
            self.conn.exec_driver_sql(sql, values)
            return
        self.conn.execute(
            insert(self.page),
            [dict(zip(_INSERT_COLUMNS, (*r[:14], batch), strict=True)) for r in rows],
        )

    def _update(self, updates: list[tuple[int, PageValues]]) -> None:
        ids = [id_ for id_, _ in updates]
        olds = {}
        p = self.page
        for at in range(0, len(ids), self.chunk):
            for r in self.conn.execute(select(p).where(p.c.id.in_(ids[at : at + self.chunk]))):
                olds[r.id] = r
        self.conn.execute(
            insert(PageRevisionRow.__table__),
            [
                {
                    "page_id": id_,
                    "batch_id": self.batch_id,
                    "replaced_at": self.now,
                    "content_hash": olds[id_].content_hash,
                    "content": revision_content(olds[id_]),
                }
                for id_ in ids
            ],
        )
        self.conn.execute(
            update(p)
            .where(p.c.id == bindparam("pid"))
            .values({c: bindparam(f"v_{c}") for c in (*_CONTENT_COLUMNS, "batch_id")}),
            [
                {
                    "pid": id_,
                    **{f"v_{c}": v for c, v in zip(_CONTENT_COLUMNS, row[2:14], strict=True)},
                    "v_batch_id": self.batch_id,
                }
                for id_, row in updates
            ],
        )

    def finish(self, rows: int, counts: dict[str, int]) -> None:
        """Record the end of the run and its counts (``OUTCOMES`` names) on the batch row."""
        table = ImportBatchRow.__table__
        self.conn.execute(
            update(table)
            .where(table.c.id == self.batch_id)
            .values(finished_at=datetime.now(UTC), total_rows=rows, **counts)
        )


def _sqlite_text(value: datetime | None) -> str | None:
    """An aware instant as the text SQLAlchemy's DateTime stores on SQLite, in UTC."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

"""Long work as plain generators that yield Progress; the UI runs them on its one Worker."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from oncall.domain.progress import Progress  # re-exported: jobs.Progress

if TYPE_CHECKING:  # annotations only: jobs is imported on the way to the window
    from sqlalchemy.orm import Session, sessionmaker

    from oncall.credentials import Secret
    from oncall.exchange.pages_csv import ImportReport as PagesReport


def refresh_ledgers(
    sessions: sessionmaker[Session], now: datetime, horizon: timedelta
) -> Iterator[Progress]:
    """Re-materialise every team's ledger up to ``now + horizon``, one transaction per team.

    Run at start-up and on a timer, so the ledger keeps reaching ``horizon`` ahead and shifts
    that have ended since the last run are frozen.
    """
    from oncall.db import commands, queries

    with sessions() as s:
        teams = queries.list_teams(s)
    yield Progress(0, len(teams), "Updating schedules")
    for done, team in enumerate(teams, 1):
        with sessions.begin() as s:
            commands.materialise(s, team.id, now, horizon)
        yield Progress(done, len(teams), f"Updated {team.name}")


# ---------------------------------------------------------------------------------- PagerDuty


def import_pagerduty(
    sessions: sessionmaker[Session],
    token: Secret | str,
    since: datetime,
    until: datetime,
    *,
    base_url: str | None = None,
    engineer_map: Mapping[str, int] | None = None,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
    window: timedelta | None = None,
) -> Iterator[Progress]:
    """Import PagerDuty's notify log entries of ``[since, until)`` as pages; the last value
    yielded is an :class:`ImportProgress` whose ``report`` is the
    :class:`oncall.exchange.pagerduty.ImportReport` (same outcome names as the CSV import's).

    Reads every window first (progress per window), then looks up the paged users' emails,
    then writes everything in one transaction: all or nothing, and a cancel before the end
    writes nothing. ``dry_run`` runs the same writes and rolls them back, so the report shows
    exactly what an import would do. Re-importing a range changes nothing. ``engineer_map``
    maps PagerDuty user ids or emails to engineer ids (the review step's answers). ``token``
    comes from :mod:`oncall.credentials`; it is never logged. ``sleep`` waits out rate limits
    (tests pass a recorder); ``now`` defaults to the clock.
    """
    from oncall.exchange import pagerduty as pd

    started = datetime.now(UTC) if now is None else now
    client = pd.Client(token, base_url or pd.DEFAULT_BASE_URL, sleep=sleep)
    scale = 1000  # progress in thousandths: reading 0-800, users 800-900, writing 900-1000
    yield Progress(0, scale, "Reading PagerDuty log entries")
    kept: list[dict] = []
    for batch in client.log_entries(since, until, window=window or pd.DEFAULT_WINDOW):
        kept += [e for e in batch.entries if e.get("type") in pd.HISTORY_TYPES]
        share = batch.done / batch.total if batch.total else 1.0
        day = batch.window_end.astimezone(UTC).date().isoformat()
        yield Progress(int(800 * share), scale, f"Read PagerDuty up to {day}")

    known = {key.strip().lower() for key in (engineer_map or {})}
    wanted = [uid for uid in pd.notify_user_ids(kept) if uid.lower() not in known]
    users: dict[str, dict] = {}
    for n, user_id in enumerate(wanted, 1):
        user = client.user(user_id)
        if user is not None:
            users[user_id] = user
        yield Progress(800 + 100 * n // len(wanted), scale, "Looking up PagerDuty users")

    yield Progress(900, scale, "Saving pages" if not dry_run else "Checking pages")
    with sessions() as s:
        conversion = pd.to_pages(
            kept,
            users,
            pd.engineers_by_email(s),
            engineer_map,
            pd.stored_engineers(s, since, until),
        )
        report = pd.store(
            s,
            conversion,
            since=since,
            until=until,
            started_at=started,
            now=started,
            dry_run=dry_run,
            requests=client.requests,
        )
        if dry_run:
            s.rollback()
        else:
            s.commit()
    done = f"{'Dry run: ' if dry_run else ''}{report.summary()}"
    yield ImportProgress(scale, scale, done, report)  # type: ignore[arg-type]  (same shape)


# ---------------------------------------------------------------------------------- paging history


@dataclass(frozen=True, slots=True)
class ImportProgress(Progress):
    """Progress of a paging-history import; the last one a job yields carries ``report``
    (an ``oncall.exchange.pages_csv.ImportReport``), every earlier one None."""

    report: PagesReport | None = None


def import_pages(
    sessions: sessionmaker[Session],
    path: str | os.PathLike[str],
    *,
    zone: str | None = None,
    dry_run: bool = False,
    engineer_map: Mapping[str, int] | None = None,
    source: str | None = None,
    now: datetime | None = None,
    rejected_out: str | os.PathLike[str] | None = None,
) -> Iterator[ImportProgress]:
    """Import a paging-history CSV (reference/formats.md section 4) in ONE transaction.

    Yields :class:`ImportProgress` (bytes read of the file's size) after each batch of rows;
    the final one carries the report. All valid rows commit together at the end; a dry run
    rolls back (so its report is exactly what a real import would do); a cancel (stop
    iterating: the generator is closed) or an error rolls back and nothing is written. A
    file-level problem raises ``pages_csv.PagesFileError``. Arguments as in
    ``pages_csv.import_file``.
    """
    from pathlib import Path

    from oncall.exchange import pages_csv

    s = sessions()
    try:
        with s.begin():
            run = pages_csv.import_file(
                s,
                Path(path),
                zone=zone,
                dry_run=dry_run,
                engineer_map=engineer_map,
                source=source,
                now=now,
                rejected_out=Path(rejected_out) if rejected_out is not None else None,
            )
            try:
                while True:
                    done, total, message = next(run)
                    yield ImportProgress(done, total, message)
            except StopIteration as stop:
                report: PagesReport = stop.value
            finally:
                run.close()  # on a cancel: its clean-up runs while the connection is open
            if dry_run:
                s.rollback()
    finally:
        s.close()  # a cancel lands here with the transaction open: closing rolls it back
    yield ImportProgress(1, 1, f"{'Dry run: ' if dry_run else ''}{report.summary()}", report)


# ---------------------------------------------------------------------------------- calendars


@dataclass(frozen=True, slots=True)
class PublishProgress(Progress):
    """Progress of a calendar publish; each carries the targets' results so far
    (``oncall.db.calendar.PublishStatus``, folder first), the last one all of them."""

    statuses: tuple = ()


def publish_calendars(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    folder: str = "",
    caldav_url: str = "",
    caldav_user: str = "",
    password: Secret | str | None = None,
    days_back: int = 15,
    days_ahead: int = 180,
) -> Iterator[PublishProgress]:
    """Publish every calendar to the configured targets: the ``folder`` (files rewritten only
    when they changed) and the CalDAV collection at ``caldav_url`` (only changed events PUT).
    An empty target is skipped. Each target records its own result (Settings shows it);
    neither raises for a folder, network or password problem: the statuses say it. The
    CalDAV password defaults to the keyring's (``caldav_publish.PASSWORD_SECRET``).
    """
    from oncall.exchange import caldav_publish, ical_export

    targets = [t for t, on in (("folder", folder.strip()), ("caldav", caldav_url.strip())) if on]
    statuses: list = []
    yield PublishProgress(0, len(targets), "Publishing calendars", ())
    for done, target in enumerate(targets, 1):
        if target == "folder":
            status = ical_export.publish_folder(
                sessions, folder.strip(), now, days_back=days_back, days_ahead=days_ahead
            )
        else:
            status = caldav_publish.publish_caldav(
                sessions,
                caldav_url.strip(),
                caldav_user.strip(),
                now,
                password=password,
                days_back=days_back,
                days_ahead=days_ahead,
            )
        statuses.append(status)
        yield PublishProgress(done, len(targets), status.message, tuple(statuses))

"""Pay and time-off export: on-call and engaged hours by band, per engineer and period.

One CSV row per engineer per period (ISO week or calendar month), each period read in the
engineer's own zone and clipped to the asked dates. Hours come from ``oncall.domain.load``
(the ledger's shifts minus leave, split by band in local time; engaged time is the union of
engagement intervals). ``weekend`` and ``holiday`` hours overlap the three bands (they mark
hours of any band), so ``business + off_hours + sleep`` is the total.

:func:`load_rows` also feeds ``oncall report load``: it gathers engineers, shifts, pages,
leave and public holidays for a range (:func:`oncall.exchange.history.gather`, shared with
``oncall report risk``) and returns ``EngineerLoad`` values.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from oncall.db import queries
from oncall.domain.load import DEFAULT_SETTINGS, EngineerLoad, LoadSettings, date_range, team_load
from oncall.domain.model import Engineer
from oncall.exchange.history import gather
from oncall.exchange.pages_csv import guard_cell

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

log = logging.getLogger(__name__)

PERIODS = ("week", "month")
COLUMNS = (
    "engineer_id", "handle", "name", "zone", "period", "period_start", "period_end",
    "oncall_hours", "oncall_business", "oncall_off_hours", "oncall_sleep", "oncall_weekend",
    "oncall_holiday", "engaged_hours", "engaged_business", "engaged_off_hours", "engaged_sleep",
    "engaged_weekend", "engaged_holiday", "days_on_call", "pages", "interruptions",
    "night_pages",
)  # fmt: skip


def load_rows(
    s: Session,
    start: datetime,
    end: datetime,
    *,
    team_id: int | None = None,
    engineers: Sequence[Engineer] | None = None,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[EngineerLoad]:
    """The load of each engineer over ``[start, end)``: a team's members (``team_id``), or
    ``engineers``, or every active engineer; sorted by name."""
    found = gather(s, start, end, team_id=team_id, engineers=engineers)
    return team_load(found.engineers, found.shifts, found.pages, found.leave, found.holidays,
                     start, end, settings)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PayPeriod:
    """One engineer's period: its label (``2026-W46``, ``2026-11``) and local days."""

    label: str
    first: date
    last: date  # inclusive


def periods(first: date, last: date, kind: str) -> Iterator[PayPeriod]:
    """ISO weeks (Monday first) or calendar months meeting ``first``..``last``, clipped."""
    if kind not in PERIODS:
        raise ValueError(f"period must be week or month, not {kind!r}")
    day = first
    while day <= last:
        if kind == "week":
            year, week, _ = day.isocalendar()
            end = day + timedelta(days=6 - day.weekday())
            label = f"{year}-W{week:02d}"
        else:
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            end = following - timedelta(days=1)
            label = f"{day.year}-{day.month:02d}"
        yield PayPeriod(label, day, min(end, last))
        day = min(end, last) + timedelta(days=1)


def _hours(value: float) -> str:
    return f"{value:.2f}"


def pay_rows(
    s: Session,
    first: date,
    last: date,
    *,
    period: str = "month",
    team_id: int | None = None,
    settings: LoadSettings = DEFAULT_SETTINGS,
) -> list[dict[str, str]]:
    """The export's rows (:data:`COLUMNS`), per engineer (by name) then period: each period
    is the engineer's local days, so two engineers' "week 46" are different instants."""
    engineers = (
        queries.team_engineers(s, team_id) if team_id is not None else queries.list_engineers(s)
    )
    rows: list[dict[str, str]] = []
    for engineer in sorted(engineers, key=lambda e: (e.name.lower(), e.id)):
        zone = engineer.zone or "UTC"
        for p in periods(first, last, period):
            start, end = date_range(p.first, p.last, zone)
            (load,) = load_rows(s, start, end, team_id=team_id, engineers=[engineer],
                                settings=settings)  # fmt: skip
            on, engaged = load.oncall, load.engaged
            rows.append(
                {
                    "engineer_id": str(engineer.id),
                    "handle": engineer.handle,
                    "name": engineer.name,
                    "zone": zone,
                    "period": p.label,
                    "period_start": p.first.isoformat(),
                    "period_end": p.last.isoformat(),
                    "oncall_hours": _hours(on.total),
                    "oncall_business": _hours(on.business),
                    "oncall_off_hours": _hours(on.off_hours),
                    "oncall_sleep": _hours(on.sleep),
                    "oncall_weekend": _hours(on.weekend),
                    "oncall_holiday": _hours(on.holiday),
                    "engaged_hours": _hours(engaged.total),
                    "engaged_business": _hours(engaged.business),
                    "engaged_off_hours": _hours(engaged.off_hours),
                    "engaged_sleep": _hours(engaged.sleep),
                    "engaged_weekend": _hours(engaged.weekend),
                    "engaged_holiday": _hours(engaged.holiday),
                    "days_on_call": str(len(load.days_on_call)),
                    "pages": str(load.page_count),
                    "interruptions": str(load.interruption_count),
                    "night_pages": str(load.night_page_count),
                }
            )
    return rows


def write_pay_csv(path: Path, rows: Collection[dict[str, str]]) -> None:
    """Write the rows as CSV atomically (a reader sees the old file or the new one), cells
    guarded against spreadsheet formulas."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([guard_cell(row[c]) for c in COLUMNS])
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

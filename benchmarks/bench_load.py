"""Load report: 40 engineers, 100,000 pages and two years of shifts, in at most 0.3 s.

Run: ``.venv/bin/python benchmarks/bench_load.py [--rounds N]``

The data (seeded, built untimed): 40 engineers in London, New York and Sydney; two years of
ledger shifts (a weekly primary rotation of all 40, a daily secondary rotation, a shadow
rotation that does not count) plus a week of leave each; 100,000 pages spread over the two
years, most to whoever is primary, in bursts (re-pages within the 60 s merge window, incidents
paged again while engaged), 10% by email and 10% low urgency, acknowledged and resolved.

Timed, in alternating rounds (a burst of load on a shared machine hits every side alike):
``team_load`` over the whole two years (every page and shift counts) and over the last 28
days, plus the hour-of-week heatmap of all pages. The absolute target (issue 4) is 0.3 s for
the two-year report, best of the rounds; the median is printed beside it. The baseline, timed
in the same rounds, is a bare loop converting every page's time to its engineer's local time
with ``zoneinfo``, so the ratio says how many such passes the report costs on this machine.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oncall.domain.load import hour_of_week_heatmap, period, team_load
from oncall.domain.model import (
    Channel,
    Engineer,
    Leave,
    Page,
    Provenance,
    Role,
    Shift,
    SourceKind,
    Urgency,
)

TARGET_S = 0.3
START = datetime(2024, 1, 1, 9, tzinfo=UTC)
END = datetime(2026, 1, 1, 9, tzinfo=UTC)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)


def build(seed: int = 7):
    """Engineers, shifts, leave and pages for the benchmark."""
    rng = random.Random(seed)
    zones = ["Europe/London"] * 15 + ["America/New_York"] * 15 + ["Australia/Sydney"] * 10
    engineers = [
        Engineer(i + 1, f"Engineer {i + 1}", f"e{i + 1}", zone=z) for i, z in enumerate(zones)
    ]
    shifts: list[Shift] = []
    t, k = START, 0
    while t < END:  # weekly primary
        shifts.append(Shift(1, Role.PRIMARY, k % 40 + 1, t, t + timedelta(days=7), ROTA))
        t, k = t + timedelta(days=7), k + 1
    t, k = START, 7
    while t < END:  # daily secondary and shadow
        shifts.append(Shift(1, Role.SECONDARY, k % 40 + 1, t, t + timedelta(days=1), ROTA))
        shifts.append(Shift(1, Role.SHADOW, (k + 13) % 40 + 1, t, t + timedelta(days=1), ROTA))
        t, k = t + timedelta(days=1), k + 1
    leave = [
        Leave(
            e.id,
            e.id,
            start := START + timedelta(days=rng.randrange(700)),
            start + timedelta(days=7),
        )
        for e in engineers
    ]
    primary = sorted((s.start, s.end, s.engineer_id) for s in shifts if s.role is Role.PRIMARY)
    pages: list[Page] = []
    span = (END - START).total_seconds()
    incident = 0
    while len(pages) < 100_000:
        at = START + timedelta(seconds=rng.random() * span)
        week = int((at - START).total_seconds() // (7 * 86400))
        who = primary[week][2] if rng.random() < 0.8 else rng.randrange(1, 41)
        incident += 1
        resolve_after = timedelta(minutes=rng.choice((5, 10, 20, 45, 90, 180)))
        for burst in range(rng.choice((1, 1, 1, 2, 3))):
            trigger = at + timedelta(seconds=burst * rng.choice((20, 50, 400)))
            ack = trigger + timedelta(minutes=rng.randrange(1, 10))
            pages.append(
                Page(
                    id=len(pages) + 1,
                    source="bench",
                    source_id=str(len(pages) + 1),
                    engineer_id=who,
                    triggered_at=trigger,
                    acknowledged_at=ack,
                    resolved_at=at + resolve_after if rng.random() < 0.9 else None,
                    incident_key=f"INC-{incident}",
                    urgency=Urgency.LOW if rng.random() < 0.1 else Urgency.HIGH,
                    channel=Channel.EMAIL if rng.random() < 0.1 else Channel.PUSH,
                )
            )
    pages = pages[:100_000]
    pages.sort(key=lambda p: p.triggered_at)  # as the database returns them
    return engineers, shifts, leave, pages


def baseline(engineers, pages) -> int:
    """Convert every page's time to its engineer's local time (the cheapest honest pass)."""
    zones = {e.id: ZoneInfo(e.zone) for e in engineers}
    hours = 0
    for p in pages:
        hours += p.triggered_at.astimezone(zones[p.engineer_id]).hour
    return hours


def timed(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, tuple[float, float]]:
    """Best and median wall time of each function over ``rounds`` rounds. Each round runs every
    function once, in turn, so a burst of load on a shared machine hits them all alike. A
    result is dropped inside its timing, so freeing it counts too."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engineers, shifts, leave, pages = build()
    by_id = {e.id: e for e in engineers}
    now = END
    last28 = period("28d", now, "Europe/London")
    print(
        f"{len(engineers)} engineers, {len(pages):,} pages, {len(shifts):,} shifts "
        f"({START:%Y-%m-%d} to {END:%Y-%m-%d}), best of {args.rounds} rounds, "
        f"Python {sys.version.split()[0]}"
    )
    results = timed(
        {
            "baseline (every page to local time)": lambda: baseline(engineers, pages),
            "load report, two years": lambda: team_load(
                engineers, shifts, pages, leave, {}, START, END
            ),
            "load report, last 28 days": lambda: team_load(
                engineers, shifts, pages, leave, {}, *last28
            ),
            "hour-of-week heatmap, all pages": lambda: hour_of_week_heatmap(pages, by_id),
        },
        args.rounds,
    )
    rows = team_load(engineers, shifts, pages, leave, {}, START, END)
    base = results["baseline (every page to local time)"][0]
    full, full_median = results["load report, two years"]
    print("                                      best     median")
    for name, (best, median) in results.items():
        ratio = "" if best is base else f"  ({best / base:.1f}x baseline)"
        print(f"{name:<36}  {best:.3f} s  {median:.3f} s{ratio}")
    print(
        f"check: {sum(r.page_count for r in rows):,} pages, "
        f"{sum(r.interruption_count for r in rows):,} interruptions, "
        f"{sum(r.interrupted_night_count for r in rows):,} interrupted nights, "
        f"{sum(r.oncall_hours for r in rows):,.0f} on-call hours"
    )
    verdict = "PASS" if full <= TARGET_S else "FAIL"
    print(
        f"two-year load report {full:.3f} s best, {full_median:.3f} s median "
        f"(target <= {TARGET_S} s, best of {args.rounds})  {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

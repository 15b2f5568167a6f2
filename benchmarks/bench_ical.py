"""iCal export: one year for 40 engineers, at most 1.2x icalendar serialising the same events.

Run: ``.venv/bin/python benchmarks/bench_ical.py [--rounds N]``

The data (built untimed): 4 teams of 10 engineers (London, New York, Berlin, Singapore), each
with a weekly primary and a daily secondary rotation over one year; the final shifts (the
engine's own ``resolve``) turned into prepared :class:`CalendarEvent` values for every team
feed and every engineer's personal feed (descriptions with handoffs and who to call).

Timed: (a) our export of all those feeds from the prepared events: content hashes (what
SEQUENCE is decided on) and the text (``render``); (b) the baseline, in the same run:
icalendar building one ``Calendar`` per feed with the same properties (UID, DTSTAMP,
LAST-MODIFIED, SEQUENCE, DTSTART, DTEND, SUMMARY, DESCRIPTION, CATEGORIES, TRANSP, STATUS)
and ``to_ical()``. The target (issue 7): (a) <= 1.2 x (b).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar
from icalendar import vDuration

from oncall.db.calendar import EventRevision
from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Role,
    Rotation,
    RotationVersion,
    Team,
    TeamPlan,
)
from oncall.domain.schedule import resolve
from oncall.exchange import ical_export

ANCHOR = datetime(2027, 1, 4, 9)  # a Monday, 09:00 wall clock in each team's zone
ZONES = ("Europe/London", "America/New_York", "Europe/Berlin", "Asia/Singapore")
START = datetime(2027, 1, 4, tzinfo=UTC)
END = START + timedelta(days=365)


def build() -> list[ical_export.CalendarFeed]:
    feeds: list[ical_export.CalendarFeed] = []
    people: dict[int, Engineer] = {}
    resolved = []
    for t, zone in enumerate(ZONES):
        team = Team(t + 1, f"Team {zone.split('/')[1]}", zone)
        members = tuple(range(t * 10 + 1, t * 10 + 11))
        for i in members:
            people[i] = Engineer(i, f"Engineer Number {i}", f"eng{i}", zone, f"eng{i}@ex.com",
                                 "+44 20 7946 0000")  # fmt: skip

        def version(
            members: tuple[int, ...], unit: CadenceUnit, role: Role, zone: str = zone
        ) -> RotationVersion:
            start = START - timedelta(days=7)
            return RotationVersion(1, start, members, unit, 1, ANCHOR, zone, role=role)

        plan = TeamPlan(
            team=team,
            engineers=tuple(people[i] for i in members),
            rotations=(
                Rotation(t * 2 + 1, team.id, "Primary",
                         (version(members, CadenceUnit.WEEKS, Role.PRIMARY),)),
                Rotation(t * 2 + 2, team.id, "Secondary",
                         (version(members[::-1], CadenceUnit.DAYS, Role.SECONDARY),)),
            ),
        )  # fmt: skip
        shifts = list(resolve(plan, START, END).shifts)
        resolved.append((plan, shifts))
        feeds.append(ical_export.team_feed(plan, shifts, people))
    feeds += [ical_export.engineer_feed(e, resolved, people) for e in people.values()]
    return feeds


def ours(feeds: list[ical_export.CalendarFeed], stamp: datetime) -> int:
    size = 0
    for feed in feeds:
        revisions = {}
        for e in feed.events:
            e.content_hash()  # what SEQUENCE is decided on
            revisions[e.uid] = EventRevision(0, stamp)
        size += len(ical_export.render(feed, revisions, stamp))
    return size


def baseline(feeds: list[ical_export.CalendarFeed], stamp: datetime) -> int:
    size = 0
    for feed in feeds:
        cal = icalendar.Calendar()
        cal.add("version", "2.0")
        cal.add("prodid", ical_export.PRODID)
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("name", feed.name)
        cal.add("x-wr-calname", feed.name)
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(timedelta(hours=1)))
        for e in feed.events:
            ev = icalendar.Event()
            ev.add("uid", e.uid)
            ev.add("dtstamp", stamp)
            ev.add("last-modified", stamp)
            ev.add("sequence", 0)
            ev.add("dtstart", e.start)
            ev.add("dtend", e.end)
            ev.add("summary", e.summary)
            ev.add("description", e.description)
            ev.add("categories", e.categories)
            ev.add("transp", "TRANSPARENT")
            ev.add("status", "CONFIRMED")
            cal.add_component(ev)
        size += len(cal.to_ical())
    return size


def best(fn, feeds, stamp, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        fn(feeds, stamp)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    feeds = build()
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    events = sum(len(f.events) for f in feeds)
    base = best(baseline, feeds, stamp, args.rounds)
    mine = best(ours, feeds, stamp, args.rounds)
    ratio = mine / base
    print(f"40 engineers, 4 teams, one year: {len(feeds)} feeds, {events:,} events, "
          f"best of {args.rounds} rounds, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"baseline (icalendar build + to_ical)   {base:.3f} s")
    print(f"our export (hash + render)             {mine:.3f} s  ({ratio:.2f}x baseline)")
    ok = ratio <= 1.2
    print(f"ratio {ratio:.2f} (target <= 1.2)  {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

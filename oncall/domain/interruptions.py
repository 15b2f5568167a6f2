"""Interruptions and engagement (``shared/reference/burnout.md`` section 9.3, D2-D4).

A page interrupts unless it came by an excluded channel or at low urgency (D2); interrupting
pages to one engineer merge into one interruption when they arrive within the merge window of
the group's first page or re-page an incident still being worked (D3); an interruption engages
the engineer from its first page until the latest of its pages' engagement ends (D4).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.intervals import Span, union
from oncall.domain.model import Page, Urgency

_HOUR = timedelta(hours=1)
_ZERO = timedelta()


@dataclass(frozen=True, slots=True)
class Interruption:
    """Pages that disturbed one engineer once (D3), with the engagement they caused (D4).

    ``start`` is the first page's trigger time; ``end`` is when the engagement ended (the
    latest of its pages' resolved time, or acknowledgement/trigger + the assumed engagement).
    """

    engineer_id: int
    start: datetime
    end: datetime
    pages: tuple[Page, ...]

    @property
    def incident_keys(self) -> tuple[str, ...]:
        """The distinct incidents paged in this interruption, in order of first page."""
        return tuple(dict.fromkeys(p.incident_key for p in self.pages if p.incident_key))


def interrupting(page: Page, settings: LoadSettings = DEFAULT_SETTINGS) -> bool:
    """Whether a page can interrupt (D2): not on an excluded channel (email by default) and not
    low urgency (unless switched on). Unknown channel or urgency interrupts."""
    if page.channel is not None and page.channel in settings.exclude_channels:
        return False
    return not (settings.exclude_low_urgency and page.urgency is Urgency.LOW)


def engagement_end(page: Page, settings: LoadSettings = DEFAULT_SETTINGS) -> datetime:
    """When work on one page ended (D4): resolved, else acknowledged or triggered + 15 min;
    never before the page itself."""
    if page.resolved_at is not None:
        end = page.resolved_at
    elif page.acknowledged_at is not None:
        end = page.acknowledged_at + settings.assumed_engagement
    else:
        end = page.triggered_at + settings.assumed_engagement
    return end if end > page.triggered_at else page.triggered_at


# Writers of Interruption's slots. Interruptions are built in place, in this module, before
# anyone can see them: a frozen dataclass's ``__init__`` pays a generic ``object.__setattr__``
# per field, and a drill-down can build tens of thousands of them.
_FIELDS = ("engineer_id", "start", "end", "pages")
assert {f.name for f in dataclasses.fields(Interruption)} == set(_FIELDS)  # every one written
_set_engineer, _set_start, _set_end, _set_pages = (
    Interruption.__dict__[name].__set__ for name in _FIELDS
)


def merge_spans(
    pages: Sequence[Page],
    settings: LoadSettings,
    members: list[list[Page]] | None = None,
) -> tuple[list[datetime], list[datetime]]:
    """D3 for one engineer's pages, sorted by trigger time, as two parallel lists: the start and
    the engagement end (D4) of each interruption, ordered by start (an interruption only ever
    opens at the page being read). With ``members``, each interruption's pages are appended to
    it as one list.

    The load report calls this without ``members``: it needs only the numbers, and builds no
    object per interruption, so the collector has nothing new to walk afterwards.
    """
    starts: list[datetime] = []
    ends: list[datetime] = []
    if not pages:
        return starts, ends
    window = settings.merge_window
    open_incidents: dict[str, int] = {}  # incident key -> the interruption it engaged
    current = -1  # the interruption opened last...
    current_until = pages[0].triggered_at  # ...which pages before this join (anchored window)
    excluded = tuple(settings.exclude_channels)  # identity/str compare, no Enum hashing
    exclude_low = settings.exclude_low_urgency
    low = Urgency.LOW
    assumed = settings.assumed_engagement
    # This loop runs once per page of the whole history: engagement_end is inlined and the
    # merge window is compared against a precomputed limit (no timedelta per page).
    for page in pages:
        if page.channel in excluded:  # None (unknown) is never in it: it interrupts
            continue
        if exclude_low and page.urgency is low:
            continue
        t = page.triggered_at
        end = page.resolved_at
        if end is None:
            ack = page.acknowledged_at
            end = (t if ack is None else ack) + assumed
        if end < t:
            end = t
        key = page.incident_key
        group = open_incidents.get(key)  # "" is never stored: no incident, no group
        if group is None or t >= ends[group]:  # no incident being worked: this page's own
            if t < current_until:  # within the merge window of the last one opened (one is:
                # until then current_until is the first trigger, which no page precedes)
                group = current
            else:
                group = current = len(starts)
                starts.append(t)
                ends.append(end)
                if members is not None:
                    members.append([page])
                current_until = t + window
                if key:
                    open_incidents[key] = group
                continue
            if key:
                open_incidents[key] = group
        if members is not None:
            members[group].append(page)
        if end > ends[group]:
            ends[group] = end
    return starts, ends


def _engineer_interruptions(pages: Sequence[Page], settings: LoadSettings) -> list[Interruption]:
    """D3 for one engineer's pages, sorted by trigger time, as :class:`Interruption` values
    ordered by start."""
    members: list[list[Page]] = []
    starts, ends = merge_spans(pages, settings, members)
    if not starts:
        return []
    engineer = pages[0].engineer_id
    new = object.__new__
    set_engineer, set_start, set_end, set_pages = _set_engineer, _set_start, _set_end, _set_pages
    found: list[Interruption] = []
    for t, end, group in zip(starts, ends, members, strict=True):
        i = new(Interruption)
        set_engineer(i, engineer)
        set_start(i, t)
        set_end(i, end)
        set_pages(i, tuple(group))
        found.append(i)
    return found


def _by_engineer(pages: Iterable[Page]) -> dict[int, list[Page]]:
    grouped: dict[int, list[Page]] = defaultdict(list)
    for page in pages:
        grouped[page.engineer_id].append(page)
    for group in grouped.values():
        group.sort(key=_trigger)
    return grouped


# The sort and bisect key of pages (C-level, no Python call per page).
_trigger: Callable[[Page], datetime] = attrgetter("triggered_at")


def interruptions(
    pages: Iterable[Page], settings: LoadSettings = DEFAULT_SETTINGS
) -> list[Interruption]:
    """Interruptions of every engineer in ``pages`` (D2/D3), ordered by start.

    Interrupting pages to one engineer merge when they arrive within ``merge_window`` (60 s) of
    the first page of the group (anchored, not chained: 0 s, 50 s and 100 s make two), or
    when they re-page an incident the engineer is still engaged in (from its first page to
    them until its engagement ends, D4).
    """
    found: list[Interruption] = []
    for group in _by_engineer(pages).values():
        found.extend(_engineer_interruptions(group, settings))
    found.sort(key=lambda i: (i.start, i.engineer_id))
    return found


def engagements(found: Iterable[Interruption]) -> dict[int, list[Span]]:
    """Per engineer, the union of their interruptions' engagement intervals (D4), so two
    overlapping incidents count once."""
    spans: dict[int, list[Span]] = defaultdict(list)
    for i in found:
        if i.end > i.start:
            spans[i.engineer_id].append((i.start, i.end))
    return {engineer: union(s) for engineer, s in spans.items()}


def engaged_hours(found: Iterable[Interruption]) -> dict[int, float]:
    """Per engineer, hours engaged: the length of the union of engagement intervals."""
    return {
        engineer: sum((b - a for a, b in spans), _ZERO) / _HOUR
        for engineer, spans in engagements(found).items()
    }

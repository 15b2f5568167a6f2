"""Interruptions and engagement (``shared/reference/burnout.md`` section 9.3, D2-D4).

A page interrupts unless it came by an excluded channel or at low urgency (D2); interrupting
pages to one engineer merge into one interruption when they arrive within the merge window of
the group's first page or re-page an incident still being worked (D3); an interruption engages
the engineer from its first page until the latest of its pages' engagement ends (D4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def _engineer_interruptions(pages: Sequence[Page], settings: LoadSettings) -> list[Interruption]:
    """D3 for one engineer's pages, sorted by trigger time."""
    window = settings.merge_window
    groups: list[list] = []  # [start, end, pages]
    open_incidents: dict[str, list] = {}  # incident key -> the group that engaged it
    current: list | None = None
    excluded = tuple(settings.exclude_channels)  # identity/str compare, no Enum hashing
    exclude_low = settings.exclude_low_urgency
    low = Urgency.LOW
    assumed = settings.assumed_engagement
    for page in pages:
        if (page.channel is not None and page.channel in excluded) or (
            exclude_low and page.urgency is low
        ):
            continue
        t = page.triggered_at
        # Inline engagement_end: this loop runs once per page of the whole history.
        if page.resolved_at is not None:
            end = page.resolved_at
        elif page.acknowledged_at is not None:
            end = page.acknowledged_at + assumed
        else:
            end = t + assumed
        if end < t:
            end = t
        key = page.incident_key
        group = open_incidents.get(key) if key else None
        if group is not None and not (group[0] <= t < group[1]):
            group = None  # that incident's engagement is over: this is a new disturbance
        if group is None and current is not None and t - current[0] < window:
            group = current
        if group is None:
            group = [t, end, [page]]
            groups.append(group)
            current = group
        else:
            group[2].append(page)
            if end > group[1]:
                group[1] = end
        if key:
            open_incidents[key] = group
    engineer = pages[0].engineer_id if pages else 0
    return [Interruption(engineer, s, e, tuple(p)) for s, e, p in groups]


def _by_engineer(pages: Iterable[Page]) -> dict[int, list[Page]]:
    grouped: dict[int, list[Page]] = defaultdict(list)
    for page in pages:
        grouped[page.engineer_id].append(page)
    for group in grouped.values():
        group.sort(key=_trigger)
    return grouped


def _trigger(page: Page) -> datetime:
    return page.triggered_at


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

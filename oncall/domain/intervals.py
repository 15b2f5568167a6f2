"""Half-open time intervals ``[start, end)`` as plain pairs: union and overlap."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Span = tuple[datetime, datetime]


def union(spans: Iterable[Span]) -> list[Span]:
    """The spans merged where they overlap or touch, in time order."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def overlap(start: datetime, end: datetime, lo: datetime, hi: datetime) -> timedelta:
    """How long ``[start, end)`` and ``[lo, hi)`` share (zero when they don't meet)."""
    return max(timedelta(), min(end, hi) - max(start, lo))

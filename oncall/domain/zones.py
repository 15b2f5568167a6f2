"""Wall-clock time in named zones: the two conversions every schedule rule is built on.

A local time that does not exist (the hour skipped when clocks spring forward) is moved
forward by the length of the gap, as RFC 5545 section 3.3.5 asks; a local time that occurs
twice (clocks fall back) is its first occurrence. Neither raises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=512)
def zone_info(zone: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name (cached: resolution asks for it thousands of times)."""
    return ZoneInfo(zone)


def localize_utc(naive: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in ``zone`` (gaps move forward, repeats take the first).

    PEP 495 already gives the RFC 5545 answer: with ``fold=0`` a time in a gap is read with
    the offset in force *before* the gap, which lands it exactly the gap's length later, and
    a repeated time is read with the earlier (first) offset.
    """
    naive = naive.replace(tzinfo=None, fold=0)
    return EPOCH_UTC + (naive - zone_info(zone).utcoffset(naive) - EPOCH_NAIVE)


# The same instant, naive and aware: ``EPOCH_UTC + (naive_utc - EPOCH_NAIVE)`` turns a naive
# UTC reading into an aware one several times faster than ``replace(tzinfo=UTC)`` (keyword
# parsing dominates ``replace``), which matters in the engine's loops.
EPOCH_NAIVE = datetime(2000, 1, 1)
EPOCH_UTC = datetime(2000, 1, 1, tzinfo=UTC)


def utc_offset(zone: str) -> Callable[[datetime], timedelta]:
    """The offset function of ``zone`` for naive wall times read with ``fold=0``.

    For hot loops: ``EPOCH_UTC + (w - offset(w) - EPOCH_NAIVE)`` is :func:`localize_utc`
    without the per-call lookups.
    """
    return zone_info(zone).utcoffset


def localize(naive: datetime, zone: str) -> datetime:
    """A wall-clock time attached to ``zone``, normalised (02:30 in a gap of 1 h reads 03:30).

    An aware ``naive`` is taken for its wall-clock reading (its own zone is dropped).
    """
    tz = zone_info(zone)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def wall(instant: datetime, zone: str) -> datetime:
    """The naive wall-clock reading of an aware instant in ``zone``."""
    return instant.astimezone(zone_info(zone)).replace(tzinfo=None, fold=0)

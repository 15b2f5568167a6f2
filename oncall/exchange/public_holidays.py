"""Public holidays by an engineer's country and region, from the ``holidays`` package.

The one place the app asks ``holidays`` (formats.md 7): the load report, the pay export, the
change preview and the schedule's holiday marks all call :func:`holiday_dates` or
:func:`holidays_for`. Observed (substitute) days are included: in England Boxing Day 2026
falls on a Saturday, so Monday 28 December is a holiday too. An unknown country or region
gives no holidays and a logged warning, never an exception (a typo in a profile must not
stop an export or an edit); :func:`place_problem` tells the engineer form what is wrong.

Lookups are cached per (country, region, years): ``holidays`` builds each year in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache

from oncall.domain.model import Engineer

log = logging.getLogger(__name__)


def _key(engineer: Engineer) -> tuple[str, str]:
    return engineer.country.strip().upper(), engineer.region.strip().upper()


@lru_cache(maxsize=256)
def _named(country: str, region: str, years: tuple[int, ...]) -> tuple[tuple[date, str], ...]:
    if not country or not years:
        return ()
    import holidays  # about 50 ms: only when holidays are asked for

    try:
        days = holidays.country_holidays(country, subdiv=region or None, years=list(years))
    except (NotImplementedError, KeyError, ValueError) as error:
        log.warning("No public holidays for %s/%s: %s", country, region or "-", error)
        return ()
    return tuple(sorted(days.items()))


def _years(years: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(years)))


def holidays_for(engineer: Engineer, years: Iterable[int]) -> frozenset[date]:
    """The engineer's public holidays in ``years`` (by country and region, observed days
    included); empty for no or an unknown country or region (a warning is logged)."""
    country, region = _key(engineer)
    return frozenset(d for d, _ in _named(country, region, _years(years)))


def holiday_names(engineer: Engineer, years: Iterable[int]) -> dict[date, str]:
    """The engineer's public holidays in ``years`` with their names (for the schedule's
    marks: "Boxing Day (observed)")."""
    country, region = _key(engineer)
    return dict(_named(country, region, _years(years)))


def holiday_dates(
    engineers: Sequence[Engineer], years: Iterable[int]
) -> dict[int, frozenset[date]]:
    """Each engineer's public holidays in ``years``, by engineer id; engineers without any
    (no country, an unknown one) are left out. The shape the load functions take."""
    wanted = _years(years)
    out: dict[int, frozenset[date]] = {}
    for e in engineers:
        days = holidays_for(e, wanted)
        if days:
            out[e.id] = days
    return out


def place_problem(country: str, region: str = "") -> str | None:
    """Why ``country``/``region`` has no holiday calendar, as a sentence, or None when it has
    one (empty country: None, it simply means "no holidays")."""
    country, region = country.strip().upper(), region.strip().upper()
    if not country:
        return None
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        return f'"{country}" is not a country the holidays calendar knows (use ISO codes: GB, DE).'
    if region and region not in supported[country]:
        regions = ", ".join(supported[country][:12]) or "none"
        return f'{country} has no region "{region}" (regions: {regions}).'
    return None

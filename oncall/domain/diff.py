"""What an edit changes for each person: shifts, hours, nights, weekends and holidays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from oncall.domain.model import Engineer, Shift


@dataclass(frozen=True, slots=True)
class PersonLoad:
    """One person's share of a schedule over a window, counted in their own zone.

    A night is a local sleep window (22:00-08:00, keyed by the date it starts) that their
    shifts overlap by at least 30 minutes; a weekend day is a local Saturday or Sunday they
    are on call for at least 30 minutes; a holiday likewise for their public holidays.
    """

    shifts: int = 0
    hours: float = 0.0
    nights: int = 0
    weekend_days: int = 0
    holidays: int = 0


@dataclass(frozen=True, slots=True)
class PersonDiff:
    """Before and after of one person, with the shifts gained and lost."""

    engineer_id: int
    before: PersonLoad
    after: PersonLoad
    gained: tuple[Shift, ...]
    lost: tuple[Shift, ...]

    @property
    def changed(self) -> bool:
        """Whether anything about this person's schedule changes."""
        return bool(self.gained or self.lost)


def person_load(
    shifts: Sequence[Shift], engineer: Engineer, holidays: frozenset[date] = frozenset()
) -> PersonLoad:
    """Count one engineer's shifts (those with their id) in their zone."""
    raise NotImplementedError


def diff_schedules(
    before: Sequence[Shift],
    after: Sequence[Shift],
    engineers: Sequence[Engineer],
    holidays: Mapping[int, frozenset[date]] | None = None,
) -> list[PersonDiff]:
    """Per-person differences between two final schedules of the same window, people with
    changes first (most hours gained or lost first), then the unchanged."""
    raise NotImplementedError

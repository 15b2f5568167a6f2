"""What the tray says and which reminders are due: plain functions of shifts and ``now``.

Qt-free, so the decisions are tested without a display; ``oncall.ui.tray`` only shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from oncall.domain.model import Shift
from oncall.ui.when import day_and_clock, duration, role_word

# A reminder whose moment passed longer ago than this (the laptop slept) is no longer useful.
REMINDER_GRACE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class TrayStatus:
    """What the tray icon shows."""

    on_call: bool
    tooltip: str


@dataclass(frozen=True, slots=True)
class Reminder:
    """A notification to show once; ``key`` identifies it across checks."""

    key: str
    title: str
    message: str


def merge_own_shifts(shifts: Iterable[Shift]) -> list[Shift]:
    """One person's shifts with back-to-back pieces of the same team and role joined, so that
    a handoff from you to you is no handoff."""
    merged: list[Shift] = []
    for shift in sorted(shifts, key=lambda s: (s.team_id, s.role, s.start)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.team_id == shift.team_id
            and last.role == shift.role
            and last.engineer_id == shift.engineer_id
            and last.end >= shift.start
        ):
            merged[-1] = replace(last, end=max(last.end, shift.end))
        else:
            merged.append(shift)
    return sorted(merged, key=lambda s: (s.start, s.team_id))


def shift_label(shift: Shift, team_names: Mapping[int, str]) -> str:
    """ "Payments primary"."""
    return f"{team_names.get(shift.team_id, 'Team')} {role_word(shift.role)}"


def tray_status(
    shifts: Sequence[Shift],
    now: datetime,
    zone: str,
    team_names: Mapping[int, str],
    *,
    me_known: bool = True,
) -> TrayStatus:
    """On call or not, in one sentence, for the person whose ``shifts`` these are."""
    if not me_known:
        return TrayStatus(False, "oncall · choose who you are in Settings to see your shifts")
    mine = merge_own_shifts(shifts)
    current = [s for s in mine if s.start <= now < s.end]
    if current:
        labels = ", ".join(shift_label(s, team_names) for s in current)
        end = min(s.end for s in current)
        return TrayStatus(True, f"You are on call ({labels}) until {day_and_clock(end, zone, now)}")
    coming = [s for s in mine if s.start > now]
    if not coming:
        return TrayStatus(False, "Not on call · no shifts planned")
    first = coming[0]
    return TrayStatus(
        False,
        f"Not on call · next shift {day_and_clock(first.start, zone, now)} "
        f"({shift_label(first, team_names)})",
    )


def due_reminders(
    shifts: Sequence[Shift],
    now: datetime,
    zone: str,
    team_names: Mapping[int, str],
    minutes_before: int,
    shown: frozenset[str] | set[str] = frozenset(),
) -> list[Reminder]:
    """Reminders due at ``now`` and not yet ``shown``: ``minutes_before`` a shift starts, when
    it starts (handoff to you) and when it ends (handoff from you). Each fires within
    ``REMINDER_GRACE`` of its moment or not at all."""
    due: list[Reminder] = []
    lead = timedelta(minutes=max(0, minutes_before))
    for shift in merge_own_shifts(shifts):
        label = shift_label(shift, team_names)
        ident = f"{shift.team_id}:{shift.role}:{shift.start.isoformat()}"
        if lead and shift.start - lead <= now < shift.start:
            due.append(
                Reminder(
                    f"soon:{ident}",
                    "Your on-call shift starts soon",
                    f"{label} starts {day_and_clock(shift.start, zone, now)} "
                    f"(in {duration(shift.start - now)}) and runs until "
                    f"{day_and_clock(shift.end, zone, now)}.",
                )
            )
        if shift.start <= now < min(shift.start + REMINDER_GRACE, shift.end):
            due.append(
                Reminder(
                    f"start:{ident}",
                    "You are on call now",
                    f"Handoff: you now hold {label} until {day_and_clock(shift.end, zone, now)}.",
                )
            )
        if shift.end <= now < shift.end + REMINDER_GRACE:
            due.append(
                Reminder(
                    f"end:{ident}",
                    "Your on-call shift has ended",
                    f"Handoff: {label} passed on at {day_and_clock(shift.end, zone, now)}. "
                    "Time to rest.",
                )
            )
    return [r for r in due if r.key not in shown]

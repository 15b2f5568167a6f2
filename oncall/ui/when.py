"""Words for times, Qt-free so the tray's decisions and the Now screen test without a display.

Times are shown in a named zone (the viewer's, or the engineer's where the time is theirs).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.domain.model import Role

ROLE_WORDS: dict[Role, str] = {
    Role.PRIMARY: "primary",
    Role.SECONDARY: "secondary",
    Role.SHADOW: "shadow",
}


def role_word(role: Role) -> str:
    """The role as a word ("primary")."""
    return ROLE_WORDS.get(role, str(role))


def city(zone: str) -> str:
    """A place name for an IANA zone: "Australia/Sydney" -> "Sydney", "UTC" -> "UTC"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def clock(at: datetime, zone: str) -> str:
    """Wall-clock time in ``zone``: "17:00"."""
    return at.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def day_and_clock(at: datetime, zone: str, now: datetime) -> str:
    """A short moment: "Mon 09:00"; further than 6 days away "Mon 3 Dec 09:00"."""
    local = at.astimezone(ZoneInfo(zone))
    if abs(at - now) >= timedelta(days=6):
        return f"{local:%a} {local.day} {local:%b %H:%M}"
    return local.strftime("%a %H:%M")


def duration(delta: timedelta) -> str:
    """A rough, friendly duration: "25 min", "3 h", "2 days"."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    if hours < 36:
        return f"{hours:.0f} h" if hours >= 10 or hours.is_integer() else f"{hours:.1f} h"
    return f"{hours / 24:.0f} days"


def until_phrase(end: datetime, viewer_zone: str, person_zone: str, now: datetime) -> str:
    """ "until Mon 09:00 (your time) · 17:00 in Sydney"; the second part only when the zones
    differ in offset at that moment."""
    text = f"until {day_and_clock(end, viewer_zone, now)} (your time)"
    if (
        end.astimezone(ZoneInfo(viewer_zone)).utcoffset()
        != end.astimezone(ZoneInfo(person_zone)).utcoffset()
    ):
        text += f" · {clock(end, person_zone)} in {city(person_zone)}"
    return text

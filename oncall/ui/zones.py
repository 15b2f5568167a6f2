"""The viewer's time zone: the one chosen in Settings, else the machine's (found at the edge)."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from PySide6.QtCore import QTimeZone

from oncall.app import AppContext


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone zoneinfo knows."""
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def machine_zone() -> str:
    """The machine's IANA zone (UTC when the system does not name one)."""
    raw = QTimeZone.systemTimeZoneId()
    name = bytes(raw.data()).decode("ascii", "replace") if hasattr(raw, "data") else str(raw)
    return name if is_zone(name) else "UTC"


def viewer_zone(ctx: AppContext) -> str:
    """The zone times are shown in: ``settings.viewer_zone`` when valid, else the machine's."""
    chosen = ctx.settings.viewer_zone
    return chosen if is_zone(chosen) else machine_zone()


@cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone name, sorted (for pickers)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))

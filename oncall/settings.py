"""User preferences: one typed dataclass with defaults, stored as TOML and written atomically."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Every preference, declared once with its default."""

    # "Who am I", chosen once; drives the tray and "your next shift".
    me_engineer_id: int | None = None
    viewer_zone: str = ""  # empty: the machine's zone, found at the edge (never in domain/)
    reminder_minutes: int = 30  # tray reminder before your shift starts
    horizon_days: int = 180  # how far ahead the shift ledger is materialised
    theme: str = "system"  # "system", "light" or "night"
    schedule_zoom: str = "month"  # "week", "month" or "quarter"
    checklist_dir: str = ""  # a team folder of triage checklists (*.yaml); "" = shipped only
    # Calendar publishing (docs/calendar.md): a synced folder, a CalDAV collection (the
    # password is in the keyring as "caldav-password"), and the exported horizon.
    publish_folder: str = ""  # "" = no folder publishing
    caldav_url: str = ""  # a calendar collection URL; "" = no CalDAV publishing
    caldav_user: str = ""
    calendar_days_back: int = 15
    calendar_days_ahead: int = 180

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, unknown or mistyped keys are ignored."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Settings()
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, default = raw[f.name], getattr(defaults, f.name)
        if f.name == "me_engineer_id":
            if isinstance(value, int) and value > 0:
                values[f.name] = value
        elif isinstance(value, type(default)):
            values[f.name] = value
    return Settings(**values)


def save_settings(settings: Settings, path: Path) -> None:
    """Write settings atomically (temp file, then replace)."""
    lines = []
    for key, value in asdict(settings).items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)

"""User preferences: one typed dataclass with defaults, stored as TOML and written atomically.

The risk thresholds (``shared/reference/burnout.md`` 9.7) live in a ``[risk]`` table::

    [risk]
    N1 = [2, 3]          # elevated at, high at ("none" where a rule cannot reach a level)
    C2 = [0.25, 0.5]
    t1_ratio = 2.0
    sleep_start = "22:00"
    sleep_end = "08:00"

A missing, unknown or mistyped value (or thresholds that do not validate) falls back to the
default, never to an error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from oncall.domain.bands import DEFAULT_SETTINGS, LoadSettings
from oncall.domain.risk import DEFAULT_RISK, FAMILIES, RiskSettings, sleep_window_problem


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
    # Risk thresholds ([risk] table) and the sleep window the load metrics read.
    risk: RiskSettings = field(default=DEFAULT_RISK)
    sleep_start: str = "22:00"
    sleep_end: str = "08:00"
    # The database (Settings → Database, oncall.db.server): "local" is this computer's SQLite
    # file; "server" a team PostgreSQL server (its password is in the keyring, never here).
    database: str = "local"
    server_host: str = ""
    server_port: int = 5432
    server_database: str = "oncall"
    server_user: str = ""
    server_sslmode: str = "prefer"  # libpq's sslmode: disable ... verify-full

    def load_metrics(self) -> LoadSettings:
        """The load metrics' settings with this sleep window (the default one if unusable)."""
        start, end = _clock(self.sleep_start), _clock(self.sleep_end)
        if start is None or end is None or sleep_window_problem(start, end) is not None:
            return DEFAULT_SETTINGS
        return LoadSettings(sleep_start=start, sleep_end=end)

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
    risk_table = raw.get("risk")
    if isinstance(risk_table, dict):
        values.update(_risk_from(risk_table))
    for f in fields(Settings):
        if f.name not in raw or f.name in _RISK_KEYS:
            continue
        value, default = raw[f.name], getattr(defaults, f.name)
        if f.name == "me_engineer_id":
            if isinstance(value, int) and value > 0:
                values[f.name] = value
        elif f.name in _CHOICES:
            if value in _CHOICES[f.name]:
                values[f.name] = value
        elif f.name == "server_port":
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536:
                values[f.name] = value
        elif isinstance(value, type(default)):
            values[f.name] = value
    return Settings(**values)


#: Settings with a fixed set of values; anything else read from the file keeps the default.
_CHOICES = {
    "database": ("local", "server"),
    "server_sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
}


_RISK_KEYS = frozenset({"risk", "sleep_start", "sleep_end"})
_RISK_NUMBERS = {"t1_ratio": float, "daily_rest_h": float, "t1_floor": int,
                 "elevated_rules_for_high": int, "min_families": int}  # fmt: skip


def _clock(value: object) -> time | None:
    if not isinstance(value, str):
        return None
    try:
        t = time.fromisoformat(value)
    except ValueError:
        return None
    return t if len(value) == 5 else None


def _threshold(value: object) -> tuple[float | None, float | None] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    pair: list[float | None] = []
    for v in value:
        if v == "none":
            pair.append(None)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            pair.append(v)
        else:
            return None
    return pair[0], pair[1]


def _risk_from(table: dict[str, Any]) -> dict[str, Any]:
    """The ``risk``, ``sleep_start`` and ``sleep_end`` fields read from a ``[risk]`` table;
    each bad value is dropped (its default stays), and so is a result that does not validate."""
    thresholds = dict(DEFAULT_RISK.thresholds)
    for rule in FAMILIES:
        pair = _threshold(table.get(rule))
        if pair is not None and rule in thresholds:
            candidate = RiskSettings(thresholds={rule: pair})
            if not candidate.validate():
                thresholds[rule] = pair
    numbers: dict[str, Any] = {}
    for name, kind in _RISK_NUMBERS.items():
        v = table.get(name)
        if isinstance(v, int | float) and not isinstance(v, bool):
            candidate = replace(DEFAULT_RISK, **{name: kind(v)})
            if not candidate.validate() and (kind is float or v == int(v)):
                numbers[name] = kind(v)
    risk = RiskSettings(thresholds=thresholds, **numbers)
    out: dict[str, Any] = {"risk": DEFAULT_RISK if risk.validate() else risk}
    start, end = _clock(table.get("sleep_start")), _clock(table.get("sleep_end"))
    if start is not None and end is not None and sleep_window_problem(start, end) is None:
        out["sleep_start"], out["sleep_end"] = f"{start:%H:%M}", f"{end:%H:%M}"
    return out


def _risk_lines(settings: Settings) -> list[str]:
    risk = settings.risk
    lines = ["", "[risk]"]
    for rule in FAMILIES:
        if rule in risk.thresholds:
            e, h = risk.thresholds[rule]
            shown = ", ".join('"none"' if v is None else repr(v) for v in (e, h))
            lines.append(f"{rule} = [{shown}]")
    lines.extend(f"{name} = {getattr(risk, name)!r}" for name in _RISK_NUMBERS)
    lines.append(f'sleep_start = "{settings.sleep_start}"')
    lines.append(f'sleep_end = "{settings.sleep_end}"')
    return lines


def save_settings(settings: Settings, path: Path) -> None:
    """Write settings atomically (temp file, then replace); the risk thresholds and the sleep
    window go in a ``[risk]`` table after the plain keys."""
    lines = []
    for f in fields(Settings):
        key, value = f.name, getattr(settings, f.name)
        if value is None or key in _RISK_KEYS:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    lines.extend(_risk_lines(settings))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)

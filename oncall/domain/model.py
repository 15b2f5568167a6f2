"""The schedule's vocabulary: frozen dataclasses shared by every layer of the app.

Every instant here is timezone-aware (UTC once stored); every interval is half-open
``[start, end)``. Zones are IANA names. Nothing in this module reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import Enum, StrEnum


class Role(StrEnum):
    """What a rotation's people are on call as."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SHADOW = "shadow"


# Roles whose uncovered time is a gap worth showing; a shadow is optional by nature.
COVERED_ROLES: tuple[Role, ...] = (Role.PRIMARY, Role.SECONDARY)


class CadenceUnit(StrEnum):
    """How a rotation's shift length is counted (always in wall-clock time of its zone)."""

    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"


class LeaveKind(StrEnum):
    """Why someone is unavailable."""

    VACATION = "vacation"
    SICK = "sick"
    RECOVERY = "recovery"
    HOLIDAY = "holiday"


class SourceKind(StrEnum):
    """What put a person on a shift."""

    ROTATION = "rotation"
    OVERRIDE = "override"
    SWAP = "swap"


@dataclass(frozen=True, slots=True)
class Engineer:
    """A person who can be on call."""

    id: int
    name: str
    handle: str
    zone: str = "UTC"
    email: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""
    active: bool = True
    # The stored row's version when read (0: new or unknown); a save expecting it refuses to
    # overwrite a newer one (oncall/db/conflicts.py). Not part of equality: same content, equal.
    row_version: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Team:
    """A team owns rotations; its zone is the default for new rotations.

    ``lead_engineer_id`` is the team lead, called for help beside the secondary (None: no
    lead recorded yet).
    """

    id: int
    name: str
    zone: str = "UTC"
    description: str = ""
    lead_engineer_id: int | None = None
    row_version: int = field(default=0, compare=False)  # see Engineer.row_version


@dataclass(frozen=True, slots=True)
class Restriction:
    """A window, in the rotation's zone, inside which the rotation is on call.

    On each weekday in ``weekdays`` (0 = Monday) the window opens at ``start`` and closes at
    ``end`` the same day, or the next day when ``end <= start`` (a window that crosses
    midnight; ``start == end`` means a full 24 hours).
    """

    weekdays: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class RotationVersion:
    """One version of a rotation's rules, in force from ``effective_from`` on.

    ``anchor`` is a naive wall-clock date-time in ``zone``: the first handoff, from which
    handoffs repeat every ``cadence_count`` ``cadence_unit``; member ``(k + 0) % len(members)``
    holds the k-th shift after the anchor. ``effective_from`` is aware; the version holds
    until the next version's ``effective_from``.
    """

    version: int
    effective_from: datetime
    members: tuple[int, ...]
    cadence_unit: CadenceUnit
    cadence_count: int
    anchor: datetime
    zone: str
    restrictions: tuple[Restriction, ...] = ()
    priority: int = 0
    role: Role = Role.PRIMARY
    reason: str = ""  # why it went ahead despite the planning guard's concerns ("" if none)


@dataclass(frozen=True, slots=True)
class Rotation:
    """A layer of a team's schedule: its versions, oldest first."""

    id: int
    team_id: int
    name: str
    versions: tuple[RotationVersion, ...]
    ends_at: datetime | None = None
    row_version: int = field(default=0, compare=False)  # see Engineer.row_version

    @property
    def current(self) -> RotationVersion:
        """The newest version (the one an editor starts from)."""
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class Override:
    """Someone takes a role for a time, over every rotation; the newest overlapping wins."""

    id: int
    team_id: int
    engineer_id: int
    start: datetime
    end: datetime
    created_at: datetime
    role: Role = Role.PRIMARY
    note: str = ""
    reason: str = ""  # why it went ahead despite the planning guard's concerns ("" if none)
    row_version: int = field(default=0, compare=False)  # see Engineer.row_version


@dataclass(frozen=True, slots=True)
class Swap:
    """``engineer_id`` takes the one shift of ``rotation_id`` that starts at ``shift_start``."""

    id: int
    rotation_id: int
    shift_start: datetime
    engineer_id: int
    created_at: datetime
    note: str = ""
    reason: str = ""  # why it went ahead despite the planning guard's concerns ("" if none)
    row_version: int = field(default=0, compare=False)  # see Engineer.row_version


@dataclass(frozen=True, slots=True)
class Leave:
    """Time an engineer is not available."""

    id: int
    engineer_id: int
    start: datetime
    end: datetime
    kind: LeaveKind = LeaveKind.VACATION
    note: str = ""
    row_version: int = field(default=0, compare=False)  # see Engineer.row_version


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a shift came from, so a ledger row can always be explained."""

    kind: SourceKind
    rotation_id: int | None = None
    rotation_version: int | None = None
    roster_index: int | None = None
    override_id: int | None = None
    swap_id: int | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    """A stretch of time one engineer holds one role for one team."""

    team_id: int
    role: Role
    engineer_id: int
    start: datetime
    end: datetime
    source: Provenance
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class Gap:
    """Time in which a covered role of a team has nobody on call."""

    team_id: int
    role: Role
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class LeaveConflict:
    """A final shift that meets its engineer's leave: shown to the lead, never dropped."""

    shift: Shift
    leave: Leave


@dataclass(frozen=True, slots=True)
class OrphanSwap:
    """A swap whose shift no longer exists (its rotation was edited): shown, not applied."""

    swap: Swap


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of resolving a team's schedule over a window.

    ``layers`` maps a rotation id to that layer's own shifts (restrictions and swaps
    applied, before priorities and overrides); ``shifts`` is the final schedule.
    """

    window_start: datetime
    window_end: datetime
    shifts: tuple[Shift, ...]
    gaps: tuple[Gap, ...]
    conflicts: tuple[LeaveConflict, ...] = ()
    layers: dict[int, tuple[Shift, ...]] = field(default_factory=dict)
    orphan_swaps: tuple[OrphanSwap, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamPlan:
    """Everything needed to resolve one team's schedule: the engine's whole input."""

    team: Team
    engineers: tuple[Engineer, ...]
    rotations: tuple[Rotation, ...]
    overrides: tuple[Override, ...] = ()
    swaps: tuple[Swap, ...] = ()
    leave: tuple[Leave, ...] = ()

    def engineer(self, engineer_id: int) -> Engineer | None:
        """The engineer with this id, if they are part of the plan."""
        for e in self.engineers:
            if e.id == engineer_id:
                return e
        return None


class Band(Enum):
    """Parts of a local day, after PagerDuty's bands (reference/burnout.md 9.3)."""

    BUSINESS = "business"
    OFF_HOURS = "off_hours"
    SLEEP = "sleep"


class Severity(StrEnum):
    """A page's severity, normalised from each source's words (reference/formats.md 4.4)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Urgency(StrEnum):
    """Whether a page is meant to interrupt (PagerDuty's high) or can wait (low)."""

    HIGH = "high"
    LOW = "low"


class Channel(StrEnum):
    """How a page reached the engineer; email does not count as an interruption by default."""

    PHONE = "phone"
    SMS = "sms"
    PUSH = "push"
    EMAIL = "email"
    CHAT = "chat"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Page:
    """One notification delivered to one engineer (the row grain of paging history).

    ``(source, source_id)`` identifies it across re-imports. ``triggered_at`` is aware;
    ``acknowledged_at`` and ``resolved_at`` are aware or None. ``None`` severity, urgency or
    channel means the source did not say (never guessed).
    """

    id: int
    source: str
    source_id: str
    engineer_id: int
    triggered_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    incident_key: str = ""
    severity: Severity | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    service: str = ""
    title: str = ""

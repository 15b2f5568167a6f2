"""What a team file holds: drafts that name people by handle, and the errors a bad file gets.

Ids belong to a database, not a file, so a document refers to engineers by handle. Instants are
aware and in UTC; a rotation's ``handoff`` is a naive wall-clock time in its ``zone``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oncall.domain.model import CadenceUnit, LeaveKind, Restriction, Role

FORMAT = "oncall.team/1"


@dataclass(frozen=True, slots=True)
class EngineerDraft:
    """An engineer as the file describes them; ``handle`` is their key."""

    handle: str
    name: str
    zone: str
    email: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class RotationDraft:
    """A rotation's rules: ``handoff`` is a naive wall-clock time in ``zone``; ``members`` are
    handles in roster order; ``ends`` (aware) stops the rotation; ``reason`` is why its
    current version went ahead despite the planning guard's concerns ("" if none)."""

    name: str
    cadence_count: int
    cadence_unit: CadenceUnit
    handoff: datetime
    zone: str
    members: tuple[str, ...]
    role: Role = Role.PRIMARY
    priority: int = 0
    restrictions: tuple[Restriction, ...] = ()
    ends: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OverrideDraft:
    """``who`` takes ``role`` over ``[start, end)`` (aware, UTC); later in the file wins.
    ``reason``: why it went ahead despite the planning guard's concerns ("" if none)."""

    who: str
    start: datetime
    end: datetime
    role: Role = Role.PRIMARY
    note: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SwapDraft:
    """``who`` takes the one shift of the rotation named ``rotation`` that starts at ``shift``
    (aware, UTC); ``reason`` as for an override."""

    rotation: str
    shift: datetime
    who: str
    note: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LeaveDraft:
    """``who`` is away over ``[start, end)`` (aware, UTC)."""

    who: str
    start: datetime
    end: datetime
    kind: LeaveKind = LeaveKind.VACATION
    note: str = ""


@dataclass(frozen=True, slots=True)
class TeamDocument:
    """Everything one team file holds; ``lead`` is the team lead's handle ("" for none).
    ``swaps`` is None for a file without a ``swaps`` section (older files): it says nothing
    about swaps, so an import leaves them as they are."""

    name: str
    zone: str
    description: str = ""
    engineers: tuple[EngineerDraft, ...] = ()
    rotations: tuple[RotationDraft, ...] = ()
    overrides: tuple[OverrideDraft, ...] = ()
    leave: tuple[LeaveDraft, ...] = ()
    lead: str = ""
    swaps: tuple[SwapDraft, ...] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where (line, dotted field path) and what."""

    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.source}:{self.line}: {where}{self.message}"


class TeamFileError(ValueError):
    """A team file that cannot be imported; ``errors`` lists every problem found, and
    ``source``, ``line``, ``field`` and ``message`` repeat the first one."""

    def __init__(self, errors: list[Problem]) -> None:
        if not errors:
            raise ValueError("TeamFileError needs at least one problem")
        self.errors = list(errors)
        first = self.errors[0]
        self.source, self.line, self.field, self.message = (
            first.source,
            first.line,
            first.field,
            first.message,
        )
        super().__init__("\n".join(str(p) for p in self.errors))

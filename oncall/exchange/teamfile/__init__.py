"""The team file: one team, its engineers, rotations, overrides, swaps and leave as YAML.

A lead keeps the file in version control; ``oncall team import`` and ``oncall team export``
round-trip it. The format is described in docs/team-file.md.

- ``parse(text, source) -> TeamDocument`` reads a file, or raises ``TeamFileError`` listing
  every problem with its line and field;
- ``dump(document) -> str`` writes stable, commented YAML;
- ``apply(s, document, now) -> ApplyReport`` imports a document in the caller's transaction;
- ``export(s, team_id, now) -> TeamDocument`` reads one back from the database.

``apply``, ``export``, ``ApplyReport`` and ``Change`` are loaded on first use, so reading and
writing files does not import the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oncall.exchange.teamfile.document import (
    FORMAT,
    EngineerDraft,
    LeaveDraft,
    OverrideDraft,
    Problem,
    RotationDraft,
    SwapDraft,
    TeamDocument,
    TeamFileError,
)
from oncall.exchange.teamfile.reader import parse, zone_problem
from oncall.exchange.teamfile.writer import dump

if TYPE_CHECKING:
    from oncall.exchange.teamfile.database import (
        DEFAULT_HORIZON,
        ApplyReport,
        Change,
        apply,
        export,
    )

__all__ = [
    "DEFAULT_HORIZON",
    "FORMAT",
    "ApplyReport",
    "Change",
    "EngineerDraft",
    "LeaveDraft",
    "OverrideDraft",
    "Problem",
    "RotationDraft",
    "SwapDraft",
    "TeamDocument",
    "TeamFileError",
    "apply",
    "dump",
    "export",
    "parse",
    "zone_problem",
]

_LAZY = frozenset({"DEFAULT_HORIZON", "ApplyReport", "Change", "apply", "export"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from oncall.exchange.teamfile import database

        return getattr(database, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

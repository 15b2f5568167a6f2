"""No lost updates: a save that meets a newer version of its row refuses, and says what differs.

Every row a person edits carries ``row_version`` (``oncall.db.models.Versioned``) and the
domain dataclass read from it carries the same number. A command given a non-zero
``row_version`` first *claims* the row with ``UPDATE ... SET row_version = row_version
WHERE id = ? AND row_version = ?``: one statement that both checks and locks (a row lock on
PostgreSQL, the write lock on SQLite), so between the check and the write nobody else can
save; two simultaneous saves can never both win. When no row matches, the row is read again
and :class:`EditConflict` is raised with, per field that differs, what the user started from
(``base``, when the caller knows it), what is stored now (``theirs``) and what the user typed
(``yours``). Nothing is written; the caller's transaction rolls back.

:meth:`EditConflict.merged` builds the value to save after the user chose, per field, theirs
or yours; it expects the version it was built on, so saving it can itself conflict again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from oncall.db import queries
from oncall.db.models import (
    EngineerRow,
    LeaveRow,
    OverrideRow,
    RotationRow,
    RotationVersionRow,
    SwapRow,
    TeamRow,
)
from oncall.domain.model import Restriction, RotationVersion

Kind = Literal["team", "engineer", "rotation", "override", "swap", "leave"]
Choice = Literal["theirs", "yours"]

#: What each kind is called in a sentence ("Someone else saved this rotation ...").
NOUNS: dict[str, str] = {
    "team": "team",
    "engineer": "person",
    "rotation": "rotation",
    "override": "override",
    "swap": "swap",
    "leave": "leave",
}

_TABLES: dict[str, Table] = {
    "team": TeamRow.__table__,  # type: ignore[dict-item]
    "engineer": EngineerRow.__table__,  # type: ignore[dict-item]
    "rotation": RotationRow.__table__,  # type: ignore[dict-item]
    "override": OverrideRow.__table__,  # type: ignore[dict-item]
    "swap": SwapRow.__table__,  # type: ignore[dict-item]
    "leave": LeaveRow.__table__,  # type: ignore[dict-item]
}


class _NoBase:
    """The base of a field is unknown (the caller did not say what the user started from)."""

    def __repr__(self) -> str:
        return "NO_BASE"


NO_BASE: Any = _NoBase()


@dataclass(frozen=True, slots=True)
class RotationEdit:
    """What a rotation edit changes: its name and the rules of its new version.

    The value compared and merged for a rotation (``EditConflict.yours``/``theirs``);
    ``row_version`` is the rotation row's version it was built on.
    """

    name: str
    version: RotationVersion
    row_version: int = 0


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field on which the stored row (theirs) and the save (yours) differ.

    ``base`` is what the user started from, or :data:`NO_BASE` when unknown. Values are the
    domain's own (ids, instants, tuples); :func:`describe` turns one into words.
    """

    name: str
    label: str
    base: Any
    theirs: Any
    yours: Any

    @property
    def has_base(self) -> bool:
        """Whether what the user started from is known."""
        return self.base is not NO_BASE

    @property
    def you_changed(self) -> bool:
        """Whether the user changed this field (assumed so when the base is unknown)."""
        return not self.has_base or self.yours != self.base

    @property
    def they_changed(self) -> bool:
        """Whether the other save changed this field (assumed so when the base is unknown)."""
        return not self.has_base or self.theirs != self.base

    @property
    def default(self) -> Choice:
        """The suggested choice: yours where you changed the field, theirs otherwise."""
        return "yours" if self.you_changed else "theirs"


class EditConflict(ValueError):  # noqa: N818 (a conflict, not a programming error)
    """A save met a newer version of its row (or the row was deleted); nothing was written.

    A ``ValueError`` so that every path that shows a refusal's sentence also shows this one;
    screens that can do better offer the conflict dialog (``oncall.ui.conflict_dialog``).
    """

    def __init__(
        self,
        kind: str,
        label: str,
        fields: tuple[FieldConflict, ...] = (),
        *,
        theirs_version: int | None = None,
        theirs: Any = None,
        yours: Any = None,
        deleted: bool = False,
        saved_at: datetime | None = None,
        saved_by: str = "",
        names: Mapping[int, str] | None = None,
        row_id: int = 0,
    ) -> None:
        self.kind, self.label, self.fields, self.row_id = kind, label, fields, row_id
        self.theirs_version, self.theirs, self.yours = theirs_version, theirs, yours
        self.deleted, self.saved_at, self.saved_by = deleted, saved_at, saved_by
        self.names: Mapping[int, str] = dict(names or {})
        super().__init__(self.sentence())

    def sentence(self) -> str:
        """What happened, in one calm sentence."""
        noun = NOUNS.get(self.kind, self.kind)
        what = f"this {noun}" + (f" ({self.label})" if self.label else "")
        if self.deleted:
            return (
                f"Someone else deleted {what} while you were editing; nothing of yours was saved."
            )
        return (
            f"Someone else saved {what} while you were editing; nothing was overwritten. "
            "Choose, per field, which value to keep."
        )

    def merged(self, choices: Mapping[str, Choice] | None = None) -> Any:
        """The value to save: theirs, with ``yours`` where chosen (each field's default when
        ``choices`` does not name it), expecting theirs' version."""
        if self.deleted or self.theirs is None:
            raise ValueError("There is nothing to merge with: the row was deleted.")
        choices = choices or {}
        value = self.theirs
        for f in self.fields:
            if choices.get(f.name, f.default) == "yours":
                value = _SPECS[self.kind].put(value, f.name, f.yours)
        return _with_version(value, self.theirs_version or 0)


# -- which fields each kind compares --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    fields: tuple[tuple[str, str], ...]  # (name, label), in the order a form shows them
    get: Callable[[Any, str], Any]
    put: Callable[[Any, str, Any], Any]


def _get_attr(obj: Any, name: str) -> Any:
    return getattr(obj, name)


def _put_attr(obj: Any, name: str, value: Any) -> Any:
    return replace(obj, **{name: value})


def _get_rotation(edit: RotationEdit, name: str) -> Any:
    if name == "name":
        return edit.name
    if name == "cadence":
        return (edit.version.cadence_count, str(edit.version.cadence_unit))
    return getattr(edit.version, name)


def _put_rotation(edit: RotationEdit, name: str, value: Any) -> RotationEdit:
    if name == "name":
        return replace(edit, name=value)
    if name == "cadence":
        count, unit = value
        version = replace(edit.version, cadence_count=count, cadence_unit=unit)
    else:
        version = replace(edit.version, **{name: value})
    return replace(edit, version=version)


def _plain(*fields: tuple[str, str]) -> _Spec:
    return _Spec(fields, _get_attr, _put_attr)


_SPECS: dict[str, _Spec] = {
    "team": _plain(
        ("name", "Name"), ("zone", "Time zone"), ("description", "Description"),
        ("lead_engineer_id", "Lead"),
    ),
    "engineer": _plain(
        ("name", "Name"), ("handle", "Handle"), ("zone", "Time zone"), ("email", "Email"),
        ("phone", "Phone"), ("country", "Country"), ("region", "Region"), ("active", "Active"),
    ),
    "rotation": _Spec(
        (
            ("name", "Name"), ("members", "People, in order"), ("cadence", "Shift length"),
            ("anchor", "First handoff"), ("zone", "Time zone"),
            ("restrictions", "On call only"), ("priority", "Priority"), ("role", "Role"),
        ),
        _get_rotation,
        _put_rotation,
    ),
    "override": _plain(
        ("engineer_id", "Who"), ("role", "Role"), ("start", "From"), ("end", "Until"),
        ("note", "Note"),
    ),
    "swap": _plain(("engineer_id", "Who"), ("shift_start", "Shift"), ("note", "Note")),
    "leave": _plain(
        ("engineer_id", "Who"), ("kind", "Kind"), ("start", "From"), ("end", "Until"),
        ("note", "Note"),
    ),
}  # fmt: skip

#: Fields whose values are engineer ids (named through ``EditConflict.names``).
PERSON_FIELDS = frozenset({"lead_engineer_id", "engineer_id"})


def _with_version(value: Any, row_version: int) -> Any:
    return replace(value, row_version=row_version)


def diff(kind: str, theirs: Any, yours: Any, base: Any = None) -> tuple[FieldConflict, ...]:
    """The fields on which ``theirs`` and ``yours`` differ, with ``base`` where it is known."""
    spec = _SPECS[kind]
    out = []
    for name, label in spec.fields:
        t, y = spec.get(theirs, name), spec.get(yours, name)
        if t != y:
            b = spec.get(base, name) if base is not None else NO_BASE
            out.append(FieldConflict(name, label, b, t, y))
    return tuple(out)


def describe(
    f: FieldConflict | str, value: Any, names: Mapping[int, str] | None = None, zone: str = "UTC"
) -> str:
    """A field's value in words: people by name, instants in ``zone``, rules spelled out."""
    name = f if isinstance(f, str) else f.name
    names = names or {}
    if value is NO_BASE:
        return "(unknown)"
    if name in PERSON_FIELDS:
        return "nobody" if value is None else names.get(value, f"#{value}")
    if name == "members":
        return ", ".join(names.get(i, f"#{i}") for i in value) or "nobody"
    if name == "cadence":
        count, unit = value
        return f"{count} {unit if count != 1 else unit.rstrip('s')}"
    if name == "restrictions":
        return "; ".join(_restriction(r) for r in value) or "all the time"
    if name == "active":
        return "active" if value else "inactive"
    if name == "anchor" and isinstance(value, datetime):
        return value.strftime("%a %d %b %Y %H:%M")
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(zone))
        return f"{local:%a %d %b %Y %H:%M} {zone}"
    if value is None:
        return "none"
    text = str(value)
    return text if text else "(empty)"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _restriction(r: Restriction) -> str:
    days = ", ".join(_DAYS[d] for d in sorted(r.weekdays))
    return f"{days} {r.start:%H:%M}-{r.end:%H:%M}"


# -- the check ------------------------------------------------------------------------------


def claim(s: Session, kind: str, row_id: int, expected: int) -> bool:
    """Lock the row if it is still at version ``expected``; False if it is newer or gone.

    ``UPDATE ... SET row_version = row_version WHERE id = ? AND row_version = ?`` changes
    nothing, yet takes the row's write lock until the transaction ends, so the write that
    follows cannot race another save (both SQLite and PostgreSQL count a matched row).
    """
    table = _TABLES[kind]
    result = s.execute(
        update(table)
        .where(table.c.id == row_id, table.c.row_version == expected)
        .values(row_version=table.c.row_version)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def ensure_current(
    s: Session,
    kind: str,
    row_id: int,
    expected: int,
    yours: Any,
    base: Any = None,
    label: str = "",
) -> None:
    """Claim the row at ``expected`` (0: not checked) or raise :class:`EditConflict`.

    Call it before the command reads the row: on a conflict the row is read afresh, so the
    dialog shows what is stored now.
    """
    if not expected or claim(s, kind, row_id, expected):
        return
    s.expire_all()  # whatever this session read before is older than the row now
    theirs, saved_at = current(s, kind, row_id)
    label = label or label_of(theirs if theirs is not None else yours)
    if theirs is None:
        raise EditConflict(kind, label, deleted=True, yours=yours, row_id=row_id)
    fields = diff(kind, theirs, yours, base)
    raise EditConflict(
        kind,
        label,
        fields,
        theirs_version=theirs.row_version,
        theirs=theirs,
        yours=yours,
        saved_at=saved_at,
        names=_names(s, kind, fields),
        row_id=row_id,
    )


def rotation_edit(rotation: Any, version: RotationVersion | None = None) -> RotationEdit:
    """A rotation (``oncall.domain.model.Rotation``) as the edit it stands for: its name and
    ``version`` (default: its current rules), at its row version."""
    return RotationEdit(rotation.name, version or rotation.current, rotation.row_version)


def current(s: Session, kind: str, row_id: int) -> tuple[Any, datetime | None]:
    """What is stored now (a rotation as a :class:`RotationEdit`; None if deleted) and, when
    known, when it was saved."""
    if kind == "team":
        return queries.get_team(s, row_id), None
    if kind == "engineer":
        return queries.get_engineer(s, row_id), None
    if kind == "rotation":
        rotation = queries.get_rotation(s, row_id)
        if rotation is None:
            return None, None
        saved_at = s.scalar(
            select(func.max(RotationVersionRow.created_at)).where(
                RotationVersionRow.rotation_id == row_id
            )
        )
        return rotation_edit(rotation), saved_at
    if kind in ("override", "swap", "leave"):
        from oncall.db import mapping  # the row classes' one conversion each

        row_cls = {"override": OverrideRow, "swap": SwapRow, "leave": LeaveRow}[kind]
        row = s.get(row_cls, row_id, populate_existing=True)
        convert: dict[str, Callable[[Any], Any]] = {
            "override": mapping.override, "swap": mapping.swap, "leave": mapping.leave,
        }  # fmt: skip
        return (convert[kind](row) if row is not None else None), None
    raise ValueError(f"Unknown kind of row: {kind}")


def label_of(value: Any) -> str:
    """What a stored value is called in a sentence (a name when it has one)."""
    return str(getattr(value, "name", "") or "")


def _names(s: Session, kind: str, fields: Iterable[FieldConflict]) -> dict[int, str]:
    ids: set[int] = set()
    for f in fields:
        for v in (f.base, f.theirs, f.yours):
            if f.name in PERSON_FIELDS and isinstance(v, int):
                ids.add(v)
            elif f.name == "members" and isinstance(v, tuple):
                ids.update(v)
    if not ids:
        return {}
    rows = s.execute(select(EngineerRow.id, EngineerRow.name).where(EngineerRow.id.in_(ids)))
    return {int(r[0]): str(r[1]) for r in rows}

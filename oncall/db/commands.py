"""Every write to the database: functions of a Session that take and return domain dataclasses.

Each runs inside the caller's transaction (``with sessions.begin() as s:``), so one user action
commits or rolls back whole. Ids of new objects are ignored on input (pass 0) and set on output.
Bad input (an end before its start, a naive instant, an unknown engineer or zone, a taken
handle...) raises ValueError with a sentence the window can show as it is.

No lost updates: an update or delete given a value whose ``row_version`` is non-zero (as read
from the database) first checks the row is still at that version, and raises
``conflicts.EditConflict`` (a ValueError) instead of overwriting a newer save; ``base`` (what
the user started from) lets the conflict say who changed which field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from oncall.db import conflicts, mapping, queries
from oncall.db.models import (
    EngineerRow,
    LeaveRow,
    LedgerShiftRow,
    OverrideRow,
    RestrictionRow,
    RotationMemberRow,
    RotationRow,
    RotationVersionRow,
    SwapRow,
    TeamMemberRow,
    TeamRow,
)
from oncall.domain.ledger import ledger_window_start, merge_ledger
from oncall.domain.model import (
    CadenceUnit,
    Engineer,
    Leave,
    LeaveKind,
    Override,
    Resolution,
    Role,
    Rotation,
    RotationVersion,
    Swap,
    Team,
)
from oncall.domain.schedule import resolve


def _utc(value: datetime, what: str) -> datetime:
    # Stored in UTC; converting here too means what a command returns equals what a later
    # query returns, to the tzinfo.
    return mapping.require_aware(value, what).astimezone(UTC)


def _audit_now() -> datetime:
    # Only for created_at audit columns; schedule logic always takes ``now`` as an argument.
    return datetime.now(UTC)


def _zone(zone: str, what: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{what} '{zone}' is not a time zone; use an IANA name such as Europe/London."
        ) from None
    return zone


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} cannot be empty.")
    return value


def _interval(start: datetime, end: datetime, what: str) -> tuple[datetime, datetime]:
    start, end = _utc(start, f"The start of the {what}"), _utc(end, f"The end of the {what}")
    if end <= start:
        raise ValueError(
            f"The {what} ends ({end.isoformat(sep=' ')}) at or before it starts "
            f"({start.isoformat(sep=' ')}); its end must come after its start."
        )
    return start, end


def _team_row(s: Session, team_id: int) -> TeamRow:
    row = s.get(TeamRow, team_id)
    if row is None:
        raise ValueError(f"There is no team with id {team_id}.")
    return row


def _engineer_row(s: Session, engineer_id: int) -> EngineerRow:
    row = s.get(EngineerRow, engineer_id)
    if row is None:
        raise ValueError(f"There is no engineer with id {engineer_id}.")
    return row


def _rotation_row(s: Session, rotation_id: int) -> RotationRow:
    row = s.get(RotationRow, rotation_id)
    if row is None:
        raise ValueError(f"There is no rotation with id {rotation_id}.")
    return row


def _engineers_exist(s: Session, engineer_ids: Iterable[int]) -> None:
    wanted = set(engineer_ids)
    found = set(s.scalars(select(EngineerRow.id).where(EngineerRow.id.in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        ids = ", ".join(str(i) for i in missing)
        raise ValueError(f"There is no engineer with id {ids}.")


# -- teams and engineers ------------------------------------------------------------------


def _check_team(s: Session, team: Team, own_id: int) -> tuple[str, str]:
    name = _text(team.name, "A team's name")
    clash = s.scalars(
        select(TeamRow).where(func.lower(TeamRow.name) == name.lower(), TeamRow.id != own_id)
    ).first()
    if clash:
        raise ValueError(f"There is already a team called '{clash.name}'.")
    return name, _zone(team.zone, "The team's zone")


def _lead(s: Session, team: Team) -> int | None:
    # The lead is called for help, so it must be someone whose contact details we hold.
    if team.lead_engineer_id is None:
        return None
    if s.get(EngineerRow, team.lead_engineer_id) is None:
        raise ValueError(
            f"The lead of {team.name.strip() or 'the team'} must be an engineer; "
            f"there is no engineer with id {team.lead_engineer_id}."
        )
    return team.lead_engineer_id


def add_team(s: Session, team: Team) -> Team:
    """Create a team."""
    name, zone = _check_team(s, team, own_id=0)
    row = TeamRow(
        name=name, zone=zone, description=team.description, lead_engineer_id=_lead(s, team)
    )
    s.add(row)
    s.flush()
    return mapping.team(row)


def update_team(s: Session, team: Team, *, base: Team | None = None) -> Team:
    """Change a team's name, zone, description or lead (checked against ``team.row_version``)."""
    conflicts.ensure_current(s, "team", team.id, team.row_version, team, base)
    row = _team_row(s, team.id)
    row.name, row.zone = _check_team(s, team, own_id=team.id)
    row.description = team.description
    row.lead_engineer_id = _lead(s, team)
    s.flush()
    return mapping.team(row)


def _check_engineer(s: Session, engineer: Engineer, own_id: int) -> None:
    _text(engineer.name, "An engineer's name")
    handle = _text(engineer.handle, "An engineer's handle")
    _zone(engineer.zone, f"{engineer.name}'s zone")
    clash = s.scalars(
        select(EngineerRow).where(
            func.lower(EngineerRow.handle) == handle.lower(), EngineerRow.id != own_id
        )
    ).first()
    if clash:
        raise ValueError(f"The handle '{handle}' is already {clash.name}'s.")


def _fill_engineer(row: EngineerRow, engineer: Engineer) -> None:
    row.name = engineer.name.strip()
    row.handle = engineer.handle.strip()
    row.zone = engineer.zone
    row.email = engineer.email.strip()
    row.phone = engineer.phone.strip()
    row.country = engineer.country.strip().upper()
    row.region = engineer.region.strip().upper()
    row.active = engineer.active


def add_engineer(s: Session, engineer: Engineer, team_ids: tuple[int, ...] = ()) -> Engineer:
    """Create an engineer, optionally as a member of some teams."""
    _check_engineer(s, engineer, own_id=0)
    for team_id in team_ids:
        _team_row(s, team_id)
    row = EngineerRow()
    _fill_engineer(row, engineer)
    s.add(row)
    s.flush()
    s.add_all(TeamMemberRow(team_id=t, engineer_id=row.id) for t in dict.fromkeys(team_ids))
    s.flush()
    return mapping.engineer(row)


def update_engineer(s: Session, engineer: Engineer, *, base: Engineer | None = None) -> Engineer:
    """Change an engineer's details (name, handle, zone, contact, country, region, active),
    checked against ``engineer.row_version``."""
    conflicts.ensure_current(s, "engineer", engineer.id, engineer.row_version, engineer, base)
    row = _engineer_row(s, engineer.id)
    _check_engineer(s, engineer, own_id=engineer.id)
    _fill_engineer(row, engineer)
    s.flush()
    return mapping.engineer(row)


def set_team_members(s: Session, team_id: int, engineer_ids: tuple[int, ...]) -> None:
    """Make exactly these engineers the team's members."""
    _team_row(s, team_id)
    wanted = set(engineer_ids)
    _engineers_exist(s, wanted)
    current = set(
        s.scalars(select(TeamMemberRow.engineer_id).where(TeamMemberRow.team_id == team_id))
    )
    if current - wanted:
        s.execute(
            delete(TeamMemberRow).where(
                TeamMemberRow.team_id == team_id,
                TeamMemberRow.engineer_id.in_(current - wanted),
            )
        )
    s.add_all(TeamMemberRow(team_id=team_id, engineer_id=e) for e in sorted(wanted - current))
    s.flush()


# -- rotations ----------------------------------------------------------------------------


def _check_version(s: Session, version: RotationVersion) -> None:
    _utc(version.effective_from, "The date a rotation change takes effect")
    if not isinstance(version.anchor, datetime) or version.anchor.tzinfo is not None:
        raise ValueError(
            "A rotation's handoff anchor is a wall-clock time in its zone and must not carry "
            f"a time zone itself (got {version.anchor!r})."
        )
    _zone(version.zone, "The rotation's zone")
    CadenceUnit(version.cadence_unit)
    Role(version.role)
    if version.cadence_count < 1:
        raise ValueError(
            f"A rotation's shift length must be at least 1 (got {version.cadence_count})."
        )
    if not version.members:
        raise ValueError("A rotation needs at least one person.")
    _engineers_exist(s, version.members)
    for r in version.restrictions:
        if not r.weekdays or not set(r.weekdays) <= set(range(7)):
            raise ValueError(
                "A restriction needs one or more weekdays (0 = Monday ... 6 = Sunday)."
            )


def _version_row(version: RotationVersion, number: int) -> RotationVersionRow:
    row = RotationVersionRow(
        version=number,
        effective_from=version.effective_from.astimezone(UTC),
        cadence_unit=CadenceUnit(version.cadence_unit).value,
        cadence_count=version.cadence_count,
        anchor=version.anchor,
        zone=version.zone,
        priority=version.priority,
        role=Role(version.role).value,
        created_at=_audit_now(),
        reason=version.reason or None,
    )
    row.members = [
        RotationMemberRow(position=i, engineer_id=e) for i, e in enumerate(version.members)
    ]
    row.restrictions = [
        RestrictionRow(
            weekdays=mapping.weekday_mask(r.weekdays), start_time=r.start, end_time=r.end
        )
        for r in version.restrictions
    ]
    return row


def _rotation(s: Session, row: RotationRow) -> Rotation:
    # Every change of a rotation (a version added or removed, too) raises its row version,
    # so an editor holding the old one cannot save over it.
    flag_modified(row, "name")
    s.flush()
    found = queries.get_rotation(s, row.id)
    assert found is not None
    return found


def add_rotation(s: Session, team_id: int, name: str, first: RotationVersion) -> Rotation:
    """Create a rotation whose first version is ``first`` (its ``version`` is set to 1)."""
    _team_row(s, team_id)
    name = _text(name, "A rotation's name")
    _check_version(s, first)
    row = RotationRow(team_id=team_id, name=name, ends_at=None, created_at=_audit_now())
    row.versions = [_version_row(first, 1)]
    s.add(row)
    return _rotation(s, row)


def edit_rotation(
    s: Session,
    rotation_id: int,
    version: RotationVersion,
    name: str | None = None,
    *,
    expected: int = 0,
    base: Rotation | conflicts.RotationEdit | None = None,
) -> Rotation:
    """Add a new version, in force from ``version.effective_from`` (normally now): the past keeps
    the old rules. A pending version that starts at or after the new one is replaced.

    The new version's number is one more than the highest the rotation holds (replaced
    pending versions included), so ledger provenance keeps pointing at the rules it meant.

    ``expected`` (non-zero) is the rotation's ``row_version`` the editor started from
    (``base``, a rotation or, after a conflict, the merge's starting point): a newer one
    raises ``conflicts.EditConflict`` and nothing is written.
    """
    if expected:
        start = base if not isinstance(base, Rotation) else conflicts.rotation_edit(base)
        yours = conflicts.RotationEdit(name if name is not None else "", version)
        if name is None and start is not None:
            yours = replace(yours, name=start.name)
        conflicts.ensure_current(s, "rotation", rotation_id, expected, yours, start)
    row = _rotation_row(s, rotation_id)
    _check_version(s, version)
    if name is not None:
        row.name = _text(name, "A rotation's name")
    number = max((v.version for v in row.versions), default=0) + 1
    for old in [v for v in row.versions if v.effective_from >= version.effective_from]:
        row.versions.remove(old)
    s.flush()  # the replaced versions go before the new one arrives
    row.versions.append(_version_row(version, number))
    return _rotation(s, row)


def undo_rotation_version(
    s: Session, rotation_id: int, version: int, *, expected: int = 0
) -> Rotation:
    """Remove one version (the undo of an edit); the earlier version is in force again.

    ``expected`` (non-zero) is the rotation's ``row_version`` just after that edit: if someone
    saved since, undoing would drop their change too, so ``conflicts.EditConflict`` is raised
    (yours: the earlier rules; base: the version being undone).
    """
    if expected and not conflicts.claim(s, "rotation", rotation_id, expected):
        _undo_conflict(s, rotation_id, version, expected)
    row = _rotation_row(s, rotation_id)
    target = [v for v in row.versions if v.version == version]
    if not target:
        raise ValueError(f"Rotation '{row.name}' has no version {version}.")
    if len(row.versions) == 1:
        raise ValueError(f"Rotation '{row.name}' has only this version; end the rotation instead.")
    row.versions.remove(target[0])
    return _rotation(s, row)


def _undo_conflict(s: Session, rotation_id: int, version: int, expected: int) -> None:
    s.expire_all()
    current = queries.get_rotation(s, rotation_id)
    if current is None:
        raise conflicts.EditConflict("rotation", "", deleted=True, row_id=rotation_id)
    theirs = conflicts.rotation_edit(current)
    undone = next((v for v in current.versions if v.version == version), None)
    earlier = [v for v in current.versions if v.version < version]
    if undone is None or not earlier:
        # Their edit replaced the version being undone: nothing of ours is left to take back.
        raise conflicts.EditConflict(
            "rotation",
            current.name,
            theirs_version=current.row_version,
            theirs=theirs,
            row_id=rotation_id,
        )
    yours = conflicts.RotationEdit(current.name, earlier[-1], expected)
    base = conflicts.RotationEdit(current.name, undone, expected)
    fields = conflicts.diff("rotation", theirs, yours, base)
    raise conflicts.EditConflict(
        "rotation",
        current.name,
        fields,
        theirs_version=current.row_version,
        theirs=theirs,
        yours=yours,
        names={e.id: e.name for e in queries.list_engineers(s, include_inactive=True)},
        row_id=rotation_id,
    )


def end_rotation(
    s: Session, rotation_id: int, at: datetime | None, *, expected: int = 0
) -> Rotation:
    """Stop a rotation at ``at`` (its past shifts stay in the ledger); ``None`` restarts it.

    ``expected`` (non-zero): the rotation's ``row_version`` the caller saw (EditConflict if
    someone saved it since)."""
    if expected:
        _claim_or_refuse(s, "rotation", rotation_id, expected)
    row = _rotation_row(s, rotation_id)
    row.ends_at = None if at is None else _utc(at, "The end of the rotation")
    return _rotation(s, row)


# -- overrides, swaps, leave --------------------------------------------------------------


def _claim_or_refuse(s: Session, kind: str, row_id: int, expected: int) -> None:
    # For actions that are not a form's fields (remove, end): no per-field choice, just refuse.
    if conflicts.claim(s, kind, row_id, expected):
        return
    s.expire_all()
    theirs, saved_at = conflicts.current(s, kind, row_id)
    raise conflicts.EditConflict(
        kind,
        conflicts.label_of(theirs),
        deleted=theirs is None,
        theirs_version=theirs.row_version if theirs is not None else None,
        theirs=theirs,
        saved_at=saved_at,
        row_id=row_id,
    )


def add_override(s: Session, override: Override) -> Override:
    """Record an override."""
    _team_row(s, override.team_id)
    _engineer_row(s, override.engineer_id)
    start, end = _interval(override.start, override.end, "override")
    row = OverrideRow(
        team_id=override.team_id,
        engineer_id=override.engineer_id,
        role=Role(override.role).value,
        starts_at=start,
        ends_at=end,
        created_at=_utc(override.created_at, "The time the override was made"),
        note=override.note,
        reason=override.reason or None,
    )
    s.add(row)
    s.flush()
    return mapping.override(row)


def delete_override(s: Session, override_id: int, *, expected: int = 0) -> None:
    """Remove an override; ``expected`` (non-zero): the ``row_version`` the caller saw, so a row
    someone changed or removed meanwhile raises ``conflicts.EditConflict``."""
    if expected:
        _claim_or_refuse(s, "override", override_id, expected)
    row = s.get(OverrideRow, override_id)
    if row is None:
        raise ValueError(f"There is no override with id {override_id}; was it already removed?")
    s.delete(row)
    s.flush()


def add_swap(s: Session, swap: Swap) -> Swap:
    """Record a swap of one shift."""
    _rotation_row(s, swap.rotation_id)
    _engineer_row(s, swap.engineer_id)
    row = SwapRow(
        rotation_id=swap.rotation_id,
        shift_start=_utc(swap.shift_start, "The start of the swapped shift"),
        engineer_id=swap.engineer_id,
        created_at=_utc(swap.created_at, "The time the swap was made"),
        note=swap.note,
        reason=swap.reason or None,
    )
    s.add(row)
    s.flush()
    return mapping.swap(row)


def delete_swap(s: Session, swap_id: int, *, expected: int = 0) -> None:
    """Remove a swap; ``expected`` (non-zero): the ``row_version`` the caller saw, so a row
    someone changed or removed meanwhile raises ``conflicts.EditConflict``."""
    if expected:
        _claim_or_refuse(s, "swap", swap_id, expected)
    row = s.get(SwapRow, swap_id)
    if row is None:
        raise ValueError(f"There is no swap with id {swap_id}; was it already removed?")
    s.delete(row)
    s.flush()


def add_leave(s: Session, leave: Leave) -> Leave:
    """Record leave."""
    _engineer_row(s, leave.engineer_id)
    start, end = _interval(leave.start, leave.end, "leave")
    row = LeaveRow(
        engineer_id=leave.engineer_id,
        kind=LeaveKind(leave.kind).value,
        starts_at=start,
        ends_at=end,
        note=leave.note,
    )
    s.add(row)
    s.flush()
    return mapping.leave(row)


def delete_leave(s: Session, leave_id: int, *, expected: int = 0) -> None:
    """Remove leave; ``expected`` (non-zero): the ``row_version`` the caller saw, so a row
    someone changed or removed meanwhile raises ``conflicts.EditConflict``."""
    if expected:
        _claim_or_refuse(s, "leave", leave_id, expected)
    row = s.get(LeaveRow, leave_id)
    if row is None:
        raise ValueError(f"There is no leave with id {leave_id}; was it already removed?")
    s.delete(row)
    s.flush()


# -- the ledger ---------------------------------------------------------------------------


def materialise(s: Session, team_id: int, now: datetime, horizon: timedelta) -> Resolution:
    """Rewrite the team's ledger from ``now`` to ``now + horizon`` from the current plan.

    Ledger shifts that ended at or before ``now`` are frozen and never touched; a shift in
    progress keeps its start; time between the ledger's end and ``now`` (the app was closed
    longer than the horizon) is filled in as history. Returns the resolution it wrote (gaps
    and conflicts included).
    """
    now = _utc(now, "now")
    if horizon <= timedelta(0):
        raise ValueError(f"The ledger horizon must be positive (got {horizon}).")
    plan = queries.load_plan(s, team_id)
    rows = s.execute(
        select(*LedgerShiftRow.__table__.columns).where(LedgerShiftRow.team_id == team_id)
    )
    existing = [mapping.shift(r) for r in rows]
    start = ledger_window_start(existing, now)
    resolution = resolve(plan, start, now + horizon)
    merged = merge_ledger(existing, resolution.shifts, now)
    # Frozen rows stay as they are; everything else of the team is replaced by the merge.
    untouched = Counter(x for x in existing if x.frozen)
    new_rows = []
    for shift in merged:
        if untouched[shift] > 0:
            untouched[shift] -= 1
        else:
            new_rows.append(mapping.shift_values(shift))
    s.execute(
        delete(LedgerShiftRow).where(
            LedgerShiftRow.team_id == team_id, LedgerShiftRow.frozen.is_(False)
        )
    )
    if new_rows:
        s.execute(insert(LedgerShiftRow), new_rows)
    s.flush()
    return resolution


def materialise_all(s: Session, now: datetime, horizon: timedelta) -> dict[int, Resolution]:
    """:func:`materialise` every team (start-up, and the daily roll of the ledger)."""
    team_ids = list(s.scalars(select(TeamRow.id).order_by(TeamRow.id)))
    return {team_id: materialise(s, team_id, now, horizon) for team_id in team_ids}

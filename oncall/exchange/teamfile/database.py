"""A team document into and out of the database, through ``oncall.db`` in the caller's session.

Import rules (docs/team-file.md "What an import changes"): the file is the truth for the team's
members, its running rotations and every override and leave entry that has not yet ended.
History is never touched: a changed rotation gets a new version in force from ``now``, and
overrides and leave that ended before ``now`` stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from oncall.db import commands, queries
from oncall.domain.model import (
    Engineer,
    Leave,
    Override,
    Rotation,
    RotationVersion,
    Swap,
    Team,
    TeamPlan,
)
from oncall.exchange.teamfile.document import (
    EngineerDraft,
    LeaveDraft,
    OverrideDraft,
    RotationDraft,
    SwapDraft,
    TeamDocument,
)
from oncall.exchange.teamfile.writer import format_instant

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251  (a type only: the caller's session)

DEFAULT_HORIZON = timedelta(days=180)


@dataclass(frozen=True, slots=True)
class Change:
    """What an import did to one thing: ``kind`` (team, engineer, member, rotation, override,
    leave), ``key`` (a name, or who and when) and ``action`` (created, updated, new version,
    ended, restarted, removed, unchanged, or skipped for entries that are already over)."""

    kind: str
    key: str
    action: str

    def __str__(self) -> str:
        return f"{self.action:<11} {self.kind} {self.key}"


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """Everything an import did, in order; ``team_id`` is the imported team's."""

    team_id: int
    changes: tuple[Change, ...] = ()

    def with_action(self, *actions: str) -> tuple[Change, ...]:
        """The changes with one of these actions."""
        return tuple(c for c in self.changes if c.action in actions)

    @property
    def created(self) -> tuple[Change, ...]:
        """Things the import created."""
        return self.with_action("created")

    @property
    def updated(self) -> tuple[Change, ...]:
        """Things changed in place, rotations given a new version, ended or restarted."""
        return self.with_action("updated", "new version", "ended", "restarted")

    @property
    def removed(self) -> tuple[Change, ...]:
        """Members, future overrides and future leave the file no longer has."""
        return self.with_action("removed")

    @property
    def unchanged(self) -> tuple[Change, ...]:
        """Things the file and the database already agreed on."""
        return self.with_action("unchanged")

    @property
    def changed(self) -> bool:
        """Whether the import changed anything at all."""
        return any(c.action not in ("unchanged", "skipped") for c in self.changes)

    def summary(self) -> str:
        """Counts in a fixed order, e.g. "2 created, 1 updated, 0 removed, 9 unchanged"."""
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        skipped = self.with_action("skipped")
        if skipped:
            parts.append(f"{len(skipped)} skipped (already over)")
        return ", ".join(parts)


def apply(
    s: Session, document: TeamDocument, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> ApplyReport:
    """Import ``document`` in the caller's transaction, then re-materialise the team's ledger
    from ``now`` to ``now + horizon``.

    The team is matched by name and engineers by handle (both ignoring case); the file's
    engineers become exactly the team's members. Rotations are matched by name: a new one is
    created, a changed one gets a new version in force from ``now``, one the file no longer
    lists is ended at ``now``. Overrides and leave that end after ``now`` are replaced by the
    file's; ones that have ended stay, and the file's ones that have ended are skipped. Nothing
    is committed here: on any exception the caller's transaction rolls back whole.
    """
    changes: list[Change] = []
    team = _apply_team(s, document, changes)
    ids = _apply_engineers(s, team.id, document.engineers, changes)
    _apply_lead(s, team, document.lead, ids, changes)
    plan = queries.load_plan(s, team.id)
    _apply_rotations(s, team.id, plan, document.rotations, ids, now, changes)
    handles = {engineer_id: handle for handle, engineer_id in ids.items()}
    _apply_overrides(s, team.id, plan, document, ids, handles, now, changes)
    if document.swaps is not None:  # a file without a swaps section leaves them alone
        _apply_swaps(s, team.id, plan, document, ids, handles, now, changes)
    _apply_leave(s, plan, document, ids, handles, now, changes)
    commands.materialise(s, team.id, now, horizon)
    return ApplyReport(team.id, tuple(changes))


def _apply_team(s: Session, document: TeamDocument, changes: list[Change]) -> Team:
    wanted = Team(0, document.name.strip(), document.zone, document.description)
    team = queries.find_team(s, document.name)
    if team is None:
        changes.append(Change("team", document.name, "created"))
        return commands.add_team(s, wanted)
    if (team.name, team.zone, team.description) == (wanted.name, wanted.zone, wanted.description):
        changes.append(Change("team", document.name, "unchanged"))
        return team
    changes.append(Change("team", document.name, "updated"))
    # The lead is set by _apply_lead, once the file's engineers exist.
    return commands.update_team(
        s, replace(wanted, id=team.id, lead_engineer_id=team.lead_engineer_id)
    )


def _apply_lead(
    s: Session, team: Team, lead: str, ids: dict[str, int], changes: list[Change]
) -> None:
    """Make the file's lead (or no lead) the team's; a changed lead counts as the team
    updated."""
    if lead and lead.casefold() not in ids:
        raise ValueError(f'The lead "{lead}" is not one of the engineers in the file.')
    wanted = ids[lead.casefold()] if lead else None
    if team.lead_engineer_id == wanted:
        return
    commands.update_team(s, replace(team, lead_engineer_id=wanted))
    if changes[0].action == "unchanged":  # the team's own entry comes first
        changes[0] = replace(changes[0], action="updated")


def _apply_engineers(
    s: Session, team_id: int, drafts: Iterable[EngineerDraft], changes: list[Change]
) -> dict[str, int]:
    """Create or update each engineer and make them exactly the team's members; returns ids by
    case-folded handle."""
    known = {e.handle.casefold(): e for e in queries.list_engineers(s, include_inactive=True)}
    ids: dict[str, int] = {}
    for draft in drafts:
        # Spelled as the database stores them, so an unchanged file compares equal.
        details = {
            "name": draft.name.strip(), "handle": draft.handle.strip(), "zone": draft.zone,
            "email": draft.email.strip(), "phone": draft.phone.strip(),
            "country": draft.country.strip().upper(), "region": draft.region.strip().upper(),
        }  # fmt: skip
        found = known.get(draft.handle.casefold())
        if found is None:
            engineer = commands.add_engineer(s, Engineer(id=0, **details))
            action = "created"
        elif any(getattr(found, key) != value for key, value in details.items()):
            engineer = commands.update_engineer(s, replace(found, **details))
            action = "updated"
        else:
            engineer, action = found, "unchanged"
        changes.append(Change("engineer", draft.handle, action))
        ids[draft.handle.casefold()] = engineer.id
    before = queries.team_engineers(s, team_id)
    commands.set_team_members(s, team_id, tuple(ids.values()))
    changes.extend(
        Change("member", e.handle, "removed") for e in before if e.id not in ids.values()
    )
    return ids


def _version(draft: RotationDraft, ids: dict[str, int], now: datetime) -> RotationVersion:
    return RotationVersion(
        version=0,
        effective_from=now,
        members=tuple(ids[h.casefold()] for h in draft.members),
        cadence_unit=draft.cadence_unit,
        cadence_count=draft.cadence_count,
        anchor=draft.handoff,
        zone=draft.zone,
        restrictions=draft.restrictions,
        priority=draft.priority,
        role=draft.role,
        reason=draft.reason,
    )


def _rules(v: RotationVersion) -> tuple[object, ...]:
    """What a file can say about a version (not its number or when it took effect). The
    reason is not a rule: a file that only words it differently makes no new version."""
    return (
        v.members, v.cadence_unit, v.cadence_count, v.anchor, v.zone, v.restrictions,
        v.priority, v.role,
    )  # fmt: skip


def _apply_rotations(
    s: Session,
    team_id: int,
    plan: TeamPlan,
    drafts: Iterable[RotationDraft],
    ids: dict[str, int],
    now: datetime,
    changes: list[Change],
) -> None:
    existing = {r.name.casefold(): r for r in plan.rotations}
    listed: set[str] = set()
    for draft in drafts:
        listed.add(draft.name.casefold())
        version = _version(draft, ids, now)
        rotation: Rotation | None = existing.get(draft.name.casefold())
        if rotation is None:
            rotation = commands.add_rotation(s, team_id, draft.name, version)
            changes.append(Change("rotation", draft.name, "created"))
        elif _rules(rotation.current) != _rules(version) or rotation.name != draft.name.strip():
            rotation = commands.edit_rotation(s, rotation.id, version, name=draft.name)
            changes.append(Change("rotation", draft.name, "new version"))
        else:
            changes.append(Change("rotation", draft.name, "unchanged"))
        if rotation.ends_at != draft.ends:
            commands.end_rotation(s, rotation.id, draft.ends)
            action = "ended" if draft.ends is not None else "restarted"
            changes.append(Change("rotation", draft.name, action))
    for rotation in plan.rotations:
        running = rotation.ends_at is None or rotation.ends_at > now
        if rotation.name.casefold() not in listed and running:
            commands.end_rotation(s, rotation.id, now)
            changes.append(Change("rotation", rotation.name, "ended"))


def _when(who: str, start: datetime, zone: str) -> str:
    return f"{who} from {format_instant(start, zone)}"


def _apply_overrides(
    s: Session,
    team_id: int,
    plan: TeamPlan,
    document: TeamDocument,
    ids: dict[str, int],
    handles: dict[int, str],
    now: datetime,
    changes: list[Change],
) -> None:
    """The newest override wins where they overlap, so order matters: the longest common
    prefix of the database's future overrides (oldest first) and the file's is kept, the rest
    is removed and the file's remainder added in file order, each newer than the last."""
    zone = document.zone
    current = sorted((o for o in plan.overrides if o.end > now), key=lambda o: (o.created_at, o.id))
    wanted = [o for o in document.overrides if o.end > now]
    changes.extend(
        Change("override", _when(o.who, o.start, zone), "skipped")
        for o in document.overrides
        if o.end <= now
    )
    keep = 0
    while keep < min(len(current), len(wanted)) and _same_override(
        current[keep], wanted[keep], handles
    ):
        keep += 1
    changes.extend(
        Change("override", _when(handles[o.engineer_id], o.start, zone), "unchanged")
        for o in current[:keep]
    )
    for o in current[keep:]:
        commands.delete_override(s, o.id)
        who = handles.get(o.engineer_id, f"#{o.engineer_id}")
        changes.append(Change("override", _when(who, o.start, zone), "removed"))
    stamp = max([now, *(o.created_at for o in current[:keep])])
    for i, o in enumerate(wanted[keep:], start=1):
        added = Override(
            id=0, team_id=team_id, engineer_id=ids[o.who.casefold()], start=o.start, end=o.end,
            created_at=stamp + timedelta(microseconds=i), role=o.role, note=o.note,
            reason=o.reason,
        )  # fmt: skip
        commands.add_override(s, added)
        changes.append(Change("override", _when(o.who, o.start, zone), "created"))


def _same_override(o: Override, draft: OverrideDraft, handles: dict[int, str]) -> bool:
    who = handles.get(o.engineer_id, "")
    same = (who.casefold(), o.start, o.end, o.role, o.note) == (
        draft.who.casefold(), draft.start, draft.end, draft.role, draft.note,
    )  # fmt: skip
    # A file without a reason (older files have none) keeps the one the app recorded.
    return same and draft.reason in ("", o.reason)


def _apply_swaps(
    s: Session,
    team_id: int,
    plan: TeamPlan,
    document: TeamDocument,
    ids: dict[str, int],
    handles: dict[int, str],
    now: datetime,
    changes: list[Change],
) -> None:
    """Swaps are a set, like leave: the team's swaps of shifts that start after ``now`` are
    replaced by the file's; swaps of shifts already started are history and stay, and the
    file's such swaps are skipped."""
    zone = document.zone
    # Rotation ids after _apply_rotations, which may have created some.
    rotation_ids = {
        r.name.strip().casefold(): r.id for r in queries.load_plan(s, team_id).rotations
    }
    names = {r.id: r.name for r in plan.rotations}
    wanted: list[tuple[tuple[int, datetime, int, str], SwapDraft]] = []
    for w in document.swaps or ():
        if w.shift <= now:
            changes.append(Change("swap", _swap_label(w.who, w.shift, w.rotation, zone), "skipped"))
            continue
        key = (rotation_ids[w.rotation.strip().casefold()], w.shift, ids[w.who.casefold()], w.note)
        if all(k != key or other.reason != w.reason for k, other in wanted):
            wanted.append((key, w))
    for x in sorted(plan.swaps, key=lambda x: (x.created_at, x.id)):
        if x.shift_start <= now:
            continue
        who = handles.get(x.engineer_id, f"#{x.engineer_id}")
        label = _swap_label(who, x.shift_start, names.get(x.rotation_id, "?"), zone)
        key = (x.rotation_id, x.shift_start, x.engineer_id, x.note)
        # A file without a reason (older files have none) keeps the one the app recorded.
        match = next(
            (i for i, (k, w) in enumerate(wanted) if k == key and w.reason in ("", x.reason)),
            None,
        )
        if match is not None:
            del wanted[match]
            changes.append(Change("swap", label, "unchanged"))
        else:
            commands.delete_swap(s, x.id)
            changes.append(Change("swap", label, "removed"))
    for (rotation_id, shift, engineer_id, note), w in wanted:
        commands.add_swap(s, Swap(0, rotation_id, shift, engineer_id, now, note, w.reason))
        changes.append(Change("swap", _swap_label(w.who, shift, w.rotation, zone), "created"))


def _swap_label(who: str, shift: datetime, rotation: str, zone: str) -> str:
    return f"{_when(who, shift, zone)} in {rotation}"


def _apply_leave(
    s: Session,
    plan: TeamPlan,
    document: TeamDocument,
    ids: dict[str, int],
    handles: dict[int, str],
    now: datetime,
    changes: list[Change],
) -> None:
    """Leave is a set: entries the file repeats stay, the rest of the members' future leave is
    replaced by the file's."""
    zone = document.zone
    wanted: dict[tuple[object, ...], LeaveDraft] = {}
    for x in document.leave:
        if x.end <= now:
            changes.append(Change("leave", _when(x.who, x.start, zone), "skipped"))
        else:
            wanted.setdefault((ids[x.who.casefold()], x.start, x.end, x.kind, x.note), x)
    kept: set[tuple[object, ...]] = set()
    for x in plan.leave:
        if x.end <= now or x.engineer_id not in handles:
            continue
        key = (x.engineer_id, x.start, x.end, x.kind, x.note)
        label = _when(handles[x.engineer_id], x.start, zone)
        if key in wanted and key not in kept:
            kept.add(key)
            changes.append(Change("leave", label, "unchanged"))
        else:
            commands.delete_leave(s, x.id)
            changes.append(Change("leave", label, "removed"))
    for key, x in wanted.items():
        if key not in kept:
            commands.add_leave(s, Leave(0, ids[x.who.casefold()], x.start, x.end, x.kind, x.note))
            changes.append(Change("leave", _when(x.who, x.start, zone), "created"))


def export(s: Session, team_id: int, now: datetime) -> TeamDocument:
    """The team as a document: its members by handle, its rotations that are still running
    (the newest version of each, with its reason, in creation order), the overrides (oldest
    first, so the file's order is their precedence) and members' leave that end after
    ``now``, and the running rotations' swaps of shifts that start after ``now``. Reasons
    (why a change went ahead despite the planning guard) go with what they explain."""
    plan = queries.load_plan(s, team_id)
    members = sorted(queries.team_engineers(s, team_id), key=lambda e: e.handle.casefold())
    handle = {e.id: e.handle for e in plan.engineers}
    handle.update({e.id: e.handle for e in members})
    in_team = {e.id for e in members}

    rotations = []
    for rot in sorted(plan.rotations, key=lambda r: r.id):
        if rot.ends_at is not None and rot.ends_at <= now:
            continue
        v = rot.current
        rotations.append(
            RotationDraft(
                name=rot.name, cadence_count=v.cadence_count, cadence_unit=v.cadence_unit,
                handoff=v.anchor, zone=v.zone, members=tuple(handle[i] for i in v.members),
                role=v.role, priority=v.priority, restrictions=v.restrictions,
                ends=rot.ends_at.astimezone(UTC) if rot.ends_at is not None else None,
                reason=v.reason,
            )
        )  # fmt: skip
    overrides = [
        OverrideDraft(
            handle[o.engineer_id],
            o.start.astimezone(UTC),
            o.end.astimezone(UTC),
            o.role,
            o.note,
            o.reason,
        )
        for o in sorted(plan.overrides, key=lambda o: (o.created_at, o.id))
        if o.end > now
    ]
    running = {r.id: r.name for r in plan.rotations if r.ends_at is None or r.ends_at > now}
    swaps = [
        SwapDraft(
            running[w.rotation_id],
            w.shift_start.astimezone(UTC),
            handle[w.engineer_id],
            w.note,
            w.reason,
        )
        for w in plan.swaps
        if w.shift_start > now and w.rotation_id in running and w.engineer_id in handle
    ]
    swaps.sort(key=lambda w: (w.shift, w.rotation.casefold(), w.who.casefold(), w.note, w.reason))
    leave = [
        LeaveDraft(
            handle[x.engineer_id], x.start.astimezone(UTC), x.end.astimezone(UTC), x.kind, x.note
        )
        for x in plan.leave
        if x.end > now and x.engineer_id in in_team
    ]
    leave.sort(key=lambda x: (x.start, x.who.casefold(), x.end, x.kind.value, x.note))
    lead = plan.team.lead_engineer_id
    return TeamDocument(
        name=plan.team.name,
        zone=plan.team.zone,
        description=plan.team.description,
        engineers=tuple(
            EngineerDraft(e.handle, e.name, e.zone, e.email, e.phone, e.country, e.region)
            for e in members
        ),
        rotations=tuple(rotations),
        overrides=tuple(overrides),
        leave=tuple(leave),
        # The file names only its own engineers, so a lead outside the team is left out.
        lead=handle[lead] if lead in in_team else "",
        swaps=tuple(swaps),
    )

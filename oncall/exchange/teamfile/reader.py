"""Reading a team file: YAML composed (not loaded) so every value keeps its line, then checked
field by field, collecting every problem before giving up.

Values are read from the raw scalar text, so ``from: 09:00`` means nine o'clock even though
YAML 1.1 would read it as the number 540.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

import yaml

from oncall.domain.model import CadenceUnit, LeaveKind, Restriction, Role
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
from oncall.exchange.teamfile.writer import format_instant

_T = TypeVar("_T")
_Entries = dict[str, tuple[yaml.Node, yaml.Node]]

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_TEAM_KEYS = ("name", "zone", "description", "lead")
_TOP_KEYS = ("format", "team", "engineers", "rotations", "overrides", "swaps", "leave")
_ENGINEER_KEYS = ("handle", "name", "zone", "email", "phone", "country", "region")
_ROTATION_KEYS = (
    "name", "role", "priority", "cadence", "handoff", "zone", "members", "restrictions", "ends",
    "reason",
)  # fmt: skip
_RESTRICTION_KEYS = ("days", "from", "to")
_OVERRIDE_KEYS = ("who", "role", "start", "end", "note", "reason")
_SWAP_KEYS = ("rotation", "shift", "who", "note", "reason")
_LEAVE_KEYS = ("who", "kind", "start", "end", "note")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_CADENCE = re.compile(r"\s*(\d{1,4})\s*(hours?|h|days?|d|weeks?|w)\s*", re.IGNORECASE)
_CADENCE_HINT = 'write e.g. "1 week", "12 hours" or "3 days"'
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_YEARS = (1900, 2999)
_INTEGER = re.compile(r"[+-]?\d{1,9}")


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name this machine knows, keyed by its case-folded spelling."""
    return {z.casefold(): z for z in available_timezones() if not z.startswith("posix/")}


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA zone (with a suggestion when one is close), or None."""
    zones = _zones()
    if name in zones.values():
        return None
    close = zones.get(name.casefold()) or next(
        iter(difflib.get_close_matches(name, list(zones.values()), n=1, cutoff=0.75)), None
    )
    hint = f'; did you mean "{close}"?' if close else '; use an IANA name like "Europe/London"'
    return f'"{name}" is not a time zone{hint}'


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else f"; known keys: {', '.join(choices)}"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks a composed YAML tree, converting values and collecting every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, line: int, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, path, message))

    # ---- shapes

    def mapping(
        self, node: yaml.Node, path: str, keys: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """A mapping's entries by key (key node, value node); unknown and repeated keys and
        nulls are reported. None when ``node`` is not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(_line(node), path, f"expected {what} (a mapping of {', '.join(keys)})")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(_line(key_node), path, "keys must be plain words")
                continue
            key = key_node.value
            where = f"{path}.{key}" if path else key
            if key not in keys:
                self.fail(_line(key_node), where, f'unknown key "{key}"{_suggest(key, keys)}')
            elif key in out:
                first = _line(out[key][0])
                self.fail(_line(key_node), where, f"repeated key (first given on line {first})")
            elif not _is_null(value_node):
                out[key] = (key_node, value_node)
        return out

    def sequence(self, node: yaml.Node, path: str, what: str) -> list[yaml.Node]:
        if _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.fail(_line(node), path, f"expected a list of {what}")
            return []
        return list(node.value)

    def text(self, node: yaml.Node, path: str, *, required: bool = True) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(_line(node), path, "expected a single value, not a list or mapping")
            return None
        if required and not node.value.strip():
            self.fail(_line(node), path, "must not be empty")
            return None
        return node.value

    # ---- fields of a mapping

    def get(
        self,
        entries: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        path: str,
        parent: yaml.Node,
        *,
        required: bool,
    ) -> yaml.Node | None:
        if key in entries:
            return entries[key][1]
        if required:
            self.fail(_line(parent), f"{path}.{key}" if path else key, "is missing")
        return None

    def string(
        self, entries: dict[str, tuple[yaml.Node, yaml.Node]], key: str, path: str,
        parent: yaml.Node, *, required: bool = False, default: str = "",
    ) -> str | None:  # fmt: skip
        node = self.get(entries, key, path, parent, required=required)
        if node is None:
            return None if required else default
        return self.text(node, f"{path}.{key}", required=required)

    def converted(
        self, entries: dict[str, tuple[yaml.Node, yaml.Node]], key: str, path: str,
        parent: yaml.Node, convert: Callable[[str], _T], *, required: bool,
    ) -> tuple[_T | None, yaml.Node | None]:  # fmt: skip
        """A value turned into ``T`` by ``convert``, which raises ValueError with a message."""
        node = self.get(entries, key, path, parent, required=required)
        if node is None:
            return None, None
        raw = self.text(node, f"{path}.{key}")
        if raw is None:
            return None, node
        try:
            return convert(raw), node
        except ValueError as error:
            self.fail(_line(node), f"{path}.{key}", str(error))
            return None, node


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL and node.style is None


def _zone(raw: str) -> str:
    problem = zone_problem(raw)
    if problem:
        raise ValueError(problem)
    return raw


def _cadence(raw: str) -> tuple[int, CadenceUnit]:
    match = _CADENCE.fullmatch(raw)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f'"{raw}" is not a cadence; {_CADENCE_HINT}')
    unit = match.group(2).lower()[0]
    units = {"h": CadenceUnit.HOURS, "d": CadenceUnit.DAYS, "w": CadenceUnit.WEEKS}
    return int(match.group(1)), units[unit]


def _role(raw: str) -> Role:
    try:
        return Role(raw.strip().lower())
    except ValueError:
        raise ValueError(f'"{raw}" is not a role; use {", ".join(r.value for r in Role)}') from None


def _kind(raw: str) -> LeaveKind:
    try:
        return LeaveKind(raw.strip().lower())
    except ValueError:
        raise ValueError(
            f'"{raw}" is not a kind of leave; use {", ".join(k.value for k in LeaveKind)}'
        ) from None


def _integer(raw: str) -> int:
    if not _INTEGER.fullmatch(raw.strip()):
        raise ValueError(f'"{raw}" is not a whole number')
    return int(raw)


def _date_time(raw: str) -> datetime:
    """An ISO 8601 date or date-time, naive or with an offset (``Z`` allowed)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            value = datetime.combine(date.fromisoformat(text), time())
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f'"{raw}" is not a date-time; write e.g. "2026-01-05 09:00" or "2026-01-05T09:00+01:00"'
        ) from None
    if not _YEARS[0] <= value.year <= _YEARS[1]:
        # Far years overflow when moved between zones; no schedule needs them.
        raise ValueError(f'"{raw}" is outside the years {_YEARS[0]}-{_YEARS[1]}')
    return value


def _handoff(raw: str) -> datetime:
    value = _date_time(raw)
    if value.tzinfo is not None:
        raise ValueError(
            f'"{raw}" has a UTC offset; a handoff is a wall-clock time in the rotation\'s zone, '
            'so write it without one (e.g. "2026-01-05 09:00") and set "zone"'
        )
    return value


def _instant(zone: str | None) -> Callable[[str], datetime]:
    """Reads an instant: an offset is kept; a local date-time is read in the team's zone."""

    def convert(raw: str) -> datetime:
        value = _date_time(raw)
        if value.tzinfo is None:
            if zone is None:
                raise ValueError(f'"{raw}" has no UTC offset and the team has no valid zone')
            # fold=0 is DESIGN.md's rule: a repeated local time is its first occurrence and a
            # nonexistent one is pushed forward by the gap.
            value = value.replace(tzinfo=ZoneInfo(zone))
        return value.astimezone(UTC)

    return convert


def _clock(raw: str, *, closing: bool = False) -> time:
    match = _CLOCK.fullmatch(raw.strip())
    if match:
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        if closing and (hours, minutes, seconds) == (24, 0, 0):
            return time()  # "24:00" closes at midnight
        if hours < 24 and minutes < 60 and seconds < 60:
            return time(hours, minutes, seconds)
    raise ValueError(f'"{raw}" is not a time of day; write e.g. "09:00" or "17:30"')


def _weekdays(raw: str) -> frozenset[int]:
    """``Mon-Fri``, ``Sat, Sun``, ``Fri-Mon`` (wraps over the weekend), or ``daily``."""
    text = raw.strip().lower()
    if text in ("daily", "every day"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        ends = [w.strip() for w in part.split("-")]
        if len(ends) > 2 or not all(_day_word(w) for w in ends):
            raise ValueError(
                f'"{raw}" is not a list of weekdays; write e.g. "Mon-Fri", "Sat, Sun" or "daily"'
            )
        first, last = _DAYS.index(ends[0][:3]), _DAYS.index(ends[-1][:3])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


_DAY_WORDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_word(word: str) -> bool:
    """A weekday written as its first three letters or more of its English name."""
    w = word.strip().lower()
    return len(w) >= 3 and any(full.startswith(w) for full in _DAY_WORDS)


def parse(text: str, source: str = "<file>") -> TeamDocument:
    """Read a team file; raises ``TeamFileError`` listing every problem with line and field."""
    reader = _Reader(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(p for p in (error.context, error.problem) if p)
        raise TeamFileError([Problem(source, line, "", f"not valid YAML: {problem}")]) from None
    except yaml.YAMLError as error:  # e.g. ReaderError: a character YAML does not allow
        position = getattr(error, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TeamFileError([Problem(source, line, "", f"not valid YAML: {first}")]) from None
    except RecursionError:
        raise TeamFileError([Problem(source, 1, "", "not valid YAML: nested too deeply")]) from None
    if root is None:
        raise TeamFileError(
            [
                Problem(
                    source,
                    1,
                    "",
                    "the file is empty; it needs at least a team with a name and zone",
                )
            ]
        )
    try:
        document = _read_document(reader, root)
    except RecursionError:  # aliases can build cycles; nothing valid is that deep
        reader.fail(1, "", "nested too deeply")
        document = None
    if reader.problems or document is None:
        reader.problems.sort(key=lambda p: p.line)
        raise TeamFileError(reader.problems)
    return document


def _read_document(r: _Reader, root: yaml.Node) -> TeamDocument | None:
    top = r.mapping(root, "", _TOP_KEYS, "a team file")
    if top is None:
        return None
    fmt = r.string(top, "format", "", root)
    if fmt and fmt.strip() != FORMAT:
        r.fail(_line(top["format"][1]), "format", f'"{fmt}" is not a format this oncall reads '
               f'(it reads "{FORMAT}")')  # fmt: skip

    name, zone, description = None, None, ""
    lead_node: yaml.Node | None = None
    team_node = r.get(top, "team", "", root, required=True)
    if team_node is not None:
        team = r.mapping(team_node, "team", _TEAM_KEYS, "the team")
        if team is not None:
            name = r.string(team, "name", "team", team_node, required=True)
            zone, _ = r.converted(team, "zone", "team", team_node, _zone, required=True)
            description = r.string(team, "description", "team", team_node) or ""
            lead_node = r.get(team, "lead", "team", team_node, required=False)

    engineers = _read_engineers(r, top, zone)
    handles = {e.handle.casefold(): e.handle for e in engineers}
    # The lead is checked once the engineers are known: it must be one of them.
    lead = _member(r, lead_node, "team.lead", handles) if lead_node is not None else ""
    rotations = _read_rotations(r, top, zone, handles)
    overrides = _read_timed(r, top, "overrides", zone, handles)
    swaps = _read_swaps(r, top, zone, handles, {x.name.casefold(): x.name for x in rotations})
    leave = _read_timed(r, top, "leave", zone, handles)
    if name is None or zone is None or lead is None:
        return None
    return TeamDocument(
        name=name,
        zone=zone,
        description=description,
        engineers=tuple(engineers),
        rotations=tuple(rotations),
        overrides=tuple(o for o in overrides if isinstance(o, OverrideDraft)),
        leave=tuple(x for x in leave if isinstance(x, LeaveDraft)),
        lead=lead,
        swaps=tuple(swaps) if "swaps" in top else None,
    )


def _entries(r: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str
             ) -> Iterator[tuple[str, yaml.Node]]:  # fmt: skip
    if key not in top:
        return
    for i, node in enumerate(r.sequence(top[key][1], key, what)):
        yield f"{key}[{i}]", node


def _read_engineers(r: _Reader, top: dict, team_zone: str | None) -> list[EngineerDraft]:
    out: list[EngineerDraft] = []
    seen: dict[str, tuple[str, int]] = {}
    for path, node in _entries(r, top, "engineers", "engineers"):
        e = r.mapping(node, path, _ENGINEER_KEYS, "an engineer")
        if e is None:
            continue
        handle = r.string(e, "handle", path, node, required=True)
        name = r.string(e, "name", path, node, required=True)
        zone, _ = r.converted(e, "zone", path, node, _zone, required=False)
        if handle is not None:
            if handle != handle.strip() or any(c.isspace() for c in handle):
                r.fail(_line(e["handle"][1]), f"{path}.handle", f'"{handle}" has spaces; '
                       "a handle is one word, like a chat name")  # fmt: skip
                handle = None
            elif handle.casefold() in seen:
                other, line = seen[handle.casefold()]
                r.fail(_line(e["handle"][1]), f"{path}.handle",
                       f'"{handle}" is already used by {other} (line {line})')  # fmt: skip
                handle = None
            else:
                seen[handle.casefold()] = (path, _line(e["handle"][1]))
        if handle is None or name is None or (zone is None and "zone" in e):
            continue
        out.append(
            EngineerDraft(
                handle=handle,
                name=name,
                zone=zone or team_zone or "UTC",
                email=r.string(e, "email", path, node) or "",
                phone=r.string(e, "phone", path, node) or "",
                country=r.string(e, "country", path, node) or "",
                region=r.string(e, "region", path, node) or "",
            )
        )
    return out


def _member(r: _Reader, node: yaml.Node, path: str, handles: dict[str, str]) -> str | None:
    handle = r.text(node, path)
    if handle is None:
        return None
    known = handles.get(handle.casefold())
    if known is None:
        listed = ", ".join(sorted(handles.values())) or "none"
        r.fail(_line(node), path, f'"{handle}" is not one of the engineers in this file '
               f"(handles: {listed})")  # fmt: skip
    return known


def _read_rotations(
    r: _Reader, top: dict, team_zone: str | None, handles: dict[str, str]
) -> list[RotationDraft]:
    out: list[RotationDraft] = []
    names: dict[str, str] = {}
    for path, node in _entries(r, top, "rotations", "rotations"):
        m = r.mapping(node, path, _ROTATION_KEYS, "a rotation")
        if m is None:
            continue
        name = r.string(m, "name", path, node, required=True)
        if name is not None:
            if name.casefold() in names:
                r.fail(_line(m["name"][1]), f"{path}.name",
                       f'"{name}" is already the name of {names[name.casefold()]}')  # fmt: skip
            names.setdefault(name.casefold(), path)
        role, _ = r.converted(m, "role", path, node, _role, required=False)
        priority, _ = r.converted(m, "priority", path, node, _integer, required=False)
        cadence, _ = r.converted(m, "cadence", path, node, _cadence, required=True)
        handoff, _ = r.converted(m, "handoff", path, node, _handoff, required=True)
        zone, _ = r.converted(m, "zone", path, node, _zone, required=False)
        if zone is None and "zone" not in m:
            zone = team_zone
        ends, _ = r.converted(m, "ends", path, node, _instant(team_zone), required=False)
        members: list[str | None] = []
        members_node = r.get(m, "members", path, node, required=True)
        if members_node is not None:
            items = r.sequence(members_node, f"{path}.members", "engineer handles")
            if not items and isinstance(members_node, yaml.SequenceNode | yaml.ScalarNode):
                r.fail(_line(members_node), f"{path}.members", "a rotation needs at least one "
                       "member")  # fmt: skip
            members = [_member(r, n, f"{path}.members[{i}]", handles) for i, n in enumerate(items)]
        restrictions = _read_restrictions(r, m, path)
        if (
            name is None
            or cadence is None
            or handoff is None
            or zone is None
            or restrictions is None
            or not members
            or None in members
            or ("role" in m and role is None)
            or ("priority" in m and priority is None)
            or ("ends" in m and ends is None)
        ):
            continue
        out.append(
            RotationDraft(
                name=name,
                cadence_count=cadence[0],
                cadence_unit=cadence[1],
                handoff=handoff,
                zone=zone,
                members=tuple(h for h in members if h is not None),
                role=role or Role.PRIMARY,
                priority=priority or 0,
                restrictions=restrictions,
                ends=ends,
                reason=r.string(m, "reason", path, node) or "",
            )
        )
    return out


def _read_restrictions(r: _Reader, m: dict, path: str) -> tuple[Restriction, ...] | None:
    if "restrictions" not in m:
        return ()
    out: list[Restriction] = []
    ok = True
    node = m["restrictions"][1]
    for i, item in enumerate(r.sequence(node, f"{path}.restrictions", "restrictions")):
        where = f"{path}.restrictions[{i}]"
        x = r.mapping(item, where, _RESTRICTION_KEYS, "a restriction")
        if x is None:
            ok = False
            continue
        days, _ = r.converted(x, "days", where, item, _weekdays, required=False)
        start, _ = r.converted(x, "from", where, item, _clock, required=True)
        end, _ = r.converted(
            x, "to", where, item, lambda raw: _clock(raw, closing=True), required=True
        )
        if start is None or end is None or (days is None and "days" in x):
            ok = False
            continue
        out.append(Restriction(days if days is not None else frozenset(range(7)), start, end))
    return tuple(out) if ok else None


def _read_timed(
    r: _Reader, top: dict, key: str, team_zone: str | None, handles: dict[str, str]
) -> list[OverrideDraft | LeaveDraft]:
    """Overrides or leave: who, start, end, note and a role or a kind."""
    out: list[OverrideDraft | LeaveDraft] = []
    keys = _OVERRIDE_KEYS if key == "overrides" else _LEAVE_KEYS
    what = "an override" if key == "overrides" else "leave"
    for path, node in _entries(r, top, key, "overrides" if key == "overrides" else "leave"):
        m = r.mapping(node, path, keys, what)
        if m is None:
            continue
        who_node = r.get(m, "who", path, node, required=True)
        who = _member(r, who_node, f"{path}.who", handles) if who_node is not None else None
        start, _ = r.converted(m, "start", path, node, _instant(team_zone), required=True)
        end, end_node = r.converted(m, "end", path, node, _instant(team_zone), required=True)
        note = r.string(m, "note", path, node) or ""
        reason = r.string(m, "reason", path, node) or "" if key == "overrides" else ""
        if key == "overrides":
            label, convert = "role", _role
        else:
            label, convert = "kind", _kind
        sort, _ = r.converted(m, label, path, node, convert, required=False)
        if start is not None and end is not None and end <= start and end_node is not None:
            r.fail(_line(end_node), f"{path}.end", f"ends at or before its start "
                   f"({format_instant(start, team_zone or 'UTC')})")  # fmt: skip
            continue
        if who is None or start is None or end is None or (label in m and sort is None):
            continue
        if isinstance(sort, LeaveKind) or key == "leave":
            out.append(LeaveDraft(who, start, end, LeaveKind(sort or LeaveKind.VACATION), note))
        else:
            out.append(OverrideDraft(who, start, end, Role(sort or Role.PRIMARY), note, reason))
    return out


def _read_swaps(
    r: _Reader, top: dict, team_zone: str | None, handles: dict[str, str], names: dict[str, str]
) -> list[SwapDraft]:
    """Swaps: a rotation of this file (by name, ignoring case), the start of the shift
    swapped, who takes it, a note and a reason."""
    out: list[SwapDraft] = []
    for path, node in _entries(r, top, "swaps", "swaps"):
        m = r.mapping(node, path, _SWAP_KEYS, "a swap")
        if m is None:
            continue
        rotation: str | None = None
        rotation_node = r.get(m, "rotation", path, node, required=True)
        if rotation_node is not None:
            raw = r.text(rotation_node, f"{path}.rotation")
            if raw is not None:
                rotation = names.get(raw.casefold())
                if rotation is None:
                    listed = ", ".join(sorted(names.values())) or "none"
                    r.fail(_line(rotation_node), f"{path}.rotation", f'"{raw}" is not one of '
                           f"the rotations in this file (rotations: {listed})")  # fmt: skip
        shift, _ = r.converted(m, "shift", path, node, _instant(team_zone), required=True)
        who_node = r.get(m, "who", path, node, required=True)
        who = _member(r, who_node, f"{path}.who", handles) if who_node is not None else None
        note = r.string(m, "note", path, node) or ""
        reason = r.string(m, "reason", path, node) or ""
        if rotation is None or shift is None or who is None:
            continue
        out.append(SwapDraft(rotation, shift, who, note, reason))
    return out

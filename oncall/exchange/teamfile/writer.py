"""Writing a team file: hand-made YAML so the output is stable, commented and easy to diff.

Strings are written plain when YAML reads them back as the same string (under YAML 1.1 too, so
other tools agree) and double-quoted otherwise.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import yaml

from oncall.domain.model import CadenceUnit
from oncall.exchange.teamfile.document import FORMAT, TeamDocument

_STR = "tag:yaml.org,2002:str"
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_HEADER = """\
# oncall team file: one team with its engineers, rotations, overrides, swaps and leave.
# Format: docs/team-file.md. Import: oncall team import FILE. Export: oncall team export.
# A handoff is a wall-clock time in its rotation's zone. Override and leave times carry a UTC
# offset; a time written without one is read in the team's zone.
"""
_RESOLVER = yaml.resolver.Resolver()
# Characters YAML cannot hold literally in a quoted scalar (or reads as a line break).
_ESCAPE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff"\\\\]')
_PLAIN_START_BAD = set("-?:,[]{}#&*!|>'\"%@`~= \t")


def _plain_ok(value: str, *, flow: bool) -> bool:
    """Whether ``value`` reads back as itself written without quotes."""
    if not value or value[0] in _PLAIN_START_BAD or value[-1] in " \t:":
        return False
    if _ESCAPE.search(value) or "\t" in value or ": " in value or " #" in value:
        return False
    if flow and any(c in value for c in ",[]{}:#"):
        return False
    if any(ord(c) > 0x7E for c in value):
        return False  # keep non-ASCII quoted: some readers treat odd code points specially
    # Anything YAML 1.1 would read as a number, boolean, null or timestamp stays quoted, so
    # other tools that load the file see the same string we do.
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR


def _quote(value: str) -> str:
    def escape(match: re.Match[str]) -> str:
        c = match.group(0)
        if c in '"\\':
            return "\\" + c
        code = ord(c)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return '"' + _ESCAPE.sub(escape, value) + '"'


def _scalar(value: str, *, flow: bool = False) -> str:
    return value if _plain_ok(value, flow=flow) else _quote(value)


def format_local(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM``, with seconds and microseconds only when they are not zero."""
    text = value.strftime("%Y-%m-%d %H:%M")
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text


def format_instant(value: datetime, zone: str) -> str:
    """An instant as local time in ``zone`` with its offset: ``2026-01-05 09:00+00:00``."""
    local = value.astimezone(ZoneInfo(zone))
    offset = local.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    seconds = int(abs(offset).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
    return format_local(local.replace(tzinfo=None)) + text


def _format_clock(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def format_weekdays(days: frozenset[int]) -> str:
    """Weekdays in the file's words: runs of three or more as ranges (``Mon-Fri, Sun``)."""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_DAY_NAMES[run[0]]}-{_DAY_NAMES[run[-1]]}")
        else:
            parts.extend(_DAY_NAMES[d] for d in run)
    return ", ".join(parts)


def format_cadence(count: int, unit: CadenceUnit) -> str:
    """``1 week``, ``12 hours``, ``3 days``."""
    word = unit.value[:-1] if count == 1 else unit.value
    return f"{count} {word}"


def dump(document: TeamDocument) -> str:
    """The document as YAML with a comment header; the same document always gives the same
    bytes, and ``parse(dump(d))`` gives back ``d`` (instants as the same moments)."""
    zone = document.zone
    out = [_HEADER, f"format: {FORMAT}\n", "\nteam:\n"]
    out.append(f"  name: {_scalar(document.name)}\n  zone: {_scalar(zone)}\n")
    if document.description:
        out.append(f"  description: {_scalar(document.description)}\n")
    if document.lead:
        out.append(f"  lead: {_scalar(document.lead)}\n")

    out.append("\nengineers:" + ("\n" if document.engineers else " []\n"))
    for e in document.engineers:
        out.append(f"  - handle: {_scalar(e.handle)}\n    name: {_scalar(e.name)}\n")
        out.append(f"    zone: {_scalar(e.zone)}\n")
        for key in ("email", "phone", "country", "region"):
            value = getattr(e, key)
            if value:
                out.append(f"    {key}: {_scalar(value)}\n")

    out.append("\nrotations:" + ("\n" if document.rotations else " []\n"))
    for rot in document.rotations:
        members = ", ".join(_scalar(h, flow=True) for h in rot.members)
        out.append(
            f"  - name: {_scalar(rot.name)}\n"
            f"    role: {rot.role.value}\n"
            f"    priority: {rot.priority}\n"
            f"    cadence: {format_cadence(rot.cadence_count, rot.cadence_unit)}\n"
            f"    handoff: {format_local(rot.handoff)}\n"
            f"    zone: {_scalar(rot.zone)}\n"
            f"    members: [{members}]\n"
        )
        if rot.ends is not None:
            out.append(f"    ends: {format_instant(rot.ends, zone)}\n")
        if rot.reason:
            out.append(f"    reason: {_scalar(rot.reason)}\n")
        if rot.restrictions:
            out.append("    restrictions:\n")
        out.extend(
            f"      - days: {format_weekdays(x.weekdays)}\n"
            f'        from: "{_format_clock(x.start)}"\n'
            f'        to: "{_format_clock(x.end)}"\n'
            for x in rot.restrictions
        )

    out.append("\noverrides:" + ("\n" if document.overrides else " []\n"))
    for o in document.overrides:
        out.append(
            f"  - who: {_scalar(o.who)}\n    role: {o.role.value}\n"
            f"    start: {format_instant(o.start, zone)}\n"
            f"    end: {format_instant(o.end, zone)}\n"
        )
        if o.note:
            out.append(f"    note: {_scalar(o.note)}\n")
        if o.reason:
            out.append(f"    reason: {_scalar(o.reason)}\n")

    if document.swaps is not None:  # None: the document says nothing about swaps
        out.append("\nswaps:" + ("\n" if document.swaps else " []\n"))
    for w in document.swaps or ():
        out.append(
            f"  - rotation: {_scalar(w.rotation)}\n"
            f"    shift: {format_instant(w.shift, zone)}\n"
            f"    who: {_scalar(w.who)}\n"
        )
        if w.note:
            out.append(f"    note: {_scalar(w.note)}\n")
        if w.reason:
            out.append(f"    reason: {_scalar(w.reason)}\n")

    out.append("\nleave:" + ("\n" if document.leave else " []\n"))
    for x in document.leave:
        out.append(
            f"  - who: {_scalar(x.who)}\n    kind: {x.kind.value}\n"
            f"    start: {format_instant(x.start, zone)}\n"
            f"    end: {format_instant(x.end, zone)}\n"
        )
        if x.note:
            out.append(f"    note: {_scalar(x.note)}\n")
    return "".join(out)

"""A blameless postmortem draft in Markdown, filled from an incident's timeline
(reference/triage.md 10.2).

What the timeline knows is filled in (severity, responders, checklist, the computed
detection / acknowledgement / mitigation / resolution times, the timeline in the engineer's
local time and UTC, steps and answers, notes, help calls, follow-ups, skipped steps); the
rest are prompts for people to answer in daylight. Wording is blameless: the timeline lists
what happened, never who got something wrong, and mistakes have no names attached.
Private events (pauses, wellbeing) stay out. Pure: zones and names are arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from oncall.domain.incident import (
    PINNED_KINDS,
    Event,
    EventKind,
    Incident,
    IncidentTimes,
    follow_ups,
    times,
)
from oncall.domain.model import Engineer


def duration_text(value: timedelta | None) -> str:
    """``1 h 05 min``, ``12 min``, ``40 s``; ``unknown`` for None."""
    if value is None:
        return "unknown"
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min"
    return f"{sign}{secs} s"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.replace("|", "\\|").split())


def _stamp(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    utc = value.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} ({utc:%H:%M} UTC)"


def _time_row(label: str, at: datetime | None, since: timedelta | None, zone: ZoneInfo) -> str:
    when = _stamp(at, zone) if at is not None else "not recorded"
    return f"| {label} | {when} | {duration_text(since) if at is not None else ''} |"


def _person(people: Mapping[int, Engineer], engineer_id: int | None) -> str:
    if engineer_id is None:
        return "nobody"
    found = people.get(engineer_id)
    return found.name if found else f"engineer #{engineer_id}"


def draft(
    incident: Incident,
    events: Sequence[Event],
    *,
    zone: str = "UTC",
    people: Mapping[int, Engineer] | None = None,
    checklist_title: str = "",
) -> str:
    """The postmortem draft of ``incident`` from its ``events``; times are shown in
    ``zone`` (the engineer's) and UTC. ``people`` names the responders by id."""
    tz = ZoneInfo(zone)
    people = people or {}
    found: IncidentTimes = times(incident, events)
    public = [e for e in events if not e.private]
    severity = incident.severity.value if incident.severity else "not set"
    title = incident.summary or incident.title or f"Incident {incident.id}"
    lines: list[str] = [
        f"# {title} — postmortem (incident {incident.id})",
        "",
        f"Status: Draft · Severity (final): {severity} · "
        f"Outcome: {incident.outcome.value if incident.outcome else 'still open'}",
        f"Date: {_stamp(incident.opened_at, tz)} · Owner: _to choose_ · "
        "Review meeting: _within 5 business days_",
        f"Responders: {_responders(incident, public, people)}",
        f"Checklist used: {checklist_title or incident.checklist_id} v{incident.checklist_version}",
        f"Times are local ({zone}) with UTC in brackets.",
        "",
        "## Summary",
        "",
        "_Two or three sentences: what users experienced, for how long, what fixed it._",
        "",
        "## Impact",
        "",
        "| Measure | When | After the start |",
        "|---|---|---|",
        _time_row("Impact began", found.impact_began, timedelta(0), tz),
        _time_row("Detected", found.detected, found.time_to_detect, tz),
        _time_row("Acknowledged", found.acknowledged, found.since_origin(found.acknowledged), tz),
        _time_row("Mitigated", found.mitigated, found.time_to_mitigate, tz),
        _time_row("Resolved", found.resolved, found.time_to_resolve, tz),
        "",
        f"- Time to detect: {duration_text(found.time_to_detect)}",
        f"- Time to acknowledge: {duration_text(found.time_to_acknowledge)}",
        f"- Time to mitigate: {duration_text(found.time_to_mitigate)}",
        f"- Time to resolve: {duration_text(found.time_to_resolve)}",
        f"- Durations count from {'impact beginning' if found.impact_began else 'detection'}.",
        "- Users / requests / accounts affected: _fill in_",
        "- Data lost or corrupted: _none / describe_",
        "",
        "## Detection",
        "",
        "_How did we find out (alert, customer, colleague)? Could we have known sooner?_",
        "",
        "## Timeline",
        "",
        f"| Time ({zone}) | UTC | Event |",
        "|---|---|---|",
    ]
    for e in sorted(public, key=lambda x: (x.at, x.recorded_at)):
        if e.kind not in PINNED_KINDS:
            continue
        text = _cell(e.text or e.kind.value)
        if e.backfilled:
            written = e.recorded_at.astimezone(tz)
            text += f" _(added later, at {written:%H:%M})_"
        local = e.at.astimezone(tz)
        utc = e.at.astimezone(ZoneInfo("UTC"))
        lines.append(f"| {local:%Y-%m-%d %H:%M} | {utc:%H:%M} | {text} |")
    lines += ["", "## Steps taken", ""]
    lines += _steps(public) or ["_No checklist steps were answered._"]
    lines += ["", "## Notes", ""]
    notes = [e for e in public if e.kind is EventKind.NOTE and not e.data.get("follow_up")]
    lines += [f"- {e.at.astimezone(tz):%H:%M} {e.text}" for e in notes] or ["_No notes._"]
    lines += ["", "## Help called", ""]
    helpers = [e for e in public if e.kind is EventKind.HELP_CALL]
    lines += [f"- {e.at.astimezone(tz):%H:%M} {e.text}" for e in helpers] or [
        "_Nobody was called. Was anyone alone at night? Say so without blame below._"
    ]
    lines += [
        "",
        "## What happened",
        "",
        "_Narrative in order — facts only, no “should have” or “if only”._",
        "",
        "## Trigger and contributing factors",
        "",
        "- Trigger: _deploy / config / dependency / third-party / traffic / infrastructure / "
        "other_",
        "- Contributing factors: _conditions in the system that allowed it or made it worse_",
        "",
        "## Resolution",
        "",
        "_What mitigated it (temporary?) and what fixed it (permanent?)._",
        "",
        "## What went well",
        "",
        "- ",
        "",
        "## What was hard",
        "",
        "- ",
        "",
        "## Where we got lucky",
        "",
        "- ",
        "",
        "## Action items (open follow-ups)",
        "",
        "| Action | Type (prevent / detect / mitigate / process) | Owner | Due |",
        "|---|---|---|---|",
    ]
    todo = follow_ups(events)
    lines += [f"| {_cell(_follow_up_text(e))} | | | |" for e in todo] or ["| _none yet_ | | | |"]
    skipped = [e for e in public if e.kind is EventKind.SKIPPED and not e.data.get("auto")]
    lines += ["", "## Checklist feedback", ""]
    lines += [f"- Skipped: {_cell(e.text.removeprefix('Skipped: '))}" for e in skipped] or [
        "_No steps were skipped._"
    ]
    lines += [
        "- _Which steps helped, which were wrong or missing? Propose an edit to "
        f"{incident.checklist_id} v{incident.checklist_version + 1}._",
        "",
        "## Messaging",
        "",
    ]
    updates = [e for e in public if e.kind is EventKind.STATUS_UPDATE]
    lines += [f"- {e.at.astimezone(tz):%H:%M} {e.text}" for e in updates] or [
        "_No status updates were posted._"
    ]
    lines.append("")
    return "\n".join(lines)


def _responders(incident: Incident, events: Sequence[Event], people: Mapping[int, Engineer]) -> str:
    """Everyone involved, each person once, with the role they came in (the first one)."""
    roles: dict[str, str] = {_person(people, incident.engineer_id): "responder"}
    if incident.secondary_id is not None and incident.secondary_id != incident.engineer_id:
        roles.setdefault(_person(people, incident.secondary_id), "secondary on call")
    for e in events:
        if e.kind is EventKind.HELP_CALL and e.data.get("name"):
            roles.setdefault(str(e.data["name"]), str(e.data.get("role") or "helped"))
    return ", ".join(f"{name} ({role})" for name, role in roles.items())


def _steps(events: Sequence[Event]) -> list[str]:
    """Each answered step once, with its latest answer (an answer changed later is noted)."""
    latest: dict[tuple[str, str], Event] = {}
    changed: set[tuple[str, str]] = set()
    for e in events:
        if e.kind is not EventKind.ANSWER:
            continue
        key = (str(e.data.get("checklist")), str(e.data.get("step")))
        if key in latest and latest[key].data.get("label") != e.data.get("label"):
            changed.add(key)
        latest[key] = e
    out = []
    for key, e in latest.items():
        note = " _(answer changed during the incident)_" if key in changed else ""
        out.append(f"- {_cell(e.text)}{note}")
    return out


def _follow_up_text(e: Event) -> str:
    text = e.text if e.kind is EventKind.NOTE else str(e.data.get("value", e.text))
    stripped = text.lstrip()
    if stripped.upper().startswith("TODO"):
        stripped = stripped[4:].lstrip(":- ").strip()
    return stripped

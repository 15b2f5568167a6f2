"""The team file: reading (every error named by line and field), writing (stable bytes) and
property tests over random documents and damaged files."""

from __future__ import annotations

import string
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.domain.model import CadenceUnit, LeaveKind, Restriction, Role
from oncall.exchange import teamfile
from oncall.exchange.teamfile import (
    EngineerDraft,
    LeaveDraft,
    OverrideDraft,
    RotationDraft,
    SwapDraft,
    TeamDocument,
    TeamFileError,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "team.yaml"

# A small valid file; tests replace one line of it and expect the error on that line.
BASE = """\
team:
  name: Payments
  zone: Europe/London
engineers:
  - handle: ada
    name: Ada Lovelace
    zone: Europe/London
  - handle: grace
    name: Grace Hopper
    zone: America/New_York
rotations:
  - name: Primary
    cadence: 1 week
    handoff: 2026-01-05 09:00
    members: [ada, grace]
    restrictions:
      - days: Mon-Fri
        from: "09:00"
        to: "17:00"
overrides:
  - who: ada
    start: 2026-02-01 09:00
    end: 2026-02-02 09:00+00:00
leave:
  - who: grace
    kind: sick
    start: 2026-03-01
    end: 2026-03-03
"""


def _with_line(line: int, text: str) -> str:
    """BASE with its 1-based ``line`` replaced by ``text``."""
    lines = BASE.splitlines()
    lines[line - 1] = text
    return "\n".join(lines) + "\n"


def _error(text: str) -> TeamFileError:
    with pytest.raises(TeamFileError) as caught:
        teamfile.parse(text, "team.yaml")
    return caught.value


# ---------------------------------------------------------------------------- reading


def test_example_file_parses_into_the_team_it_describes() -> None:
    doc = teamfile.parse(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    assert doc.name == "Payments"
    assert doc.zone == "Europe/London"
    assert [e.handle for e in doc.engineers] == ["ada", "grace", "linus", "radia", "yukihiro"]
    assert {e.zone for e in doc.engineers} >= {"Europe/London", "America/New_York", "Asia/Tokyo"}
    primary, office, secondary = doc.rotations
    assert (primary.cadence_count, primary.cadence_unit) == (1, CadenceUnit.WEEKS)
    assert primary.handoff == datetime(2026, 1, 5, 9, 0)  # wall clock, no zone attached
    assert primary.zone == "Europe/London"
    assert office.priority == 10
    assert office.restrictions == (Restriction(frozenset(range(5)), time(9), time(17)),)
    assert secondary.role is Role.SECONDARY
    assert secondary.members == ("linus", "radia", "yukihiro", "ada", "grace")
    # Without an offset an instant is read in the team's zone (London is on GMT in December).
    radia = doc.overrides[1]
    assert radia.start == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    # A bare date is local midnight: 3 August in London is BST, so 23:00 UTC the day before.
    assert doc.leave[0].start == datetime(2026, 8, 2, 23, 0, tzinfo=UTC)
    assert doc.leave[1].kind is LeaveKind.HOLIDAY


def test_minimal_file_gets_defaults() -> None:
    doc = teamfile.parse(
        "team: {name: Ops, zone: Asia/Tokyo}\n"
        "engineers:\n  - {handle: kim, name: Kim}\n"
        "rotations:\n"
        "  - {name: Main, cadence: 12 hours, handoff: 2026-01-01 08:00, members: [KIM]}\n"
    )
    assert doc.engineers[0].zone == "Asia/Tokyo"  # the team's zone when none is given
    rotation = doc.rotations[0]
    assert (rotation.role, rotation.priority, rotation.zone) == (Role.PRIMARY, 0, "Asia/Tokyo")
    assert rotation.members == ("kim",)  # handles match ignoring case, spelled as declared
    assert (doc.overrides, doc.leave) == ((), ())


@pytest.mark.parametrize(
    ("line", "text", "field", "message"),
    [
        (3, "  zone: Europe/Londn", "team.zone", 'did you mean "Europe/London"?'),
        (3, "  zone: europe/london", "team.zone", 'did you mean "Europe/London"?'),
        (7, "    zone: Mars/Olympus", "engineers[0].zone", "is not a time zone"),
        (7, "    colour: blue", "engineers[0].colour", 'unknown key "colour"'),
        (7, "    zonee: UTC", "engineers[0].zonee", 'did you mean "zone"?'),
        (8, "  - handle: ADA", "engineers[1].handle", "already used by engineers[0] (line 5)"),
        (
            13,
            "    cadence: 2 fortnights",
            "rotations[0].cadence",
            '"2 fortnights" is not a cadence; write e.g. "1 week", "12 hours" or "3 days"',
        ),
        (13, "    cadence: 0 days", "rotations[0].cadence", "is not a cadence"),
        (14, "    handoff: 2026-01-05T09:00+01:00", "rotations[0].handoff", "has a UTC offset"),
        (14, "    handoff: next monday", "rotations[0].handoff", "is not a date-time"),
        (15, "    members: [ada, bob]", "rotations[0].members[1]", '"bob" is not one of'),
        (15, "    members: []", "rotations[0].members", "at least one member"),
        (17, "      - days: Mon-Funday", "rotations[0].restrictions[0].days", "not a list of"),
        (17, "      - days: Mon-Tue-Wed", "rotations[0].restrictions[0].days", "weekdays"),
        (18, '        from: "9am"', "rotations[0].restrictions[0].from", "not a time of day"),
        (19, '        to: "25:00"', "rotations[0].restrictions[0].to", "not a time of day"),
        (21, "  - who: bob", "overrides[0].who", '"bob" is not one of the engineers'),
        (23, "    end: 2026-02-01 08:00+00:00", "overrides[0].end", "at or before its start"),
        (26, "    kind: nap", "leave[0].kind", '"nap" is not a kind of leave'),
        (28, "    end: 2026-02-03", "leave[0].end", "at or before its start"),
        (28, "    ending: 2026-03-03", "leave[0].ending", 'did you mean "end"?'),
        (2, "  name: Payments\n  name: Again", "team.name", "repeated key (first given on line 2)"),
        (13, "    cadence: [1, week]", "rotations[0].cadence", "expected a single value"),
        (12, "  - name: Primary\n    role: boss", "rotations[0].role", '"boss" is not a role'),
        (12, "  - name: Primary\n    priority: high", "rotations[0].priority", "whole number"),
    ],
)
def test_each_mistake_names_its_line_and_field(
    line: int, text: str, field: str, message: str
) -> None:
    error = _error(_with_line(line, text))
    problem = next((p for p in error.errors if p.field == field), None)
    assert problem is not None, str(error)
    expected_line = line + (1 if "\n" in text else 0)
    assert problem.line == expected_line, str(error)
    assert message in problem.message
    assert str(problem) == f"team.yaml:{expected_line}: {field}: {problem.message}"


def test_error_string_matches_the_documented_form() -> None:
    error = _error(_with_line(13, "    cadence: 2 fortnights"))
    assert str(error) == (
        'team.yaml:13: rotations[0].cadence: "2 fortnights" is not a cadence; '
        'write e.g. "1 week", "12 hours" or "3 days"'
    )
    assert (error.source, error.line, error.field) == ("team.yaml", 13, "rotations[0].cadence")


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = BASE.replace("zone: Europe/London\nengineers", "zone: Europe/Londn\nengineers")
    text = text.replace("cadence: 1 week", "cadence: weekly").replace("[ada, grace]", "[ada, x]")
    error = _error(text)
    assert [(p.line, p.field) for p in error.errors[:3]] == [
        (3, "team.zone"),
        (13, "rotations[0].cadence"),
        (15, "rotations[0].members[1]"),
    ]
    # Local times cannot be read without a valid team zone, and each says so.
    rest = error.errors[3:]
    assert [p.field for p in rest] == ["overrides[0].start", "leave[0].start", "leave[0].end"]
    assert all("the team has no valid zone" in p.message for p in rest)
    assert str(error).count("team.yaml:") == len(error.errors) == 6


def test_missing_required_fields_are_named() -> None:
    error = _error("team:\n  zone: UTC\nrotations:\n  - name: R\n    members: [a]\n")
    fields = {p.field for p in error.errors}
    assert {"team.name", "rotations[0].cadence", "rotations[0].handoff"} <= fields


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("team:\n  name: [unclosed\n  zone: UTC\n", 3, "not valid YAML"),
        ("team: {name: A, zone: UTC}\n  bad indent: x\n", 2, "not valid YAML"),
        ("team: {name: A, zone: UTC}\n\x07\n", 2, "not valid YAML"),
        ("", 1, "the file is empty"),
        ("- just\n- a list\n", 1, "expected a team file"),
        ("team: {name: A, zone: UTC}\nformat: oncall.team/9\n", 2, "not a format"),
    ],
)
def test_broken_yaml_names_its_line(text: str, line: int, message: str) -> None:
    error = _error(text)
    assert error.line == line
    assert message in error.message


def test_handoff_in_a_dst_gap_and_local_instants_follow_design_rules() -> None:
    # 01:30 on 29 March 2026 does not exist in London: it moves forward by the gap (02:30 BST).
    text = BASE.replace("start: 2026-02-01 09:00", "start: 2026-03-29 01:30").replace(
        "end: 2026-02-02 09:00+00:00", "end: 2026-03-30 09:00+00:00"
    )
    doc = teamfile.parse(text)
    assert doc.overrides[0].start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 01:30 on 25 October 2026 happens twice: the first (BST, 00:30 UTC) is meant.
    text = text.replace("2026-03-29 01:30", "2026-10-25 01:30").replace(
        "2026-03-30 09:00", "2026-10-26 09:00"
    )
    assert teamfile.parse(text).overrides[0].start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_restriction_windows_read_like_people_write_them() -> None:
    def days_of(spec: str) -> frozenset[int]:
        doc = teamfile.parse(_with_line(17, f"      - days: {spec}"))
        return doc.rotations[0].restrictions[0].weekdays

    assert days_of("Mon-Fri") == frozenset({0, 1, 2, 3, 4})
    assert days_of("Sat, Sun") == frozenset({5, 6})
    assert days_of("Fri-Mon") == frozenset({4, 5, 6, 0})  # wraps over the weekend
    assert days_of("monday - wednesday, Friday") == frozenset({0, 1, 2, 4})
    assert days_of("daily") == frozenset(range(7))
    # Unquoted 09:00 is a number in YAML 1.1; the file still means nine o'clock. 24:00 closes
    # at midnight (a window that ends the next day).
    doc = teamfile.parse(_with_line(19, "        to: 24:00").replace('"09:00"', "09:00"))
    assert doc.rotations[0].restrictions[0].start == time(9)
    assert doc.rotations[0].restrictions[0].end == time(0)


# ---------------------------------------------------------------------------- writing


def test_dump_of_the_example_is_stable_and_reads_back_the_same() -> None:
    doc = teamfile.parse(EXAMPLE.read_text(encoding="utf-8"))
    text = teamfile.dump(doc)
    assert text.startswith("# oncall team file")
    assert "format: oncall.team/1\n" in text
    assert teamfile.parse(text) == doc
    assert teamfile.dump(teamfile.parse(text)) == text
    # Times of day stay quoted so other YAML readers see strings; instants carry the offset
    # of the team's zone at that moment.
    assert 'from: "09:00"' in text
    assert "start: 2026-08-03 00:00+01:00" in text
    assert "members: [ada, grace, linus, radia, yukihiro]" in text


def test_dump_quotes_what_yaml_would_misread() -> None:
    doc = TeamDocument(
        name="yes",
        zone="UTC",
        description='line one\nline two: with "quotes" # and a hash',
        engineers=(
            EngineerDraft("no", "0123", "UTC", phone="+441234", email="a@b"),
            EngineerDraft("x,y", " padded ", "UTC", country="NO"),
        ),
        rotations=(
            RotationDraft("null", 1, CadenceUnit.DAYS, datetime(2026, 1, 1), "UTC", ("no", "x,y")),
        ),
    )
    text = teamfile.dump(doc)
    assert 'name: "yes"' in text
    assert 'country: "NO"' in text
    assert 'members: ["no", "x,y"]' in text
    assert teamfile.parse(text) == doc


# ---------------------------------------------------------------------------- properties

ZONES = (
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
_handle_chars = st.characters(
    blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\x85\u180e"
)
handles = st.text(_handle_chars, min_size=1, max_size=10).filter(
    lambda h: not any(c.isspace() for c in h)
)
texts = st.text(max_size=30)
names = texts.filter(lambda s: s.strip())
naive = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
instants = naive.map(lambda d: d.replace(tzinfo=UTC))
clock = st.times().map(lambda t: t.replace(microsecond=0))


@st.composite
def documents(draw: st.DrawFn) -> TeamDocument:
    zone = draw(st.sampled_from(ZONES))
    who = draw(st.lists(handles, min_size=1, max_size=5, unique_by=str.casefold))
    engineers = tuple(
        EngineerDraft(
            h,
            draw(names),
            draw(st.sampled_from(ZONES)),
            *(draw(texts) for _ in range(4)),
        )
        for h in who
    )
    rotations = tuple(
        RotationDraft(
            name=name,
            cadence_count=draw(st.integers(1, 9999)),
            cadence_unit=draw(st.sampled_from(CadenceUnit)),
            handoff=draw(naive),
            zone=draw(st.sampled_from(ZONES)),
            members=tuple(draw(st.lists(st.sampled_from(who), min_size=1, max_size=6))),
            role=draw(st.sampled_from(Role)),
            priority=draw(st.integers(-1000, 1000)),
            restrictions=tuple(
                Restriction(
                    frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                    draw(clock),
                    draw(clock),
                )
                for _ in range(draw(st.integers(0, 2)))
            ),
            ends=draw(st.none() | instants),
            reason=draw(texts),
        )
        for name in draw(st.lists(names, max_size=3, unique_by=str.casefold))
    )

    def span() -> tuple[datetime, datetime]:
        start = draw(instants)
        return start, start + draw(st.timedeltas(timedelta(seconds=1), timedelta(days=60)))

    overrides = tuple(
        OverrideDraft(
            draw(st.sampled_from(who)),
            *span(),
            draw(st.sampled_from(Role)),
            draw(texts),
            draw(texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    swaps = tuple(
        SwapDraft(
            draw(st.sampled_from([r.name for r in rotations])),
            draw(instants),
            draw(st.sampled_from(who)),
            draw(texts),
            draw(texts),
        )
        for _ in range(draw(st.integers(0, 3) if rotations else st.just(0)))
    )
    if not swaps and draw(st.booleans()):
        swaps = None  # a file without a swaps section, as older files are
    leave = tuple(
        LeaveDraft(
            draw(st.sampled_from(who)), *span(), draw(st.sampled_from(LeaveKind)), draw(texts)
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    return TeamDocument(
        draw(names), zone, draw(texts), engineers, rotations, overrides, leave, swaps=swaps
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_documents_survive_dump_and_parse(doc: TeamDocument) -> None:
    text = teamfile.dump(doc)
    again = teamfile.parse(text, "random.yaml")
    assert again == doc
    assert teamfile.dump(again) == text


_EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
_junk = st.text(alphabet=string.printable + "{}[]:-#&*!|>'\"%@`~é\u2028\x00", max_size=12)


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = _EXAMPLE_TEXT
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        text = text[:at] + draw(_junk) + text[at + cut :]
    return text


@settings(max_examples=300, deadline=None)
@given(st.one_of(damaged(), st.text(max_size=200)))
def test_damaged_files_give_a_team_file_error_or_a_document(text: str) -> None:
    try:
        doc = teamfile.parse(text, "damaged.yaml")
    except TeamFileError as error:
        problems = error.errors
    else:
        assert teamfile.dump(teamfile.parse(teamfile.dump(doc))) == teamfile.dump(doc)
        return
    assert problems
    assert all(p.line >= 1 and str(p).startswith("damaged.yaml:") for p in problems)

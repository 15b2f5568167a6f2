"""The risk rules (burnout.md 9.5) at, just below and just above their thresholds, their windows,
the combination (9.6), partial data, purity and a property: a night page never lowers a level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.domain import bands, interruptions, load, nights, rest, risk, risk_rules, zones
from oncall.domain.model import (
    Engineer,
    Leave,
    Page,
    Provenance,
    Role,
    Severity,
    Shift,
    SourceKind,
    Urgency,
)
from oncall.domain.risk import (
    DEFAULT_RISK,
    Level,
    Outcome,
    RiskSettings,
    assess,
    assess_team,
    outliers,
    trend,
)
from oncall.domain.zones import localize_utc

LONDON = "Europe/London"
ADA = Engineer(1, "Ada", "ada", LONDON)
ROTA = Provenance(SourceKind.ROTATION, rotation_id=1)
H, D = timedelta(hours=1), timedelta(days=1)
# Monday 16 February 2026, 12:00 in London (= UTC; no DST change in the 90 days before).
NOW = datetime(2026, 2, 16, 12, tzinfo=UTC)
# A shadow shift long ago: history of 200 days without on-call load.
OLD = Shift(1, Role.SHADOW, 1, NOW - 200 * D, NOW - 199 * D, ROTA)


def local(*args: int, zone: str = LONDON) -> datetime:
    return localize_utc(datetime(*args), zone)


def page(when: datetime, key: str = "", minutes: int = 10, n: list[int] = [0], **kw) -> Page:  # noqa: B006
    n[0] += 1
    return Page(n[0], "test", str(n[0]), kw.pop("engineer", 1), when,
                resolved_at=when + timedelta(minutes=minutes), incident_key=key, **kw)  # fmt: skip


def shift(start: datetime, end: datetime, role: Role = Role.PRIMARY, engineer: int = 1) -> Shift:
    return Shift(1, role, engineer, start, end, ROTA)


def run(pages=(), shifts=(), leave=(), now=NOW, engineer=ADA, old=True, **kw):
    return assess(engineer, [*shifts, *([OLD] if old else [])], pages, leave, frozenset(), now,
                  **kw)  # fmt: skip


def night(d: int, hour: int = 3, minute: int = 0) -> datetime:
    """A page time in February 2026's night after day ``d`` (the small hours of ``d + 1``)."""
    return local(2026, 2, d + 1, hour, minute)


def evening(days_ago: int) -> datetime:
    """19:00 London ``days_ago`` days before NOW (off-hours on any day)."""
    day = (NOW - days_ago * D).date()
    return local(day.year, day.month, day.day, 19)


# --- sleep rules ------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "outcome"),
                         [(1, Outcome.OK), (2, Outcome.ELEVATED), (3, Outcome.HIGH)])  # fmt: skip
def test_n1_interrupted_nights_below_at_and_above(count, outcome):
    pages = [page(night(d)) for d in (9, 11, 13)[:count]]  # never two nights in a row
    n1 = run(pages).rule("N1")
    assert (n1.outcome, n1.value) == (outcome, count)
    assert n1.reason.startswith(f"{count} night")
    assert "(elevated at 2, high at 3)" in n1.reason


def test_n1_window_is_the_last_seven_night_keys():
    # NOW is Monday 12:00: the latest night is Sunday 15th's, the window 9th-15th.
    inside = run([page(night(9)), page(night(15))]).rule("N1")
    outside = run([page(night(8)), page(night(15))]).rule("N1")
    assert (inside.value, outside.value) == (2, 1)


def test_a_page_at_or_after_now_is_not_known_yet():
    at_now = run([page(night(13)), page(night(14))], now=night(14)).rule("N1")
    just_after = run([page(night(13)), page(night(14))], now=night(14) + timedelta(seconds=1))
    assert at_now.value == 1
    assert just_after.rule("N1").value == 2


@pytest.mark.parametrize(("run_of", "outcome"),
                         [(1, Outcome.OK), (2, Outcome.ELEVATED), (3, Outcome.HIGH)])  # fmt: skip
def test_n2_consecutive_interrupted_nights(run_of, outcome):
    pages = [page(night(d)) for d in range(12, 12 + run_of)] + [page(night(9))]
    n2 = run(pages).rule("N2")
    assert (n2.outcome, n2.value) == (outcome, run_of)
    if run_of >= 2:
        assert n2.reason.startswith(f"{run_of} interrupted nights in a row (Thu 12 Feb–")


def test_n3_rest_deficit_nights_at_and_below_five_hours():
    # 02:00 worked until 03:00, +30 min to settle: 4 h before, 4 h 30 after: the longest 4h30.
    short = page(night(10, 2), minutes=60)
    # 03:00 worked 30 min, +30 min: 5 h before, 4 h after: exactly 5 h is enough.
    enough = page(night(12, 3), minutes=30)
    n3 = run([enough]).rule("N3")
    assert (n3.outcome, n3.value) == (Outcome.OK, 0)
    n3 = run([short, enough]).rule("N3")
    assert (n3.outcome, n3.value) == (Outcome.ELEVATED, 1)
    assert "night of Tue 10 Feb: 4h30 (needs 5h)" in n3.reason
    n3 = run([short, page(night(13, 2), minutes=60)]).rule("N3")
    assert (n3.outcome, n3.value) == (Outcome.HIGH, 2)


def test_n4_woken_twice_in_one_night_is_elevated_never_high():
    once = run([page(night(12, 1)), page(night(12, 1, 30))]).rule("N4")  # 20 min apart: one
    twice = [page(night(d, 1)) for d in (10, 12, 14)] + [page(night(d, 3)) for d in (10, 12, 14)]
    found = run(twice).rule("N4")
    assert once.outcome is Outcome.OK
    assert (found.outcome, found.value) == (Outcome.ELEVATED, 3)
    assert found.reason.startswith("Woken 2 separate times on the night of")


# --- shift rules ------------------------------------------------------------------------


def _block_pages(n: int, start: datetime) -> list[Page]:
    return [page(start + (i + 1) * H, f"INC-{start:%d}-{i}") for i in range(n)]


@pytest.mark.parametrize(("n", "s1", "s2"), [
    (2, Outcome.OK, Outcome.OK),  # the limit: 2 per 12 h block, mean exactly 2.0
    (3, Outcome.ELEVATED, Outcome.HIGH),  # above it
])  # fmt: skip
def test_s1_s2_incidents_per_12_hour_block(n, s1, s2):
    start = NOW - 2 * D
    found = run(_block_pages(n, start), [shift(start, start + 12 * H)])
    assert (found.rule("S1").outcome, found.rule("S1").value) == (s1, n)
    assert (found.rule("S2").outcome, found.rule("S2").value) == (s2, n)
    assert "12-hour on-call block starting Sat 14 Feb 12:00 (limit 2)" in found.rule("S1").reason


def test_s2_is_the_mean_over_on_call_blocks():
    start = NOW - 3 * D
    shifts = [shift(start, start + 24 * H)]  # two blocks: 3 + 2 incidents, mean 2.5
    found = run(_block_pages(3, start) + _block_pages(2, start + 12 * H), shifts)
    assert found.rule("S2").value == 2.5
    assert found.rule("S2").outcome is Outcome.HIGH
    quieter = run(_block_pages(3, start) + _block_pages(1, start + 12 * H), shifts)
    assert quieter.rule("S2").outcome is Outcome.OK  # mean 2.0 is not above 2.0


def test_s1_counts_blocks_starting_in_the_last_seven_days():
    start = NOW - 7 * D
    inside = run(_block_pages(3, start), [shift(start, start + 12 * H)]).rule("S1")
    early = start - timedelta(seconds=1)
    outside = run(_block_pages(3, early), [shift(early, early + 12 * H)]).rule("S1")
    assert (inside.value, outside.value) == (3, 0)


# --- chronic rules ----------------------------------------------------------------------


@pytest.mark.parametrize(("count", "outcome"), [
    (6, Outcome.OK), (7, Outcome.ELEVATED), (18, Outcome.ELEVATED), (19, Outcome.HIGH),
])  # fmt: skip
def test_c1_out_of_hours_interruptions_in_28_days(count, outcome):
    c1 = run([page(evening(1 + i)) for i in range(count)]).rule("C1")
    assert (c1.outcome, c1.value) == (outcome, count)
    assert c1.reason.startswith(f"{count} out-of-hours interruptions in the last 28 days")


def test_c1_business_hours_and_email_do_not_count_and_the_window_is_half_open():
    edge = NOW - 28 * D  # Monday 19 January 12:00: business hours
    weekend = local(2026, 1, 24, 14)  # a Saturday afternoon: off-hours
    pages = [
        page(local(2026, 2, 10, 11)),  # business hours
        page(evening(3), channel=None, urgency=Urgency.LOW),  # low urgency: not interrupting
        page(weekend),
    ]
    assert run(pages).rule("C1").value == 1
    # X1 sees every interruption: on the edge is in, a second before is out.
    leave = [Leave(1, 1, edge - D, edge + D)]
    assert run([page(edge)], leave=leave).rule("X1").value == 1
    assert run([page(edge - timedelta(seconds=1))], leave=leave).rule("X1").value == 0


@pytest.mark.parametrize(("hours", "outcome"), [
    (168, Outcome.OK), (169, Outcome.ELEVATED), (336, Outcome.ELEVATED), (337, Outcome.HIGH),
])  # fmt: skip
def test_c2_on_call_share_strictly_above_25_and_50_percent(hours, outcome):
    c2 = run(shifts=[shift(NOW - hours * H, NOW)]).rule("C2")
    assert c2.outcome is outcome
    assert c2.value == pytest.approx(hours / 672, abs=1e-4)


def test_c2_leave_is_not_on_call():
    shifts = [shift(NOW - 200 * H, NOW)]
    leave = [Leave(1, 1, NOW - 200 * H, NOW - 100 * H)]
    assert run(shifts=shifts, leave=leave).rule("C2").outcome is Outcome.OK


@pytest.mark.parametrize(("days", "outcome"), [
    (7, Outcome.OK), (8, Outcome.ELEVATED), (13, Outcome.ELEVATED), (14, Outcome.HIGH),
])  # fmt: skip
def test_c3_days_on_call_in_a_row(days, outcome):
    start = local(2026, 1, 25)
    c3 = run(shifts=[shift(start, start + days * D, Role.SECONDARY)]).rule("C3")
    assert (c3.outcome, c3.value) == (outcome, days)
    assert c3.reason.startswith(f"On call {days} days in a row (Sun 25 Jan–")


def test_c4_distinct_sev1_sev2_incidents():
    sev = [page(evening(i + 1), f"S{i}", severity=Severity.HIGH) for i in range(4)]
    again = page(evening(2), "S1", severity=Severity.CRITICAL)  # the same incident re-paged
    low = page(evening(6), "S9", severity=Severity.MEDIUM)
    assert run([*sev, again, low]).rule("C4").outcome is Outcome.OK
    more = page(evening(7), "S5", severity=Severity.CRITICAL)
    c4 = run([*sev, again, low, more]).rule("C4")
    assert (c4.outcome, c4.value) == (Outcome.ELEVATED, 5)


def test_t1_against_the_own_baseline_with_a_floor():
    baseline = [page(evening(40)), page(evening(60))]  # 2 in 62 days: ~0.9 per 28 days
    recent = [page(evening(i)) for i in (2, 4, 6, 8)]
    t1 = run(baseline + recent).rule("T1")
    assert t1.outcome is Outcome.ELEVATED
    assert t1.value == pytest.approx(4 / (2 * 28 / 62), abs=0.01)
    assert "(4 vs ~0.9 per 28 days)" in t1.reason
    assert run(baseline + recent[:3]).rule("T1").outcome is Outcome.OK  # under the floor of 4
    usual = [page(evening(30 + 2 * i)) for i in range(10)]  # ~4.5 per 28 days usually
    assert run(usual + recent).rule("T1").outcome is Outcome.OK


def test_x1_paged_on_time_off():
    leave = [Leave(1, 1, local(2026, 2, 9), local(2026, 2, 12))]
    x1 = run([page(evening(6))], leave=leave).rule("X1")
    assert x1.outcome is Outcome.ELEVATED
    assert x1.reason.startswith("Paged while on time off on Tue 10 Feb")
    assert run([page(evening(2))], leave=leave).rule("X1").outcome is Outcome.OK


# --- A1, advice only --------------------------------------------------------------------


def test_a1_advises_a_late_start_and_never_changes_the_level():
    now = local(2026, 2, 17, 7)  # Tuesday 07:00
    found = run([page(local(2026, 2, 17, 0, 30), minutes=30)], now=now)
    (a1,) = found.advisories
    assert a1.outcome is Outcome.ELEVATED
    assert a1.value == 7.0  # 01:00 to 08:00
    assert a1.reason == ("Worked until Tue 17 Feb 01:00; 11 h rest means starting no earlier "
                         "than Tue 17 Feb 12:00")  # fmt: skip
    assert found.level is Level.LOW
    evening_only = run([page(local(2026, 2, 16, 20), minutes=30)], now=now)
    assert evening_only.advisories[0].outcome is Outcome.OK  # 20:30 to 08:00 is 11.5 h


# --- zones and DST ----------------------------------------------------------------------


def test_bands_and_nights_are_read_in_the_engineers_own_zone():
    # 01:00 UTC: the small hours in London, 20:00 the evening before in New York.
    pages = [page(datetime(2026, 2, d, 1, tzinfo=UTC)) for d in (10, 12, 14)]
    london = run(pages).rule("N1")
    new_york = run(pages, engineer=Engineer(1, "Ada", "ada", "America/New_York")).rule("N1")
    assert (london.outcome, new_york.outcome) == (Outcome.HIGH, Outcome.OK)


def test_nights_across_the_spring_dst_change():
    # London springs forward at 01:00 on Sunday 29 March 2026.
    now = local(2026, 3, 30, 12)
    pages = [page(local(2026, 3, d, 3, 10)) for d in (28, 29, 30)]  # nights of 27th, 28th, 29th
    n2 = run(pages, now=now).rule("N2")
    assert (n2.outcome, n2.value) == (Outcome.HIGH, 3)
    assert "(Fri 27 Mar–Sun 29 Mar)" in n2.reason


def test_chronic_window_is_28_local_days_across_dst():
    # 28 days before Monday 6 April 13:00 BST is Monday 9 March 13:00 GMT (13:00 UTC), one
    # hour later than 28 x 24 h: the Load screen's window.
    now = local(2026, 4, 6, 13)
    leave = [Leave(1, 1, now - 40 * D, now)]
    edge = datetime(2026, 3, 9, 13, tzinfo=UTC)
    assert run([page(edge)], leave=leave, now=now).rule("X1").value == 1
    assert run([page(edge - 30 * timedelta(minutes=1))], leave=leave, now=now).rule("X1").value == 0


def test_an_engineer_without_a_zone_is_read_in_the_team_zone_with_a_warning():
    nameless = Engineer(1, "Ada", "ada", "")
    found = run([page(datetime(2026, 2, d, 1, tzinfo=UTC)) for d in (10, 12, 14)],
                engineer=nameless, team_zone="America/New_York")  # fmt: skip
    assert found.rule("N1").outcome is Outcome.OK
    assert found.warnings
    assert "America/New_York" in found.warnings[0]


# --- combination and partial data -------------------------------------------------------


# Ten out-of-hours interruptions 30-48 days ago: about 4.5 per 28 days usually, so T1 stays ok.
USUAL = [page(evening(30 + 2 * i)) for i in range(10)]


def test_three_elevated_from_two_families_is_high():
    leave = [Leave(1, 1, local(2026, 2, 8), local(2026, 2, 9))]
    pages = [*USUAL, page(night(9)), page(night(12))]
    pages += [page(evening(i)) for i in (8, 9, 10, 11, 12)]
    found = run(pages, leave=leave)
    assert [r.rule for r in found.reasons] == ["N1", "C1", "X1"]
    assert {r.outcome for r in found.reasons} == {Outcome.ELEVATED}
    assert found.level is Level.HIGH
    assert found.headline.startswith("2 nights interrupted")


def test_three_elevated_from_one_family_is_only_elevated():
    leave = [Leave(1, 1, local(2026, 2, 1), local(2026, 2, 3))]
    pages = [page(evening(i + 14), f"S{i}", severity=Severity.HIGH) for i in range(7)]
    pages += USUAL
    found = run(pages, leave=leave)
    assert [r.rule for r in found.reasons] == ["C1", "C4", "X1"]
    assert found.level is Level.ELEVATED
    settings_two = RiskSettings(min_families=1)
    assert run(pages, leave=leave, settings=settings_two).level is Level.HIGH


def test_reasons_high_first_then_elevated_then_rule_order():
    pages = [page(night(d)) for d in (12, 13, 14)] + [page(evening(i)) for i in range(16, 20)]
    found = run(pages)
    order = [(r.outcome, r.rule) for r in found.rules[:3]]
    assert order == [(Outcome.HIGH, "N1"), (Outcome.HIGH, "N2"), (Outcome.ELEVATED, "C1")]
    assert found.level is Level.HIGH
    assert len(found.rules) == 12
    assert found.advisories[0].rule == "A1"


def test_nothing_raised_is_low_with_a_plain_headline():
    found = run()
    assert found.level is Level.LOW
    assert found.headline == "No load signals above their thresholds"
    assert not found.partial


def test_under_28_days_of_history_chronic_rules_are_insufficient_and_partial():
    pages = [page(night(d)) for d in (10, 12, 14)] + [page(NOW - 20 * D)]
    found = run(pages, old=False)
    insufficient = {r.rule for r in found.rules if r.outcome is Outcome.INSUFFICIENT}
    assert insufficient == {"C1", "C2", "C3", "C4", "T1"}
    assert found.partial
    assert found.level is Level.HIGH  # the sleep rules still count


def test_t1_needs_90_days_of_history_but_only_28_days_short_is_partial():
    found = run([page(NOW - 60 * D)], old=False)
    assert found.rule("C1").outcome is Outcome.OK
    assert found.rule("T1").outcome is Outcome.INSUFFICIENT
    # "Partial: less than 28 days of history" (9.6): 60 days is not partial, T1 just waits.
    assert not found.partial
    assert run([page(NOW - 90 * D)], old=False).rule("T1").outcome is Outcome.OK


def test_history_starts_at_the_first_shift_or_page_ever_not_at_the_inputs_window():
    # The inputs are a window: the only shift in it began 20 days ago, but this person has
    # been on call for a year. Without ``since`` they would look like a newcomer.
    recent = [shift(NOW - 20 * D, NOW - 13 * D)]
    newcomer = run(shifts=recent, old=False)
    assert newcomer.partial
    assert newcomer.rule("C2").outcome is Outcome.INSUFFICIENT
    veteran = run(shifts=recent, old=False, since=NOW - 365 * D)
    assert not veteran.partial
    assert veteran.rule("C2").outcome is Outcome.OK
    assert veteran.rule("T1").outcome is Outcome.OK
    # A first shift still to come says nothing about the past.
    assert run(shifts=recent, old=False, since=NOW + D).partial


def test_assess_team_and_trend_take_since_per_engineer():
    bob = Engineer(2, "Bob", "bob", LONDON)
    recent = [shift(NOW - 20 * D, NOW - 13 * D), shift(NOW - 10 * D, NOW - 3 * D, engineer=2)]
    since = {1: NOW - 365 * D}
    ada, bob_found = assess_team([ADA, bob], recent, [], [], {}, NOW, since=since)
    assert (ada.partial, bob_found.partial) == (False, True)
    # The trend's older weeks see the same start of history: a year back, none is partial,
    # so the label and the trend agree.
    points = trend(ADA, recent, [], [], frozenset(), NOW, weeks=8, since=since[1])
    assert len(points) == 8
    assert all(
        not assess(ADA, recent, [], [], frozenset(), at, since=since[1]).partial for at, _ in points
    )


# --- settings ---------------------------------------------------------------------------


def test_thresholds_are_settings_and_validated():
    assert DEFAULT_RISK.validate() == []
    strict = RiskSettings(thresholds={**DEFAULT_RISK.thresholds, "N1": (1, 2)})
    assert run([page(night(12))], settings=strict).rule("N1").outcome is Outcome.ELEVATED
    bad = RiskSettings(thresholds={"N1": (3, 2), "Z9": (1, 2)})
    problems = bad.validate()
    assert any("N1: elevated at 3 must be at most high at 2" in p for p in problems)
    assert any("Z9" in p for p in problems)


def test_sleep_window_must_cover_midnight_to_five_and_last_seven_hours():
    from datetime import time

    assert risk.sleep_window_problem(time(22), time(8)) is None
    assert "00:00-05:00" in risk.sleep_window_problem(time(1), time(9))
    assert risk.sleep_window_problem(time(0), time(6)) is not None  # 6 h


# --- team, trend, outliers --------------------------------------------------------------


def test_assess_team_matches_assess_and_outliers_use_the_median():
    bob = Engineer(2, "Bob", "bob", "Asia/Kolkata")
    cy = Engineer(3, "Cy", "cy", LONDON)
    old = [Shift(1, Role.SHADOW, e, NOW - 200 * D, NOW - 199 * D, ROTA) for e in (1, 2, 3)]
    pages = [page(evening(i), engineer=1) for i in range(1, 9)]
    pages += [page(evening(i), engineer=2) for i in range(1, 4)]
    pages += [page(evening(i), engineer=3) for i in range(1, 3)]
    team = assess_team([ADA, bob, cy], old, pages, [], {}, NOW)
    assert [a.engineer_id for a in team] == [1, 2, 3]
    assert team[0] == assess(ADA, old, pages, [], frozenset(), NOW)
    assert outliers(team) == {1}  # 8 >= 2 x median 3
    assert outliers({1: 5, 2: 3, 3: 2}) == set()
    assert outliers({1: 0, 2: 0, 3: 1}) == {3}


def test_trend_is_one_point_a_week_seeing_only_the_past():
    pages = [page(night(d)) for d in (12, 13, 14)]
    points = trend(ADA, [OLD], pages, [], frozenset(), NOW, weeks=4)
    assert [t for t, _ in points] == [NOW - 3 * 7 * D, NOW - 2 * 7 * D, NOW - 7 * D, NOW]
    assert [lvl for _, lvl in points] == [Level.LOW, Level.LOW, Level.LOW, Level.HIGH]


# --- purity and a property --------------------------------------------------------------


class _NoClock(datetime):
    @classmethod
    def now(cls, tz=None):
        raise AssertionError("the risk model read the clock")

    @classmethod
    def utcnow(cls):
        raise AssertionError("the risk model read the clock")

    @classmethod
    def today(cls):
        raise AssertionError("the risk model read the clock")


def test_assess_never_reads_the_clock(monkeypatch):
    for module in (risk, risk_rules, rest, load, nights, bands, interruptions, zones):
        if hasattr(module, "datetime"):
            monkeypatch.setattr(module, "datetime", _NoClock)
    pages = [page(night(d)) for d in (12, 13, 14)] + [page(NOW - 1 * H)]
    found = run(pages)
    assert found.level is Level.HIGH
    assert found == run(pages)  # deterministic


_RANK = {Level.LOW: 0, Level.ELEVATED: 1, Level.HIGH: 2}


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=60, max_value=100 * 24 * 60), max_size=25),
    durations=st.lists(st.integers(min_value=1, max_value=120), min_size=25, max_size=25),
    quiet_night=st.integers(min_value=9, max_value=15),
    minute=st.integers(min_value=0, max_value=5 * 60 - 21),
    minutes=st.integers(min_value=1, max_value=20),
)
def test_adding_an_interrupting_night_page_never_lowers_the_level(
    offsets, durations, quiet_night, minute, minutes
):
    added_at = night(quiet_night, 0) + timedelta(minutes=minute)
    existing = [
        page(NOW - timedelta(minutes=m), f"I{i % 4}", durations[i])
        for i, m in enumerate(offsets)
        # The added page's night is otherwise quiet (nothing within 12 h of it), so it can
        # only add a wake-up, never join two others into one.
        if abs(NOW - timedelta(minutes=m) - added_at) > 12 * H
    ]
    shifts = [shift(NOW - 10 * D, NOW + D)]
    before = run(existing, shifts).level
    after = run([*existing, page(added_at, "NEW", minutes)], shifts).level
    assert _RANK[after] >= _RANK[before]

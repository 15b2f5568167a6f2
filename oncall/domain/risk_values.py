"""The vocabulary of on-call load risk (``shared/reference/burnout.md`` 9.5-9.7): levels, rule
outcomes, each rule's family and source, the thresholds as settings, one rule's result and an
engineer's assessment. Plain values; :mod:`oncall.domain.risk` computes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from types import MappingProxyType

from oncall.domain.bands import LoadSettings

__all__ = [
    "DEFAULT_RISK",
    "FAMILIES",
    "RULES",
    "SOURCES",
    "STRICT",
    "Assessment",
    "Level",
    "Outcome",
    "RiskSettings",
    "RuleResult",
    "sleep_window_problem",
]


class Level(StrEnum):
    """The combined on-call load risk of one engineer."""

    LOW = "low"
    ELEVATED = "elevated"
    HIGH = "high"


class Outcome(StrEnum):
    """What one rule found."""

    OK = "ok"
    ELEVATED = "elevated"
    HIGH = "high"
    INSUFFICIENT = "insufficient_data"


#: Every rule in its order (9.5), with its family (9.6); A1 is advisory only.
FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "N1": "sleep",
        "N2": "sleep",
        "N3": "sleep",
        "N4": "sleep",
        "S1": "shift",
        "S2": "shift",
        "C1": "chronic",
        "C2": "chronic",
        "C3": "chronic",
        "C4": "chronic",
        "T1": "chronic",
        "X1": "chronic",
        "A1": "advisory",
    }
)
RULES: tuple[str, ...] = tuple(FAMILIES)

#: The source of each rule's default, cited as in burnout.md (shown on hover).
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "N1": "Derived from PagerDuty State of Digital Operations 2021 (7 a month is bad) and "
        "EASA ORO.FTL.235 / Malmberg et al. 2010 (2 undisturbed nights to recover)",
        "N2": "FAA 14 CFR 117.27 (at most 3 consecutive WOCL duties); NHS 2016 contract "
        "(at most 4 nights)",
        "N3": "BMA non-resident on-call guidance (5 h continuous rest, 22:00-07:00)",
        "N4": "Derived from Ziebertz et al. 2017 and Ferguson et al. 2016 (sleep inertia)",
        "S1": "Google SRE book ch. 11 (at most 2 incidents per 12 h shift)",
        "S2": "Google SRE book ch. 11 and ch. 1 (at most 2 events per 12 h shift)",
        "C1": "PagerDuty State of Digital Operations 2021 (7 a month bad, 19 burnout)",
        "C2": "Google SRE book ch. 11 (at most 25% on call); ministryofjustice/"
        "technical-guidance PR #55 (never above 50%)",
        "C3": "EU Working Time Directive Art. 5; FAA 14 CFR 117; EASA ORO.FTL.235; "
        "NHS 2016 contract (at most 8 consecutive shifts)",
        "C4": "Rootly on-call-health (compound effect from 5+ critical incidents)",
        "T1": "Rootly on-call-health (trend against your own baseline, with a volume floor)",
        "X1": "PagerDuty on-call guide; GitLab handbook (time off and holidays)",
        "A1": "EU Working Time Directive Art. 3 (11 h daily rest)",
    }
)

#: Rules whose thresholds are exceeded only strictly (9.5: "> 25%", "> 2.0").
STRICT = frozenset({"S2", "C2"})


def _defaults() -> Mapping[str, tuple[float | None, float | None]]:
    return MappingProxyType(
        {
            "N1": (2, 3),
            "N2": (2, 3),
            "N3": (1, 2),
            "N4": (1, None),
            "S1": (3, None),
            "S2": (None, 2.0),
            "C1": (7, 19),
            "C2": (0.25, 0.50),
            "C3": (8, 14),
            "C4": (5, None),
            "X1": (1, None),
        }
    )


@dataclass(frozen=True)
class RiskSettings:
    """Every threshold of the risk rules, with the sourced defaults of burnout.md 9.7.

    ``thresholds[rule] = (elevated_at, high_at)``; None means the rule cannot reach that level.
    N*, S1, C1, C3, C4 and X1 trigger at or above a threshold; S2 and C2 strictly above it
    (9.5). T1 is Elevated when the 28-day count is at least ``t1_ratio`` times the 90-day
    baseline (scaled to 28 days) and at least ``t1_floor``. ``daily_rest_h`` drives the A1
    advice. Windows: ``acute_days`` (7), ``chronic_days`` (28), ``baseline_days`` (90).
    The sleep window itself is a :class:`~oncall.domain.bands.LoadSettings` setting (it
    validates itself: at least 7 h, covering 00:00-05:00).
    """

    thresholds: Mapping[str, tuple[float | None, float | None]] = field(
        default_factory=_defaults, hash=False
    )
    t1_ratio: float = 2.0
    t1_floor: int = 4
    elevated_rules_for_high: int = 3
    min_families: int = 2
    daily_rest_h: float = 11.0
    acute_days: int = 7
    chronic_days: int = 28
    baseline_days: int = 90

    def threshold(self, rule: str) -> tuple[float | None, float | None]:
        """``(elevated_at, high_at)`` of a rule (defaults for one not set)."""
        found = self.thresholds.get(rule)
        return found if found is not None else _defaults().get(rule, (None, None))

    def validate(self) -> list[str]:
        """What is wrong with these settings, one sentence each (empty: usable)."""
        problems = []
        for rule, pair in self.thresholds.items():
            if rule not in FAMILIES or rule in ("T1", "A1"):
                problems.append(f"Unknown threshold rule {rule!r}.")
                continue
            e, h = pair
            for name, v in (("elevated", e), ("high", h)):
                if v is not None and v < 0:
                    problems.append(f"{rule}: the {name} threshold cannot be negative.")
            if e is not None and h is not None and e > h:
                problems.append(f"{rule}: elevated at {e:g} must be at most high at {h:g}.")
        if self.t1_ratio <= 0 or self.t1_floor < 0:
            problems.append("T1: the ratio must be above 0 and the floor at least 0.")
        if self.elevated_rules_for_high < 1 or self.min_families < 1:
            problems.append("The combination needs at least 1 rule and 1 family.")
        if not 0 < self.daily_rest_h <= 24:
            problems.append("Daily rest must be between 0 and 24 hours.")
        if not 0 < self.acute_days <= self.chronic_days < self.baseline_days:
            problems.append("Windows must satisfy 0 < acute <= chronic < baseline days.")
        return problems


DEFAULT_RISK = RiskSettings()


def sleep_window_problem(start: time, end: time) -> str | None:
    """Why a sleep window cannot be used (None if it can): it must last at least 7 h and
    cover 00:00-05:00 (EU Working Time Directive Art. 2); LoadSettings decides."""
    try:
        LoadSettings(sleep_start=start, sleep_end=end)
    except ValueError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class RuleResult:
    """One rule's finding: its value, thresholds, window, outcome and a sentence with the numbers
    (``reason``) and where its default comes from (``source``)."""

    rule: str
    family: str  # "sleep" | "shift" | "chronic" | "advisory"
    outcome: Outcome
    value: float | None
    elevated_at: float | None
    high_at: float | None
    window: str
    reason: str
    source: str

    @property
    def raised(self) -> bool:
        """At Elevated or High."""
        return self.outcome in (Outcome.ELEVATED, Outcome.HIGH)


@dataclass(frozen=True)
class Assessment:
    """One engineer's on-call load risk at ``at``: the level, every rule (High first, then
    Elevated, then rule order), the advisories (A1; never change the level), whether history
    was too short for some rules (``partial``) and warnings (e.g. a missing time zone)."""

    engineer_id: int
    at: datetime
    level: Level
    partial: bool
    rules: tuple[RuleResult, ...]
    advisories: tuple[RuleResult, ...]
    warnings: tuple[str, ...] = ()

    @property
    def reasons(self) -> tuple[RuleResult, ...]:
        """The rules at Elevated or High, in the order shown."""
        return tuple(r for r in self.rules if r.raised)

    @property
    def headline(self) -> str:
        """The first reason, or a plain sentence when nothing is raised."""
        raised = self.reasons
        return raised[0].reason if raised else "No load signals above their thresholds"

    def rule(self, name: str) -> RuleResult:
        """The result of one rule by id ("N1", "A1"...)."""
        for r in (*self.rules, *self.advisories):
            if r.rule == name:
                return r
        raise KeyError(name)

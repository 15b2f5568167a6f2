"""Public holidays by country and region."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from oncall.domain.model import Engineer
from oncall.exchange.public_holidays import (
    holiday_dates,
    holiday_names,
    holidays_for,
    place_problem,
)


def _person(country: str, region: str = "", id_: int = 1) -> Engineer:
    return Engineer(id_, "P", f"p{id_}", "Europe/London", country=country, region=region)


def test_england_has_christmas_and_the_substitute_boxing_day() -> None:
    days = holidays_for(_person("GB", "ENG"), [2026])
    assert date(2026, 12, 25) in days
    assert date(2026, 12, 28) in days  # Boxing Day falls on a Saturday: Monday is off
    assert date(2026, 12, 29) not in days
    assert "Boxing Day" in holiday_names(_person("gb", "eng"), [2026])[date(2026, 12, 28)]


def test_german_states_differ() -> None:
    berlin = holidays_for(_person("DE", "BE"), [2026])
    bavaria = holidays_for(_person("DE", "BY"), [2026])
    assert berlin != bavaria
    assert date(2026, 3, 8) in berlin  # International Women's Day: Berlin only
    assert date(2026, 1, 6) in bavaria  # Epiphany: Bavaria, not Berlin
    assert date(2026, 1, 6) not in berlin


def test_unknown_places_are_empty_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="oncall.exchange.public_holidays"):
        assert holidays_for(_person("ZZ"), [2026]) == frozenset()
        assert holidays_for(_person("US", "XX"), [2027]) == frozenset()
    assert "ZZ" in caplog.text
    assert holidays_for(_person(""), [2026]) == frozenset()
    assert place_problem("ZZ") is not None
    assert place_problem("US", "XX") is not None
    assert place_problem("GB", "ENG") is None


def test_holiday_dates_by_engineer_leaves_out_people_without_any() -> None:
    people = [_person("GB", "ENG", 1), _person("ZZ", "", 2), _person("", "", 3)]
    result = holiday_dates(people, range(2026, 2028))
    assert set(result) == {1}
    assert date(2027, 12, 27) in result[1]  # 2027: Christmas on a Saturday, Monday off

"""The ``[risk]`` table of settings.toml: thresholds and the sleep window round-trip; bad values
fall back to the sourced defaults without an error; the plain keys keep working."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from oncall.domain.risk import DEFAULT_RISK
from oncall.settings import Settings, load_settings, save_settings


def test_risk_thresholds_and_sleep_window_round_trip(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    risk = replace(DEFAULT_RISK, thresholds={**DEFAULT_RISK.thresholds, "N1": (1, 4)},
                   t1_ratio=3.0, min_families=1)  # fmt: skip
    wanted = Settings(theme="night", risk=risk, sleep_start="23:00", sleep_end="07:00")
    save_settings(wanted, path)
    assert "[risk]" in path.read_text(encoding="utf-8")
    found = load_settings(path)
    assert found == wanted
    assert found.risk.threshold("N1") == (1, 4)
    assert found.risk.threshold("S2") == (None, 2.0)
    assert found.load_metrics().sleep_start == time(23)


def test_bad_risk_values_fall_back_to_defaults(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'theme = "night"\n'
        "[risk]\n"
        "N1 = [5, 2]\n"  # elevated above high
        'C1 = ["seven", 19]\n'
        "C2 = [0.3]\n"
        "N3 = [1, 3]\n"  # fine
        't1_floor = "four"\n'
        "min_families = 0\n"
        'sleep_start = "01:00"\n'  # would not cover 00:00-05:00
        'sleep_end = "08:00"\n',
        encoding="utf-8",
    )
    found = load_settings(path)
    assert found.theme == "night"
    assert found.risk.threshold("N1") == (2, 3)
    assert found.risk.threshold("C1") == (7, 19)
    assert found.risk.threshold("C2") == (0.25, 0.5)
    assert found.risk.threshold("N3") == (1, 3)
    assert (found.risk.t1_floor, found.risk.min_families) == (4, 2)
    assert (found.sleep_start, found.sleep_end) == ("22:00", "08:00")


def test_no_risk_table_gives_the_defaults(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('theme = "light"\nrisk = 3\n', encoding="utf-8")
    found = load_settings(path)
    assert found.theme == "light"
    assert found.risk == DEFAULT_RISK

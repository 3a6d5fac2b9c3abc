"""Alert policy: operator margin, hysteresis, glitch filter."""

from __future__ import annotations

import pytest
from hayate.thermal.alerts import Level, Limits, Policy, SensorState, classify, limits_for, step
from hayate.thermal.module import TempThresholds

OPTIC_70 = TempThresholds(high_alarm=75.0, low_alarm=-5.0, high_warning=70.0, low_warning=0.0)


def feed(state: SensorState, temps: list[float | None], limits: Limits, policy: Policy) -> list[Level]:
    """The confirmed level after each sample."""
    levels = []
    for t in temps:
        step(state, t, limits, policy)
        levels.append(state.level)
    return levels


def test_default_warns_at_65_for_a_70_degree_optic() -> None:
    limits = limits_for(Policy(), OPTIC_70)
    assert (limits.warning_c, limits.critical_c) == (65.0, 70.0)
    assert "high-warning" in limits.origin


def test_limit_from_high_alarm_operator_override_and_default() -> None:
    assert limits_for(Policy(limit_source="high_alarm"), OPTIC_70).critical_c == 75.0
    assert limits_for(Policy(), OPTIC_70, override_c=68.0) == Limits(63.0, 68.0, "operator limit")
    no_thresholds = limits_for(Policy(default_limit_c=72.0, margin_c=3.0), None)
    assert (no_thresholds.warning_c, no_thresholds.critical_c) == (69.0, 72.0)


def test_classify_thresholds_are_inclusive() -> None:
    limits = limits_for(Policy(), OPTIC_70)
    assert classify(64.99, limits, Level.OK, 2.0) == Level.OK
    assert classify(65.0, limits, Level.OK, 2.0) == Level.WARNING
    assert classify(70.0, limits, Level.OK, 2.0) == Level.CRITICAL


def test_kamuee_67_degrees_raises_warning_after_confirmation() -> None:
    """The paper's case: 100GbE optics at 67 °C against a 70 °C limit."""
    policy = Policy(confirm_samples=2)
    state = SensorState()
    limits = limits_for(policy, OPTIC_70)
    assert feed(state, [60.0, 67.0], limits, policy) == [Level.OK, Level.OK]
    transition = step(state, 67.0, limits, policy)
    assert transition is not None and (transition.previous, transition.level) == (Level.OK, Level.WARNING)


def test_hysteresis_holds_the_level_until_threshold_less_hysteresis() -> None:
    policy = Policy(confirm_samples=1, hysteresis_c=2.0)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    # up to warning at 65; 64 and 63.5 stay warning (within 2 °C); 62.9 clears.
    assert feed(state, [65.0, 64.0, 63.5, 63.0, 62.9], limits, policy) == [
        Level.WARNING,
        Level.WARNING,
        Level.WARNING,
        Level.OK,
        Level.OK,
    ]
    # critical at 70, held at 68.5, back to warning at 68.0.
    assert feed(state, [70.0, 68.5, 68.0], limits, policy) == [Level.CRITICAL, Level.CRITICAL, Level.WARNING]


def test_hovering_at_the_threshold_does_not_flap() -> None:
    policy = Policy(confirm_samples=1, hysteresis_c=2.0)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    transitions = [step(state, t, limits, policy) for t in [65.1, 64.9, 65.2, 64.8, 65.0, 64.7]]
    assert sum(1 for t in transitions if t is not None) == 1


def test_single_spike_is_filtered() -> None:
    policy = Policy(confirm_samples=2)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    assert feed(state, [50.0, 95.0, 50.0, 51.0], limits, policy) == [Level.OK] * 4


def test_single_dip_does_not_clear_an_alert() -> None:
    policy = Policy(confirm_samples=2)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState(level=Level.CRITICAL)
    assert feed(state, [71.0, 20.0, 71.0], limits, policy) == [Level.CRITICAL] * 3


def test_implausible_readings_are_dropped_and_counted() -> None:
    policy = Policy(confirm_samples=1)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    # -128 °C (0x8000), 127.996 °C (0x7fff) and an unreadable sample never change the level.
    assert feed(state, [-128.0, 127.99609375, None], limits, policy) == [Level.OK] * 3
    assert state.dropped == 3
    step(state, 40.0, limits, policy)
    assert state.dropped == 0 and state.last_c == 40.0


def test_rising_through_warning_to_critical_goes_as_far_as_all_samples_agree() -> None:
    policy = Policy(confirm_samples=2)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    assert feed(state, [66.0, 71.0], limits, policy) == [Level.OK, Level.WARNING]
    assert feed(state, [71.5, 72.0], limits, policy) == [Level.WARNING, Level.CRITICAL]


@pytest.mark.parametrize("confirm", [1, 3])
def test_confirm_samples_sets_the_delay(confirm: int) -> None:
    policy = Policy(confirm_samples=confirm)
    limits = limits_for(policy, OPTIC_70)
    state = SensorState()
    levels = feed(state, [68.0] * 3, limits, policy)
    assert levels.index(Level.WARNING) == confirm - 1


def test_state_round_trips_and_damaged_state_starts_afresh() -> None:
    state = SensorState(Level.WARNING, [Level.OK], 66.0, 1)
    assert SensorState.from_json(state.to_json()) == state
    assert SensorState.from_json({"level": "HOT"}) == SensorState()
    assert SensorState.from_json("garbage") == SensorState()

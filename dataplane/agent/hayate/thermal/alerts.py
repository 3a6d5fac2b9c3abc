"""Alert policy: operator margin below the module's own limit, hysteresis, and a glitch filter.

A sensor's level is OK, WARNING (at `margin_c` below the limit: 65 °C for a 70 °C optic by default) or
CRITICAL (at the limit). The limit is the module's high-warning threshold by default (the edge of its normal
operating range), or its high-alarm threshold, or an operator's per-port value, or `default_limit_c` when
the module states none. A level is left only once the temperature is `hysteresis_c` below the level's
threshold, and any change of level needs `confirm_samples` consecutive samples that agree on the direction:
one wild reading (an I2C glitch, a half-updated register) never raises or clears an alert. Implausible
values are dropped and counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from hayate.thermal.module import TempThresholds


class Level(IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2


LIMIT_SOURCES = ("high_warning", "high_alarm")


@dataclass(frozen=True)
class Policy:
    margin_c: float = 5.0
    hysteresis_c: float = 2.0
    confirm_samples: int = 2
    default_limit_c: float = 70.0
    limit_source: str = "high_warning"
    plausible_min_c: float = -40.0
    plausible_max_c: float = 125.0


@dataclass(frozen=True)
class Limits:
    warning_c: float
    critical_c: float
    origin: str  # where the critical limit comes from, for messages


def limits_for(policy: Policy, thresholds: TempThresholds | None, override_c: float | None = None) -> Limits:
    """The warning and critical temperatures of one sensor."""
    if override_c is not None:
        limit, origin = override_c, "operator limit"
    elif thresholds is not None and policy.limit_source == "high_alarm":
        limit, origin = thresholds.high_alarm, "module high-alarm threshold"
    elif thresholds is not None:
        limit, origin = thresholds.high_warning, "module high-warning threshold"
    else:
        limit, origin = policy.default_limit_c, "default limit (module states none)"
    return Limits(warning_c=limit - policy.margin_c, critical_c=limit, origin=origin)


def classify(temp_c: float, limits: Limits, current: Level, hysteresis_c: float) -> Level:
    """The level a temperature indicates, given the level held now (hysteresis keeps a held level)."""
    if temp_c >= limits.critical_c or (
        current >= Level.CRITICAL and temp_c > limits.critical_c - hysteresis_c
    ):
        return Level.CRITICAL
    if temp_c >= limits.warning_c or (current >= Level.WARNING and temp_c > limits.warning_c - hysteresis_c):
        return Level.WARNING
    return Level.OK


@dataclass
class SensorState:
    """What is remembered about a sensor between runs (the timer runs the monitor once a minute)."""

    level: Level = Level.OK
    pending: list[Level] = field(default_factory=list)
    last_c: float | None = None
    dropped: int = 0  # consecutive samples that were unreadable or implausible

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level.name,
            "pending": [p.name for p in self.pending],
            "last_c": self.last_c,
            "dropped": self.dropped,
        }

    @classmethod
    def from_json(cls, data: object) -> SensorState:
        """Tolerant: a damaged state file starts the sensor afresh instead of stopping the monitor."""
        if not isinstance(data, dict):
            return cls()
        try:
            level = Level[str(data.get("level", "OK"))]
            pending = [Level[str(p)] for p in data.get("pending", [])]
            last = data.get("last_c")
            last_c = float(last) if isinstance(last, int | float) else None
            dropped = int(data.get("dropped", 0))
        except (KeyError, TypeError, ValueError):
            return cls()
        return cls(level, pending, last_c, dropped)


@dataclass(frozen=True)
class Transition:
    previous: Level
    level: Level
    temperature_c: float
    limits: Limits


def step(state: SensorState, temp_c: float | None, limits: Limits, policy: Policy) -> Transition | None:
    """Feed one sample; returns the transition when the confirmed level changes."""
    if temp_c is None or not (policy.plausible_min_c <= temp_c <= policy.plausible_max_c):
        state.dropped += 1
        return None
    state.dropped = 0
    state.last_c = temp_c
    target = classify(temp_c, limits, state.level, policy.hysteresis_c)
    if target == state.level:
        state.pending.clear()
        return None
    rising = target > state.level
    if state.pending and (state.pending[-1] > state.level) != rising:
        state.pending.clear()
    state.pending.append(target)
    if len(state.pending) < policy.confirm_samples:
        return None
    window = state.pending[-policy.confirm_samples :]
    # Go only as far as every sample of the window agrees: up to the lowest, down to the highest.
    new_level = min(window) if rising else max(window)
    previous = state.level
    state.level = new_level
    state.pending.clear()
    return Transition(previous, new_level, temp_c, limits)

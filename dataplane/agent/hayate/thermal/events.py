"""What the monitor tells its sinks: one sample per sensor and run, and alerts on level changes."""

from __future__ import annotations

from dataclasses import dataclass

from hayate.thermal.alerts import Level, Limits, Transition
from hayate.thermal.module import ModuleReading

# Stable journal MESSAGE_IDs (journalctl MESSAGE_ID=...); never change them, operators filter on them.
MESSAGE_ID_ALERT = "b5e0fbfca14043d78621742c155ce2f6"
MESSAGE_ID_RECOVERED = "655f97d6ccfb4322bd8bff4bb4ca6a80"
MESSAGE_ID_READ_ERROR = "3ba2f87aeb8e4c1b87f859447fea2e14"
SYSLOG_IDENTIFIER = "hayate-thermal"


@dataclass(frozen=True)
class Sample:
    """One sensor read in one run: a module (ethtool or DPDK) or a NIC hwmon sensor."""

    sensor: str  # stable id, e.g. "p0/module" or "eth2/hwmon/temp1"
    port: str
    kind: str  # "module" or "nic"
    source: str  # "ethtool", "dpdk" or "hwmon"
    temperature_c: float | None
    limits: Limits | None = None
    module: ModuleReading | None = None
    error: str | None = None
    level: Level = Level.OK

    def describe(self) -> str:
        if self.module is None:
            return f"{self.port} {self.kind} ({self.source})"
        ident = " ".join(x for x in (self.module.vendor, self.module.part_number) if x)
        serial = f" S/N {self.module.serial}" if self.module.serial else ""
        return f"{self.port} {self.module.standard} module{' ' + ident if ident else ''}{serial}"


@dataclass(frozen=True)
class Alert:
    sample: Sample
    transition: Transition
    hysteresis_c: float

    @property
    def recovered(self) -> bool:
        return self.transition.level < self.transition.previous

    @property
    def threshold_c(self) -> float:
        limits = self.transition.limits
        level = self.transition.level if not self.recovered else self.transition.previous
        return limits.critical_c if level == Level.CRITICAL else limits.warning_c

    def message(self) -> str:
        t = self.transition
        what = self.sample.describe()
        limit = f"{t.limits.critical_c:.1f} °C ({t.limits.origin})"
        if self.recovered:
            return (
                f"{what}: temperature {t.temperature_c:.1f} °C, back to {t.level.name} "
                f"from {t.previous.name} "
                f"(below {self.threshold_c - self.hysteresis_c:.1f} °C: {self.threshold_c:.1f} °C less "
                f"{self.hysteresis_c:.1f} °C hysteresis); limit {limit}"
            )
        return (
            f"{what}: temperature {t.temperature_c:.1f} °C reached {t.level.name} "
            f"(threshold {self.threshold_c:.1f} °C); limit {limit}"
        )

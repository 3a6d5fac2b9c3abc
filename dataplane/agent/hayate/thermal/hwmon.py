"""NIC temperature sensors in hwmon (/sys/class/net/IF/device/hwmon/hwmonN/temp*_input, millidegrees).

Drivers that export one (mlx5, ixgbe, i40e with a thermal sensor, bnxt_en, ...) give `tempN_input` and often
`tempN_max` (warning) and `tempN_crit` (the limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HwmonSensor:
    name: str  # "temp1"
    label: str
    temperature_c: float | None
    max_c: float | None
    crit_c: float | None
    error: str | None = None


def _millidegrees(path: Path) -> float | None:
    try:
        return int(path.read_text().strip()) / 1000.0
    except (OSError, ValueError):
        return None


def read_interface(ifname: str, sysfs: Path = Path("/sys")) -> list[HwmonSensor]:
    """All temperature sensors of the interface's device; empty when its driver exports none."""
    base = sysfs / "class" / "net" / ifname / "device" / "hwmon"
    sensors: list[HwmonSensor] = []
    if not base.is_dir():
        return sensors
    for hwmon in sorted(base.iterdir()):
        for inp in sorted(hwmon.glob("temp*_input")):
            name = inp.name.removesuffix("_input")
            label_file = hwmon / f"{name}_label"
            label = label_file.read_text().strip() if label_file.exists() else name
            temp = _millidegrees(inp)
            sensors.append(
                HwmonSensor(
                    name=f"{hwmon.name}/{name}",
                    label=label,
                    temperature_c=temp,
                    max_c=_millidegrees(hwmon / f"{name}_max"),
                    crit_c=_millidegrees(hwmon / f"{name}_crit"),
                    error=None if temp is not None else f"{inp} unreadable",
                )
            )
    return sensors

"""``hayate_tuning_cpulist``: a list of CPU numbers as the kernel writes CPU lists ("2-5,8,10-11")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def cpulist(cpus: Iterable[Any]) -> str:
    ordered = sorted({int(c) for c in cpus})
    ranges: list[str] = []
    start = prev = None
    for cpu in ordered:
        if start is None:
            start = prev = cpu
        elif cpu == prev + 1:  # type: ignore[operator]
            prev = cpu
        else:
            ranges.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = cpu
    if start is not None:
        ranges.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(ranges)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"hayate_tuning_cpulist": cpulist}

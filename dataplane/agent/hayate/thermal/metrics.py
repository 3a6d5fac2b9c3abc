"""Prometheus metrics through node_exporter's textfile collector (written atomically by prometheus_client)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from hayate.thermal.events import Sample

LABELS = ("sensor", "port", "kind", "source")


def write_textfile(path: str, samples: Iterable[Sample], webhook_failures: int = 0) -> None:
    registry = CollectorRegistry()
    temp = Gauge("hayate_thermal_temperature_celsius", "Last temperature read", LABELS, registry=registry)
    warning = Gauge(
        "hayate_thermal_warning_celsius",
        "Temperature at which a warning is raised",
        LABELS,
        registry=registry,
    )
    critical = Gauge(
        "hayate_thermal_limit_celsius",
        "Critical limit (module's own or operator's)",
        LABELS,
        registry=registry,
    )
    level = Gauge(
        "hayate_thermal_level", "Alert level: 0 ok, 1 warning, 2 critical", LABELS, registry=registry
    )
    readable = Gauge(
        "hayate_thermal_read_ok", "1 when the sensor was read this run", LABELS, registry=registry
    )
    last_run = Gauge(
        "hayate_thermal_last_run_timestamp_seconds", "End of the last monitor run", registry=registry
    )
    hook = Gauge(
        "hayate_thermal_webhook_failures", "Webhook deliveries that failed in the last run", registry=registry
    )
    for s in samples:
        labels = (s.sensor, s.port, s.kind, s.source)
        readable.labels(*labels).set(0 if s.temperature_c is None else 1)
        if s.temperature_c is None:
            continue
        temp.labels(*labels).set(s.temperature_c)
        level.labels(*labels).set(int(s.level))
        if s.limits is not None:
            warning.labels(*labels).set(s.limits.warning_c)
            critical.labels(*labels).set(s.limits.critical_c)
    hook.set(webhook_failures)
    last_run.set(time.time())
    write_to_textfile(path, registry)

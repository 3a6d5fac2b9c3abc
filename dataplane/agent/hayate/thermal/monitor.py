"""One monitor run: read every sensor, apply the alert policy with the remembered state, feed the sinks."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from hayate.thermal import hwmon
from hayate.thermal.alerts import Limits, Policy, SensorState, limits_for, step
from hayate.thermal.config import Config
from hayate.thermal.dpdk_source import module_images, read_forwarder_config
from hayate.thermal.ethtool_source import NetlinkModuleMemory
from hayate.thermal.events import Alert, Sample
from hayate.thermal.journal import JournalSink
from hayate.thermal.memory import ModuleMemory
from hayate.thermal.metrics import write_textfile
from hayate.thermal.module import EepromError, decode
from hayate.thermal.webhook import WebhookSink


def module_sample(
    port: str, source: str, memory: ModuleMemory | str, policy: Policy, override: float | None
) -> Sample:
    sensor = f"{port}/module"
    if isinstance(memory, str):
        return Sample(sensor, port, "module", source, None, error=memory)
    try:
        reading = decode(memory)
    except EepromError as exc:
        return Sample(sensor, port, "module", source, None, error=str(exc))
    if reading.temperature_c is None:
        return Sample(
            sensor,
            port,
            "module",
            source,
            None,
            module=reading,
            error="; ".join(reading.notes) or "module reports no temperature",
        )
    return Sample(
        sensor,
        port,
        "module",
        source,
        reading.temperature_c,
        limits_for(policy, reading.thresholds, override),
        reading,
    )


def hwmon_samples(ifname: str, policy: Policy, override: float | None, sysfs: Path) -> list[Sample]:
    samples = []
    for s in hwmon.read_interface(ifname, sysfs):
        limit = override if override is not None else s.crit_c if s.crit_c is not None else s.max_c
        limits = (
            Limits(
                limit - policy.margin_c,
                limit,
                "operator limit" if override is not None else "NIC hwmon limit",
            )
            if limit
            else limits_for(policy, None)
        )
        samples.append(
            Sample(f"{ifname}/hwmon/{s.name}", ifname, "nic", "hwmon", s.temperature_c, limits, error=s.error)
        )
    return samples


def collect(
    config: Config,
    ethtool: Any | None = None,
    sysfs: Path = Path("/sys"),
    connect: Callable[[str], Any] | None = None,
) -> list[Sample]:
    samples: list[Sample] = []
    owned = None
    ethtool_error = "ethtool netlink unavailable"
    if config.interfaces and ethtool is None:
        # One netlink socket for all interfaces of the run, closed at its end.
        try:
            owned = ethtool = importlib.import_module("pyroute2.ethtool.ethtool").Ethtool()
        except OSError as exc:
            ethtool_error = f"ethtool netlink: {exc}"
    for ifname in config.interfaces:
        memory: ModuleMemory | str
        memory = NetlinkModuleMemory(ifname, ethtool) if ethtool is not None else ethtool_error
        samples.append(module_sample(ifname, "ethtool", memory, config.policy, config.limits.get(ifname)))
        if config.hwmon:
            samples.extend(hwmon_samples(ifname, config.policy, config.limits.get(ifname), sysfs))
    if config.dpdk_config:
        try:
            ports = read_forwarder_config(config.dpdk_config)
        except EepromError as exc:
            samples.append(Sample("forwarder/module", "forwarder", "module", "dpdk", None, error=str(exc)))
        else:
            for name, image in module_images(ports, connect).items():
                samples.append(module_sample(name, "dpdk", image, config.policy, config.limits.get(name)))
    if owned is not None:
        with contextlib.suppress(Exception):
            owned.close()
    return samples


def load_state(path: str) -> dict[str, SensorState]:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {str(k): SensorState.from_json(v) for k, v in doc.get("sensors", {}).items()}


def save_state(path: str, states: dict[str, SensorState]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".thermal-state.")
    with os.fdopen(fd, "w") as out:
        json.dump(
            {"version": 1, "sensors": {k: v.to_json() for k, v in sorted(states.items())}}, out, indent=1
        )
    os.replace(tmp, target)


def evaluate(
    samples: Iterable[Sample], states: dict[str, SensorState], policy: Policy
) -> tuple[list[Sample], list[Alert]]:
    """Apply the policy to each sample; returns the samples with their confirmed level, and the alerts."""
    out: list[Sample] = []
    alerts: list[Alert] = []
    for sample in samples:
        state = states.setdefault(sample.sensor, SensorState())
        if sample.limits is not None and sample.temperature_c is not None:
            transition = step(state, sample.temperature_c, sample.limits, policy)
            if transition is not None:
                alerts.append(Alert(sample, transition, policy.hysteresis_c))
        elif sample.error is not None:
            state.dropped += 1
        out.append(replace(sample, level=state.level))
    return out, alerts


def run(
    config: Config, samples: list[Sample], journal: JournalSink | None = None
) -> tuple[list[Sample], list[Alert]]:
    """Evaluate, alert (journal, webhook), write metrics and save state. Returns what was seen and raised."""
    journal = journal or JournalSink(config.journal_socket)
    states = load_state(config.state_file)
    evaluated, alerts = evaluate(samples, states, config.policy)
    hook = (
        WebhookSink(config.webhook.url, config.webhook.timeout_s, config.webhook.headers)
        if config.webhook
        else None
    )
    for alert in alerts:
        journal.alert(alert)
        if hook is not None:
            hook.alert(alert)
    for sample in evaluated:
        previous = states.get(sample.sensor)
        # A read error is logged once per run of errors, not every minute: only when it starts.
        if sample.error is not None and previous is not None and previous.dropped == 1:
            journal.read_error(sample)
    if hook is not None:
        for failure in hook.failures:
            journal.send({"MESSAGE": failure, "PRIORITY": "3"})
    if config.textfile:
        with contextlib.suppress(FileNotFoundError):
            Path(config.textfile).parent.mkdir(parents=True, exist_ok=True)
        write_textfile(config.textfile, evaluated, len(hook.failures) if hook else 0)
    # Sensors no longer configured or present are forgotten.
    seen = {sample.sensor for sample in evaluated}
    save_state(config.state_file, {k: v for k, v in states.items() if k in seen})
    return evaluated, alerts

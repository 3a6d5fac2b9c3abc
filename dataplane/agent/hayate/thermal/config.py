"""The monitor's configuration file (/etc/hayate/thermal.json, rendered by the nic_thermal role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hayate.configcheck import ConfigError as ConfigError  # re-exported: callers catch it from here
from hayate.configcheck import is_int_in, is_number_in, read_json
from hayate.thermal.alerts import LIMIT_SOURCES, Policy

DEFAULT_PATH = "/etc/hayate/thermal.json"


@dataclass(frozen=True)
class Webhook:
    url: str
    timeout_s: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    interfaces: list[str] = field(default_factory=list)
    hwmon: bool = True
    dpdk_config: str | None = None  # hayate.json: control socket path and port names
    policy: Policy = field(default_factory=Policy)
    limits: dict[str, float] = field(default_factory=dict)  # per-port operator limit
    state_file: str = "/var/lib/hayate/thermal-state.json"
    textfile: str | None = "/var/lib/prometheus/node-exporter/hayate_thermal.prom"
    journal_socket: str = "/run/systemd/journal/socket"
    webhook: Webhook | None = None


KNOWN = {
    "interfaces",
    "hwmon",
    "dpdk_config",
    "margin_c",
    "hysteresis_c",
    "confirm_samples",
    "default_limit_c",
    "limit_source",
    "limits",
    "state_file",
    "textfile",
    "journal_socket",
    "webhook",
}


def _number(doc: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = doc.get(key, default)
    if not is_number_in(value, lo, hi):
        raise ConfigError(f"{key}: must be a number {lo}..{hi}, got {value!r}")
    return float(value)


def _opt_str(doc: dict[str, Any], key: str, default: str | None) -> str | None:
    value = doc.get(key, default)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{key}: must be a non-empty string or null, got {value!r}")
    return value


def parse(doc: Any) -> Config:
    if not isinstance(doc, dict):
        raise ConfigError("top level: must be a JSON object")
    unknown = sorted(set(doc) - KNOWN)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(KNOWN))})")
    interfaces = doc.get("interfaces", [])
    if not isinstance(interfaces, list) or not all(isinstance(i, str) and i for i in interfaces):
        raise ConfigError(f"interfaces: must be a list of interface names, got {interfaces!r}")
    hwmon = doc.get("hwmon", True)
    if not isinstance(hwmon, bool):
        raise ConfigError(f"hwmon: must be true or false, got {hwmon!r}")
    confirm = doc.get("confirm_samples", 2)
    if not is_int_in(confirm, 1, 10):
        raise ConfigError(f"confirm_samples: must be an integer 1..10, got {confirm!r}")
    limit_source = doc.get("limit_source", "high_warning")
    if limit_source not in LIMIT_SOURCES:
        raise ConfigError(f"limit_source: must be one of {', '.join(LIMIT_SOURCES)}, got {limit_source!r}")
    policy = Policy(
        margin_c=_number(doc, "margin_c", 5.0, 0.0, 50.0),
        hysteresis_c=_number(doc, "hysteresis_c", 2.0, 0.0, 20.0),
        confirm_samples=confirm,
        default_limit_c=_number(doc, "default_limit_c", 70.0, 20.0, 125.0),
        limit_source=limit_source,
    )
    limits_doc = doc.get("limits", {})
    if not isinstance(limits_doc, dict):
        raise ConfigError(f"limits: must be an object of port name to °C, got {limits_doc!r}")
    limits = {str(k): _number(limits_doc, k, 0.0, 20.0, 125.0) for k in limits_doc}
    webhook = None
    hook = doc.get("webhook")
    if hook is not None:
        if not isinstance(hook, dict) or not isinstance(hook.get("url"), str):
            raise ConfigError("webhook: must be null or an object with a string url")
        if not hook["url"].startswith(("http://", "https://")):
            raise ConfigError(f"webhook.url: must be an http:// or https:// URL, got {hook['url']!r}")
        headers = hook.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ConfigError("webhook.headers: must be an object of strings")
        extra = sorted(set(hook) - {"url", "timeout_s", "headers"})
        if extra:
            raise ConfigError(f"webhook.{extra[0]}: unknown field")
        webhook = Webhook(hook["url"], _number(hook, "timeout_s", 5.0, 0.1, 60.0), dict(headers))
    state_file = _opt_str(doc, "state_file", Config.state_file)
    if state_file is None:
        raise ConfigError("state_file: must be a path")
    return Config(
        interfaces=list(interfaces),
        hwmon=hwmon,
        dpdk_config=_opt_str(doc, "dpdk_config", None),
        policy=policy,
        limits=limits,
        state_file=state_file,
        textfile=_opt_str(doc, "textfile", Config.textfile),
        journal_socket=_opt_str(doc, "journal_socket", Config.journal_socket) or Config.journal_socket,
        webhook=webhook,
    )


def load(path: str | Path) -> Config:
    return parse(read_json(path))

"""The agent's view of the configuration file (docs/config.md): `control`, `ports` and `agent`.

Every mistake is reported with the field's path, e.g. `agent.fpm.port: must be an integer 1..65535, got "x"`.
The other top-level sections belong to the forwarder and are accepted by name only.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hayate.agent import nlconst as nl
from hayate.configcheck import ConfigError as ConfigError  # re-exported: callers catch it from here
from hayate.configcheck import is_int_in, read_json

TOP_LEVEL = frozenset(
    {
        "version",
        "eal",
        "manager_lcore",
        "ports_netns",
        "ports",
        "lcores",
        "fib",
        "punt",
        "mbuf",
        "control",
        "agent",
    }
)
# The forwarder's port fields (docs/config.md): the agent reads name, tap and vlans and refuses the unknown.
PORT_FIELDS = frozenset(
    {"name", "device", "rx_queues", "mtu", "mac", "tap", "vlans", "rx_desc", "tx_desc", "urpf"}
)
AGENT_FIELDS = frozenset({"source", "tables", "netns", "fpm", "metrics", "batch"})
DEFAULT_SOCKET = "/run/hayate/fwd.sock"


@dataclass(frozen=True)
class PortConfig:
    id: int
    name: str
    tap: str | None
    vlans: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class AgentConfig:
    socket: str = DEFAULT_SOCKET
    ports: tuple[PortConfig, ...] = ()
    source: str = "netlink"
    tables: tuple[int, ...] = (nl.RT_TABLE_MAIN,)
    netns: str | None = None
    fpm_listen: str = "127.0.0.1"
    fpm_port: int = 2620
    metrics_listen: str = "127.0.0.1"
    metrics_port: int = 9465
    batch: int = 10000
    extra: dict[str, Any] = field(default_factory=dict)

    def tap_ports(self) -> dict[str, tuple[int, int | None]]:
        """Kernel interface name -> (port id, VLAN or None)."""
        out: dict[str, tuple[int, int | None]] = {}
        for p in self.ports:
            if p.tap:
                out[p.tap] = (p.id, None)
                for vid, name in p.vlans:
                    out[name] = (p.id, vid)
        return out


def _fail(path: str, what: str, got: Any) -> ConfigError:
    return ConfigError(f"{path}: {what}, got {json.dumps(got)}")


def _obj(doc: Any, path: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _fail(path, "must be an object", doc)
    for k in doc:
        if k not in allowed:
            raise ConfigError(f"{path}.{k}: unknown field" if path else f"{k}: unknown field")
    return doc


def _int(doc: dict[str, Any], key: str, path: str, lo: int, hi: int, default: int) -> int:
    v = doc.get(key, default)
    if not is_int_in(v, lo, hi):
        raise _fail(f"{path}.{key}", f"must be an integer {lo}..{hi}", v)
    return int(v)


def _addr(doc: dict[str, Any], key: str, path: str, default: str) -> str:
    v = doc.get(key, default)
    try:
        ipaddress.ip_address(v)
    except (ValueError, TypeError):
        raise _fail(f"{path}.{key}", "must be an IP address", v) from None
    return str(v)


def _table(v: Any, path: str) -> int:
    if isinstance(v, str) and v in nl.TABLE_NAMES and v != "local":
        return nl.TABLE_NAMES[v]
    if is_int_in(v, 1, 0xFFFFFFFF) and v != nl.RT_TABLE_LOCAL:
        return v
    raise _fail(path, 'must be "main", "default" or a table number 1..4294967295 other than 255 (local)', v)


def parse(doc: Any) -> AgentConfig:
    top = _obj(doc, "", TOP_LEVEL)
    if top.get("version") != 1:
        raise _fail("version", "must be 1", top.get("version"))
    control = top.get("control", {})
    if not isinstance(control, dict):
        raise _fail("control", "must be an object", control)
    sock = control.get("socket", DEFAULT_SOCKET)
    if not isinstance(sock, str) or not sock.startswith("/"):
        raise _fail("control.socket", "must be an absolute path", sock)
    ports_doc = top.get("ports")
    if not isinstance(ports_doc, list) or not 1 <= len(ports_doc) <= 32:
        raise _fail("ports", "must be a list of 1..32 ports", ports_doc)
    ports = []
    for i, p in enumerate(ports_doc):
        path = f"ports[{i}]"
        _obj(p, path, PORT_FIELDS)
        name = p.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 15:
            raise _fail(f"{path}.name", "must be a string of 1..15 characters", name)
        tap = p.get("tap", name)
        if tap is not None and (not isinstance(tap, str) or not 1 <= len(tap) <= 15):
            raise _fail(f"{path}.tap", "must be null or a string of 1..15 characters", tap)
        vlans = []
        vdoc = p.get("vlans", [])
        if not isinstance(vdoc, list):
            raise _fail(f"{path}.vlans", "must be a list", vdoc)
        for j, v in enumerate(vdoc):
            vpath = f"{path}.vlans[{j}]"
            _obj(v, vpath, frozenset({"id", "name"}))
            vid = _int(v, "id", vpath, 1, 4094, 0)
            vname = v.get("name")
            if not isinstance(vname, str) or not 1 <= len(vname) <= 15:
                raise _fail(f"{vpath}.name", "must be a string of 1..15 characters", vname)
            vlans.append((vid, vname))
        ports.append(PortConfig(i, name, tap, tuple(vlans)))
    agent = _obj(top.get("agent", {}), "agent", AGENT_FIELDS)
    source = agent.get("source", "netlink")
    if source not in ("netlink", "fpm"):
        raise _fail("agent.source", 'must be "netlink" or "fpm"', source)
    tables_doc = agent.get("tables", ["main"])
    if not isinstance(tables_doc, list) or not tables_doc:
        raise _fail("agent.tables", "must be a non-empty list", tables_doc)
    tables = tuple(_table(t, f"agent.tables[{i}]") for i, t in enumerate(tables_doc))
    if len(set(tables)) != len(tables):
        raise _fail("agent.tables", "must not repeat a table", tables_doc)
    netns = agent.get("netns")
    if netns is not None and (not isinstance(netns, str) or not netns or "/" in netns):
        raise _fail("agent.netns", "must be null or a network namespace name", netns)
    fpm = _obj(agent.get("fpm", {}), "agent.fpm", frozenset({"listen", "port"}))
    metrics = _obj(agent.get("metrics", {}), "agent.metrics", frozenset({"listen", "port"}))
    metrics_port = _int(metrics, "port", "agent.metrics", 0, 65535, 9465)
    return AgentConfig(
        socket=sock,
        ports=tuple(ports),
        source=source,
        tables=tables,
        netns=netns,
        fpm_listen=_addr(fpm, "listen", "agent.fpm", "127.0.0.1"),
        fpm_port=_int(fpm, "port", "agent.fpm", 1, 65535, 2620),
        metrics_listen=_addr(metrics, "listen", "agent.metrics", "127.0.0.1"),
        metrics_port=metrics_port,
        batch=_int(agent, "batch", "agent", 1, 349_000, 10000),
    )


def load(path: str | Path) -> AgentConfig:
    return parse(read_json(path))

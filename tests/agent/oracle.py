"""What the forwarder's FIB must hold, computed from iproute2's JSON view of the router's kernel
(independently of the agent's own decoding), and the forwarder's FIB in the same terms, from its dumps.

Each prefix maps to a meaning: ("local",), ("blackhole",), ("punt",), ("fwd", port, vlan, mac), ("connected",
port, vlan) (a subnet on a forwarder interface, punted for the kernel to resolve) or ("group", sorted members'
meanings); IPv6 link-local prefixes, on every interface alike, to ("punt",). Next-hop ids are the agent's
choice and are not compared.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from hayate.ctl import ControlClient, NextHopKind, format_mac

from .nsutil import ip

Meaning = tuple[Any, ...]
ZERO = "00:00:00:00:00:00"
VALID = {"PERMANENT", "NOARP", "REACHABLE", "PROBE", "STALE", "DELAY"}


def _j(ns: str, *args: str) -> list[dict[str, Any]]:
    out = ip(ns, "-j", *args)
    return json.loads(out) if out.strip() else []


def _prefix(dst: str, family: int) -> str:
    if dst == "default":
        return "0.0.0.0/0" if family == 4 else "::/0"
    return str(ipaddress.ip_network(dst, strict=False))


def kernel_fib(ns: str, taps: dict[str, tuple[int, int | None]], table: str = "main") -> dict[str, Meaning]:
    """`taps`: forwarder interfaces of the kernel, name -> (port, VLAN or None)."""
    neigh: dict[tuple[str, str], str] = {}
    hosts: dict[str, Meaning] = {}
    for n in _j(ns, "neigh", "show"):
        if "lladdr" in n and VALID & set(n.get("state", [])):
            neigh[(n["dev"], n["dst"])] = n["lladdr"]
            a = ipaddress.ip_address(n["dst"])
            if n["dev"] in taps and not a.is_multicast and not a.is_link_local:
                hosts[str(ipaddress.ip_network(a))] = ("fwd", *taps[n["dev"]], n["lladdr"])

    def leaf(dev: str | None, gw: str | None) -> Meaning | None:
        if dev not in taps or not gw:
            return None
        return ("fwd", *taps[dev], neigh.get((dev, gw), ZERO))

    nexthops = {n["id"]: n for n in _j(ns, "nexthop", "show")}

    def nh_object(nid: int) -> Meaning:
        n = nexthops.get(nid)
        if n is None:
            return ("punt",)
        if n.get("blackhole"):
            return ("blackhole",)
        if "group" in n:
            members = []
            for m in n["group"]:
                o = nexthops.get(m["id"], {})
                lf = leaf(o.get("dev"), o.get("gateway"))
                if lf is None:
                    return ("punt",)
                members.append(lf)
            return ("group", tuple(sorted(members)))
        return path(n.get("dev"), n.get("gateway"))

    def path(dev: str | None, gw: str | None) -> Meaning:
        """A single path: through a forwarder interface without a gateway, that interface's subnet."""
        if dev in taps and not gw:
            return ("connected", *taps[dev])
        return leaf(dev, gw) or ("punt",)

    fib: dict[str, Meaning] = dict(hosts)
    best: dict[str, int] = {}
    for family in (4, 6):
        for r in _j(ns, f"-{family}", "route", "show", "table", table):
            rtype = r.get("type", "unicast")
            if rtype not in ("unicast", "blackhole", "unreachable", "prohibit", "throw"):
                continue
            p = _prefix(r["dst"], family)
            metric = r.get("metric", 0)
            if p in best and best[p] <= metric:
                continue
            best[p] = metric
            if rtype == "blackhole":
                meaning: Meaning = ("blackhole",)
            elif rtype != "unicast":
                meaning = ("punt",)
            elif "nhid" in r:
                meaning = nh_object(r["nhid"])
            elif "nexthops" in r:
                members = [leaf(h.get("dev"), h.get("gateway")) for h in r["nexthops"]]
                if any(m is None for m in members):
                    meaning = ("punt",)
                else:
                    meaning = ("group", tuple(sorted(m for m in members if m is not None)))
            else:
                meaning = path(r.get("dev"), r.get("gateway"))
            if family == 6 and ipaddress.ip_network(p).network_address.is_link_local:
                meaning = ("punt",)  # on every interface alike; never looked up
            fib[p] = meaning
    for a in _j(ns, "addr", "show"):
        for info in a.get("addr_info", []):
            fib[str(ipaddress.ip_network(info["local"]))] = ("local",)
    return fib


def forwarder_fib(client: ControlClient) -> dict[str, Meaning]:
    leaves: dict[int, Meaning] = {1: ("local",), 2: ("blackhole",), 3: ("punt",)}
    for nh in client.nh_dump():
        if nh.kind == NextHopKind.FORWARD:
            leaves[nh.id] = ("fwd", nh.port, nh.vlan, format_mac(nh.mac))
        elif nh.connected:
            leaves[nh.id] = ("connected", nh.port, nh.vlan)
        else:
            leaves[nh.id] = (nh.kind.name.lower(),)
    groups = {
        g.id: ("group", tuple(sorted(leaves.get(m, ("missing", m)) for m in g.members)))
        for g in client.nhg_dump()
    }
    out = {}
    for net, nh in client.route_dump():
        out[str(net)] = groups.get(nh) or leaves.get(nh) or ("missing", nh)
    return out


def diff(expected: dict[str, Meaning], actual: dict[str, Meaning], limit: int = 20) -> str:
    lines = []
    for p in sorted(expected.keys() | actual.keys()):
        if expected.get(p) != actual.get(p):
            lines.append(f"{p}: kernel {expected.get(p)} forwarder {actual.get(p)}")
    more = f"\n... {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more

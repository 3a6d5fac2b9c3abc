"""Inventory validation of a hayate router (Ansible filter plugin).

``hayate_inventory_errors(site, host=None)`` checks the site model (the ``hayate_*`` inventory variables) and
returns a list of ``"variable.path: message"`` strings, empty when the inventory is sound. The ``hayate`` role
runs it before any task changes the host, Kubespray style. ``host`` carries what the real machine has (its PCI
addresses and physical core count); without it (rendering, image builds) those checks are skipped.

Python's ipaddress is used rather than ansible.utils' ipaddr filters: those need the netaddr library, which
the bundle does not install, and one function per check gives each error its exact path.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

PCI_ADDRESS = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
VDEV = re.compile(r"^net_[a-z_]+[0-9]+(,[A-Za-z0-9_]+=[^,]+)*$")
IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
# A name under /run/netns, as `ip netns add` takes it.
NETNS = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$")
MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
POLICY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,63}$")
DRIVERS = ("auto", "vfio-pci", "mlx5", "none")
ROUTE_SOURCES = ("netlink", "fpm")
FIB_BACKENDS = ("poptrie", "rte_fib")
MAX_ASN = 4294967295
MAX_PORTS = 32


class Checker:
    """Collects errors with the path of the variable that holds the mistake."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(path, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def sequence(self, value: Any, path: str) -> Sequence[Any]:
        if value is None:
            return []
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            self.error(path, f"must be a list, got {type(value).__name__}")
            return []
        items: Sequence[Any] = value
        return items

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be an integer {low}..{high}, got {value!r}")
            return None
        if not low <= value <= high:
            self.error(path, f"must be an integer {low}..{high}, got {value}")
            return None
        number: int = value
        return number

    def boolean(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, got {value!r}")

    def string(
        self, value: Any, path: str, pattern: re.Pattern[str] | None = None, what: str = ""
    ) -> str | None:
        if not isinstance(value, str) or not value:
            self.error(path, f"must be a non-empty string, got {value!r}")
            return None
        if pattern is not None and not pattern.match(value):
            self.error(path, f"must be {what or pattern.pattern}, got {value!r}")
            return None
        return value

    def choice(self, value: Any, path: str, choices: Sequence[str]) -> None:
        if value not in choices:
            self.error(path, f"must be one of {', '.join(choices)}, got {value!r}")

    def address(self, value: Any, path: str, version: int | None = None) -> None:
        try:
            parsed = ipaddress.ip_address(value if isinstance(value, str) else "")
        except ValueError:
            self.error(path, f"must be an IP{'v' + str(version) if version else ''} address, got {value!r}")
            return
        if version and parsed.version != version:
            self.error(path, f"must be an IPv{version} address, got {value!r}")

    def interface_address(self, value: Any, path: str) -> None:
        """An address with its prefix length, as on an interface: 192.0.2.1/24."""
        try:
            if not isinstance(value, str) or "/" not in value:
                raise ValueError
            ipaddress.ip_interface(value)
        except ValueError:
            self.error(
                path,
                f"must be an address with a prefix length (192.0.2.1/31, 2001:db8::1/127), got {value!r}",
            )

    def network(self, value: Any, path: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        try:
            if not isinstance(value, str) or "/" not in value:
                raise ValueError("no prefix length")
            return ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            self.error(path, f"must be a network prefix such as 192.0.2.0/24 ({exc}), got {value!r}")
            return None

    def asn(self, value: Any, path: str, keywords: Sequence[str] = ()) -> None:
        if isinstance(value, str) and value in keywords:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ASN:
            extra = f" or one of {', '.join(keywords)}" if keywords else ""
            self.error(path, f"must be an AS number 1..{MAX_ASN}{extra}, got {value!r}")
        elif value == 23456:
            self.error(path, "AS 23456 (AS_TRANS) is not a valid AS number")

    def area(self, value: Any, path: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4294967295:
            return
        try:
            ipaddress.IPv4Address(value if isinstance(value, str) else "")
        except ValueError:
            self.error(path, f"must be an area id (0.0.0.0 or an integer), got {value!r}")

    def unknown_keys(self, value: Mapping[str, Any], path: str, known: Sequence[str]) -> None:
        for key in value:
            if key not in known:
                self.error(f"{path}.{key}", f"unknown field (known: {', '.join(sorted(known))})")


PORT_KEYS = (
    "name", "device", "driver", "cores", "queues_per_core", "numa_node", "allow_remote_numa", "mtu", "mac",
    "tap", "vlans", "rx_desc", "tx_desc", "urpf", "addresses", "description",
)  # fmt: skip


def _ports(c: Checker, ports: Any, host: Mapping[str, Any], shared: bool, required: bool) -> list[str]:
    names: list[str] = []
    devices: dict[str, str] = {}
    items = c.sequence(ports, "hayate_ports")
    if required and not items and (ports is None or isinstance(ports, list)):
        c.error("hayate_ports", "at least one port is needed")
    if len(items) > MAX_PORTS:
        c.error("hayate_ports", f"at most {MAX_PORTS} ports, got {len(items)}")
    pci = host.get("pci")
    for i, port in enumerate(items):
        path = f"hayate_ports[{i}]"
        entry = c.mapping(port, path)
        if entry is None:
            continue
        c.unknown_keys(entry, path, PORT_KEYS)
        name = c.string(
            entry.get("name"), f"{path}.name", IFNAME, "an interface name of 1..15 letters, digits, _ . -"
        )
        if name is not None:
            if name in names:
                c.error(
                    f"{path}.name", f"duplicate port name {name!r} (also hayate_ports[{names.index(name)}])"
                )
            names.append(name)
        device = c.string(entry.get("device"), f"{path}.device")
        if device is not None:
            if PCI_ADDRESS.match(device):
                if pci is not None and device not in pci:
                    c.error(f"{path}.device", f"PCI address {device} does not exist on this host")
            elif not VDEV.match(device):
                c.error(
                    f"{path}.device",
                    "must be a PCI address (0000:3b:00.0) or a DPDK vdev (net_af_packet0,iface=X), "
                    f"got {device!r}",
                )
            if device in devices:
                c.error(f"{path}.device", f"device {device} is already used by port {devices[device]}")
            devices[device] = name or "?"
        if "driver" in entry:
            c.choice(entry["driver"], f"{path}.driver", DRIVERS)
        cores = c.integer(entry.get("cores", 1), f"{path}.cores", 1, 64)
        per_core = c.integer(entry.get("queues_per_core", 1), f"{path}.queues_per_core", 1, 64)
        if cores and per_core and cores * per_core > 64:
            c.error(
                f"{path}.cores",
                f"{cores} cores x {per_core} queues_per_core exceeds the 64 RX queues of a port",
            )
        if entry.get("numa_node") is not None:
            c.integer(entry["numa_node"], f"{path}.numa_node", 0, 63)
        if "allow_remote_numa" in entry:
            c.boolean(entry["allow_remote_numa"], f"{path}.allow_remote_numa")
        if "mtu" in entry:
            c.integer(entry["mtu"], f"{path}.mtu", 68, 9600)
        if "mac" in entry:
            c.string(entry["mac"], f"{path}.mac", MAC, "a MAC address such as 02:00:00:00:00:01")
        if entry.get("tap") is not None:
            c.string(entry["tap"], f"{path}.tap", IFNAME, "an interface name of 1..15 characters")
        for key in ("rx_desc", "tx_desc"):
            if key in entry:
                c.integer(entry[key], f"{path}.{key}", 64, 16384)
        if "urpf" in entry:
            c.choice(entry["urpf"], f"{path}.urpf", ("off", "loose", "strict"))
        vlan_ids: list[int] = []
        for j, vlan in enumerate(c.sequence(entry.get("vlans"), f"{path}.vlans")):
            vpath = f"{path}.vlans[{j}]"
            v = c.mapping(vlan, vpath)
            if v is None:
                continue
            c.unknown_keys(v, vpath, ("id", "name", "addresses"))
            vid = c.integer(v.get("id"), f"{vpath}.id", 1, 4094)
            if vid is not None and vid in vlan_ids:
                c.error(f"{vpath}.id", f"duplicate VLAN id {vid}")
            vlan_ids.append(vid or 0)
            vname = c.string(v.get("name"), f"{vpath}.name", IFNAME, "an interface name of 1..15 characters")
            if vname is not None:
                names.append(vname)
            for k, address in enumerate(c.sequence(v.get("addresses"), f"{vpath}.addresses")):
                c.interface_address(address, f"{vpath}.addresses[{k}]")
        for k, address in enumerate(c.sequence(entry.get("addresses"), f"{path}.addresses")):
            c.interface_address(address, f"{path}.addresses[{k}]")
    cores_total = host.get("physical_cores")
    if isinstance(cores_total, int) and items and not shared:
        wanted = sum(
            p.get("cores", 1) for p in items if isinstance(p, Mapping) and isinstance(p.get("cores", 1), int)
        )
        if wanted > cores_total:
            c.error(
                "hayate_ports",
                f"the ports ask for {wanted} forwarder cores; this host has {cores_total} physical cores",
            )
    return names


def _policies(c: Checker, site: Mapping[str, Any]) -> tuple[dict[str, int], set[str]]:
    prefix_lists: dict[str, int] = {}
    for i, plist in enumerate(c.sequence(site.get("hayate_prefix_lists"), "hayate_prefix_lists")):
        path = f"hayate_prefix_lists[{i}]"
        p = c.mapping(plist, path)
        if p is None:
            continue
        c.unknown_keys(p, path, ("name", "family", "entries", "description"))
        name = c.string(p.get("name"), f"{path}.name", POLICY_NAME, "a name of letters, digits, _ . -")
        family = p.get("family", "ipv4")
        c.choice(family, f"{path}.family", ("ipv4", "ipv6"))
        version = 6 if family == "ipv6" else 4
        if name is not None:
            if name in prefix_lists and prefix_lists[name] == version:
                c.error(f"{path}.name", f"duplicate {family} prefix list {name!r}")
            prefix_lists[name] = version
        for j, item in enumerate(c.sequence(p.get("entries"), f"{path}.entries")):
            epath = f"{path}.entries[{j}]"
            e = c.mapping(item, epath)
            if e is None:
                continue
            c.unknown_keys(e, epath, ("seq", "action", "prefix", "ge", "le"))
            c.choice(e.get("action"), f"{epath}.action", ("permit", "deny"))
            if "seq" in e:
                c.integer(e["seq"], f"{epath}.seq", 1, 4294967295)
            if e.get("prefix") == "any":
                continue
            net = c.network(e.get("prefix"), f"{epath}.prefix")
            if net is None:
                continue
            if net.version != version:
                c.error(f"{epath}.prefix", f"IPv{net.version} prefix in an {family} prefix list")
            top = net.max_prefixlen
            ge = c.integer(e["ge"], f"{epath}.ge", net.prefixlen + 1, top) if "ge" in e else None
            if "le" in e:
                c.integer(e["le"], f"{epath}.le", max(net.prefixlen, ge or 0), top)
    route_maps: set[str] = set()
    for i, rmap in enumerate(c.sequence(site.get("hayate_route_maps"), "hayate_route_maps")):
        path = f"hayate_route_maps[{i}]"
        r = c.mapping(rmap, path)
        if r is None:
            continue
        c.unknown_keys(r, path, ("name", "entries"))
        name = c.string(r.get("name"), f"{path}.name", POLICY_NAME, "a name of letters, digits, _ . -")
        if name is not None:
            if name in route_maps:
                c.error(f"{path}.name", f"duplicate route map {name!r}")
            route_maps.add(name)
        for j, item in enumerate(c.sequence(r.get("entries"), f"{path}.entries")):
            epath = f"{path}.entries[{j}]"
            e = c.mapping(item, epath)
            if e is None:
                continue
            c.unknown_keys(e, epath, ("seq", "action", "match", "set", "description"))
            c.integer(e.get("seq"), f"{epath}.seq", 1, 65535)
            c.choice(e.get("action"), f"{epath}.action", ("permit", "deny"))
            match = c.mapping(e.get("match"), f"{epath}.match") or {}
            c.unknown_keys(match, f"{epath}.match", ("prefix_list", "prefix_list6", "community", "as_path"))
            for key, version in (("prefix_list", 4), ("prefix_list6", 6)):
                if key in match and prefix_lists.get(match[key]) != version:
                    c.error(
                        f"{epath}.match.{key}",
                        f"no IPv{version} prefix list named {match[key]!r} in hayate_prefix_lists",
                    )
            sets = c.mapping(e.get("set"), f"{epath}.set") or {}
            c.unknown_keys(
                sets, f"{epath}.set", ("local_preference", "metric", "community", "as_path_prepend", "weight")
            )
            if "local_preference" in sets:
                c.integer(sets["local_preference"], f"{epath}.set.local_preference", 0, 4294967295)
            if "metric" in sets:
                c.integer(sets["metric"], f"{epath}.set.metric", 0, 4294967295)
    return prefix_lists, route_maps


NEIGHBOR_KEYS = (
    "address", "remote_as", "peer_group", "description", "bfd", "password", "route_map_in", "route_map_out",
    "route_map_in6", "route_map_out6", "families", "update_source", "max_prefix", "ebgp_multihop", "shutdown",
)  # fmt: skip


def _bgp(c: Checker, bgp: Any, route_maps: set[str], ports: list[str]) -> None:
    b = c.mapping(bgp, "hayate_bgp")
    if not b:
        return
    c.unknown_keys(
        b, "hayate_bgp", ("peer_groups", "neighbors", "ipv4", "ipv6", "ebgp_requires_policy", "timers")
    )
    if "ebgp_requires_policy" in b:
        c.boolean(b["ebgp_requires_policy"], "hayate_bgp.ebgp_requires_policy")
    groups: list[str] = []

    def session(entry: Mapping[str, Any], path: str) -> None:
        if "remote_as" in entry:
            c.asn(entry["remote_as"], f"{path}.remote_as", ("external", "internal"))
        for key in ("route_map_in", "route_map_out", "route_map_in6", "route_map_out6"):
            if key in entry and entry[key] not in route_maps:
                c.error(f"{path}.{key}", f"no route map named {entry[key]!r} in hayate_route_maps")
        for k, family in enumerate(c.sequence(entry.get("families"), f"{path}.families")):
            c.choice(family, f"{path}.families[{k}]", ("ipv4", "ipv6"))
        for key in ("bfd", "shutdown"):
            if key in entry and not isinstance(entry[key], bool | str):
                c.error(f"{path}.{key}", f"must be true, false or a BFD profile name, got {entry[key]!r}")
        if "max_prefix" in entry:
            c.integer(entry["max_prefix"], f"{path}.max_prefix", 1, 4294967295)
        if "ebgp_multihop" in entry:
            c.integer(entry["ebgp_multihop"], f"{path}.ebgp_multihop", 1, 255)

    for i, group in enumerate(c.sequence(b.get("peer_groups"), "hayate_bgp.peer_groups")):
        path = f"hayate_bgp.peer_groups[{i}]"
        g = c.mapping(group, path)
        if g is None:
            continue
        c.unknown_keys(g, path, (*(k for k in NEIGHBOR_KEYS if k not in ("address", "peer_group")), "name"))
        name = c.string(g.get("name"), f"{path}.name", POLICY_NAME, "a name of letters, digits, _ . -")
        if name is not None:
            if name in groups:
                c.error(f"{path}.name", f"duplicate peer group {name!r}")
            groups.append(name)
        session(g, path)
    seen: list[str] = []
    for i, neighbor in enumerate(c.sequence(b.get("neighbors"), "hayate_bgp.neighbors")):
        path = f"hayate_bgp.neighbors[{i}]"
        n = c.mapping(neighbor, path)
        if n is None:
            continue
        c.unknown_keys(n, path, NEIGHBOR_KEYS)
        address = n.get("address")
        if isinstance(address, str) and address in ports:
            pass  # BGP unnumbered on a port
        else:
            c.address(address, f"{path}.address")
        if isinstance(address, str):
            if address in seen:
                c.error(f"{path}.address", f"duplicate neighbour {address}")
            seen.append(address)
        if "peer_group" in n:
            if n["peer_group"] not in groups:
                c.error(
                    f"{path}.peer_group", f"no peer group named {n['peer_group']!r} in hayate_bgp.peer_groups"
                )
        elif "remote_as" not in n:
            c.error(f"{path}.remote_as", "required when the neighbour has no peer_group")
        if "update_source" in n and n["update_source"] not in ports:
            c.address(n["update_source"], f"{path}.update_source")
        session(n, path)
    for family, version in (("ipv4", 4), ("ipv6", 6)):
        fpath = f"hayate_bgp.{family}"
        f = c.mapping(b.get(family), fpath) or {}
        c.unknown_keys(f, fpath, ("networks", "redistribute", "maximum_paths"))
        for j, network in enumerate(c.sequence(f.get("networks"), f"{fpath}.networks")):
            net = c.network(network, f"{fpath}.networks[{j}]")
            if net is not None and net.version != version:
                c.error(f"{fpath}.networks[{j}]", f"IPv{net.version} prefix under {family}")
        _redistribute(c, f.get("redistribute"), f"{fpath}.redistribute", route_maps)
        if "maximum_paths" in f:
            c.integer(f["maximum_paths"], f"{fpath}.maximum_paths", 1, 128)


def _redistribute(c: Checker, value: Any, path: str, route_maps: set[str]) -> None:
    for k, item in enumerate(c.sequence(value, path)):
        ipath = f"{path}[{k}]"
        entry = {"source": item} if isinstance(item, str) else c.mapping(item, ipath)
        if entry is None:
            continue
        c.choice(
            entry.get("source"), f"{ipath}.source", ("connected", "static", "kernel", "ospf", "ospf6", "bgp")
        )
        if "route_map" in entry and entry["route_map"] not in route_maps:
            c.error(f"{ipath}.route_map", f"no route map named {entry['route_map']!r} in hayate_route_maps")


def _ospf(c: Checker, ospf: Any, var: str, ports: list[str], route_maps: set[str]) -> None:
    o = c.mapping(ospf, var)
    if not o:
        return
    c.unknown_keys(o, var, ("areas", "redistribute", "passive_default", "reference_bandwidth"))
    if "passive_default" in o:
        c.boolean(o["passive_default"], f"{var}.passive_default")
    if "reference_bandwidth" in o:
        c.integer(o["reference_bandwidth"], f"{var}.reference_bandwidth", 1, 4294967)
    used: list[str] = []
    for i, area in enumerate(c.sequence(o.get("areas"), f"{var}.areas")):
        path = f"{var}.areas[{i}]"
        a = c.mapping(area, path)
        if a is None:
            continue
        c.unknown_keys(a, path, ("area", "interfaces", "stub"))
        c.area(a.get("area"), f"{path}.area")
        for j, interface in enumerate(c.sequence(a.get("interfaces"), f"{path}.interfaces")):
            ipath = f"{path}.interfaces[{j}]"
            item = {"name": interface} if isinstance(interface, str) else c.mapping(interface, ipath)
            if item is None:
                continue
            c.unknown_keys(item, ipath, ("name", "cost", "passive", "network", "hello", "dead", "bfd"))
            name = str(item.get("name"))
            if name not in ports and name != "lo":
                c.error(f"{ipath}.name", f"no port or VLAN named {name!r} in hayate_ports (nor lo)")
            if name in used:
                c.error(f"{ipath}.name", f"interface {name} is in two areas")
            used.append(name)
            if "cost" in item:
                c.integer(item["cost"], f"{ipath}.cost", 1, 65535)
            if "network" in item:
                c.choice(item["network"], f"{ipath}.network", ("broadcast", "point-to-point"))
            for key in ("hello", "dead"):
                if key in item:
                    c.integer(item[key], f"{ipath}.{key}", 1, 65535)
    _redistribute(c, o.get("redistribute"), f"{var}.redistribute", route_maps)


def _statics(c: Checker, statics: Any, ports: list[str]) -> None:
    for i, route in enumerate(c.sequence(statics, "hayate_static_routes")):
        path = f"hayate_static_routes[{i}]"
        r = c.mapping(route, path)
        if r is None:
            continue
        c.unknown_keys(r, path, ("prefix", "nexthop", "interface", "distance", "blackhole"))
        net = c.network(r.get("prefix"), f"{path}.prefix")
        if "nexthop" in r:
            c.address(r["nexthop"], f"{path}.nexthop", net.version if net else None)
        elif not r.get("blackhole") and "interface" not in r:
            c.error(path, "needs a nexthop, an interface or blackhole: true")
        if "interface" in r and r["interface"] not in ports:
            c.error(f"{path}.interface", f"no port named {r['interface']!r} in hayate_ports")
        if "distance" in r:
            c.integer(r["distance"], f"{path}.distance", 1, 255)


def _bfd(c: Checker, bfd: Any) -> None:
    b = c.mapping(bfd, "hayate_bfd")
    if not b:
        return
    c.unknown_keys(b, "hayate_bfd", ("profiles", "peers"))
    profiles: list[str] = []
    for i, profile in enumerate(c.sequence(b.get("profiles"), "hayate_bfd.profiles")):
        path = f"hayate_bfd.profiles[{i}]"
        p = c.mapping(profile, path)
        if p is None:
            continue
        c.unknown_keys(p, path, ("name", "detect_multiplier", "receive_interval", "transmit_interval"))
        name = c.string(p.get("name"), f"{path}.name", POLICY_NAME, "a name of letters, digits, _ . -")
        profiles.append(name or "")
        if "detect_multiplier" in p:
            c.integer(p["detect_multiplier"], f"{path}.detect_multiplier", 2, 255)
        for key in ("receive_interval", "transmit_interval"):
            if key in p:
                c.integer(p[key], f"{path}.{key}", 10, 60000)
    for i, peer in enumerate(c.sequence(b.get("peers"), "hayate_bfd.peers")):
        path = f"hayate_bfd.peers[{i}]"
        p = c.mapping(peer, path)
        if p is None:
            continue
        c.unknown_keys(p, path, ("address", "interface", "profile"))
        c.address(p.get("address"), f"{path}.address")
        if "profile" in p and p["profile"] not in profiles:
            c.error(f"{path}.profile", f"no BFD profile named {p['profile']!r} in hayate_bfd.profiles")


def inventory_errors(
    site: Mapping[str, Any], host: Mapping[str, Any] | None = None, required: bool = True
) -> list[str]:
    """All the mistakes of a site model, each as ``path: message``; an empty list when it is sound.

    ``required=False`` (image builds) accepts a model without ports or router id: the site's own inventory
    supplies them when site.yml runs on the router.
    """
    c = Checker()
    facts = host or {}
    shared = site.get("hayate_cpu_shared_lcores") is True
    ports = _ports(c, site.get("hayate_ports"), facts, shared, required)
    if site.get("hayate_router_id"):
        c.address(site["hayate_router_id"], "hayate_router_id", 4)
    elif required:
        c.error("hayate_router_id", "required (an IPv4 address)")
    if "hayate_asn" in site and site["hayate_asn"] is not None:
        c.asn(site["hayate_asn"], "hayate_asn")
    elif site.get("hayate_bgp"):
        c.error("hayate_asn", "required when hayate_bgp is set")
    if "hayate_route_source" in site:
        c.choice(site["hayate_route_source"], "hayate_route_source", ROUTE_SOURCES)
    if "hayate_fib_backend" in site:
        c.choice(site["hayate_fib_backend"], "hayate_fib_backend", FIB_BACKENDS)
    for key in ("hayate_cpu_shared_lcores", "hayate_cpu_manager_on_os_core", "hayate_cpu_allow_remote_numa"):
        if key in site:
            c.boolean(site[key], key)
    if "hayate_cpu_os_cores_per_socket" in site:
        c.integer(site["hayate_cpu_os_cores_per_socket"], "hayate_cpu_os_cores_per_socket", 0, 8)
    for i, arg in enumerate(c.sequence(site.get("hayate_eal_args"), "hayate_eal_args")):
        c.string(arg, f"hayate_eal_args[{i}]")
    for key in ("hayate_netns", "hayate_ports_netns"):
        if site.get(key):
            c.string(site[key], key, NETNS, "a network namespace name (letters, digits, _ . -; no '/')")
    if site.get("hayate_ports_netns") and site.get("hayate_ports_netns") == site.get("hayate_netns"):
        c.error("hayate_ports_netns", "must differ from hayate_netns: the router's kernel would see the wire")
    _, route_maps = _policies(c, site)
    _bgp(c, site.get("hayate_bgp"), route_maps, ports)
    _ospf(c, site.get("hayate_ospf"), "hayate_ospf", ports, route_maps)
    _ospf(c, site.get("hayate_ospf6"), "hayate_ospf6", ports, route_maps)
    _statics(c, site.get("hayate_static_routes"), ports)
    _bfd(c, site.get("hayate_bfd"))
    return c.errors


class FilterModule:
    """hayate_inventory_errors(site, host=None, required=True) -> list of "path: message"."""

    def filters(self) -> dict[str, Any]:
        return {"hayate_inventory_errors": inventory_errors}

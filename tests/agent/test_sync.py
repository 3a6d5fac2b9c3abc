"""hayate-agent against the real kernel and the real forwarder: after each change the forwarder's FIB
(ROUTE_DUMP, NH_DUMP, NHG_DUMP) equals the kernel's table, entry for entry (tests/agent/oracle.py)."""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.request

import pytest

from .lab import TAPS, Lab, wait_for
from .nsutil import in_netns, ip, ip_batch, namespace, token

P0, P1 = TAPS


def _router(lab: Lab, *agent_args: str, **agent_cfg: object) -> None:
    lab.write_config(**agent_cfg)
    lab.start_forwarder()
    ns = lab.ns
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", P0)
    ip(ns, "addr", "add", "10.0.1.1/24", "dev", P1)
    ip(ns, "addr", "add", "2001:db8::1/64", "dev", P0, "nodad")
    ip(ns, "addr", "add", "2001:db8:1::1/64", "dev", P1, "nodad")
    ip(ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    ip(ns, "neigh", "replace", "10.0.1.2", "lladdr", "02:00:00:00:01:02", "dev", P1)
    ip(ns, "neigh", "replace", "2001:db8::2", "lladdr", "02:00:00:00:00:62", "dev", P0)
    lab.start_agent(*agent_args)
    lab.wait_ready()


def _routes(prefix: str, n: int, via: str, cmd: str = "add") -> list[str]:
    base = ipaddress.ip_network(prefix)
    out = []
    for i, net in enumerate(base.subnets(new_prefix=24 if base.version == 4 else 64)):
        if i == n:
            break
        out.append(f"route {cmd} {net}" + (f" via {via}" if via else ""))
    return out


def _metrics(lab: Lab) -> str:
    def scrape() -> str:
        url = f"http://127.0.0.1:{lab.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            return str(r.read().decode())

    return in_netns(lab.ns, scrape)


def test_initial_sync_mirrors_routes_addresses_and_neighbours(lab: Lab) -> None:
    lab.write_config()
    lab.start_forwarder()
    ns = lab.ns
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", P0)
    ip(ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    ip_batch(
        ns,
        [
            "route add 198.51.100.0/24 via 10.0.0.2",
            "route add 198.51.101.0/24 via 10.0.0.3",  # unresolved gateway: MAC zero, the forwarder punts
            "route add blackhole 203.0.113.0/24",
            "route add unreachable 203.0.114.0/24",
            "route add prohibit 203.0.115.0/24",
            "route add 192.0.2.0/24 dev lo",  # through an interface that is not a forwarder port: punt
            "route add 0.0.0.0/0 via 10.0.0.2 metric 100",
            "route add 0.0.0.0/0 via 10.0.0.3 metric 50",  # the lower metric wins
        ],
    )
    lab.start_agent()
    lab.wait_ready()
    fib = lab.wait_synced()
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "02:00:00:00:00:02")
    assert fib["198.51.101.0/24"] == ("fwd", 0, None, "00:00:00:00:00:00")
    assert fib["0.0.0.0/0"] == ("fwd", 0, None, "00:00:00:00:00:00")
    assert fib["10.0.0.2/32"] == ("fwd", 0, None, "02:00:00:00:00:02")
    assert fib["10.0.0.1/32"] == ("local",)
    assert fib["10.0.0.0/24"] == ("connected", 0, None)  # p0's subnet, punted for the kernel to resolve
    assert fib["192.0.2.0/24"] == ("punt",)
    assert fib["203.0.113.0/24"] == ("blackhole",)
    assert fib["203.0.114.0/24"] == fib["203.0.115.0/24"] == ("punt",)

    text = _metrics(lab)
    assert re.search(r'hayate_agent_routes\{family="ipv4",protocol="boot"\} 7\.0', text), text
    assert "hayate_agent_ready 1.0" in text
    # The forwarder's own counters come with the agent's next STATS (once a second).
    wait_for(lambda: "hayate_fwd_port_link_up" in _metrics(lab), 10, "the forwarder's metrics")
    text = _metrics(lab)
    assert re.search(r'hayate_fwd_lcore_busy_ratio\{lcore="1"\}', text), text
    for port in ("p0", "p1"):  # net_null: always up; the taps were set up
        assert f'hayate_fwd_port_admin_up{{port="{port}"}} 1.0' in text, text
        assert f'hayate_fwd_port_link_up{{port="{port}"}} 1.0' in text, text
        assert f'hayate_fwd_port_link_changes_total{{port="{port}"}} 0.0' in text, text


def test_bulk_add_and_delete_with_ip_batch(lab: Lab) -> None:
    _router(lab)
    adds = _routes("100.64.0.0/12", 3000, "10.0.0.2") + _routes("2001:db8:1000::/36", 1000, "2001:db8::2")
    ip_batch(lab.ns, adds)
    fib = lab.wait_synced(what="after 4000 adds")
    assert len(fib) > 4000
    ip_batch(lab.ns, [line.replace("route add", "route del") for line in adds[::2]])
    lab.wait_synced(what="after 2000 deletes")
    ip_batch(
        lab.ns,
        [
            line.replace("route add", "route replace").replace("10.0.0.2", "10.0.1.2")
            for line in adds[1:3000:2]
        ],
    )
    lab.wait_synced(what="after 1500 replaces to another port")


def test_nexthop_objects_and_groups(lab: Lab) -> None:
    _router(lab)
    ns = lab.ns
    ip_batch(
        ns,
        [
            f"nexthop add id 101 via 10.0.0.2 dev {P0}",
            f"nexthop add id 102 via 10.0.1.2 dev {P1}",
            f"nexthop add id 103 via 10.0.1.3 dev {P1}",
            "nexthop add id 200 group 101/102",
            "nexthop add id 201 blackhole",
            *[f"route add 100.{64 + i // 256}.{i % 256}.0/24 nhid 200" for i in range(500)],
            "route add 100.80.0.0/16 nhid 101",
            "route add 100.81.0.0/16 nhid 201",
        ],
    )
    fib = lab.wait_synced(what="after routes on nexthop objects")
    assert fib["100.64.0.0/24"] == (
        "group",
        (("fwd", 0, None, "02:00:00:00:00:02"), ("fwd", 1, None, "02:00:00:00:01:02")),
    )
    with lab.client() as c:
        groups_before = {g.id for g in c.nhg_dump()}
    # a group changed in place (as FRR does when a path goes): the routes follow without being touched
    ip(ns, "nexthop", "replace", "id", "200", "group", "102/103")
    fib = lab.wait_synced(what="after the group changed")
    assert fib["100.64.0.0/24"] == (
        "group",
        (("fwd", 1, None, "00:00:00:00:00:00"), ("fwd", 1, None, "02:00:00:00:01:02")),
    )
    with lab.client() as c:
        assert {g.id for g in c.nhg_dump()} == groups_before
    ip(ns, "nexthop", "replace", "id", "101", "via", "10.0.1.2", "dev", P1)
    lab.wait_synced(what="after a single nexthop moved to another port")
    ip_batch(ns, [f"route del 100.{64 + i // 256}.{i % 256}.0/24" for i in range(500)])
    ip(ns, "nexthop", "del", "id", "200")
    lab.wait_synced(what="after the group's routes and the group went")
    with lab.client() as c:
        assert c.nhg_dump() == [], "an unused group was not freed"
    # deleting a nexthop object still in use removes its routes without a message per route
    ip(ns, "nexthop", "del", "id", "101")
    lab.wait_synced(what="after deleting a nexthop object in use")


def test_ecmp_inline_multipath_ipv4_and_ipv6(lab: Lab) -> None:
    _router(lab)
    ns = lab.ns
    ip(ns, "neigh", "replace", "2001:db8:1::2", "lladdr", "02:00:00:00:01:62", "dev", P1)
    ip(ns, "route", "add", "100.64.0.0/16", "nexthop", "via", "10.0.0.2", "nexthop", "via", "10.0.1.2")
    ip(
        ns,
        "route",
        "add",
        "2001:db8:100::/48",
        "nexthop",
        "via",
        "2001:db8::2",
        "nexthop",
        "via",
        "2001:db8:1::2",
    )
    fib = lab.wait_synced(what="after ECMP routes")
    assert fib["100.64.0.0/16"][0] == "group" and len(fib["100.64.0.0/16"][1]) == 2
    assert fib["2001:db8:100::/48"][0] == "group"
    ip(ns, "route", "replace", "100.64.0.0/16", "via", "10.0.1.2")
    ip(ns, "route", "del", "2001:db8:100::/48")
    lab.wait_synced(what="after ECMP routes became single-path or went")
    with lab.client() as c:
        assert c.nhg_dump() == []


def test_neighbour_appearing_and_changing_mac(lab: Lab) -> None:
    _router(lab)
    ns = lab.ns
    ip(ns, "route", "add", "198.51.100.0/24", "via", "10.0.0.9")
    fib = lab.wait_synced(what="with an unresolved gateway")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "00:00:00:00:00:00")
    ip(ns, "neigh", "replace", "10.0.0.9", "lladdr", "02:00:00:00:00:09", "dev", P0)
    fib = lab.wait_synced(what="after the neighbour appeared")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "02:00:00:00:00:09")
    ip(ns, "neigh", "replace", "10.0.0.9", "lladdr", "02:00:00:00:00:99", "dev", P0)
    fib = lab.wait_synced(what="after the neighbour's MAC changed")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "02:00:00:00:00:99")
    ip(ns, "neigh", "del", "10.0.0.9", "dev", P0)
    fib = lab.wait_synced(what="after the neighbour went")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "00:00:00:00:00:00")
    assert "10.0.0.9/32" not in fib


def test_gateways_are_kept_resolved_by_the_kernel(lab: Lab) -> None:
    """The agent marks its next hops' gateways managed (tests/agent/test_gateways.py shows what the kernel
    then does); an operator's static neighbour stays as it is; a gateway no route uses is released."""
    _router(lab)
    ns = lab.ns

    def entry(addr: str) -> dict[str, object] | None:
        found = json.loads(ip(ns, "-j", "-d", "neigh", "show", addr, "dev", P0))
        return found[0] if found else None

    ip(ns, "route", "add", "198.51.100.0/24", "via", "10.0.0.9")
    ip(ns, "route", "add", "198.51.101.0/24", "via", "10.0.0.2")
    lab.wait_synced(what="with a new gateway")
    wait_for(lambda: "managed" in (entry("10.0.0.9") or {}), 10, "the agent to mark 10.0.0.9 managed")
    wait_for(lambda: "hayate_agent_managed_gateways 1.0" in _metrics(lab), 5, "the metric")
    static = entry("10.0.0.2")
    assert static is not None and static["state"] == ["PERMANENT"] and "managed" not in static, static
    ip(ns, "route", "del", "198.51.100.0/24")
    lab.wait_synced(what="after the route went")
    # the port's net_null answers no ARP: the unresolved entry is removed, not left managed
    wait_for(lambda: entry("10.0.0.9") is None, 10, "the agent to release 10.0.0.9")


def test_addresses_added_and_removed(lab: Lab) -> None:
    _router(lab)
    ns = lab.ns
    ip(ns, "addr", "add", "10.9.0.1/24", "dev", P1)
    ip(ns, "addr", "add", "2001:db8:9::1/64", "dev", P1, "nodad")
    ip(ns, "addr", "add", "192.0.2.77/32", "dev", "lo")
    fib = lab.wait_synced(what="after addresses were added")
    assert fib["10.9.0.1/32"] == fib["2001:db8:9::1/128"] == fib["192.0.2.77/32"] == ("local",)
    ip(ns, "addr", "del", "10.9.0.1/24", "dev", P1)
    ip(ns, "addr", "del", "2001:db8:9::1/64", "dev", P1)
    fib = lab.wait_synced(what="after addresses were removed")
    assert "10.9.0.1/32" not in fib and "10.9.0.0/24" not in fib


def test_link_down_and_up(lab: Lab) -> None:
    _router(lab)
    ns = lab.ns
    ip_batch(ns, _routes("100.64.0.0/16", 200, "10.0.1.2") + _routes("100.65.0.0/16", 200, "10.0.0.2"))
    lab.wait_synced(what="before the link went down")
    ip(ns, "link", "set", P1, "down")  # the kernel flushes p1's routes without a message per route
    fib = lab.wait_synced(what="after p1 went down")
    assert "100.64.0.0/24" not in fib and "100.65.0.0/24" in fib
    ip(ns, "link", "set", P1, "up")
    fib = lab.wait_synced(what="after p1 came back")
    assert fib["10.0.1.0/24"] == ("connected", 1, None)  # p1's subnet is back


def _kernel_has_vlans() -> bool:
    with namespace(f"hyag-{token()}-vl") as ns:
        ip(ns, "link", "add", "hyagv0", "type", "veth", "peer", "name", "hyagv1")
        return not ip(
            ns, "link", "add", "link", "hyagv0", "name", "hyagv0.9", "type", "vlan", "id", "9", check=False
        ) and ("hyagv0.9" in ip(ns, "link", "show"))


def test_vlan_sub_interface_made_by_the_agent(lab: Lab) -> None:
    lab.vlans = [(100, f"{P1}.100")]
    _router(lab)
    ns = lab.ns
    if not _kernel_has_vlans():
        # the agent says why it cannot, and mirrors the rest all the same
        wait_for(lambda: "cannot create VLAN 100 device" in lab.agent_log(), 10, "the agent's warning")
        lab.wait_synced(what="without the VLAN device")
        pytest.skip("this kernel cannot create 802.1Q devices (no 8021q module): only the failure path ran")
    wait_for(lambda: f"{P1}.100" in ip(ns, "link", "show"), 10, "the agent to create the VLAN device")
    ip(ns, "addr", "add", "10.100.0.1/24", "dev", f"{P1}.100")
    ip(ns, "neigh", "replace", "10.100.0.2", "lladdr", "02:00:00:00:64:02", "dev", f"{P1}.100")
    ip(ns, "route", "add", "198.51.100.0/24", "via", "10.100.0.2")
    fib = lab.wait_synced(what="with a route through the VLAN")
    assert fib["198.51.100.0/24"] == ("fwd", 1, 100, "02:00:00:00:64:02")

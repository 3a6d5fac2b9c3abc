"""The gateway keeper against the real kernel: a router namespace and a gateway namespace on a veth pair.
The kernel resolves the marked gateways with no traffic at all and follows a gateway's new MAC; pinned
entries and entries nobody asked for stay as they are; a restarted keeper finds its own entries and releases
those no longer used."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator

import pytest
from hayate.agent.gateways import PROTO_HAYATE, GatewayKeeper, kernel_has_managed
from hayate.agent.mirror import NeighKey

from .lab import wait_for
from .nsutil import in_netns, ip, namespace, sh, token

GW4, GW6, OTHER4, STATIC4, ABSENT4 = "10.9.0.2", "2001:db8::2", "10.9.0.3", "10.9.0.7", "10.9.0.50"


@pytest.fixture
def pair() -> Iterator[tuple[str, str]]:
    t = token()
    with namespace(f"hyag-{t}-r") as r, namespace(f"hyag-{t}-g") as g:
        ip(r, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", g)
        ip(r, "addr", "add", "10.9.0.1/24", "dev", "v0")
        ip(r, "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad")
        for addr in (f"{GW4}/24", f"{OTHER4}/24"):
            ip(g, "addr", "add", addr, "dev", "v1")
        ip(g, "addr", "add", f"{GW6}/64", "dev", "v1", "nodad")
        # the router re-checks reachability within seconds instead of half a minute
        for knob, value in (("base_reachable_time_ms", 1000), ("delay_first_probe_time", 1)):
            for fam in ("ipv4", "ipv6"):
                sh("ip", "netns", "exec", r, "sysctl", "-qw", f"net.{fam}.neigh.v0.{knob}={value}")
        ip(r, "link", "set", "v0", "up")
        ip(g, "link", "set", "v1", "up")
        ip(r, "neigh", "replace", STATIC4, "lladdr", "02:00:00:00:00:07", "dev", "v0")
        yield r, g


def neighbours(ns: str) -> dict[str, dict[str, object]]:
    out = json.loads(ip(ns, "-j", "-d", "neigh", "show", "dev", "v0"))
    return {n["dst"]: n for n in out}


def key(ns: str, addr: str) -> NeighKey:
    ifindex = json.loads(ip(ns, "-j", "link", "show", "v0"))[0]["ifindex"]
    a = ipaddress.ip_address(addr)
    return (ifindex, a.version, a.packed)


def managed(entry: dict[str, object] | None) -> bool:
    return entry is not None and "managed" in entry  # ip -j -d: a key "managed" with no value


def test_kernel_version_gate() -> None:
    assert kernel_has_managed("6.1.0-27-amd64") and kernel_has_managed("5.16.0")
    assert not kernel_has_managed("5.15.0-91-generic") and not kernel_has_managed("4.19.0")


def test_marked_gateways_are_resolved_and_followed_by_the_kernel(pair: tuple[str, str]) -> None:
    r, g = pair
    keeper = in_netns(r, GatewayKeeper)
    assert keeper.enabled, "this kernel has no managed neighbour entries"
    wanted = {key(r, a) for a in (GW4, GW6, STATIC4, ABSENT4)}
    # the other address is resolved once by traffic, as the kernel does on demand, and not marked
    sh("ip", "netns", "exec", r, "ping", "-c1", "-W2", OTHER4)
    try:
        in_netns(r, lambda: keeper.sync(wanted))
        mac = json.loads(ip(g, "-j", "link", "show", "v1"))[0]["address"]

        def resolved(addr: str, lladdr: str) -> bool:
            entry = neighbours(r).get(addr)
            return managed(entry) and entry is not None and entry.get("lladdr") == lladdr

        # no packet was sent to either: the kernel resolves them because they are managed
        wait_for(lambda: resolved(GW4, mac) and resolved(GW6, mac), 10, "the gateways resolved")
        now = neighbours(r)
        assert now[GW4]["protocol"] == str(PROTO_HAYATE), now[GW4]
        assert now[STATIC4]["state"] == ["PERMANENT"] and not managed(now[STATIC4]), now[STATIC4]
        assert managed(now.get(ABSENT4)) and "lladdr" not in now[ABSENT4], now.get(ABSENT4)
        assert not managed(now[OTHER4])
        assert keeper.ours == wanted - {key(r, STATIC4)}

        # the gateway's MAC changes without an announcement, and nothing is sent to it: the kernel follows
        ip(g, "link", "set", "v1", "address", "02:00:00:00:00:99")
        wait_for(lambda: resolved(GW4, "02:00:00:00:00:99"), 30, "the managed gateway's new MAC")

        # a restarted agent owns the marks of the first and releases what it no longer uses
        fresh = in_netns(r, GatewayKeeper)
        in_netns(r, lambda: fresh.sync({key(r, GW6)}))
        now = neighbours(r)
        assert managed(now[GW6]) and fresh.ours == {key(r, GW6)}
        assert not managed(now[GW4]) and now[GW4].get("lladdr") == "02:00:00:00:00:99"  # kept, unmarked
        assert ABSENT4 not in now  # unresolved: removed
        assert now[STATIC4]["state"] == ["PERMANENT"]
        in_netns(r, lambda: fresh.sync(set()))
        assert not any(managed(e) for e in neighbours(r).values()) and not fresh.ours
    finally:
        keeper.close()


def test_a_flushed_mark_comes_back_at_the_next_check(pair: tuple[str, str]) -> None:
    r, _ = pair
    keeper = in_netns(r, GatewayKeeper)
    try:
        in_netns(r, lambda: keeper.sync({key(r, GW4)}))
        wait_for(lambda: managed(neighbours(r).get(GW4)), 5, "the mark")
        ip(r, "neigh", "flush", "dev", "v0")
        time.sleep(0.2)
        in_netns(r, lambda: keeper.sync({key(r, GW4)}))
        assert not managed(neighbours(r).get(GW4)), "checked again before its time"
        keeper._next_recheck = 0.0  # the minute has passed
        in_netns(r, lambda: keeper.sync({key(r, GW4)}))
        assert managed(neighbours(r).get(GW4))
    finally:
        keeper.close()

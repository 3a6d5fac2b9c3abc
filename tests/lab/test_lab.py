"""System tests on the lab router: convergence, forwarding, a lost upstream, faults and floods, both route
sources. The tests run in file order on one lab; each one leaves the lab converged as it found it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import TABLE_LIMIT
from .labnet import (
    CLIENT_NS,
    DEFAULTS,
    PEERS,
    PREFIX,
    ROUTER_NS,
    TAP_OF,
    Daemon,
    addresses,
    bgp_established,
    converged,
    count_arrivals,
    fib_diff,
    fpm_connected,
    gateway_neighbours,
    kernel_routes,
    next_hop_resolved,
    nsexec,
    ospf_full,
    playbook,
    recap_changed,
    route_dev,
    route_source,
    stats,
    vtysh,
    wait_for,
)

# upstream1's routes in the router's kernel once converged: its table, less the few prefixes where
# upstream2's equal path won.
MIN_ROUTES = int(TABLE_LIMIT * 0.95)
CONVERGE_S = 600


def address(cidr: str) -> str:
    return cidr.split("/")[0]


def upstream1_sessions() -> list[str]:
    p = PEERS["upstream1"]
    return [address(p["peer_v4"]), address(p["peer_v6"])]


def bgp_routes(peer: str, family: int) -> list[str]:
    return [r for r in kernel_routes(ROUTER_NS, family, TAP_OF[peer], proto="bgp") if r != "default"]


def test_second_run_changes_nothing(lab: dict[str, float]) -> None:
    print(f"lab bring-up with {TABLE_LIMIT} prefixes per family: {lab['bring_up_s']:.0f} s")
    assert recap_changed(playbook("-e", f"lab_table_limit={TABLE_LIMIT}")) == 0


def test_sessions_and_fib_after_bring_up(lab: dict[str, float]) -> None:
    assert bgp_established(), vtysh("show bgp summary")
    assert ospf_full(), vtysh("show ip ospf neighbor", "show ipv6 ospf6 neighbor")
    assert len(bgp_routes("upstream1", 4)) >= MIN_ROUTES
    assert len(bgp_routes("upstream1", 6)) >= min(MIN_ROUTES, 1000)
    diff = fib_diff()
    assert diff == "", f"FIB differs from the kernel:\n{diff}"


def test_convergence_after_upstream1_session_reset(
    lab: dict[str, float], record_property: Callable[[str, object], None]
) -> None:
    """From BGP session up to the FIB holding upstream1's table equal to the kernel, entry by entry."""
    before = bgp_established()
    assert before
    vtysh(*(f"clear bgp {a}" for a in upstream1_sessions()))
    wait_for(
        "upstream1's sessions to come back",
        lambda: (now := bgp_established()) and all(now[a] > before[a] for a in upstream1_sessions()),
        timeout=120,
        interval=0.2,
    )
    up = time.monotonic()
    wait_for(
        "the FIB to hold upstream1's table again", lambda: converged(MIN_ROUTES), CONVERGE_S, interval=0.5
    )
    took = time.monotonic() - up
    record_property("convergence_s", round(took, 2))
    print(f"convergence of {TABLE_LIMIT} prefixes per family after a session reset: {took:.1f} s")


def test_traffic_leaves_through_the_upstream_the_kernel_chose(lab: dict[str, float]) -> None:
    via1 = addresses(bgp_routes("upstream1", 4), 6) + addresses(bgp_routes("upstream1", 6), 3)
    assert all(route_dev(d) == TAP_OF["upstream1"] for d in via1)
    # Outside upstream1's (partial) table only upstream2's default route covers an address.
    via2 = [d for d in ("198.18.0.1", "198.19.255.1", "203.0.113.9") if route_dev(d) == TAP_OF["upstream2"]]
    via2 += addresses(bgp_routes("upstream2", 4), 3)
    assert via2, "no destination behind upstream2"
    # BGP's IPv6 routes go via the upstreams' link-local addresses, which the kernel resolves only once
    # traffic needs them: until then the forwarder punts such packets (unresolved) and the kernel forwards
    # them. One datagram each first; then the forwarder has every next hop's MAC from the agent.
    assert count_arrivals("upstream1", via1, 1) == len(via1)
    assert count_arrivals("upstream2", via2, 1) == len(via2)
    wait_for("the kernel to resolve the next hops", lambda: all(map(next_hop_resolved, via1 + via2)), 30)
    wait_for("the FIB to hold the resolved next hops", lambda: fib_diff() == "", 30)
    before = stats()
    assert count_arrivals("upstream1", via1, 5) == 5 * len(via1)
    assert count_arrivals("upstream2", via2, 5) == 5 * len(via2)
    after = stats()
    # All of them forwarded by the forwarder itself, none by the kernel through a tap.
    v6 = sum(":" in d for d in via1 + via2)
    fwd4, fwd6 = after["fwd4"] - before["fwd4"], after["fwd6"] - before["fwd6"]
    assert (
        fwd4 >= 5 * (len(via1) + len(via2) - v6) and fwd6 >= 5 * v6
    ), f"forwarded {fwd4} IPv4, {fwd6} IPv6; punts before {before['punts']}, after {after['punts']}"


def test_the_upstream_gateways_are_kept_resolved(lab: dict[str, float]) -> None:
    """The agent marks the gateways of its next hops managed: the kernel keeps them resolved although the
    traffic through them never reaches it (docs/agent.md, "Gateways kept resolved")."""
    for family in (4, 6):
        dst = addresses(bgp_routes("upstream1", family), 1)[0]
        entries = gateway_neighbours(dst)
        assert entries and all("managed" in e and "lladdr" in e for e in entries), (dst, entries)


def test_ttl_expiring_probes_get_time_exceeded_from_the_router(lab: dict[str, float]) -> None:
    dst = addresses(bgp_routes("upstream1", 4), 1)[0]
    before = stats()
    out = nsexec(CLIENT_NS, "traceroute", "-n", "-q", "1", "-w", "3", "-m", "2", dst, check=False, timeout=60)
    after = stats()
    hops = dict(re.findall(r"^\s*(\d+)\s+(\S+)", out, re.M))
    assert hops.get("2") == address(PEERS["campus"]["router_v4"]), out  # hop 1 is campus, hop 2 the router
    assert after["punts"]["ttl_expired"] > before["punts"]["ttl_expired"]


# Sent from campus through its default route with a source of the caller's choice (the kernel fills in the
# header checksum of a raw IPPROTO_RAW socket).
SPOOFER = """
import socket, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
udp = struct.pack("!HHHH", 40000, 40000, 18, 0) + b"hayate-lab"
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src),
                 socket.inet_aton(dst))
for _ in range(n):
    s.sendto(ip + udp, (dst, 0))
"""


def drops_since(before: dict[str, Any]) -> str:
    """The forwarder's drops and punts since `before`, to say where lost datagrams went."""
    after = stats()
    moved = {
        f"{kind}.{reason}": n - before[kind].get(reason, 0)
        for kind in ("drops", "punts")
        for reason, n in after[kind].items()
        if n != before[kind].get(reason, 0)
    }
    return f"forwarder drops and punts since: {moved}"


def test_strict_urpf_on_the_campus_port_drops_sources_routed_elsewhere(lab: dict[str, float]) -> None:
    """inventory/lab sets `urpf: strict` on p2 (campus is single-homed): the client behind campus reaches the
    upstreams (the tests around this one), while a source whose route leads out through upstream1, sent
    from campus, is dropped and counted."""
    src, dst = addresses(bgp_routes("upstream1", 4), 2)
    before = stats()["drops"]["urpf"]
    nsexec(f"{PREFIX}campus", sys.executable, "-c", SPOOFER, src, dst, "50")

    def dropped() -> int | None:
        n: int = stats()["drops"]["urpf"] - before
        return n if n >= 50 else None

    assert wait_for("50 datagrams dropped as urpf", dropped, 10) == 50


def test_losing_upstream1_moves_its_destinations_to_upstream2_and_back(lab: dict[str, float]) -> None:
    sample4 = addresses(bgp_routes("upstream1", 4), 5)
    sample6 = addresses(bgp_routes("upstream1", 6), 3)
    asn = DEFAULTS["lab_router_asn"]
    shut = [f"neighbor {a} shutdown" for a in upstream1_sessions()]
    vtysh("configure terminal", f"router bgp {asn}", *shut)
    try:
        wait_for("upstream1's routes to leave the kernel", lambda: not bgp_routes("upstream1", 4), CONVERGE_S)
        wait_for("the FIB to equal the kernel", lambda: fib_diff() == "", CONVERGE_S)
        assert all(route_dev(d) == TAP_OF["upstream2"] for d in sample4)
        for d in sample6:  # upstream2's default, or no route at all
            r = subprocess.run(["ip", "-n", ROUTER_NS, "route", "get", d], capture_output=True, text=True)
            assert f"dev {TAP_OF['upstream1']} " not in r.stdout
        assert count_arrivals("upstream2", sample4, 3) == 3 * len(sample4)
    finally:
        vtysh("configure terminal", f"router bgp {asn}", *(f"no {c}" for c in shut))
    wait_for("upstream1's table to return", lambda: converged(MIN_ROUTES), CONVERGE_S)
    assert all(route_dev(d) == TAP_OF["upstream1"] for d in sample4)


FLOOD = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    for _ in range(256):
        s.sendto(b"x" * 64, (sys.argv[1], 9))
    n += 256
print(n)
"""


def test_punt_flood_at_the_router_does_not_cut_bgp(lab: dict[str, float]) -> None:
    """The Kamuee lesson: a flood to a punted address must not starve BGP on the same port."""
    before, sessions = stats(), bgp_established()
    assert sessions
    target = address(PEERS["upstream1"]["router_v4"])
    out = nsexec(f"{PREFIX}upstream1", sys.executable, "-c", FLOOD, target, "12", timeout=60)
    after = stats()
    punted = after["punts"]["local"] - before["punts"]["local"]
    print(
        f"flood: {int(out)} datagrams sent; punted {punted}, policed {after['policed'] - before['policed']}"
    )
    assert punted >= 1000
    assert bgp_established() == sessions, vtysh("show bgp summary")  # no session went down and came back


@pytest.mark.parametrize("daemon", ["router-fwd", "router-agent", "router-zebra", "router-bgpd"])
def test_router_recovers_from_kill_9(lab: dict[str, float], daemon: str) -> None:
    d = Daemon(daemon)
    old = d.kill9()
    wait_for(f"{daemon} to be restarted", lambda: d.restarted_since(old), 60)
    wait_for(f"the router to converge after {daemon} was killed", lambda: converged(MIN_ROUTES), CONVERGE_S)


def test_fpm_route_source(lab: dict[str, float]) -> None:
    """Routes from zebra's FPM stream instead of the kernel: the FIB still equals the kernel."""
    playbook("-e", f"lab_table_limit={TABLE_LIMIT}", "-e", "hayate_route_source=fpm")
    try:
        assert route_source() == "fpm"
        wait_for("zebra's FPM connection to the agent", fpm_connected, 60)
        wait_for("the router to converge with FPM", lambda: converged(MIN_ROUTES), CONVERGE_S)
        dsts = addresses(bgp_routes("upstream1", 4), 3)
        before = stats()
        arrived = count_arrivals("upstream1", dsts, 3)
        assert arrived == 3 * len(dsts), drops_since(before)
    finally:
        playbook("-e", f"lab_table_limit={TABLE_LIMIT}")
    assert route_source() == "netlink"
    wait_for("the router to converge with netlink again", lambda: converged(MIN_ROUTES), CONVERGE_S)
    assert not fpm_connected(), "zebra still streams routes over FPM"

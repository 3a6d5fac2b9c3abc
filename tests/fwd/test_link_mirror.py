"""A port's link state mirrored to its tap's carrier: when the link goes down the router's kernel sees the tap
lose carrier (and marks the port's connected routes linkdown), and FRR drops the eBGP session over it at once
instead of after its hold time; when the link comes back, so do the carrier, forwarding and the session.
The other way, a tap set administratively down stops its port: nothing is forwarded from or to it, and a
device that can set its link takes it down.

Port p0's device is DPDK's net_tap, whose link follows its kernel interface (w0 in the dataplane namespace):
setting w0 down is the lab's unplugged cable. The af_packet ports report their link up whatever the veth does.
For the BGP test w0 is patched to host A's wire (tc mirred), so that host A reaches the router through p0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from frrutil import Frr, available, bgp_conf, bgp_established
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from .lab import (
    HOST_A_MAC,
    HOST_B_MAC,
    PORT_MACS,
    VLAN_ID,
    Lab,
    capture,
    counters_delta,
    nsexec,
    send_frames,
    wait_for,
)

POLL_WAIT_S = 5  # the forwarder polls ten times a second
HOLD_S = 30  # the BGP hold time: a session that drops within a third of it went down with the link
PEER_PREFIX = "198.51.100.0/24"


def router_link(lab: Lab, port: str) -> dict[str, Any]:
    out = nsexec(lab.ns("r"), "ip", "-j", "link", "show", "dev", lab.ifname(port)).stdout
    link: dict[str, Any] = json.loads(out)[0]
    return link


def has_carrier(lab: Lab, port: str) -> bool:
    return "LOWER_UP" in router_link(lab, port)["flags"]


def connected_route_flags(lab: Lab, port: str) -> list[str]:
    out = nsexec(lab.ns("r"), "ip", "-j", "route", "show", "10.1.0.0/24", "dev", lab.ifname(port)).stdout
    routes: list[dict[str, Any]] = json.loads(out)
    assert len(routes) == 1, routes
    flags: list[str] = routes[0].get("flags", [])
    return flags


def set_wire(lab: Lab, state: str) -> None:
    nsexec(lab.ns("d"), "ip", "link", "set", lab.ifname("w0"), state)


def stats_link(lab: Lab, port: str) -> dict[str, Any]:
    link: dict[str, Any] = next(p for p in lab.stats()["ports"] if p["name"] == port)["link"]
    return link


def test_the_taps_start_with_carrier_and_no_changes(tap_wire_router: Lab) -> None:
    for name in ("p0", "p1"):
        port = tap_wire_router.port(name)
        assert port["link"]["up"] is True and port["link"]["changes"] == 0, port
        assert stats_link(tap_wire_router, name) == {"up": True, "changes": 0}
        assert has_carrier(tap_wire_router, name)


def test_a_link_down_takes_the_carrier_of_its_tap_only(tap_wire_router: Lab) -> None:
    lab = tap_wire_router
    set_wire(lab, "down")
    try:
        wait_for(lambda: not has_carrier(lab, "p0"), POLL_WAIT_S, "p0's tap to lose its carrier")
        p0 = lab.port("p0")
        assert p0["link"]["up"] is False and p0["link"]["changes"] == 1, p0
        assert stats_link(lab, "p0") == {"up": False, "changes": 1}
        assert router_link(lab, "p0")["operstate"] == "DOWN"
        assert "linkdown" in connected_route_flags(lab, "p0")
        assert has_carrier(lab, "p1") and lab.port("p1")["link"]["changes"] == 0
    finally:
        set_wire(lab, "up")
    wait_for(lambda: has_carrier(lab, "p0"), POLL_WAIT_S, "p0's tap to get its carrier back")
    p0 = lab.port("p0")
    assert p0["link"]["up"] is True and p0["link"]["changes"] == 2, p0
    assert stats_link(lab, "p0") == {"up": True, "changes": 2}
    assert "linkdown" not in connected_route_flags(lab, "p0")
    assert "p0: link down; tap" in lab.log.read_text()


def test_forwarding_resumes_when_the_link_is_back(tap_wire_router: Lab) -> None:
    lab = tap_wire_router
    wait_for(lambda: has_carrier(lab, "p0"), POLL_WAIT_S, "p0's tap with its carrier")
    frame = Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / IP(src="10.1.0.2", dst="10.2.0.2") / UDP(dport=9)
    with capture(lab, "b", lab.ifname("h1"), 1, "udp and dst port 9") as seen:
        send_frames(lab, "d", lab.ifname("w0"), [bytes(frame / b"link back")])
    assert any("10.1.0.2" in line and "10.2.0.2.9" in line for line in seen), seen


def set_tap(lab: Lab, port: str, state: str) -> None:
    nsexec(lab.ns("r"), "ip", "link", "set", lab.ifname(port), state)


def wire_is_up(lab: Lab) -> bool:
    out = nsexec(lab.ns("d"), "ip", "-j", "link", "show", "dev", lab.ifname("w0")).stdout
    return "UP" in json.loads(out)[0]["flags"]


def admin_up(lab: Lab, port: str) -> bool:
    return bool(lab.port(port)["admin_up"])


def test_a_tap_set_down_takes_down_the_link_of_a_device_that_can(tap_wire_router: Lab) -> None:
    lab = tap_wire_router
    assert admin_up(lab, "p0") and admin_up(lab, "p1")
    set_tap(lab, "p0", "down")
    try:
        wait_for(lambda: not wire_is_up(lab), POLL_WAIT_S, "net_tap's interface w0 (p0's wire) to go down")
        assert not admin_up(lab, "p0") and admin_up(lab, "p1")
        assert next(p for p in lab.stats()["ports"] if p["name"] == "p0")["admin_up"] is False
        wait_for(lambda: stats_link(lab, "p0")["up"] is False, POLL_WAIT_S, "p0's link to be seen down")
    finally:
        set_tap(lab, "p0", "up")
    wait_for(lambda: wire_is_up(lab) and admin_up(lab, "p0"), POLL_WAIT_S, "p0 and its wire up again")
    wait_for(lambda: has_carrier(lab, "p0"), POLL_WAIT_S, "p0's tap to get its carrier back")
    log, tap = lab.log.read_text(), lab.ifname("p0")
    assert f"port p0: tap {tap} administratively down: forwarding off; device link set down" in log
    assert f"port p0: tap {tap} administratively up: forwarding on; device link set up" in log


def test_a_tap_set_down_stops_forwarding_from_and_to_its_port(tap_wire_router: Lab) -> None:
    """p1 is net_af_packet, which cannot set its link: the forwarder alone stops the port."""
    lab = tap_wire_router
    to_b = Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / IP(src="10.1.0.2", dst="10.2.0.2") / UDP(dport=9)
    from_b = Ether(src=HOST_B_MAC, dst=PORT_MACS[1]) / IP(src="10.2.0.2", dst="10.1.0.2") / UDP(dport=9)
    wait_for(lambda: has_carrier(lab, "p0"), POLL_WAIT_S, "p0's tap with its carrier")
    set_tap(lab, "p1", "down")
    try:
        wait_for(lambda: not admin_up(lab, "p1"), POLL_WAIT_S, "p1 to be administratively down")
        before = lab.stats()
        send_frames(lab, "d", lab.ifname("w0"), [bytes(to_b / b"routed to p1")] * 3)
        send_frames(lab, "b", lab.ifname("h1"), [bytes(from_b / b"received on p1")] * 2)
        dropped = before["drops"]["admin_down"]
        wait_for(lambda: lab.stats()["drops"]["admin_down"] - dropped >= 5, 5, "five admin_down drops")
        after = lab.stats()  # routed, then dropped; or dropped as received (host B's own frames too)
        assert after["tx"] == before["tx"] and after["fwd4"] - before["fwd4"] == 3, (before, after)
    finally:
        set_tap(lab, "p1", "up")
    wait_for(lambda: admin_up(lab, "p1"), POLL_WAIT_S, "p1 administratively up again")
    assert (
        f"port p1: tap {lab.ifname('p1')} administratively down: forwarding off; device link unchanged: "
        "the device cannot set it" in lab.log.read_text()
    )
    with capture(lab, "b", lab.ifname("h1"), 1, "udp and dst port 9") as seen:
        send_frames(lab, "d", lab.ifname("w0"), [bytes(to_b / b"p1 back")])
    assert any("10.1.0.2" in line and "10.2.0.2.9" in line for line in seen), seen


def test_a_vlan_device_set_down_stops_its_tag(tap_wire_router: Lab) -> None:
    lab = tap_wire_router
    r, vlan_dev = lab.ns("r"), f"{lab.ifname('p1')}.{VLAN_ID}"
    udp = UDP(sport=7, dport=9)
    tagged_in = (
        Ether(src=HOST_B_MAC, dst=PORT_MACS[1]) / Dot1Q(vlan=VLAN_ID) / IP(src="10.3.0.2", dst="10.1.0.2")
    )
    to_vlan = Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / IP(src="10.1.0.2", dst="10.3.0.2")  # next hop 18

    def vlan_up() -> bool:
        return bool(lab.port("p1")["vlans"][0]["admin_up"])

    def send_and_count(what: str) -> dict[str, int]:
        """Where 3 tagged frames from host B and 2 frames routed to the VLAN went."""
        before = lab.stats()

        def went() -> dict[str, int]:
            now = lab.stats()
            drops = counters_delta(before, now, "drops")
            return {
                "fwd4": now["fwd4"] - before["fwd4"],
                "vlan_unknown": drops["vlan_unknown"],
                "admin_down": drops["admin_down"],
            }

        send_frames(lab, "b", lab.ifname("h1"), [bytes(tagged_in / udp)] * 3)
        send_frames(lab, "d", lab.ifname("w0"), [bytes(to_vlan / udp)] * 2)
        wait_for(lambda: sum(went().values()) >= 5, 5, what)
        return went()

    add = ("link", "add", "link", lab.ifname("p1"), "name", vlan_dev, "type", "vlan", "id", str(VLAN_ID))
    if nsexec(r, "ip", *add, check=False).returncode != 0:
        # This kernel has no 802.1Q devices (no 8021q module): the forwarder reads only the administrative
        # state of the interface of that name, so a veth of that name stands in for it.
        nsexec(r, "ip", "link", "add", vlan_dev, "type", "veth", "peer", "name", lab.ifname("vp"))
    try:
        nsexec(r, "ip", "link", "set", vlan_dev, "up")  # created down: the forwarder may have seen it so
        wait_for(vlan_up, POLL_WAIT_S, f"VLAN {VLAN_ID} administratively up")
        assert send_and_count("5 frames forwarded") == {"fwd4": 5, "vlan_unknown": 0, "admin_down": 0}
        nsexec(r, "ip", "link", "set", vlan_dev, "down")
        wait_for(lambda: not vlan_up(), POLL_WAIT_S, f"VLAN {VLAN_ID} administratively down")
        assert lab.port("p1")["admin_up"] is True
        assert send_and_count("5 frames dropped") == {"fwd4": 0, "vlan_unknown": 3, "admin_down": 2}
        nsexec(r, "ip", "link", "set", vlan_dev, "up")
        wait_for(vlan_up, POLL_WAIT_S, f"VLAN {VLAN_ID} administratively up")
        assert send_and_count("5 frames forwarded again") == {"fwd4": 5, "vlan_unknown": 0, "admin_down": 0}
    finally:
        nsexec(r, "ip", "link", "del", vlan_dev, check=False)
    assert (
        f"port p1: VLAN {VLAN_ID} ({vlan_dev}) administratively down: its frames dropped"
        in lab.log.read_text()
    )


@pytest.fixture(scope="module")
def bgp_over_p0(tap_wire_router: Lab) -> Iterator[tuple[Lab, Frr]]:
    """FRR on the router and on host A, peering over port p0 (10.1.0.1 - 10.1.0.2) with a long hold time."""
    if not available("zebra", "bgpd"):
        pytest.skip("FRR (zebra, bgpd, vtysh) is not installed")
    lab = tap_wire_router
    d, wire, host_a = lab.ns("d"), lab.ifname("w0"), lab.ifname("d0")
    for src, dst in ((host_a, wire), (wire, host_a)):  # a patch cable: every frame in one end out the other
        nsexec(d, "tc", "qdisc", "add", "dev", src, "ingress")
        redirect = ("tc", "filter", "add", "dev", src, "ingress", "u32", "match", "u32", "0", "0")
        if nsexec(d, *redirect, "action", "mirred", "egress", "redirect", "dev", dst, check=False).returncode:
            pytest.skip("this kernel has no tc u32 classifier or mirred action to join host A's wire to w0")
    router, peer = Frr(lab.ns("r")), Frr(lab.ns("a"))
    try:
        for frr, conf in (
            (router, bgp_conf(65001, "10.1.0.1", "10.1.0.2", 65002, [], keepalive=HOLD_S // 3, hold=HOLD_S)),
            (peer, bgp_conf(65002, "10.1.0.2", "10.1.0.1", 65001, [PEER_PREFIX], HOLD_S // 3, HOLD_S)),
        ):
            frr.start("zebra", "hostname zebra\n")
            frr.start("bgpd", conf, "-p", "179")
        yield lab, router
    finally:
        router.remove()
        peer.remove()


def router_has_route(lab: Lab, prefix: str) -> bool:
    return prefix in nsexec(lab.ns("r"), "ip", "route", "show", prefix).stdout


def test_an_ebgp_session_drops_with_its_link_not_its_hold_time(bgp_over_p0: tuple[Lab, Frr]) -> None:
    lab, router = bgp_over_p0
    wait_for(lambda: bgp_established(router, "10.1.0.2"), 60, "BGP Established over p0", interval=0.5)
    wait_for(lambda: router_has_route(lab, PEER_PREFIX), 20, f"{PEER_PREFIX} in the router's kernel")
    set_wire(lab, "down")
    try:
        wait_for(lambda: not bgp_established(router, "10.1.0.2"), HOLD_S / 3, "the session to drop", 0.2)
        wait_for(lambda: not router_has_route(lab, PEER_PREFIX), 5, f"{PEER_PREFIX} withdrawn")
    finally:
        set_wire(lab, "up")
    wait_for(lambda: bgp_established(router, "10.1.0.2"), 60, "BGP Established again", interval=0.5)
    wait_for(lambda: router_has_route(lab, PEER_PREFIX), 20, f"{PEER_PREFIX} back in the router's kernel")

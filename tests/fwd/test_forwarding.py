"""Real packets through hayate-fwd: forwarding, the router's own addresses, ARP/ND, TTL expiry, VLAN, MTU."""

from __future__ import annotations

import ipaddress
import re

from hayate.ctl import NextHop, NextHopKind
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether

from .lab import (
    HOST_A_MAC,
    HOST_B_MAC,
    PORT_MACS,
    VLAN_ID,
    Lab,
    capture,
    counters_delta,
    mac_bytes,
    nsexec,
    send_frames,
    wait_for,
)


def ping(lab: Lab, ns: str, dst: str, *extra: str, count: int = 3, patient: bool = False) -> str:
    # patient: on a loaded machine a reply can be lost on the af_packet socket; ping goes on until `count`
    # replies or the deadline (-w), so a router that does not answer still fails. Tests that count packets
    # through the forwarder need exactly `count` probes instead (-W).
    wait = ["-w", "15"] if patient else ["-W", "2"]
    out = nsexec(lab.ns(ns), "ping", "-c", str(count), "-i", "0.2", *wait, *extra, dst, check=False)
    return out.stdout + out.stderr


def received(output: str) -> int:
    m = re.search(r"(\d+) received", output)
    return int(m.group(1)) if m else 0


def test_ipv4_is_forwarded_by_the_dataplane_between_hosts(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "10.2.0.2", count=5)
    after = router.stats()
    assert received(out) == 5, out
    assert "ttl=63" in out  # one router hop
    # Requests A->B and replies B->A: ten packets went through the forwarder's IPv4 path, not the kernel's.
    assert after["fwd4"] - before["fwd4"] >= 10
    assert after["lcores"][0]["rx_queues"]


def test_ipv6_is_forwarded_by_the_dataplane_between_hosts(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "2001:db8:2::2", count=5)
    after = router.stats()
    assert received(out) == 5, out
    assert after["fwd6"] - before["fwd6"] >= 10


def test_router_answers_arp_and_ping_with_the_port_mac(router: Lab) -> None:
    dev = router.ifname("h0")
    nsexec(router.ns("a"), "ip", "neigh", "flush", "dev", dev)
    before = router.stats()
    out = ping(router, "a", "10.1.0.1", patient=True)
    after = router.stats()
    assert received(out) >= 3, out  # a late reply to a lost probe may add one
    neigh = nsexec(router.ns("a"), "ip", "neigh", "show", "10.1.0.1", "dev", dev).stdout
    assert PORT_MACS[0] in neigh  # the tap carries the port's MAC, so the kernel's ARP reply names it
    delta = counters_delta(before, after, "punts")
    assert delta["arp"] >= 1
    assert delta["local"] >= 3


def test_router_answers_neighbour_discovery_and_ping6(router: Lab) -> None:
    dev = router.ifname("h0")
    nsexec(router.ns("a"), "ip", "-6", "neigh", "flush", "dev", dev)
    before = router.stats()
    out = ping(router, "a", "2001:db8:1::1", patient=True)
    after = router.stats()
    assert received(out) >= 3, out  # a late reply to a lost probe may add one
    neigh = nsexec(router.ns("a"), "ip", "-6", "neigh", "show", "2001:db8:1::1", "dev", dev).stdout
    assert PORT_MACS[0] in neigh
    assert counters_delta(before, after, "punts")["nd"] >= 1


def test_ttl_1_gets_time_exceeded_from_the_router(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "10.2.0.2", "-t", "1", count=1)
    after = router.stats()
    assert "From 10.1.0.1" in out and "Time to live exceeded" in out, out
    assert counters_delta(before, after, "punts")["ttl_expired"] == 1


def test_hop_limit_1_gets_time_exceeded_from_the_router(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "2001:db8:2::2", "-t", "1", count=1)
    after = router.stats()
    assert "Time exceeded" in out or "Time to live exceeded" in out, out
    assert counters_delta(before, after, "punts")["ttl_expired"] == 1


def test_link_local_source_gets_beyond_scope_instead_of_being_routed(router: Lab) -> None:
    # RFC 4291 2.5.6: a packet from a link-local address never leaves its link. The forwarder punts it and the
    # kernel answers with ICMPv6 destination unreachable, code 2 (beyond scope of source address).
    ha = router.ifname("h0")
    addr = nsexec(router.ns("a"), "ip", "-6", "-o", "addr", "show", "dev", ha, "scope", "link").stdout
    link_local = addr.split()[3].split("/")[0]
    frame = (
        Ether(src=HOST_A_MAC, dst=PORT_MACS[0])
        / IPv6(src=link_local, dst="2001:db8:2::2")
        / UDP(sport=5000, dport=9)
        / b"link-local"
    )
    before = router.stats()
    with capture(router, "a", ha, 1, "icmp6 and ip6[40] == 1") as lines:
        send_frames(router, "a", ha, [bytes(frame)])
    after = router.stats()
    out = "\n".join(lines)
    assert "destination unreachable" in out and "beyond scope" in out, out
    assert counters_delta(before, after, "punts")["link_local"] == 1
    assert after["fwd6"] == before["fwd6"]


def test_vlan_sub_interface_pushes_and_pops_the_tag(router: Lab) -> None:
    # This kernel has no 802.1Q module, so host B's VLAN 100 side is played with raw frames and tcpdump.
    hb = router.ifname("h1")
    before = router.stats()
    with capture(router, "b", hb, 1, "vlan 100 and icmp") as lines:
        request = (
            Ether(src=HOST_B_MAC, dst=PORT_MACS[1])
            / Dot1Q(vlan=VLAN_ID)
            / IP(src="10.3.0.2", dst="10.1.0.2")
            / ICMP(id=7, seq=1)
            / (b"v" * 32)
        )
        send_frames(router, "b", hb, [bytes(request)])
    out = "\n".join(lines)
    after = router.stats()
    # In: tagged request popped to untagged toward A.  Out: A's echo reply pushed onto VLAN 100 toward B.
    assert f"vlan {VLAN_ID}" in out and "10.1.0.2 > 10.3.0.2: ICMP echo reply" in out, out
    assert after["fwd4"] - before["fwd4"] >= 2
    assert counters_delta(before, after, "drops")["vlan_unknown"] == 0


def test_frame_on_an_undeclared_vlan_is_dropped_and_counted(router: Lab) -> None:
    before = router.stats()
    frame = (
        Ether(src=HOST_B_MAC, dst=PORT_MACS[1])
        / Dot1Q(vlan=200)
        / IP(src="10.3.0.2", dst="10.1.0.2")
        / ICMP()
    )
    send_frames(router, "b", router.ifname("h1"), [bytes(frame)] * 3)
    wait_for(lambda: counters_delta(before, router.stats(), "drops")["vlan_unknown"] >= 3, 5, "3 VLAN drops")
    assert counters_delta(before, router.stats(), "drops")["vlan_unknown"] == 3


def test_packet_larger_than_egress_mtu_gets_fragmentation_needed(router: Lab) -> None:
    # p1 has MTU 1400: 1450-byte packets with DF are punted; the kernel answers with the tap's MTU.
    before = router.stats()
    out = ping(router, "a", "10.2.0.2", "-s", "1422", "-M", "do", count=1)
    after = router.stats()
    assert "mtu = 1400" in out, out
    assert counters_delta(before, after, "punts")["mtu"] == 1
    assert received(ping(router, "a", "10.2.0.2", "-s", "1300", "-M", "do", count=1)) == 1


def test_ipv6_packet_larger_than_egress_mtu_gets_packet_too_big(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "2001:db8:2::2", "-s", "1400", count=1)
    after = router.stats()
    assert "Packet too big" in out and "mtu=1400" in out, out
    assert counters_delta(before, after, "punts")["mtu"] == 1


def test_destination_without_route_is_punted_and_kernel_answers_unreachable(router: Lab) -> None:
    before = router.stats()
    out = ping(router, "a", "192.0.2.9", count=1)
    after = router.stats()
    assert "Unreachable" in out, out
    assert counters_delta(before, after, "punts")["no_route"] == 1


def test_ports_report_link_state_mac_mtu_and_tap(router: Lab) -> None:
    with router.client() as c:
        ports = c.ports()
    assert [p["name"] for p in ports] == ["p0", "p1"]
    assert ports[0]["mac"] == PORT_MACS[0]
    assert ports[1]["mtu"] == 1400
    assert ports[1]["tap"] == router.ifname("p1")
    assert all(p["link"]["up"] for p in ports)
    # No VLAN device in the router's kernel: the tag stays accepted (as declared).
    assert ports[1]["vlans"] == [{"id": 100, "name": f"{router.ifname('p1')}.100", "admin_up": True}]


def test_unresolved_next_hop_is_punted_until_its_mac_is_known(router: Lab) -> None:
    host = ipaddress.ip_network("10.2.0.2/32")
    with router.client() as c:
        c.nh_set([NextHop(30, NextHopKind.FORWARD, 1)])  # neighbour not resolved yet: zero MAC
        c.route_add([(host, 30)])
        try:
            before = router.stats()
            out = ping(router, "a", "10.2.0.2", count=2)
            middle = router.stats()
            assert received(out) == 2, out  # the kernel forwarded them (and would resolve the neighbour)
            assert counters_delta(before, middle, "punts")["unresolved"] == 2
            c.nh_set([NextHop(30, NextHopKind.FORWARD, 1, None, mac_bytes(HOST_B_MAC))])
            out = ping(router, "a", "10.2.0.2", count=2)
            after = router.stats()
            assert received(out) == 2, out
            assert counters_delta(middle, after, "punts")["unresolved"] == 0
            assert after["fwd4"] - middle["fwd4"] >= 2
        finally:
            c.route_del([host])
            c.nh_del([30])


def test_blackhole_route_drops_and_counts(router: Lab) -> None:
    target = ipaddress.ip_network("10.2.0.2/32")
    with router.client() as c:
        c.route_add([(target, 2)])  # reserved next hop 2: BLACKHOLE
        try:
            before = router.stats()
            out = ping(router, "a", "10.2.0.2", count=2)
            after = router.stats()
            assert received(out) == 0, out
            assert counters_delta(before, after, "drops")["blackhole"] == 2
        finally:
            c.route_del([target])
    assert received(ping(router, "a", "10.2.0.2", count=1)) == 1

"""Strict unicast RPF (RFC 3704 2.2) on port p1, host B's side (`"urpf": "strict"`): a packet passes only
where the route to its source leads back out of the interface it came in on (port and VLAN): a FORWARD next
hop or a connected subnet there, or one member of an ECMP group there, as Linux's rp_filter 1 decides.
Everything else (routed through another port or VLAN, unrouted, blackholed, the router's own address) is
dropped as `urpf`. Runs the sanitizer build where there is one."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from hayate.ctl import NextHop, NextHopGroup, NextHopKind
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from .lab import HOST_B_MAC, PORT_MACS, VLAN_ID, Lab, capture, counters_delta, lab, send_frames, wait_for
from .test_malformed import SANITIZER_ENV
from .test_urpf import COPIES, from_a, from_b

# Next hops beside the lab's own (16: host A on p0, 17: host B on p1, 18: host B on p1's VLAN)
CONNECTED_P1, CONNECTED_P0, ECMP_BOTH, ECMP_P0 = 30, 31, 32, 33
SOURCES = {
    "192.0.2.0/24": CONNECTED_P1,  # a subnet connected to p1
    "198.18.0.0/24": CONNECTED_P0,  # a subnet connected to p0
    "100.64.0.0/16": ECMP_BOTH,  # ECMP over p0 and p1
    "100.65.0.0/16": ECMP_P0,  # ECMP over p0 only
}


@pytest.fixture(scope="module")
def router(sanitized_fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(
        tmp_path_factory.mktemp("hyfw"), sanitized_fwd_binary, env=SANITIZER_ENV, urpf="strict"
    ) as the_lab:
        with the_lab.client() as c:
            c.nh_set(
                [
                    NextHop(CONNECTED_P1, NextHopKind.PUNT, 1, connected=True),
                    NextHop(CONNECTED_P0, NextHopKind.PUNT, 0, connected=True),
                ]
            )
            c.nhg_set([NextHopGroup(ECMP_BOTH, (16, 17)), NextHopGroup(ECMP_P0, (16,))])
            c.route_add([(ipaddress.ip_network(p), nh) for p, nh in SOURCES.items()])
        yield the_lab


def tagged_from_b(src: str, dst: str) -> bytes:
    frame = Ether(src=HOST_B_MAC, dst=PORT_MACS[1]) / Dot1Q(vlan=VLAN_ID) / IP(src=src, dst=dst)
    return bytes(frame / UDP(sport=7, dport=9) / b"urpf")


@pytest.mark.parametrize(
    "frame",
    [
        from_b("10.2.0.2", "10.1.0.2"),  # host B's subnet, through p1
        from_b("192.0.2.5", "10.1.0.2"),  # a subnet connected to p1
        from_b("100.64.1.1", "10.1.0.2"),  # ECMP with a path through p1
        from_b("2001:db8:2::2", "2001:db8:1::2"),
        tagged_from_b("10.3.0.5", "10.1.0.2"),  # routed through p1's VLAN, arriving on it
    ],
    ids=["forward", "connected", "ecmp", "ipv6", "vlan"],
)
def test_a_source_routed_back_through_its_interface_passes(router: Lab, frame: bytes) -> None:
    before = router.stats()
    with capture(router, "a", router.ifname("h0"), COPIES, "udp and dst port 9") as seen:
        send_frames(router, "b", router.ifname("h1"), [frame] * COPIES)
    assert len(seen) == COPIES, seen
    assert counters_delta(before, router.stats(), "drops")["urpf"] == 0


@pytest.mark.parametrize(
    "frame",
    [
        from_b("10.1.0.9", "10.1.0.2"),  # routed through p0
        from_b("198.18.0.5", "10.1.0.2"),  # a subnet connected to p0
        from_b("100.65.1.1", "10.1.0.2"),  # ECMP through p0 only
        from_b("10.3.0.5", "10.1.0.2"),  # routed through p1's VLAN, arriving untagged
        tagged_from_b("10.2.0.2", "10.1.0.2"),  # routed through untagged p1, arriving on the VLAN
        from_b("203.0.113.9", "10.1.0.2"),  # no route
        from_b("10.2.0.1", "10.1.0.2"),  # the router's own address
        from_b("2001:db8:1::9", "2001:db8:1::2"),  # routed through p0
    ],
    ids=[
        "other-port",
        "connected-elsewhere",
        "ecmp-elsewhere",
        "untagged",
        "tagged",
        "no-route",
        "local",
        "ipv6",
    ],
)
def test_a_source_routed_elsewhere_is_dropped(router: Lab, frame: bytes) -> None:
    before = router.stats()
    send_frames(router, "b", router.ifname("h1"), [frame] * COPIES)
    wait_for(lambda: counters_delta(before, router.stats(), "drops")["urpf"] >= COPIES, 5, f"{COPIES} x urpf")
    after = router.stats()
    assert counters_delta(before, after, "drops")["urpf"] == COPIES
    assert (after["fwd4"], after["fwd6"]) == (before["fwd4"], before["fwd6"])


def test_the_port_names_its_mode_and_the_connected_next_hops_dump_as_such(router: Lab) -> None:
    assert router.port("p1")["urpf"] == "strict"
    with router.client() as c:
        hops = {h.id: h for h in c.nh_dump()}
    assert hops[CONNECTED_P1] == NextHop(CONNECTED_P1, NextHopKind.PUNT, 1, connected=True)


def test_what_is_routed_to_a_connected_subnet_is_punted_through_the_ingress_tap(router: Lab) -> None:
    """As next hop 3 is: the kernel then sees it arrive where it came in and resolves the host itself."""
    before = router.stats()
    with capture(router, "r", router.ifname("p0"), COPIES, "udp and dst host 192.0.2.5") as seen:
        send_frames(router, "a", router.ifname("h0"), [from_a("10.1.0.2", "192.0.2.5")] * COPIES)
    assert len(seen) == COPIES, seen
    assert counters_delta(before, router.stats(), "punts")["nexthop_punt"] == COPIES


def test_the_daemon_stops_cleanly_and_the_sanitizers_found_nothing(router: Lab) -> None:
    rc = router.stop()
    log = router.log.read_text(errors="replace")
    assert rc == 0, log[-3000:]
    assert "Sanitizer" not in log and "runtime error" not in log, log[-3000:]

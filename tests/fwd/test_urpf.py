"""Loose unicast RPF (RFC 3704 2.4) on port p1, host B's side (`"urpf": "loose"`): what host B sends from a
source the router has no route for, a blackhole route for (source-based remote-triggered blackholing, RFC
5635) or holds itself, is dropped and counted as `urpf`; host B's own addresses pass, and port p0 (urpf off)
forwards the same spoofed sources. Runs the sanitizer build where there is one."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from hayate.ctl import NH_BLACKHOLE
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from .lab import HOST_A_MAC, HOST_B_MAC, PORT_MACS, Lab, capture, counters_delta, lab, send_frames, wait_for
from .test_malformed import SANITIZER_ENV

COPIES = 3
BLACKHOLED = ("198.51.100.0/24", "2001:db8:bad::/48")


@pytest.fixture(scope="module")
def router(sanitized_fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(
        tmp_path_factory.mktemp("hyfw"), sanitized_fwd_binary, env=SANITIZER_ENV, urpf="loose"
    ) as the_lab:
        with the_lab.client() as c:
            c.route_add([(ipaddress.ip_network(p), NH_BLACKHOLE) for p in BLACKHOLED])
        yield the_lab


def from_b(src: str, dst: str) -> bytes:
    ip = IP(src=src, dst=dst) if ":" not in src else IPv6(src=src, dst=dst)
    return bytes(Ether(src=HOST_B_MAC, dst=PORT_MACS[1]) / ip / UDP(sport=7, dport=9) / b"urpf")


def from_a(src: str, dst: str) -> bytes:
    return bytes(Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / IP(src=src, dst=dst) / UDP(sport=7, dport=9))


@pytest.mark.parametrize(
    "src, dst",
    [
        ("203.0.113.9", "10.1.0.2"),  # no route
        ("198.51.100.7", "10.1.0.2"),  # blackhole route
        ("203.0.113.9", "10.2.0.1"),  # to the router itself: dropped, not punted
        ("10.2.0.1", "10.1.0.2"),  # from the router's own address: spoofed
        ("2001:db8:dead::1", "2001:db8:1::2"),
        ("2001:db8:bad::1", "2001:db8:1::2"),
    ],
)
def test_a_source_without_a_usable_route_is_dropped_on_a_urpf_port(router: Lab, src: str, dst: str) -> None:
    before = router.stats()
    send_frames(router, "b", router.ifname("h1"), [from_b(src, dst)] * COPIES)
    wait_for(lambda: counters_delta(before, router.stats(), "drops")["urpf"] >= COPIES, 5, f"{COPIES} x urpf")
    after = router.stats()
    assert counters_delta(before, after, "drops")["urpf"] == COPIES
    assert (after["fwd4"], after["fwd6"]) == (before["fwd4"], before["fwd6"])
    assert counters_delta(before, after, "punts")["local"] == 0


@pytest.mark.parametrize("src, dst", [("10.2.0.2", "10.1.0.2"), ("2001:db8:2::2", "2001:db8:1::2")])
def test_host_b_own_addresses_pass(router: Lab, src: str, dst: str) -> None:
    before = router.stats()
    with capture(router, "a", router.ifname("h0"), COPIES, "udp and dst port 9") as seen:
        send_frames(router, "b", router.ifname("h1"), [from_b(src, dst)] * COPIES)
    assert len([line for line in seen if src in line]) == COPIES, seen
    assert counters_delta(before, router.stats(), "drops")["urpf"] == 0


def test_ports_name_their_source_check(router: Lab) -> None:
    assert (router.port("p0")["urpf"], router.port("p1")["urpf"]) == ("off", "loose")


def test_a_port_without_urpf_forwards_spoofed_sources(router: Lab) -> None:
    before = router.stats()
    with capture(router, "b", router.ifname("h1"), COPIES, "udp and dst port 9") as seen:
        send_frames(router, "a", router.ifname("h0"), [from_a("203.0.113.9", "10.2.0.2")] * COPIES)
    assert len([line for line in seen if "203.0.113.9" in line]) == COPIES, seen
    assert counters_delta(before, router.stats(), "drops")["urpf"] == 0


def test_the_daemon_stops_cleanly_and_the_sanitizers_found_nothing(router: Lab) -> None:
    rc = router.stop()
    log = router.log.read_text(errors="replace")
    assert rc == 0, log[-3000:]
    assert "Sanitizer" not in log and "runtime error" not in log, log[-3000:]

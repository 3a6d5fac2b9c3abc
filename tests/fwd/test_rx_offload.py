"""A port whose device verifies IPv4 header checksums (RX offload): the forwarder enables the offload, routes
what the device found good and still drops a bad checksum under its counter.

The device is DPDK's net_tap, a virtual device with the offload (it checks the sum in software, as a NIC
does in hardware): port p0's wire becomes a tap in the dataplane namespace, written to by an AF_PACKET
socket there; port p1 stays net_af_packet, which has no offload.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from .lab import HOST_A_MAC, PORT_MACS, Lab, capture, counters_delta, lab, nsexec, send_frames, wait_for

COPIES = 3


@pytest.fixture(scope="module")
def offload_router(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(tmp_path_factory.mktemp("hyfw"), fwd_binary, tap_wire=True) as the_lab:
        d, wire = the_lab.ns("d"), the_lab.ifname("w0")
        nsexec(d, "sysctl", "-qw", f"net.ipv6.conf.{wire}.disable_ipv6=1")
        nsexec(d, "ip", "link", "set", wire, "up")
        yield the_lab


def datagram(checksum: int | None = None) -> bytes:
    ip = IP(src="10.1.0.2", dst="10.2.0.2", ttl=9)
    if checksum is not None:
        ip.chksum = checksum
    return bytes(Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / ip / UDP(sport=4000, dport=9) / b"offload")


def port(lab: Lab, name: str) -> dict[str, object]:
    with lab.client() as c:
        ports: list[dict[str, object]] = c.ports()
    return next(p for p in ports if p["name"] == name)


def test_the_offload_is_enabled_where_the_device_has_it(offload_router: Lab) -> None:
    assert port(offload_router, "p0")["driver"] == "net_tap"
    assert port(offload_router, "p0")["rx_ip_checksum_offload"] is True
    assert port(offload_router, "p1")["rx_ip_checksum_offload"] is False  # net_af_packet has none


def test_a_datagram_the_device_verified_is_forwarded(offload_router: Lab) -> None:
    before = offload_router.stats()
    with capture(offload_router, "b", offload_router.ifname("h1"), COPIES, "udp and dst port 9") as seen:
        send_frames(offload_router, "d", offload_router.ifname("w0"), [datagram()] * COPIES)
    after = offload_router.stats()
    assert len([line for line in seen if "10.1.0.2.4000 > 10.2.0.2.9" in line]) == COPIES, seen
    assert after["fwd4"] - before["fwd4"] >= COPIES  # and host B's ICMP port unreachable, back to the wire
    assert counters_delta(before, after, "drops")["ip_checksum"] == 0


def test_a_bad_checksum_is_still_dropped_and_counted(offload_router: Lab) -> None:
    good = IP(datagram()[14:]).chksum
    before = offload_router.stats()
    send_frames(offload_router, "d", offload_router.ifname("w0"), [datagram(checksum=good ^ 0x5A5A)] * COPIES)
    wait_for(
        lambda: counters_delta(before, offload_router.stats(), "drops")["ip_checksum"] >= COPIES,
        5,
        f"{COPIES} x drops.ip_checksum",
    )
    after = offload_router.stats()
    assert counters_delta(before, after, "drops")["ip_checksum"] == COPIES
    assert after["fwd4"] == before["fwd4"]

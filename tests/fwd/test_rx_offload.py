"""A port whose device verifies IPv4 header checksums (RX offload): the forwarder enables the offload, routes
what the device found good and still drops a bad checksum under its counter.

The device is DPDK's net_tap, a virtual device with the offload (it checks the sum in software, as a NIC
does in hardware): port p0's wire becomes a tap in the dataplane namespace, written to by an AF_PACKET
socket there; port p1 stays net_af_packet, which has no offload.
"""

from __future__ import annotations

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from .lab import HOST_A_MAC, PORT_MACS, Lab, capture, counters_delta, send_frames, wait_for

COPIES = 3


def datagram(checksum: int | None = None) -> bytes:
    ip = IP(src="10.1.0.2", dst="10.2.0.2", ttl=9)
    if checksum is not None:
        ip.chksum = checksum
    return bytes(Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / ip / UDP(sport=4000, dport=9) / b"offload")


def test_the_offload_is_enabled_where_the_device_has_it(tap_wire_router: Lab) -> None:
    assert tap_wire_router.port("p0")["driver"] == "net_tap"
    assert tap_wire_router.port("p0")["rx_ip_checksum_offload"] is True
    assert tap_wire_router.port("p1")["rx_ip_checksum_offload"] is False  # net_af_packet has none


def test_a_datagram_the_device_verified_is_forwarded(tap_wire_router: Lab) -> None:
    before = tap_wire_router.stats()
    with capture(tap_wire_router, "b", tap_wire_router.ifname("h1"), COPIES, "udp and dst port 9") as seen:
        send_frames(tap_wire_router, "d", tap_wire_router.ifname("w0"), [datagram()] * COPIES)
    after = tap_wire_router.stats()
    assert len([line for line in seen if "10.1.0.2.4000 > 10.2.0.2.9" in line]) == COPIES, seen
    assert after["fwd4"] - before["fwd4"] >= COPIES  # and host B's ICMP port unreachable, back to the wire
    assert counters_delta(before, after, "drops")["ip_checksum"] == 0


def test_a_bad_checksum_is_still_dropped_and_counted(tap_wire_router: Lab) -> None:
    good = IP(datagram()[14:]).chksum
    before = tap_wire_router.stats()
    bad = datagram(checksum=good ^ 0x5A5A)
    send_frames(tap_wire_router, "d", tap_wire_router.ifname("w0"), [bad] * COPIES)
    wait_for(
        lambda: counters_delta(before, tap_wire_router.stats(), "drops")["ip_checksum"] >= COPIES,
        5,
        f"{COPIES} x drops.ip_checksum",
    )
    after = tap_wire_router.stats()
    assert counters_delta(before, after, "drops")["ip_checksum"] == COPIES
    assert after["fwd4"] == before["fwd4"]

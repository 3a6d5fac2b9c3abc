"""Raw Ethernet/IPv4/UDP frames for the data-plane checks of the image tests (no scapy needed)."""

from __future__ import annotations

import struct

ETH_P_IP = 0x0800
IPPROTO_UDP = 17


def mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(":"))


def ip_bytes(addr: str) -> bytes:
    return bytes(int(part) for part in addr.split("."))


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(dst_mac: str, src_mac: str, src_ip: str, dst_ip: str, ttl: int, payload: bytes) -> bytes:
    """An Ethernet frame carrying an IPv4/UDP datagram (UDP checksum 0: allowed for IPv4)."""
    udp = struct.pack("!HHHH", 40000, 40001, 8 + len(payload), 0) + payload
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(udp),
        0x1234,
        0,
        ttl,
        IPPROTO_UDP,
        0,
        ip_bytes(src_ip),
        ip_bytes(dst_ip),
    )
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ETH_P_IP) + header + udp


def parse_udp_frame(frame: bytes) -> dict[str, object] | None:
    """The fields of an Ethernet/IPv4/UDP frame, or None for any other frame."""
    if len(frame) < 42 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[14 + 9] != IPPROTO_UDP:
        return None
    return {
        "dst_mac": ":".join(f"{b:02x}" for b in frame[0:6]),
        "src_mac": ":".join(f"{b:02x}" for b in frame[6:12]),
        "ttl": frame[14 + 8],
        "src_ip": ".".join(str(b) for b in frame[26:30]),
        "dst_ip": ".".join(str(b) for b in frame[30:34]),
        "header_ok": checksum(frame[14 : 14 + ihl]) == 0,
        "payload": frame[14 + ihl + 8 :],
    }

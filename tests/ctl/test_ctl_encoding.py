"""The control client's encoders and decoders against bytes written by hand from PROTOCOL.md."""

from __future__ import annotations

import ipaddress

import pytest
from hayate import ctl
from hayate.ctl import NextHop, NextHopGroup, NextHopKind


def test_header_is_16_bytes_little_endian() -> None:
    raw = ctl.HEADER.pack(40, 1, 10, 7, -2)
    assert raw == bytes.fromhex("28000000" "0100" "0a00" "07000000" "feffffff")


def test_ipv4_route_record_layout() -> None:
    buf = ctl.encode_routes([(ipaddress.ip_network("10.1.2.0/24"), 300)])
    expected = bytes([4, 24, 0, 0]) + (300).to_bytes(4, "little") + bytes([10, 1, 2, 0]) + bytes(12)
    assert bytes(buf) == expected


def test_ipv6_route_record_layout() -> None:
    buf = ctl.encode_routes([(ipaddress.ip_network("2001:db8::/32"), 17)])
    addr = bytes.fromhex("20010db8") + bytes(12)
    assert bytes(buf) == bytes([6, 32, 0, 0]) + (17).to_bytes(4, "little") + addr


def test_route_records_round_trip_through_keys() -> None:
    routes = [
        (ipaddress.ip_network("0.0.0.0/0"), 2),
        (ipaddress.ip_network("192.0.2.1/32"), 1),
        (ipaddress.ip_network("2001:db8:1::/48"), 65535),
    ]
    decoded = ctl.decode_route_keys(ctl.encode_routes(routes))
    assert [(ctl.key_network(k), nh) for k, nh in decoded] == routes


def test_decode_routes_rejects_partial_record() -> None:
    with pytest.raises(ctl.ProtocolError, match="multiple of 24"):
        ctl.decode_route_keys(bytes(25))


def test_nexthop_record_layout_with_vlan() -> None:
    nh = NextHop(4096, NextHopKind.FORWARD, port=3, vlan=100, mac=ctl.parse_mac("02:00:00:00:00:0a"))
    expected = (
        (4096).to_bytes(4, "little") + bytes([1, 1]) + (3).to_bytes(2, "little") + (100).to_bytes(2, "little")
    ) + bytes.fromhex("02000000000a")
    assert bytes(ctl.encode_nexthops([nh])) == expected
    assert ctl.decode_nexthops(expected) == [nh]


def test_nexthop_without_vlan_has_no_flag() -> None:
    raw = bytes(ctl.encode_nexthops([NextHop(16, NextHopKind.PUNT, port=1)]))
    assert raw[5] == 0 and raw[8:10] == b"\x00\x00"
    assert ctl.decode_nexthops(raw)[0].vlan is None


def test_nexthop_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match="vlan"):
        NextHop(16, NextHopKind.FORWARD, vlan=5000)
    with pytest.raises(ValueError, match="mac"):
        NextHop(16, NextHopKind.FORWARD, mac=b"\x00")


def test_group_records_layout_and_round_trip() -> None:
    groups = [NextHopGroup(20, (16, 17)), NextHopGroup(21, (18,))]
    raw = bytes(ctl.encode_groups(groups))
    expected = bytes.fromhex("14000000" "0200" "0000" "10000000" "11000000") + bytes.fromhex(
        "15000000" "0100" "0000" "12000000"
    )
    assert raw == expected
    assert ctl.decode_groups(raw) == groups


def test_group_decoder_rejects_truncated_members() -> None:
    with pytest.raises(ctl.ProtocolError, match="truncated"):
        ctl.decode_groups(bytes.fromhex("14000000" "0200" "0000" "10000000"))


def test_group_member_limit() -> None:
    with pytest.raises(ValueError, match="1..64"):
        NextHopGroup(20, tuple(range(16, 16 + 65)))


def test_chunks_respect_batch_and_8mib() -> None:
    chunks = list(ctl._chunks(24 * 10, 24, 4))
    assert [c[2] for c in chunks] == [4, 4, 2]
    assert chunks[-1][1] == 240
    big = 400_000
    sizes = [c[1] - c[0] for c in ctl._chunks(24 * big, 24, 1_000_000)]
    assert max(sizes) + ctl.HEADER.size <= ctl.MESSAGE_BUDGET
    assert sum(sizes) == 24 * big


def test_variable_chunks_split_on_record_boundaries() -> None:
    sizes = [12, 8, 16, 12]
    chunks = list(ctl._chunks(sum(sizes), sizes, 2))
    assert chunks == [(0, 20, 2), (20, 48, 2)]


def test_error_text_reads_json_or_plain() -> None:
    text = ctl._error_text(b'{"error":"routes[3].nh: no such next hop 99"}')
    assert text == "routes[3].nh: no such next hop 99"
    assert ctl._error_text(b"plain words\x00") == "plain words"

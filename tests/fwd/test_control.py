"""The control socket of a running hayate-fwd: batches, errors, ECMP groups, dumps, ports, clean stop."""

from __future__ import annotations

import errno
import ipaddress
import stat
import time

import pytest
from hayate.ctl import ControlError, NextHop, NextHopGroup, NextHopKind
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from .lab import HOST_A_MAC, HOST_B_MAC, PORT_MACS, Lab, capture, mac_bytes, send_frames

net = ipaddress.ip_network


def test_hello_names_protocol_backend_and_ports(router: Lab) -> None:
    with router.client() as c:
        hello = c.hello()
    assert hello.version == 1
    assert hello.backend == "poptrie"
    assert hello.ports == 2
    assert hello.pid > 0


def test_socket_is_owner_only(router: Lab) -> None:
    mode = router.socket.stat().st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600


def test_route_to_unknown_next_hop_is_refused_after_the_valid_ones(router: Lab) -> None:
    with router.client() as c:
        with pytest.raises(ControlError) as failure:
            c.route_add([(net("10.60.0.0/16"), 17), (net("10.61.0.0/16"), 999), (net("10.62.0.0/16"), 17)])
        assert failure.value.errno == errno.ENOENT
        assert failure.value.applied == 1
        assert "route[1].nh" in failure.value.message
        assert c.lookup("10.60.1.1")["nh"] == 17
        assert c.lookup("10.62.1.1")["nh"] == 0
        c.route_del([net("10.60.0.0/16")])


def test_next_hop_in_use_cannot_be_deleted(router: Lab) -> None:
    with router.client() as c:
        c.nh_set([NextHop(40, NextHopKind.FORWARD, 1, None, mac_bytes(HOST_B_MAC))])
        c.route_add([(net("10.70.0.0/16"), 40)])
        with pytest.raises(ControlError) as failure:
            c.nh_del([40])
        assert failure.value.errno == errno.EBUSY
        c.route_del([net("10.70.0.0/16")])
        c.nh_del([40])
        assert all(nh.id != 40 for nh in c.nh_dump())


def test_ecmp_group_spreads_flows_over_its_members(router: Lab) -> None:
    other_mac = "02:bb:00:00:00:02"
    with router.client() as c:
        c.nh_set(
            [
                NextHop(50, NextHopKind.FORWARD, 1, None, mac_bytes(HOST_B_MAC)),
                NextHop(51, NextHopKind.FORWARD, 1, None, mac_bytes(other_mac)),
            ]
        )
        c.nhg_set([NextHopGroup(60, (50, 51))])
        c.route_add([(net("10.80.0.0/24"), 60)])
        assert [g.members for g in c.nhg_dump() if g.id == 60] == [(50, 51)]
        assert c.lookup("10.80.0.9")["next_hop"]["members"] == [50, 51]
    flows = 32
    with capture(router, "b", router.ifname("h1"), flows, "udp and dst net 10.80.0.0/24") as lines:
        frames = [
            bytes(Ether(src=HOST_A_MAC, dst=PORT_MACS[0]) / IP(src="10.1.0.2", dst="10.80.0.9")
                  / UDP(sport=10000 + i, dport=7))
            for i in range(flows)
        ]  # fmt: skip
        send_frames(router, "a", router.ifname("h0"), frames)
    out = "\n".join(lines)
    to_b = out.count(f"> {HOST_B_MAC}")
    to_other = out.count(f"> {other_mac}")
    assert to_b + to_other == flows, out
    assert to_b > 0 and to_other > 0  # both members carry flows
    with router.client() as c:
        c.route_del([net("10.80.0.0/24")])
        c.nh_del([60, 50, 51])


def test_route_dump_lookup_and_delete_round_trip(router: Lab) -> None:
    routes = [(net("198.18.0.0/15"), 17), (net("2001:db8:99::/48"), 17), (net("198.18.7.0/24"), 16)]
    with router.client() as c:
        c.route_add(routes)
        dumped = set(c.route_dump())
        assert set(routes) <= dumped
        assert set(c.route_dump(6)) == {r for r in dumped if r[0].version == 6}
        hit = c.lookup("198.18.7.200")
        assert (hit["nh"], hit["prefix"]) == (16, "198.18.7.0/24")
        assert c.lookup("198.19.0.1")["prefix"] == "198.18.0.0/15"
        assert c.lookup("2001:db8:99::1")["next_hop"]["port_name"] == "p1"
        c.route_del([r[0] for r in routes])
        assert not set(routes) & set(c.route_dump())


def test_batch_of_100000_routes_is_applied_in_one_message(router: Lab) -> None:
    routes = [(ipaddress.IPv4Network(((20 << 24) + (i << 8), 24)), 17) for i in range(100_000)]
    with router.client() as c:
        before = c.fib_stats()["routes4"]
        start = time.monotonic()
        assert c.route_add(routes) == 100_000  # one ROUTE_ADD message of 2.4 MB
        elapsed = time.monotonic() - start
        assert c.fib_stats()["routes4"] == before + 100_000
        assert c.lookup("20.1.134.9")["prefix"] == "20.1.134.0/24"
        assert c.route_del([r[0] for r in routes]) == 100_000
        assert c.fib_stats()["routes4"] == before
    print(f"100,000 routes added in {elapsed:.3f} s (client encoding included)")


def test_module_eeprom_is_not_supported_on_virtual_ports(router: Lab) -> None:
    with router.client() as c:
        with pytest.raises(ControlError) as failure:
            c.module_eeprom(0)
        assert failure.value.errno == errno.ENOTSUP
        with pytest.raises(ControlError) as failure:
            c.module_eeprom(7)
        assert failure.value.errno == errno.ENODEV


def test_stats_report_lcores_busy_ratio_and_queues(router: Lab) -> None:
    stats = router.stats()
    lcore = stats["lcores"][0]
    assert lcore["lcore"] == 1
    assert 0.0 <= lcore["busy_ratio"] <= 1.0
    assert {(q["port"], q["queue"]) for q in lcore["rx_queues"]} == {
        ("p0", 0),
        ("p0", 1),
        ("p1", 0),
        ("p1", 1),
    }
    assert stats["control"]["requests"] > 0
    assert stats["fib"]["backend"] == "poptrie"
    assert len(stats["ports"][0]["rx_queues"]) == 2


def test_sigterm_stops_cleanly_and_removes_the_socket(router: Lab) -> None:
    # Last test of the module: it stops the daemon.
    assert router.stop() == 0
    assert not router.socket.exists()

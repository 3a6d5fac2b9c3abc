"""The mirror's planning logic on hand-made kernel events (no kernel, no forwarder)."""

from __future__ import annotations

import ipaddress

from hayate.agent.kernel import Addr, KNexthop, Link, Neigh
from hayate.agent.mirror import Mirror, _expand_weights
from hayate.agent.rtdecode import T_BLACKHOLE
from hayate.ctl import NH_BLACKHOLE, NH_LOCAL, NH_PUNT, NextHop, NextHopGroup, NextHopKind, network_key

MAC_A = bytes.fromhex("02000000000a")
MAC_B = bytes.fromhex("02000000000b")


def key(prefix: str) -> tuple[int, int, bytes]:
    return network_key(ipaddress.ip_network(prefix))


def a4(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def router() -> Mirror:
    m = Mirror({"p0": (0, None), "p1": (1, None)})
    m.replace_links(
        [
            Link(2, "p0", True, "tun", 0, None),
            Link(3, "p1", True, "tun", 0, None),
            Link(4, "eth9", True, "veth", 0, None),
        ]
    )
    m.neigh(True, Neigh(2, 4, a4("10.0.0.2"), MAC_A))
    m.neigh(True, Neigh(3, 4, a4("10.0.1.2"), MAC_B))
    m.adopt([], [], [])
    m.plan()
    m.finish_adopt()
    return m


def via(oif: int, gw: str) -> tuple[object, ...]:
    return ("via", oif, 4, a4(gw))


def test_lowest_metric_wins_and_the_next_takes_over_on_delete() -> None:
    m = router()
    m.route(True, key("0.0.0.0/0"), 0, 100, 4, via(2, "10.0.0.2"))
    m.route(True, key("0.0.0.0/0"), 0, 50, 4, via(3, "10.0.1.2"))
    plan = m.plan()
    ((k, nh),) = plan.route_add
    assert m.nh_content[nh].port == 1
    m.route(False, key("0.0.0.0/0"), 0, 50, 4, via(3, "10.0.1.2"))
    plan = m.plan()
    assert m.nh_content[plan.route_add[0][1]].port == 0


def test_identical_gateways_share_one_next_hop_freed_when_unused() -> None:
    m = router()
    for p in ("198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24"):
        m.route(True, key(p), 0, 0, 186, via(2, "10.0.0.2"))
    plan = m.plan()
    assert len({nh for _, nh in plan.route_add}) == 1
    shared = plan.route_add[0][1]
    assert shared == m.fib[key("10.0.0.2/32")]  # the neighbour's host route uses it too
    for p in ("198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24"):
        m.route(False, key(p), 0, 0, 186, via(2, "10.0.0.2"))
    m.neigh(False, Neigh(2, 4, a4("10.0.0.2"), None))
    plan = m.plan()
    assert plan.nh_del == [shared] and shared not in m.nh_content


def test_neighbour_mac_change_updates_the_next_hop_in_place() -> None:
    m = router()
    m.route(True, key("198.51.100.0/24"), 0, 0, 186, via(2, "10.0.0.9"))
    plan = m.plan()
    nh = plan.route_add[0][1]
    assert plan.nh_set == [NextHop(nh, NextHopKind.FORWARD, 0, None, bytes(6))]
    m.neigh(True, Neigh(2, 4, a4("10.0.0.9"), MAC_B))
    plan = m.plan()
    assert plan.nh_set == [NextHop(nh, NextHopKind.FORWARD, 0, None, MAC_B)]
    assert [k for k, _ in plan.route_add] == [key("10.0.0.9/32")]  # only the new neighbour's host route


def test_address_beats_route_and_reveals_it_when_removed() -> None:
    m = router()
    m.route(True, key("192.0.2.1/32"), 0, 0, 4, T_BLACKHOLE)
    m.addr(True, Addr(2, 4, a4("192.0.2.1")))
    m.plan()
    assert m.fib[key("192.0.2.1/32")] == NH_LOCAL
    m.addr(False, Addr(2, 4, a4("192.0.2.1")))
    m.plan()
    assert m.fib[key("192.0.2.1/32")] == NH_BLACKHOLE


def test_paths_through_other_interfaces_punt() -> None:
    m = router()
    m.route(True, key("203.0.113.0/24"), 0, 0, 4, via(4, "192.0.2.9"))
    m.route(True, key("198.51.100.0/24"), 0, 0, 4, ("via", 4, 4, b""))
    m.route(
        True, key("100.64.0.0/16"), 0, 0, 4, ("mp", ((2, 4, a4("10.0.0.2"), 1), (4, 4, a4("192.0.2.9"), 1)))
    )
    m.plan()
    assert (
        m.fib[key("203.0.113.0/24")]
        == m.fib[key("198.51.100.0/24")]
        == m.fib[key("100.64.0.0/16")]
        == NH_PUNT
    )


def test_connected_subnets_get_their_interfaces_connected_next_hop() -> None:
    m = Mirror({"p0": (0, None), "p1": (1, None), "p1.100": (1, 100)})
    m.replace_links([Link(2, "p0", True, "tun", 0, None), Link(3, "p1", True, "tun", 0, None)])
    m.replace_links([*m.links.values(), Link(5, "p1.100", True, "vlan", 3, 100)])
    m.adopt([], [], [])
    m.finish_adopt()
    m.route(True, key("10.0.0.0/24"), 0, 0, 2, ("via", 2, 4, b""))
    m.route(True, key("10.0.9.0/24"), 0, 0, 2, ("via", 2, 4, b""))
    m.route(True, (6, 64, ipaddress.ip_address("2001:db8::").packed), 0, 0, 2, ("via", 2, 6, b""))
    m.route(True, key("10.1.0.0/24"), 0, 0, 2, ("via", 5, 4, b""))
    plan = m.plan()
    p0 = m.fib[key("10.0.0.0/24")]
    vlan = m.fib[key("10.1.0.0/24")]
    # one next hop per interface, whatever the family; the VLAN is an interface of its own
    assert m.fib[key("10.0.9.0/24")] == m.fib[(6, 64, ipaddress.ip_address("2001:db8::").packed)] == p0
    assert sorted(plan.nh_set, key=lambda h: h.id) == sorted(
        [
            NextHop(p0, NextHopKind.PUNT, 0, None, connected=True),
            NextHop(vlan, NextHopKind.PUNT, 1, 100, connected=True),
        ],
        key=lambda h: h.id,
    )
    # a new agent process adopts the forwarder's connected next hop instead of making another
    fresh = Mirror({"p0": (0, None), "p1": (1, None), "p1.100": (1, 100)})
    fresh.replace_links(m.links.values())
    fresh.route(True, key("10.0.0.0/24"), 0, 0, 2, ("via", 2, 4, b""))
    fresh.adopt([(key("10.0.0.0/24"), p0)], [m.nh_content[p0]], [])
    plan = fresh.plan()
    assert fresh.fib[key("10.0.0.0/24")] == p0 and not plan
    # the subnet goes: its next hop is freed
    m.route(False, key("10.1.0.0/24"), 0, 0, 2, ("via", 5, 4, b""))
    assert m.plan().nh_del == [vlan]


def test_kernel_group_change_is_one_group_update_not_route_updates() -> None:
    m = router()
    m.nexthop(True, KNexthop(1, 2, 4, a4("10.0.0.2")))
    m.nexthop(True, KNexthop(2, 3, 4, a4("10.0.1.2")))
    m.nexthop(True, KNexthop(10, group=((1, 1), (2, 1))))
    for i in range(100):
        m.route(True, key(f"100.64.{i}.0/24"), 0, 0, 186, ("nhid", 10))
    plan = m.plan()
    gid = plan.route_add[0][1]
    assert len(plan.route_add) == 100 and plan.nhg_set[0].id == gid
    m.nexthop(True, KNexthop(10, group=((2, 1),)))
    plan = m.plan()
    assert plan.route_add == [] and plan.nhg_set == [NextHopGroup(gid, (m.fib[key("10.0.1.2/32")],))]


def test_adopting_the_forwarders_state_sends_only_the_difference() -> None:
    m = router()
    for i in range(50):
        m.route(True, key(f"100.64.{i}.0/24"), 0, 0, 186, via(2, "10.0.0.2"))
    m.plan()
    installed = sorted(m.fib.items())
    hops = list(m.nh_content.values())
    # a new agent process: same kernel, the forwarder's dump
    fresh = Mirror({"p0": (0, None), "p1": (1, None)})
    fresh.replace_links(m.links.values())
    fresh.replace_neighs(Neigh(*nk, mac) for nk, mac in m.neighs.items())
    for i in range(50):
        fresh.route(True, key(f"100.64.{i}.0/24"), 0, 0, 186, via(2, "10.0.0.2"))
    fresh.route(True, key("100.65.0.0/24"), 0, 0, 186, via(2, "10.0.0.2"))
    fresh.adopt(installed, hops, [])
    plan = fresh.plan()
    assert plan.route_add == [(key("100.65.0.0/24"), m.fib[key("100.64.0.0/24")])]
    assert plan.nh_set == [] and plan.route_del == [] and plan.nh_del == []


def test_sweep_removes_what_the_dump_did_not_contain() -> None:
    m = router()
    m.route(True, key("198.51.100.0/24"), 0, 0, 4, T_BLACKHOLE)
    m.route(True, key("198.51.101.0/24"), 0, 0, 4, T_BLACKHOLE)
    m.route(True, key("198.51.101.0/24"), 0, 10, 4, T_BLACKHOLE)
    m.plan()
    gone = m.sweep_routes(range(0, 1), {key("198.51.101.0/24"): 10}, set())
    assert gone == 2
    m.plan()
    assert key("198.51.100.0/24") not in m.fib and m.fib[key("198.51.101.0/24")] == NH_BLACKHOLE


def test_weights_expand_in_proportion_within_64_slots() -> None:
    assert _expand_weights([(16, 1), (17, 1)]) == (16, 17)
    assert _expand_weights([(16, 3), (17, 1)]) == (16, 16, 16, 17)
    big = _expand_weights([(16, 200), (17, 100)])
    assert len(big) <= 64 and big.count(16) == 2 * big.count(17)


def test_vlan_interfaces_map_to_port_and_vlan() -> None:
    # p0.100 named by the configuration; p1.200 found as a kernel VLAN device on p1's tap
    m = Mirror({"p0": (0, None), "p1": (1, None), "p0.100": (0, 100)})
    m.replace_links(
        [
            Link(2, "p0", True, "tun", 0, None),
            Link(3, "p1", True, "tun", 0, None),
            Link(5, "p0.100", True, "vlan", 2, 100),
            Link(6, "p1.200", True, "vlan", 3, 200),
        ]
    )
    m.neigh(True, Neigh(5, 4, a4("10.100.0.2"), MAC_A))
    m.adopt([], [], [])
    m.route(True, key("198.51.100.0/24"), 0, 0, 4, via(5, "10.100.0.2"))
    m.route(True, key("198.51.101.0/24"), 0, 0, 4, via(6, "10.200.0.2"))
    m.plan()
    a = m.nh_content[m.fib[key("198.51.100.0/24")]]
    b = m.nh_content[m.fib[key("198.51.101.0/24")]]
    assert (a.port, a.vlan, a.mac) == (0, 100, MAC_A)
    assert (b.port, b.vlan, b.mac) == (1, 200, bytes(6))


def test_gateways_are_the_neighbours_forward_next_hops_send_to() -> None:
    m = router()  # 10.0.0.2 on p0 and 10.0.1.2 on p1 resolved: host routes through their own next hops
    m.route(True, key("198.51.100.0/24"), 0, 0, 186, via(2, "10.0.0.9"))  # not resolved yet
    m.route(True, key("10.0.0.0/24"), 0, 0, 2, ("via", 2, 4, b""))  # connected: no gateway
    m.plan()
    hosts = {(2, 4, a4("10.0.0.2")), (3, 4, a4("10.0.1.2"))}
    assert m.gateways() == hosts | {(2, 4, a4("10.0.0.9"))}
    m.route(False, key("198.51.100.0/24"), 0, 0, 186, via(2, "10.0.0.9"))
    m.plan()
    assert m.gateways() == hosts

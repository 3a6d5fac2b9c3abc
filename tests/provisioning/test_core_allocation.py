"""Core allocation (plugins/filter/hayate_cores.py) on recorded topologies and on this machine."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hayate_cores import AllocationError, allocate, cpulist, physical_cores
from hayate_host_topology import parse_cpulist, read_topology

from .provisioning_helpers import load_topology

# The Interop 2018 layout of the Kamuee box: 2 core-facing 100GbE ports with 8 cores, 4 border and tester
# ports with 6, 3 10GbE ports with 2 (46 forwarders). Nodes as the NICs sit in inventory/example.
INTEROP_PORTS: list[dict[str, Any]] = [
    {"name": "core1", "cores": 8, "numa_node": 0},
    {"name": "border1", "cores": 6, "numa_node": 0},
    {"name": "tester1", "cores": 6, "numa_node": 0},
    {"name": "core2", "cores": 8, "numa_node": 1},
    {"name": "border2", "cores": 6, "numa_node": 1},
    {"name": "tester2", "cores": 6, "numa_node": 1},
    {"name": "ten1", "cores": 2, "numa_node": 1},
    {"name": "ten2", "cores": 2, "numa_node": 1},
    {"name": "ten3", "cores": 2, "numa_node": 1},
]


def siblings_of(topology: dict[str, Any]) -> dict[int, set[int]]:
    """CPU -> every hardware thread of its physical core, from the recorded (socket, core) ids."""
    by_core: dict[tuple[int, int], set[int]] = {}
    for cpu in topology["cpus"]:
        by_core.setdefault((cpu["socket"], cpu["core"]), set()).add(cpu["cpu"])
    return {cpu: threads for threads in by_core.values() for cpu in threads}


def node_of(topology: dict[str, Any]) -> dict[int, int]:
    return {cpu["cpu"]: cpu["node"] for cpu in topology["cpus"]}


def assert_sound(topology: dict[str, Any], result: dict[str, Any], ports: list[dict[str, Any]]) -> None:
    """Invariants every dedicated allocation keeps, whatever the host."""
    siblings = siblings_of(topology)
    forwarders = [entry["lcore"] for entry in result["lcores"]]
    # One lcore per physical core: no two forwarders, nor forwarder and manager, share a core or SMT sibling.
    used_cores = [frozenset(siblings[cpu]) for cpu in [*forwarders, result["manager_lcore"]]]
    assert len(set(used_cores)) == len(used_cores)
    # The OS keeps the first core of every socket, with its siblings.
    for socket in {cpu["socket"] for cpu in topology["cpus"]}:
        first = min(cpu["cpu"] for cpu in topology["cpus"] if cpu["socket"] == socket)
        assert not siblings[first] & {*forwarders, result["manager_lcore"]}
        assert siblings[first] <= set(result["os_cpus"])
    # Every (port, queue) is polled exactly once, and each port has the queues its cores ask for.
    polled = Counter((rx["port"], rx["queue"]) for entry in result["lcores"] for rx in entry["rx"])
    expected = {
        (port["name"], q) for port in ports for q in range(port["cores"] * port.get("queues_per_core", 1))
    }
    assert set(polled) == expected
    assert all(count == 1 for count in polled.values())
    for port in ports:
        assert result["ports"][port["name"]]["rx_queues"] == port["cores"] * port.get("queues_per_core", 1)
    # The kernel isolates the forwarder cores and nothing else: each forwarder CPU with all its siblings.
    isolated = set(result["isolated_cpus"])
    assert isolated == {cpu for lcore in forwarders for cpu in siblings[lcore]}
    assert not isolated & set(result["os_cpus"])
    assert set(parse_cpulist(result["isolated_cpulist"])) == isolated


def test_interop_layout_on_two_xeon_8180_gets_46_numa_local_forwarders() -> None:
    topology = load_topology("xeon8180x2")
    result = allocate(topology, INTEROP_PORTS)
    assert_sound(topology, result, INTEROP_PORTS)
    assert result["forwarder_lcores"] == 46
    nodes = node_of(topology)
    for port in INTEROP_PORTS:
        lcores = result["ports"][port["name"]]["lcores"]
        assert len(lcores) == port["cores"]
        assert {nodes[cpu] for cpu in lcores} == {port["numa_node"]}, port["name"]
        assert result["ports"][port["name"]]["remote_lcores"] == []
    # The manager is on node 0, near the first port, on a core of its own; no warning.
    assert nodes[result["manager_lcore"]] == 0
    assert result["warnings"] == []
    # 56 physical cores: 46 forwarders, 1 manager, 2 for the OS, 7 left idle for the OS.
    assert len(result["os_cpus"]) == 112 - 2 * 46


def test_interop_layout_with_one_more_core_on_node_1_is_refused_with_the_numbers() -> None:
    topology = load_topology("xeon8180x2")
    ports = [dict(port) for port in INTEROP_PORTS]
    ports[3]["cores"] = 10  # core2 on node 1: 28 - 1 (OS) = 27 cores, 20 + 8 asked by the others
    with pytest.raises(AllocationError) as error:
        allocate(topology, ports)
    message = str(error.value)
    assert "port core2" in message or "port ten3" in message
    assert "NUMA node 1" in message
    assert "28 physical cores" in message


def test_remote_numa_placement_needs_the_inventory_and_warns() -> None:
    topology = load_topology("xeon8180x2")
    ports = [{"name": "big", "cores": 30, "numa_node": 0}]
    with pytest.raises(AllocationError, match=r"port big: needs 30 cores on NUMA node 0, only 26 free"):
        allocate(topology, ports)
    result = allocate(topology, [dict(ports[0], allow_remote_numa=True)])
    assert_sound(topology, result, ports)
    nodes = node_of(topology)
    remote = result["ports"]["big"]["remote_lcores"]
    assert len(remote) == 4 and {nodes[cpu] for cpu in remote} == {1}
    assert (
        len(result["warnings"]) == 1 and "big" in result["warnings"][0] and "remote" in result["warnings"][0]
    )


def test_global_allow_remote_numa_option_applies_to_every_port() -> None:
    topology = load_topology("xeon8180x2")
    result = allocate(topology, [{"name": "big", "cores": 30, "numa_node": 0}], {"allow_remote_numa": True})
    assert len(result["ports"]["big"]["remote_lcores"]) == 4


def test_epyc_nps4_keeps_ports_on_their_quarter_of_the_socket() -> None:
    topology = load_topology("epyc7713-nps4")
    ports = [{"name": f"p{n}", "cores": 12, "numa_node": n} for n in range(4)]
    result = allocate(topology, ports)
    assert_sound(topology, result, ports)
    nodes = node_of(topology)
    for n in range(4):
        assert {nodes[cpu] for cpu in result["ports"][f"p{n}"]["lcores"]} == {n}
    # One socket: only its first core is kept for the OS; the manager sits on node 0 next to p0.
    assert result["reserved_os_cpus"] == [0, 64]
    assert result["manager_lcore"] == 1


def test_epyc_nps4_node_0_holds_14_forwarders_after_the_os_and_the_manager() -> None:
    topology = load_topology("epyc7713-nps4")
    allocate(topology, [{"name": "p0", "cores": 14, "numa_node": 0}])
    with pytest.raises(AllocationError, match=r"port p0: needs 15 cores on NUMA node 0, only 14 free there"):
        allocate(topology, [{"name": "p0", "cores": 15, "numa_node": 0}])


def test_epyc_nps4_remote_cores_come_from_the_same_socket_nearest_node_first() -> None:
    topology = load_topology("epyc7713-nps4")
    ports = [{"name": "p0", "cores": 20, "numa_node": 0, "allow_remote_numa": True}]
    result = allocate(topology, ports)
    nodes = node_of(topology)
    assert sorted({nodes[cpu] for cpu in result["ports"]["p0"]["remote_lcores"]}) == [1]


def test_later_ports_local_cores_are_not_taken_by_an_earlier_remote_port() -> None:
    """Pass 1 gives every port its local cores before any port spills over to a remote node."""
    topology = load_topology("xeon8180x2")
    ports = [
        {"name": "spill", "cores": 30, "numa_node": 0, "allow_remote_numa": True},
        {"name": "local", "cores": 23, "numa_node": 1},
    ]
    result = allocate(topology, ports)
    nodes = node_of(topology)
    assert {nodes[cpu] for cpu in result["ports"]["local"]["lcores"]} == {1}
    assert len(result["ports"]["spill"]["remote_lcores"]) == 4


def test_more_cores_than_the_whole_host_is_refused_even_with_remote_numa() -> None:
    topology = load_topology("xeon8180x2")
    with pytest.raises(AllocationError, match=r"port big: needs 60 cores, only 53 free on the whole host"):
        allocate(topology, [{"name": "big", "cores": 60, "numa_node": 0, "allow_remote_numa": True}])


def test_queues_per_core_spreads_queues_evenly_over_the_port_lcores() -> None:
    topology = load_topology("xeon8180x2")
    ports = [{"name": "p0", "cores": 4, "queues_per_core": 2, "numa_node": 0}]
    result = allocate(topology, ports)
    assert_sound(topology, result, ports)
    assert result["ports"]["p0"]["rx_queues"] == 8
    assert all(len(entry["rx"]) == 2 for entry in result["lcores"])


def test_nic_numa_node_comes_from_the_topology_pci_table() -> None:
    topology = load_topology("xeon8180x2")
    topology["pci"] = {
        "0000:86:00.0": {"numa_node": 1, "vendor": "0x15b3", "device": "0x1017", "driver": None}
    }
    result = allocate(topology, [{"name": "p0", "device": "0000:86:00.0", "cores": 2}])
    assert result["ports"]["p0"]["numa_node"] == 1
    assert {node_of(topology)[cpu] for cpu in result["ports"]["p0"]["lcores"]} == {1}


def test_this_machine_recorded_has_no_room_for_a_dedicated_forwarder_beside_os_and_manager() -> None:
    topology = load_topology("devbox")
    with pytest.raises(AllocationError, match=r"port p0: needs 1 cores on NUMA node 0, only 0 free"):
        allocate(topology, [{"name": "p0", "cores": 1}])
    result = allocate(topology, [{"name": "p0", "cores": 1}], {"manager_on_os_core": True})
    assert result["manager_lcore"] == 0
    assert [entry["lcore"] for entry in result["lcores"]] == [1]


def test_shared_lcores_put_the_lab_ports_on_the_cores_there_are() -> None:
    topology = load_topology("devbox")
    ports = [{"name": f"p{i}", "cores": 1, "numa_node": 0} for i in range(3)]
    result = allocate(topology, ports, {"manager_on_os_core": True, "shared_lcores": True})
    assert result["lcores"] == [
        {
            "lcore": 1,
            "node": 0,
            "rx": [{"port": "p0", "queue": 0}, {"port": "p1", "queue": 0}, {"port": "p2", "queue": 0}],
        }
    ]
    assert any("shared" in warning for warning in result["warnings"])


def test_this_machine_live_topology_allocates_a_lab_router() -> None:
    """Read /sys now (not a recording) and allocate the lab's three ports on it."""
    topology = read_topology("/sys")
    assert topology["physical_cores"] >= 1
    ports = [{"name": f"p{i}", "cores": 1, "numa_node": 0} for i in range(3)]
    options = {"manager_on_os_core": True, "shared_lcores": True}
    if topology["physical_cores"] < 2:
        options["os_cores_per_socket"] = 0
    result = allocate(topology, ports, options)
    polled = {(rx["port"], rx["queue"]) for entry in result["lcores"] for rx in entry["rx"]}
    assert polled == {(f"p{i}", 0) for i in range(3)}


def test_duplicate_port_names_are_refused() -> None:
    with pytest.raises(AllocationError, match=r"duplicate port names \['p0'\]"):
        allocate(load_topology("xeon8180x2"), [{"name": "p0"}, {"name": "p0"}])


def test_non_integer_cores_name_the_port() -> None:
    with pytest.raises(AllocationError, match=r"ports\[0\].cores \(p0\): must be an integer"):
        allocate(load_topology("xeon8180x2"), [{"name": "p0", "cores": "eight"}])


def test_a_core_spanning_two_numa_nodes_is_a_broken_topology() -> None:
    topology = {
        "cpus": [{"cpu": 0, "socket": 0, "core": 0, "node": 0}, {"cpu": 1, "socket": 0, "core": 0, "node": 1}]
    }
    with pytest.raises(AllocationError, match="spans NUMA nodes"):
        physical_cores(topology)


@pytest.mark.parametrize(
    ("cpus", "text"),
    [([], ""), ([3], "3"), ([0, 1, 2, 5, 7, 8], "0-2,5,7-8"), ([9, 8, 8, 1], "1,8-9")],
)
def test_cpulist_uses_the_kernel_notation(cpus: list[int], text: str) -> None:
    assert cpulist(cpus) == text
    assert parse_cpulist(text) == sorted(set(cpus))


def test_af_packet_ports_get_a_queue_pair_per_tx_queue_and_poll_them_all() -> None:
    """net_af_packet has qpairs: RX queues = TX queues = forwarder lcores + the manager's."""
    topology = load_topology("xeon8180x2")
    ports = [
        {"name": "p0", "device": "net_af_packet0,iface=p0-wire", "cores": 2, "numa_node": 0},
        {"name": "p1", "device": "0000:86:00.0", "cores": 1, "numa_node": 1},
    ]
    result = allocate(topology, ports)
    assert result["ports"]["p0"]["rx_queues"] == result["ports"]["p0"]["qpairs"] == 4
    assert "qpairs" not in result["ports"]["p1"] and result["ports"]["p1"]["rx_queues"] == 1
    polled = Counter((rx["port"], rx["queue"]) for entry in result["lcores"] for rx in entry["rx"])
    assert {q for p, q in polled if p == "p0"} == {0, 1, 2, 3} and set(polled.values()) == {1}
    p0_lcores = {
        entry["lcore"] for entry in result["lcores"] if any(rx["port"] == "p0" for rx in entry["rx"])
    }
    assert p0_lcores == set(result["ports"]["p0"]["lcores"]) and len(p0_lcores) == 2

"""The hugepage computation (filter plugin of the tuning role) and the CPU list filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import load_module

PLUGINS = Path(__file__).resolve().parents[2] / "roles" / "tuning" / "filter_plugins"


hp = load_module("hyth_hayate_hugepages", PLUGINS / "hayate_hugepages.py")
cpul = load_module("hyth_hayate_tuning_cpulist", PLUGINS / "hayate_tuning_cpulist.py")
MIB = 1 << 20
GIB = 1 << 30


def two_socket_allocation() -> dict[str, Any]:
    """What hayate_core_allocation returns for 2 ports x 4 cores on a two-node host (the parts used here)."""
    return {
        "manager_node": 0,
        "lcores": [{"lcore": c, "node": 0, "rx": []} for c in (2, 3, 4, 5)]
        + [{"lcore": c, "node": 1, "rx": []} for c in (30, 31, 32, 33)],
        "ports": {"p0": {"rx_queues": 4}, "p1": {"rx_queues": 4}},
    }


PORTS = [{"name": "p0", "numa_node": 0, "cores": 4}, {"name": "p1", "numa_node": 1, "cores": 4}]


def test_default_poptrie_full_capacity_needs_two_1g_pages_per_node() -> None:
    plan = hp.plan(PORTS, two_socket_allocation(), {"page_size": "1G"})
    # FIB (2097152 x 128 + 524288 x 256) x 2 copies = 768 MiB; mbufs 32767 x 2432 B = 76 MiB; 256 MiB more.
    fib = (2097152 * 128 + 524288 * 256) * 2
    assert plan["nodes"]["0"]["fib_bytes"] == fib == 768 * MIB
    expected = 32767 * 2432 + fib + 256 * MIB
    assert plan["nodes"]["0"]["bytes"] == expected
    assert plan["nodes"]["0"]["pages"] == 2 and plan["nodes"]["1"]["pages"] == 2
    assert plan["page_kb"] == 1048576 and plan["source"] == "computed"


def test_rte_fib_backend_needs_more() -> None:
    poptrie = hp.plan(PORTS, two_socket_allocation(), {"fib_backend": "poptrie"})
    rte = hp.plan(PORTS, two_socket_allocation(), {"fib_backend": "rte_fib"})
    assert rte["nodes"]["0"]["pages"] > poptrie["nodes"]["0"]["pages"]
    # (2097152 x 1024 + 524288 x 2048) x 2 = 6 GiB of FIB per node
    assert rte["nodes"]["1"]["fib_bytes"] == 6 * GIB


def test_mbuf_pool_grows_with_the_rings_of_the_node() -> None:
    """Deep rings on many queues need more mbufs than mbuf.count: the pool is grown, not left short."""
    ports = [
        {"name": "p0", "numa_node": 0, "cores": 8, "queues_per_core": 2, "rx_desc": 4096, "tx_desc": 4096}
    ]
    alloc = {"manager_node": 0, "lcores": [{"lcore": c, "node": 0} for c in range(1, 9)]}
    plan = hp.plan(ports, alloc, {"page_size": "2M", "mbuf_count": 8192})
    # RX 16 queues x 4096 + TX (8 lcores + manager... + 1) x 4096 + 9 lcores x 256 cache + 1024 slack
    rings = 16 * 4096 + (8 + 1) * 4096 + 9 * 256 + 1024
    assert plan["nodes"]["0"]["mbufs"] == rings
    assert plan["nodes"]["0"]["mbufs"] > 8192


def test_node_without_ports_or_lcores_gets_nothing_and_manager_node_gets_a_pool() -> None:
    plan = hp.plan([{"name": "p0", "numa_node": 1}], {"manager_node": 0, "lcores": [{"node": 1}]})
    assert set(plan["nodes"]) == {"0", "1"}
    assert plan["nodes"]["0"]["fib_bytes"] == 0  # manager node without forwarder lcores: no FIB copy
    assert plan["nodes"]["1"]["fib_bytes"] > 0


def test_small_lab_fits_in_2m_pages() -> None:
    plan = hp.plan(
        [{"name": "p0"}, {"name": "p1"}],
        {},
        {
            "page_size": "2M",
            "max_routes4": 1_000_000,
            "max_routes6": 200_000,
            "mbuf_count": 8191,
            "overhead_mb": 64,
        },
    )
    node = plan["nodes"]["0"]
    assert node["bytes"] == 8191 * 2432 + (1_000_000 * 128 + 200_000 * 256) * 2 + 64 * MIB
    assert node["pages"] == -(-node["bytes"] // (2 * MIB))


def test_inventory_pages_and_cmdline() -> None:
    plan = hp.from_inventory({1: 8, 0: "4"}, "1G")
    assert hp.cmdline(plan) == ["default_hugepagesz=1G", "hugepagesz=1G", "hugepages=0:4,1:8"]
    assert plan["total_bytes"] == 12 * GIB and plan["source"] == "inventory"


def test_feasibility_names_the_node_and_numbers() -> None:
    plan = hp.from_inventory({0: 10, 1: 2}, "1G")
    memory = {"0": 12 * 1024 * 1024, "1": 12 * 1024 * 1024}  # 12 GiB per node
    [error] = hp.errors(plan, memory, 0.75)
    assert error.startswith(
        "NUMA node 0: 10 x 1G hugepages = 10240 MiB, more than 75% of the node's 12288 MiB"
    )
    assert hp.errors(plan, memory, 0.9) == []
    [absent] = hp.errors(hp.from_inventory({2: 1}, "2M"), memory)
    assert "the host has no node 2 (nodes: 0, 1)" in absent


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hp.plan([], {}, {"page_size": "4K"}), "page_size: must be one of 2M, 1G"),
        (lambda: hp.plan([{"name": "p0", "rx_desc": "many"}], {}), r"ports\[0\].rx_desc: must be an integer"),
        (lambda: hp.plan([], {}, {"fib_backend": "lpm"}), "fib_backend: 'lpm' has no cost per route"),
        (lambda: hp.from_inventory({}, "1G"), "tuning_hugepages: must be a mapping"),
        (lambda: hp.from_inventory({0: -1}, "1G"), r"tuning_hugepages\[0\]: must be an integer >= 0"),
        (lambda: hp.plan("p0", {}), "ports: must be a list"),
    ],
)
def test_bad_inputs_name_the_field(call: Any, message: str) -> None:
    with pytest.raises(hp.HugepageError, match=message):
        call()


def test_cpulist_compresses_ranges() -> None:
    assert cpul.cpulist([5, 2, 3, 4, 8, 10, 11, 58]) == "2-5,8,10-11,58"
    assert cpul.cpulist([]) == ""
    assert cpul.cpulist(["7"]) == "7"


def test_port_node_comes_from_the_allocation_when_the_inventory_omits_it() -> None:
    alloc = {"manager_node": 0, "lcores": [{"node": 1}], "ports": {"p0": {"numa_node": 1, "rx_queues": 1}}}
    plan = hp.plan([{"name": "p0"}], alloc, {"page_size": "2M"})
    assert plan["nodes"]["1"]["fib_bytes"] > 0 and plan["nodes"]["1"]["mbufs"] == 32767
    assert plan["nodes"]["0"]["fib_bytes"] == 0

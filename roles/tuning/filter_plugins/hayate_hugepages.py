"""Hugepages per NUMA node for the hayate forwarder (Ansible filter plugin of the tuning role).

``hayate_hugepage_plan(ports, allocation, options)`` sizes the hugepages each NUMA node needs, from what the
forwarder allocates there (docs/config.md, docs/tuning.md):

- one mbuf pool per NUMA node that has ports or forwarder lcores (``mbuf.count``), grown when the rings of
  that node's ports need more mbufs than configured: RX rings (rx_queues x rx_desc) + one TX queue per
  forwarder lcore and the manager on every port (x tx_desc) + the per-lcore mempool caches + a burst of
  slack;
- one FIB per NUMA node with forwarder lcores (the forwarder keeps one copy per node so lookups stay local),
  sized from the capacity (``max_routes4``/``max_routes6``) times a per-backend cost per route, times the
  copies alive during an RCU swap;
- a fixed overhead per node for EAL, rings, hash tables and the control plane's allocations.

The bytes are rounded up to whole pages of the chosen size. ``hayate_hugepage_errors(plan, node_memory_kb,
max_fraction)`` returns what makes a plan infeasible on a host (a node without enough memory), before any
change. Both work on plain data so that they are unit-tested without Ansible."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
PAGE_SIZES = {"2M": 2 * MIB, "1G": GIB}

# Memory the forwarder's FIB takes per route of capacity, by backend (bytes). Poptrie (SIGCOMM 2015: about 3
# MB for 600k routes) is dominated by the route store beside it (prefix, next hop, radix links): 128 B per
# IPv4 and 256 B per IPv6 route is a safe bound. rte_fib's DIR-24-8 (128 MB tbl24 for 8-byte next hops) plus
# its RIB and tbl8 groups: about 1 KiB per IPv4 route at full-table size, 2 KiB per IPv6 route (trie + RIB).
DEFAULT_FIB_BYTES_PER_ROUTE = {
    "poptrie": {"ipv4": 128, "ipv6": 256},
    "rte_fib": {"ipv4": 1024, "ipv6": 2048},
}
# sizeof(struct rte_mbuf) 128 + RTE_PKTMBUF_HEADROOM 128 + data room 2048 + mempool header/trailer,
# cache-aligned.
DEFAULT_MBUF_BYTES = 2432
DEFAULT_OPTIONS: dict[str, Any] = {
    "page_size": "1G",
    "fib_backend": "poptrie",
    "max_routes4": 2097152,
    "max_routes6": 524288,
    "fib_copies": 2,
    "mbuf_count": 32767,
    "mbuf_cache": 256,
    "mbuf_bytes": DEFAULT_MBUF_BYTES,
    "rx_desc": 1024,
    "tx_desc": 1024,
    "burst_slack": 1024,
    "overhead_mb": 256,
}


class HugepageError(ValueError):
    """The inputs cannot give a plan; the message names the field."""


def _int(value: Any, where: str, low: int = 0) -> int:
    if isinstance(value, bool):
        raise HugepageError(f"{where}: must be an integer, got {value!r}")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or value < low:
        raise HugepageError(f"{where}: must be an integer >= {low}, got {value!r}")
    return value


def page_bytes(size: str) -> int:
    if size not in PAGE_SIZES:
        raise HugepageError(f"page_size: must be one of {', '.join(PAGE_SIZES)}, got {size!r}")
    return PAGE_SIZES[size]


def fib_bytes(opts: Mapping[str, Any]) -> int:
    backend = opts["fib_backend"]
    table = opts.get("fib_bytes_per_route") or DEFAULT_FIB_BYTES_PER_ROUTE
    if backend not in table:
        raise HugepageError(
            f"fib_backend: {backend!r} has no cost per route (known: {', '.join(sorted(table))})"
        )
    cost = table[backend]
    v4 = _int(opts["max_routes4"], "max_routes4") * _int(
        cost.get("ipv4"), f"fib_bytes_per_route.{backend}.ipv4"
    )
    v6 = _int(opts["max_routes6"], "max_routes6") * _int(
        cost.get("ipv6"), f"fib_bytes_per_route.{backend}.ipv6"
    )
    return (v4 + v6) * _int(opts["fib_copies"], "fib_copies", 1)


def plan(
    ports: Sequence[Mapping[str, Any]],
    allocation: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Pages per NUMA node; see the module docstring. ``allocation`` is hayate_core_allocation's result."""
    opts = {**DEFAULT_OPTIONS, **{k: v for k, v in (options or {}).items() if v is not None}}
    size = str(opts["page_size"])
    page = page_bytes(size)
    if not isinstance(ports, Sequence) or isinstance(ports, str):
        raise HugepageError("ports: must be a list of ports (hayate_ports)")
    alloc = allocation or {}
    lcores = alloc.get("lcores") or []
    lcore_nodes = [_int(lc.get("node", 0), f"allocation.lcores[{i}].node") for i, lc in enumerate(lcores)]
    manager_node = _int(alloc.get("manager_node", 0), "allocation.manager_node")
    alloc_ports = alloc.get("ports") or {}
    # Every lcore (forwarders and the manager) has a TX queue on every port.
    tx_queues = max(len(lcores), 1) + 1

    ring_mbufs: dict[int, int] = {}
    for i, port in enumerate(ports):
        where = f"ports[{i}]"
        if not isinstance(port, Mapping):
            raise HugepageError(f"{where}: must be a mapping")
        name = port.get("name", str(i))
        # The allocation knows the NIC's node from the host's PCI topology; the inventory may leave it out.
        node_value = alloc_ports.get(name, {}).get("numa_node", port.get("numa_node"))
        node = _int(node_value if node_value is not None else 0, f"{where}.numa_node")
        rx_queues = alloc_ports.get(name, {}).get("rx_queues")
        if rx_queues is None:
            rx_queues = _int(port.get("cores", 1), f"{where}.cores", 1) * _int(
                port.get("queues_per_core", 1), f"{where}.queues_per_core", 1
            )
        rx_desc = _int(port.get("rx_desc", opts["rx_desc"]), f"{where}.rx_desc", 1)
        tx_desc = _int(port.get("tx_desc", opts["tx_desc"]), f"{where}.tx_desc", 1)
        ring_mbufs[node] = ring_mbufs.get(node, 0) + rx_queues * rx_desc + tx_queues * tx_desc

    nodes = sorted(set(ring_mbufs) | set(lcore_nodes) | {manager_node})
    fib = fib_bytes(opts)
    mbuf_bytes = _int(opts["mbuf_bytes"], "mbuf_bytes", 1)
    mbuf_cache = _int(opts["mbuf_cache"], "mbuf_cache")
    overhead = _int(opts["overhead_mb"], "overhead_mb") * MIB
    result: dict[str, Any] = {}
    for node in nodes:
        node_lcores = sum(1 for n in lcore_nodes if n == node) + (1 if node == manager_node else 0)
        needed_mbufs = (
            ring_mbufs.get(node, 0) + node_lcores * mbuf_cache + _int(opts["burst_slack"], "burst_slack")
        )
        mbufs = max(_int(opts["mbuf_count"], "mbuf_count", 1), needed_mbufs)
        has_fib = node in lcore_nodes or (not lcore_nodes and node == manager_node)
        node_bytes = mbufs * mbuf_bytes + (fib if has_fib else 0) + overhead
        result[str(node)] = {
            "pages": math.ceil(node_bytes / page),
            "bytes": node_bytes,
            "mbufs": mbufs,
            "fib_bytes": fib if has_fib else 0,
        }
    total_pages = sum(n["pages"] for n in result.values())
    return {
        "page_size": size,
        "page_kb": page // KIB,
        "nodes": result,
        "total_bytes": total_pages * page,
        "source": "computed",
    }


def from_inventory(pages_per_node: Mapping[Any, Any], size: str) -> dict[str, Any]:
    """A plan from the operator's own numbers (``tuning_hugepages: {0: 8, 1: 8}``)."""
    page = page_bytes(size)
    if not isinstance(pages_per_node, Mapping) or not pages_per_node:
        raise HugepageError(
            "tuning_hugepages: must be a mapping of NUMA node to page count, e.g. {0: 8, 1: 8}"
        )
    nodes = {}
    for node, pages in sorted(pages_per_node.items(), key=lambda kv: int(kv[0])):
        n = _int(node, "tuning_hugepages (node)")
        count = _int(pages, f"tuning_hugepages[{n}]", 0)
        nodes[str(n)] = {"pages": count, "bytes": count * page, "mbufs": None, "fib_bytes": None}
    return {
        "page_size": size,
        "page_kb": page // KIB,
        "nodes": nodes,
        "total_bytes": sum(v["pages"] for v in nodes.values()) * page,
        "source": "inventory",
    }


def cmdline(plan_: Mapping[str, Any]) -> list[str]:
    """Kernel parameters reserving the plan at boot, per node (``hugepages=0:8,1:8``, kernel >= 5.7)."""
    size = plan_["page_size"]
    counts = ",".join(
        f"{node}:{v['pages']}" for node, v in sorted(plan_["nodes"].items(), key=lambda kv: int(kv[0]))
    )
    return [f"default_hugepagesz={size}", f"hugepagesz={size}", f"hugepages={counts}"]


def errors(
    plan_: Mapping[str, Any], node_memory_kb: Mapping[Any, Any], max_fraction: float = 0.75
) -> list[str]:
    """What makes the plan infeasible on this host: a node it needs is absent, or lacks the memory."""
    out = []
    memory = {str(k): int(v) for k, v in node_memory_kb.items()}
    for node, need in sorted(plan_["nodes"].items(), key=lambda kv: int(kv[0])):
        if need["pages"] == 0:
            continue
        if node not in memory:
            out.append(
                f"NUMA node {node}: {need['pages']} x {plan_['page_size']} hugepages requested, "
                "but the host has "
                f"no node {node} (nodes: {', '.join(sorted(memory)) or 'none'})"
            )
            continue
        want_kb = need["pages"] * plan_["page_kb"]
        limit_kb = int(memory[node] * max_fraction)
        if want_kb > limit_kb:
            out.append(
                f"NUMA node {node}: {need['pages']} x {plan_['page_size']} hugepages = "
                f"{want_kb // 1024} MiB, more "
                f"than {int(max_fraction * 100)}% of the node's {memory[node] // 1024} MiB "
                f"({limit_kb // 1024} MiB); lower the FIB capacity or mbuf count, set tuning_hugepages, "
                "or raise tuning_hugepage_max_fraction"
            )
    return out


def _ansible(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ansible.errors import AnsibleFilterError

        try:
            return fn(*args, **kwargs)
        except HugepageError as error:
            raise AnsibleFilterError(f"hugepages: {error}") from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class FilterModule:
    """hayate_hugepage_plan, _from_inventory, _cmdline and _errors."""

    def filters(self) -> dict[str, Any]:
        return {
            "hayate_hugepage_plan": _ansible(plan),
            "hayate_hugepage_from_inventory": _ansible(from_inventory),
            "hayate_hugepage_cmdline": _ansible(cmdline),
            "hayate_hugepage_errors": _ansible(errors),
        }

"""Per-port core allocation of the hayate forwarder (Ansible filter plugin).

The one piece of code that decides which CPU runs which forwarder lcore. Its result feeds the forwarder's
configuration (manager lcore, lcore per (port, RX queue), RX queue count per port) and the kernel command
line (isolcpus, nohz_full, rcu_nocbs). docs/provisioning.md documents the input and output structures.

Rules, in the order they are applied:
1. The first physical core(s) of every socket stay with the operating system (``os_cores_per_socket``).
2. One physical core goes to the manager lcore (tap exchange, control socket, FIB updates), on the NUMA node
   of the first port, unless ``manager_on_os_core`` puts it on the first OS core (machines with few cores).
3. Each port gets ``cores`` whole physical cores on its NIC's NUMA node; the forwarder runs on the first
   hardware thread of each and the SMT siblings stay idle, so no forwarder shares an execution unit.
4. A port that does not fit on its own node may take cores of other nodes (the same socket first) only where
   the inventory allows remote NUMA placement; the result carries a warning. Otherwise: an error naming the
   port and the numbers.
5. With ``shared_lcores`` (virtual labs), ports may share forwarder lcores: each lcore polls several
   (port, queue) pairs and the request is never refused for want of cores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# vdev drivers whose RX and TX queue counts are one number (qpairs): the forwarder needs a TX queue per
# forwarder lcore plus the manager's, so such a port gets as many RX queues, all polled.
PAIRED_QUEUE_DRIVERS = ("net_af_packet",)


class AllocationError(ValueError):
    """The request cannot be met: the message names the port and the numbers."""


@dataclass(frozen=True, order=True)
class PhysicalCore:
    """One physical core: its hardware threads (logical CPU ids, lowest first) and where it sits."""

    socket: int
    first_cpu: int
    node: int
    cpus: tuple[int, ...]


@dataclass
class PortRequest:
    name: str
    node: int
    cores: int
    queues_per_core: int
    allow_remote_numa: bool
    # The device's RX and TX queues come in pairs (net_af_packet's qpairs): see _pair_queues.
    paired: bool = False


@dataclass
class PortResult:
    request: PortRequest
    cores: list[PhysicalCore] = field(default_factory=list)
    remote: list[PhysicalCore] = field(default_factory=list)


def _int(value: Any, where: str) -> int:
    """An integer, or a string of digits as templating may hand over; anything else is an error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise AllocationError(f"{where}: must be an integer, got {value!r}")


def physical_cores(topology: Mapping[str, Any]) -> list[PhysicalCore]:
    """Group the logical CPUs of a topology (``{"cpus": [{"cpu", "socket", "core", "node"}]}``) into cores."""
    cpus = topology.get("cpus")
    if not isinstance(cpus, list) or not cpus:
        raise AllocationError("topology.cpus: must be a non-empty list of logical CPUs")
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for index, entry in enumerate(cpus):
        where = f"topology.cpus[{index}]"
        if not isinstance(entry, Mapping):
            raise AllocationError(f"{where}: must be a mapping with cpu, socket, core and node")
        cpu = _int(entry.get("cpu"), f"{where}.cpu")
        socket = _int(entry.get("socket"), f"{where}.socket")
        core = _int(entry.get("core"), f"{where}.core")
        node = _int(entry.get("node", 0), f"{where}.node")
        groups.setdefault((socket, core), []).append((cpu, max(node, 0)))
    result = []
    for (socket, _core), threads in groups.items():
        threads.sort()
        nodes = {node for _cpu, node in threads}
        if len(nodes) != 1:
            raise AllocationError(
                f"topology: core {_core} of socket {socket} spans NUMA nodes {sorted(nodes)}"
            )
        result.append(PhysicalCore(socket, threads[0][0], threads[0][1], tuple(cpu for cpu, _ in threads)))
    result.sort()
    return result


def cpulist(cpus: Iterable[int]) -> str:
    """The kernel's cpulist notation: ``[0, 1, 2, 5, 7, 8]`` -> ``"0-2,5,7-8"``."""
    runs: list[list[int]] = []
    for cpu in sorted(set(cpus)):
        if runs and cpu == runs[-1][1] + 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join(f"{low}" if low == high else f"{low}-{high}" for low, high in runs)


def _requests(
    ports: Sequence[Mapping[str, Any]], pci: Mapping[str, Any], allow_remote_default: bool
) -> list[PortRequest]:
    requests = []
    for index, port in enumerate(ports):
        where = f"ports[{index}]"
        name = port.get("name")
        if not isinstance(name, str) or not name:
            raise AllocationError(f"{where}.name: must be a non-empty string")
        cores = _int(port.get("cores", 1), f"{where}.cores ({name})")
        per_core = _int(port.get("queues_per_core", 1), f"{where}.queues_per_core ({name})")
        if cores < 1 or per_core < 1:
            raise AllocationError(
                f"port {name}: cores and queues_per_core must be at least 1, got {cores}, {per_core}"
            )
        if cores * per_core > 64:
            raise AllocationError(f"port {name}: {cores} cores x {per_core} queues exceeds 64 RX queues")
        node = port.get("numa_node")
        device = port.get("device")
        if node is None and isinstance(device, str) and device in pci:
            # The NIC's own node (sysfs numa_node; -1 on one-node machines, read as 0).
            node = pci[device].get("numa_node", 0)
        node = 0 if node is None else max(_int(node, f"{where}.numa_node ({name})"), 0)
        remote = port.get("allow_remote_numa", allow_remote_default)
        paired = isinstance(device, str) and device.startswith(PAIRED_QUEUE_DRIVERS)
        requests.append(PortRequest(name, node, cores, per_core, bool(remote), paired))
    return requests


def _node_distance_order(nodes_by_socket: Mapping[int, int], home: int, nodes: Iterable[int]) -> list[int]:
    """Other NUMA nodes, nearest first: the same socket before the other sockets, then by number."""
    home_socket = nodes_by_socket.get(home)
    return sorted((n for n in nodes if n != home), key=lambda n: (nodes_by_socket.get(n) != home_socket, n))


def allocate(
    topology: Mapping[str, Any], ports: Sequence[Mapping[str, Any]], options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Allocate cores for the ports; see the module docstring for the rules and docs/provisioning.md."""
    opts = dict(options or {})
    os_per_socket = _int(opts.get("os_cores_per_socket", 1), "options.os_cores_per_socket")
    manager_on_os = bool(opts.get("manager_on_os_core", False))
    shared = bool(opts.get("shared_lcores", False))
    requests = _requests(ports, topology.get("pci") or {}, bool(opts.get("allow_remote_numa", False)))
    if not requests:
        raise AllocationError("ports: at least one port is needed")
    names = [r.name for r in requests]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise AllocationError(f"ports: duplicate port names {duplicates}")

    cores = physical_cores(topology)
    sockets = sorted({c.socket for c in cores})
    nodes_by_socket = {c.node: c.socket for c in cores}
    total_threads = sum(len(c.cpus) for c in cores)

    os_cores: list[PhysicalCore] = []
    for socket in sockets:
        os_cores.extend([c for c in cores if c.socket == socket][: max(os_per_socket, 0)])
    free = [c for c in cores if c not in os_cores]

    # The manager sits near the first port: it touches every port's tap queue but the first port's first.
    home = requests[0].node if requests[0].node in nodes_by_socket else cores[0].node
    if manager_on_os:
        if not os_cores:
            raise AllocationError("manager_on_os_core: no core is kept for the OS (os_cores_per_socket is 0)")
        manager = next((c for c in os_cores if c.node == home), os_cores[0])
    else:
        candidates = [c for c in free if c.node == home] or free
        if not candidates:
            raise AllocationError(
                f"manager: no core left after the {len(os_cores)} kept for the OS "
                f"(host has {len(cores)} physical cores); set manager_on_os_core"
            )
        manager = candidates[0]
        free.remove(manager)

    warnings: list[str] = []
    if shared:
        lcores = _shared_lcores(requests, free, cores, warnings)
    else:
        lcores = _dedicated_lcores(requests, free, cores, nodes_by_socket, warnings)

    queue_counts = _pair_queues(requests, lcores)
    forwarder_cores = {core for core, _rx in lcores}
    isolated = sorted(cpu for core in forwarder_cores for cpu in core.cpus)
    os_cpus = sorted(cpu for core in cores if core not in forwarder_cores for cpu in core.cpus)
    port_table: dict[str, dict[str, Any]] = {}
    for request in requests:
        port_lcores = sorted(
            {core.first_cpu for core, rx in lcores if any(p == request.name for p, _q in rx)}
        )
        remote = sorted(
            {
                core.first_cpu
                for core, rx in lcores
                if any(p == request.name for p, _q in rx) and core.node != request.node
            }
        )
        port_table[request.name] = {
            "numa_node": request.node,
            "rx_queues": queue_counts[request.name],
            "lcores": port_lcores,
            "remote_lcores": remote,
        }
        if request.paired:
            port_table[request.name]["qpairs"] = queue_counts[request.name]
    lcore_list = [
        {"lcore": core.first_cpu, "node": core.node, "rx": [{"port": p, "queue": q} for p, q in rx]}
        for core, rx in sorted(lcores, key=lambda item: item[0].first_cpu)
    ]
    return {
        "host": {
            "sockets": len(sockets),
            "numa_nodes": len(nodes_by_socket),
            "physical_cores": len(cores),
            "logical_cpus": total_threads,
        },
        "manager_lcore": manager.first_cpu,
        "manager_node": manager.node,
        "os_cpus": os_cpus,
        "reserved_os_cpus": sorted(cpu for core in os_cores for cpu in core.cpus),
        "lcores": lcore_list,
        "ports": port_table,
        "isolated_cpus": isolated,
        "isolated_cpulist": cpulist(isolated),
        "forwarder_lcores": len(lcore_list),
        "shared_lcores": shared,
        "warnings": warnings,
    }


def _pair_queues(
    requests: list[PortRequest], lcores: list[tuple[PhysicalCore, list[tuple[str, int]]]]
) -> dict[str, int]:
    """RX queue count per port; paired-queue ports get one queue per TX queue (forwarder lcores + manager).

    The extra RX queues are spread over the lcores that already poll the port, so every queue is polled.
    """
    counts = {r.name: r.cores * r.queues_per_core for r in requests}
    tx_queues = len(lcores) + 1
    for request in requests:
        if not request.paired or counts[request.name] >= tx_queues:
            continue
        pollers = [rx for _core, rx in lcores if any(p == request.name for p, _q in rx)]
        for queue in range(counts[request.name], tx_queues):
            pollers[queue % len(pollers)].append((request.name, queue))
        counts[request.name] = tx_queues
    return counts


def _dedicated_lcores(
    requests: list[PortRequest],
    free: list[PhysicalCore],
    all_cores: list[PhysicalCore],
    nodes_by_socket: Mapping[int, int],
    warnings: list[str],
) -> list[tuple[PhysicalCore, list[tuple[str, int]]]]:
    results = [PortResult(r) for r in requests]
    pool = list(free)
    # Pass 1: every port takes what its own node has, in inventory order.
    for result in results:
        local = [c for c in pool if c.node == result.request.node][: result.request.cores]
        result.cores.extend(local)
        for core in local:
            pool.remove(core)
    # Pass 2: the ports still short take remote cores where allowed; the others are errors.
    for result in results:
        request = result.request
        missing = request.cores - len(result.cores)
        if missing == 0:
            continue
        node_total = sum(1 for c in all_cores if c.node == request.node)
        if not request.allow_remote_numa:
            others = [
                o.request.name
                for o in results
                if o is not result and any(c.node == request.node for c in o.cores)
            ]
            raise AllocationError(
                f"port {request.name}: needs {request.cores} cores on NUMA node {request.node}, only "
                f"{len(result.cores)} free there (node {request.node} has {node_total} physical cores; "
                f"taken by the OS, the manager and ports {others}); lower its cores or set allow_remote_numa"
            )
        for node in _node_distance_order(nodes_by_socket, request.node, sorted(nodes_by_socket)):
            take = [c for c in pool if c.node == node][:missing]
            result.remote.extend(take)
            for core in take:
                pool.remove(core)
            missing -= len(take)
            if missing == 0:
                break
        if missing:
            raise AllocationError(
                f"port {request.name}: needs {request.cores} cores, only {request.cores - missing} free on "
                f"the "
                f"whole host ({len(all_cores)} physical cores, {len(free)} left after the OS and the manager)"
            )
        warnings.append(
            f"port {request.name}: {len(result.remote)} of its {request.cores} cores are on remote NUMA "
            f"nodes "
            f"{sorted({c.node for c in result.remote})} (NIC on node {request.node}): expect lower throughput"
        )
    lcores: list[tuple[PhysicalCore, list[tuple[str, int]]]] = []
    for result in results:
        request = result.request
        mine = result.cores + result.remote
        queues = request.cores * request.queues_per_core
        for index, core in enumerate(mine):
            # Queue q goes to lcore q mod cores: RSS spreads flows evenly, so each lcore gets the same share.
            lcores.append((core, [(request.name, q) for q in range(queues) if q % request.cores == index]))
    return lcores


def _shared_lcores(
    requests: list[PortRequest],
    free: list[PhysicalCore],
    all_cores: list[PhysicalCore],
    warnings: list[str],
) -> list[tuple[PhysicalCore, list[tuple[str, int]]]]:
    pool = free or []
    if not pool:
        raise AllocationError(
            f"shared_lcores: no core left for forwarders ({len(all_cores)} physical cores, all kept for the "
            "OS "
            "or the manager); set manager_on_os_core or lower os_cores_per_socket"
        )
    assigned: dict[PhysicalCore, list[tuple[str, int]]] = {}
    cursor = 0
    for request in requests:
        local = [c for c in pool if c.node == request.node] or pool
        if not any(c.node == request.node for c in pool):
            warnings.append(
                f"port {request.name}: no forwarder core on its NUMA node {request.node}; remote cores used"
            )
        queues = request.cores * request.queues_per_core
        for q in range(queues):
            core = local[(cursor + q % request.cores) % len(local)]
            assigned.setdefault(core, []).append((request.name, q))
        cursor += request.cores
    requested = sum(r.cores for r in requests)
    if requested > len(pool):
        warnings.append(
            f"shared_lcores: {requested} lcores requested on {len(pool)} forwarder cores; lcores are shared"
        )
    return list(assigned.items())


def hayate_core_allocation(
    topology: Mapping[str, Any], ports: Sequence[Mapping[str, Any]], options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Jinja entry point; Ansible shows the AllocationError message as the task's failure."""
    from ansible.errors import AnsibleFilterError

    try:
        return allocate(topology, ports, options)
    except AllocationError as error:
        raise AnsibleFilterError(f"core allocation: {error}") from None


class FilterModule:
    """hayate_core_allocation(topology, ports, options) and hayate_cpulist(list of CPUs)."""

    def filters(self) -> dict[str, Any]:
        return {"hayate_core_allocation": hayate_core_allocation, "hayate_cpulist": cpulist}

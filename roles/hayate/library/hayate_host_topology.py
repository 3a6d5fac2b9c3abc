#!/usr/bin/python3
"""Ansible module: read the host's CPU topology and PCI devices from /sys (read-only, never changes)."""

from __future__ import annotations

import os
from typing import Any

DOCUMENTATION = r"""
---
module: hayate_host_topology
short_description: Read CPU sockets, cores, SMT siblings, NUMA nodes and PCI devices from /sys
description:
  - Returns the host topology that the hayate core allocation (filter hayate_core_allocation) takes as input.
  - Read-only; supports check mode.
options:
  sysfs:
    description: Root of sysfs; tests point it at a recorded copy.
    type: path
    default: /sys
author: hayate
"""

EXAMPLES = r"""
- name: Read the topology
  hayate_host_topology:
  register: hayate_topology_raw
"""

RETURN = r"""
topology:
  description: >-
    cpus: list of {cpu, socket, core, node, siblings}; nodes: node -> list of CPUs;
    pci: address -> {numa_node, vendor, device, driver}; physical_cores: count.
  returned: always
  type: dict
"""


def _read(path: str) -> str:
    with open(path, encoding="ascii") as handle:
        return handle.read().strip()


def parse_cpulist(text: str) -> list[int]:
    """``"0-3,8,10-11"`` -> ``[0, 1, 2, 3, 8, 10, 11]``."""
    cpus: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            cpus.extend(range(int(low), int(high) + 1))
        else:
            cpus.append(int(part))
    return cpus


def read_topology(sysfs: str = "/sys") -> dict[str, Any]:
    """The topology of the machine whose sysfs is mounted at ``sysfs``."""
    cpu_root = os.path.join(sysfs, "devices/system/cpu")
    node_root = os.path.join(sysfs, "devices/system/node")
    node_of: dict[int, int] = {}
    nodes: dict[str, list[int]] = {}
    if os.path.isdir(node_root):
        for entry in sorted(os.listdir(node_root)):
            if entry.startswith("node") and entry[4:].isdigit():
                members = parse_cpulist(_read(os.path.join(node_root, entry, "cpulist")))
                nodes[entry[4:]] = members
                for cpu in members:
                    node_of[cpu] = int(entry[4:])
    cpus: list[dict[str, Any]] = []
    for cpu in parse_cpulist(_read(os.path.join(cpu_root, "online"))):
        topo = os.path.join(cpu_root, f"cpu{cpu}", "topology")
        cpus.append(
            {
                "cpu": cpu,
                "socket": int(_read(os.path.join(topo, "physical_package_id"))),
                "core": int(_read(os.path.join(topo, "core_id"))),
                "node": node_of.get(cpu, 0),
                "siblings": parse_cpulist(_read(os.path.join(topo, "thread_siblings_list"))),
            }
        )
    if not nodes:
        nodes = {"0": [c["cpu"] for c in cpus]}
    pci: dict[str, dict[str, Any]] = {}
    pci_root = os.path.join(sysfs, "bus/pci/devices")
    if os.path.isdir(pci_root):
        for address in sorted(os.listdir(pci_root)):
            device = os.path.join(pci_root, address)
            driver = os.path.join(device, "driver")
            node = (
                int(_read(os.path.join(device, "numa_node")))
                if os.path.exists(os.path.join(device, "numa_node"))
                else -1
            )
            pci[address] = {
                "numa_node": max(node, 0),
                "vendor": _read(os.path.join(device, "vendor")),
                "device": _read(os.path.join(device, "device")),
                "driver": os.path.basename(os.readlink(driver)) if os.path.islink(driver) else None,
            }
    physical = {(c["socket"], c["core"]) for c in cpus}
    return {"cpus": cpus, "nodes": nodes, "pci": pci, "physical_cores": len(physical)}


def main() -> None:
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={"sysfs": {"type": "path", "default": "/sys"}}, supports_check_mode=True
    )
    try:
        topology = read_topology(module.params["sysfs"])
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"cannot read the CPU topology under {module.params['sysfs']}: {error}")
    module.exit_json(changed=False, topology=topology)


if __name__ == "__main__":
    main()

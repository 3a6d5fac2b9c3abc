#!/usr/bin/python3
"""Ansible module: what the tuning role checks on a running host, read from /proc and /sys (never changes)."""

from __future__ import annotations

import os
import platform
import re
from typing import Any

DOCUMENTATION = r"""
---
module: hayate_tuning_facts
short_description: Read CPU flags, NUMA memory, hugepages, IOMMU/VFIO state and the kernel command line
description:
  - Read-only facts for the hayate tuning role's pre-flight checks and boot verification; supports check mode.
options:
  proc:
    description: Root of procfs; tests point it at a recorded copy.
    type: path
    default: /proc
  sysfs:
    description: Root of sysfs; tests point it at a recorded copy.
    type: path
    default: /sys
  modules_dir:
    description: Kernel modules folder of the running kernel (to find vfio-pci when it is not loaded).
    type: path
author: hayate
"""

EXAMPLES = r"""
- name: Read the host facts the tuning role needs
  hayate_tuning_facts:
  register: tuning_host
"""

RETURN = r"""
facts:
  description: >-
    cpu_flags (list), cpu_vendor, cpu_count, node_memory_kb (node -> kB), hugepages (node -> page kB ->
    reserved count), iommu_firmware (DMAR, IVRS or null), iommu_groups (count), vfio_pci (bool), cmdline
    (str), cmdline_params (name -> list of values), boot_id, transparent_hugepage (the selected mode).
  returned: always
  type: dict
"""

NODE_MEMTOTAL = re.compile(r"^Node\s+(\d+)\s+MemTotal:\s+(\d+)\s+kB", re.M)
HUGEPAGE_DIR = re.compile(r"^hugepages-(\d+)kB$")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def cpu_flags(cpuinfo: str) -> tuple[list[str], str | None, int]:
    """Flags and vendor of the first CPU, and the number of logical CPUs."""
    flags: list[str] = []
    vendor = None
    count = 0
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "processor":
            count += 1
        elif key == "flags" and not flags:
            flags = value.split()
        elif key == "vendor_id" and vendor is None:
            vendor = value.strip()
    return flags, vendor, count


def node_memory(sysfs: str, proc: str) -> dict[str, int]:
    base = os.path.join(sysfs, "devices/system/node")
    result: dict[str, int] = {}
    if os.path.isdir(base):
        for entry in sorted(os.listdir(base)):
            if not re.fullmatch(r"node\d+", entry):
                continue
            text = _read(os.path.join(base, entry, "meminfo")) or ""
            for node, kb in NODE_MEMTOTAL.findall(text):
                result[node] = int(kb)
    if not result:
        # A kernel without NUMA: all memory is node 0.
        meminfo = _read(os.path.join(proc, "meminfo")) or ""
        match = re.search(r"^MemTotal:\s+(\d+)\s+kB", meminfo, re.M)
        if match:
            result["0"] = int(match.group(1))
    return result


def hugepages(sysfs: str) -> dict[str, dict[str, int]]:
    base = os.path.join(sysfs, "devices/system/node")
    result: dict[str, dict[str, int]] = {}
    if not os.path.isdir(base):
        return result
    for entry in sorted(os.listdir(base)):
        if not re.fullmatch(r"node\d+", entry):
            continue
        pages_dir = os.path.join(base, entry, "hugepages")
        sizes: dict[str, int] = {}
        if os.path.isdir(pages_dir):
            for size_dir in os.listdir(pages_dir):
                match = HUGEPAGE_DIR.match(size_dir)
                value = _read(os.path.join(pages_dir, size_dir, "nr_hugepages"))
                if match and value is not None and value.strip().isdigit():
                    sizes[match.group(1)] = int(value)
        result[entry[4:]] = sizes
    return result


def cmdline_params(cmdline: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for token in cmdline.split():
        if token == "--":  # the rest belongs to init
            break
        name, sep, value = token.partition("=")
        params.setdefault(name, []).append(value if sep else "")
    return params


def thp_mode(sysfs: str) -> str | None:
    text = _read(os.path.join(sysfs, "kernel/mm/transparent_hugepage/enabled"))
    match = re.search(r"\[(\w+)\]", text or "")
    return match.group(1) if match else None


def vfio_available(sysfs: str, modules_dir: str | None) -> bool:
    if os.path.isdir(os.path.join(sysfs, "bus/pci/drivers/vfio-pci")) or os.path.isdir(
        os.path.join(sysfs, "module/vfio_pci")
    ):
        return True
    folder = modules_dir or os.path.join("/lib/modules", platform.release())
    for root, _dirs, files in os.walk(folder):
        if any(name.startswith("vfio-pci.ko") for name in files):
            return True
        if "vfio-pci" in (_read(os.path.join(root, "modules.builtin")) or ""):
            return True
    return False


def read_facts(proc: str = "/proc", sysfs: str = "/sys", modules_dir: str | None = None) -> dict[str, Any]:
    flags, vendor, count = cpu_flags(_read(os.path.join(proc, "cpuinfo")) or "")
    cmdline = (_read(os.path.join(proc, "cmdline")) or "").strip()
    firmware = None
    for table in ("DMAR", "IVRS"):
        if os.path.exists(os.path.join(sysfs, "firmware/acpi/tables", table)):
            firmware = table
    groups_dir = os.path.join(sysfs, "kernel/iommu_groups")
    groups = len(os.listdir(groups_dir)) if os.path.isdir(groups_dir) else 0
    return {
        "cpu_flags": flags,
        "cpu_vendor": vendor,
        "cpu_count": count,
        "node_memory_kb": node_memory(sysfs, proc),
        "hugepages": hugepages(sysfs),
        "iommu_firmware": firmware,
        "iommu_groups": groups,
        "vfio_pci": vfio_available(sysfs, modules_dir),
        "cmdline": cmdline,
        "cmdline_params": cmdline_params(cmdline),
        "boot_id": (_read(os.path.join(proc, "sys/kernel/random/boot_id")) or "").strip(),
        "transparent_hugepage": thp_mode(sysfs),
    }


def main() -> None:
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "proc": {"type": "path", "default": "/proc"},
            "sysfs": {"type": "path", "default": "/sys"},
            "modules_dir": {"type": "path"},
        },
        supports_check_mode=True,
    )
    module.exit_json(changed=False, facts=read_facts(**module.params))


if __name__ == "__main__":
    main()

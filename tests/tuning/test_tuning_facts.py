"""hayate_tuning_facts (tuning role module) on recorded /proc and /sys trees."""

from __future__ import annotations

from pathlib import Path

from conftest import load_module

LIBRARY = Path(__file__).resolve().parents[2] / "roles" / "tuning" / "library" / "hayate_tuning_facts.py"
facts = load_module("hyth_tuning_facts", LIBRARY)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def two_node_host(tmp: Path) -> tuple[Path, Path]:
    proc, sysfs = tmp / "proc", tmp / "sys"
    cpu = "processor\t: {n}\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse4_2 avx2 avx512f pdpe1gb\n\n"
    write(proc / "cpuinfo", "".join(cpu.format(n=n) for n in range(4)))
    write(
        proc / "cmdline",
        "BOOT_IMAGE=/vmlinuz root=/dev/sda1 hugepages=0:8,1:8 isolcpus=managed_irq,domain,2-3 quiet\n",
    )
    write(proc / "sys/kernel/random/boot_id", "0b5c8f2e-1111-2222-3333-444455556666\n")
    for node, kb in ((0, 98765432), (1, 87654321)):
        write(sysfs / f"devices/system/node/node{node}/meminfo", f"Node {node} MemTotal:       {kb} kB\n")
        write(sysfs / f"devices/system/node/node{node}/hugepages/hugepages-1048576kB/nr_hugepages", "8\n")
        write(sysfs / f"devices/system/node/node{node}/hugepages/hugepages-2048kB/nr_hugepages", "0\n")
    write(sysfs / "firmware/acpi/tables/DMAR", "")
    (sysfs / "kernel/iommu_groups/0").mkdir(parents=True)
    (sysfs / "bus/pci/drivers/vfio-pci").mkdir(parents=True)
    write(sysfs / "kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n")
    return proc, sysfs


def test_reads_a_two_node_intel_host(tmp_path: Path) -> None:
    proc, sysfs = two_node_host(tmp_path)
    f = facts.read_facts(str(proc), str(sysfs), str(tmp_path / "modules"))
    assert f["cpu_vendor"] == "GenuineIntel" and f["cpu_count"] == 4
    assert {"sse4_2", "avx2", "pdpe1gb"} <= set(f["cpu_flags"])
    assert f["node_memory_kb"] == {"0": 98765432, "1": 87654321}
    assert f["hugepages"] == {"0": {"1048576": 8, "2048": 0}, "1": {"1048576": 8, "2048": 0}}
    assert (f["iommu_firmware"], f["iommu_groups"], f["vfio_pci"]) == ("DMAR", 1, True)
    assert f["cmdline_params"]["hugepages"] == ["0:8,1:8"]
    assert f["cmdline_params"]["quiet"] == [""]
    assert f["boot_id"] == "0b5c8f2e-1111-2222-3333-444455556666"
    assert f["transparent_hugepage"] == "never"


def test_non_numa_kernel_counts_all_memory_as_node0_and_no_iommu(tmp_path: Path) -> None:
    proc, sysfs = tmp_path / "proc", tmp_path / "sys"
    write(proc / "meminfo", "MemTotal:       24576000 kB\nMemFree: 1 kB\n")
    write(proc / "cmdline", "root=/dev/vda -- --init-arg=1\n")
    sysfs.mkdir()
    f = facts.read_facts(str(proc), str(sysfs), str(tmp_path / "modules"))
    assert f["node_memory_kb"] == {"0": 24576000}
    assert f["iommu_firmware"] is None and f["vfio_pci"] is False
    assert "--init-arg" not in f["cmdline_params"]  # after "--" the words belong to init


def test_vfio_found_as_a_module_file(tmp_path: Path) -> None:
    modules = tmp_path / "modules/kernel/drivers/vfio/pci"
    modules.mkdir(parents=True)
    (modules / "vfio-pci.ko.xz").write_bytes(b"")
    assert facts.vfio_available(str(tmp_path / "sys"), str(tmp_path / "modules"))

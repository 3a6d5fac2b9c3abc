"""The tuning role rendered into a temporary root: files from inventories of different shapes, check mode,
idempotence, and pre-flight failures before any change. (The boot-time effect is verified in the image VM
test.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tuning.playbook import Result, run_hosts, run_role, tree

# A two-socket server like inventory/example: 2 ports x 4 cores, NIC p1 on node 1 (core allocation result).
TWO_SOCKET: dict[str, Any] = {
    "hayate_ports": [
        {"name": "p0", "device": "0000:3b:00.0", "driver": "vfio-pci", "numa_node": 0, "cores": 4},
        {"name": "p1", "device": "0000:af:00.0", "driver": "vfio-pci", "numa_node": 1, "cores": 4},
    ],
    "hayate_core_allocation": {
        "manager_node": 0,
        "manager_lcore": 1,
        "lcores": [{"lcore": c, "node": 0, "rx": []} for c in (2, 3, 4, 5)]
        + [{"lcore": c, "node": 1, "rx": []} for c in (30, 31, 32, 33)],
        "ports": {"p0": {"rx_queues": 4}, "p1": {"rx_queues": 4}},
        "isolated_cpus": [2, 3, 4, 5, 30, 31, 32, 33, 58, 59, 60, 61, 86, 87, 88, 89],
        "os_cpus": [0, 1, 6, 7, 28, 29, 56, 57],
    },
    "hayate_image_build": True,  # the build host is not this server: render without hardware checks
}


def grub_params(root: Path) -> list[str]:
    text = (root / "etc/default/grub.d/hayate.cfg").read_text()
    match = re.search(r'^GRUB_CMDLINE_LINUX="\$\{GRUB_CMDLINE_LINUX\} (.*)"$', text, re.M)
    assert match, text
    return match.group(1).split()


def sysctls(root: Path) -> dict[str, str]:
    lines = (root / "etc/sysctl.d/60-hayate.conf").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


LAB_2M: dict[str, Any] = {
    "tuning_image_build": True,
    "tuning_hugepage_size": "2M",
    "tuning_hugepages": {0: 1024},
    "tuning_iommu": "off",
    "tuning_max_cstate": None,
    "tuning_transparent_hugepage": "madvise",
    "tuning_cmdline_extra": ["nmi_watchdog=0"],
    "tuning_sysctl_overrides": {"vm.swappiness": 1, "kernel.nmi_watchdog": None},
}
# This machine with hardware pre-flight on (not an image build): it has the CPU flags and the memory.
THIS_HOST: dict[str, Any] = {"tuning_hugepage_size": "2M", "tuning_hugepages": {0: 512}}
SHAPES = {"two_socket": TWO_SOCKET, "lab_2m": LAB_2M, "this_host": THIS_HOST}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Result]]:
    """Inventories of three shapes rendered in one run, each into its own root folder."""
    work = tmp_path_factory.mktemp("shapes")
    hosts = {name: {**variables, "tuning_root": str(work / name)} for name, variables in SHAPES.items()}
    results = run_hosts("tuning", work / "run", hosts)
    for name, result in results.items():
        assert result.rc == 0, (name, result.failures or result.output[-3000:])
    return work, results


def test_two_socket_server_command_line(rendered: tuple[Path, dict[str, Result]]) -> None:
    root = rendered[0] / "two_socket"
    params = grub_params(root)
    # Computed: FIB 768 MiB + 76 MiB of mbufs + 256 MiB per node -> 2 x 1G on each node.
    assert params[:3] == ["default_hugepagesz=1G", "hugepagesz=1G", "hugepages=0:2,1:2"]
    assert "iommu=pt" in params and "intel_iommu=on" in params
    cpus = "2-5,30-33,58-61,86-89"
    assert f"isolcpus=managed_irq,domain,{cpus}" in params
    assert f"nohz_full={cpus}" in params and f"rcu_nocbs={cpus}" in params
    assert "irqaffinity=0-1,6-7,28-29,56-57" in params
    assert "intel_idle.max_cstate=1" in params and "processor.max_cstate=1" in params
    assert "transparent_hugepage=never" in params
    dropin = (root / "etc/default/grub.d/hayate.cfg").read_text()
    assert "# isolated CPUs (forwarder lcores): 2-5,30-33,58-61,86-89" in dropin


def test_two_socket_server_files(rendered: tuple[Path, dict[str, Result]]) -> None:
    root = rendered[0] / "two_socket"
    assert "IRQBALANCE_BANNED_CPULIST=2-5,30-33,58-61,86-89" in (root / "etc/default/irqbalance").read_text()
    fstab = (root / "etc/fstab").read_text().splitlines()
    assert fstab == [
        "hugetlbfs /dev/hugepages hugetlbfs pagesize=2M 0 0",
        "hugetlbfs /dev/hugepages-1G hugetlbfs pagesize=1G 0 0",
    ]
    s = sysctls(root)
    assert s["kernel.numa_balancing"] == "0" and s["net.ipv4.ip_forward"] == "1"
    assert s["net.core.rmem_max"] == "134217728"
    assert s["net.ipv4.conf.all.send_redirects"] == "0"  # the forwarder sends none either
    files = tree(root)
    assert files["etc/systemd/system/multi-user.target.wants/hayate-cpu-tune.service"] == (
        "-> /etc/systemd/system/hayate-cpu-tune.service"
    )
    script = files["usr/local/sbin/hayate-cpu-tune"]
    assert "echo performance >" in script and "echo never >" in script


def test_inventory_hugepages_2m_iommu_off_and_overrides(rendered: tuple[Path, dict[str, Result]]) -> None:
    """A small lab host: the inventory sets 2M pages itself, no isolation, IOMMU off, sysctl overrides."""
    root = rendered[0] / "lab_2m"
    assert grub_params(root) == [
        "default_hugepagesz=2M",
        "hugepagesz=2M",
        "hugepages=0:1024",
        "intel_iommu=off",
        "amd_iommu=off",
        "transparent_hugepage=madvise",
        "nmi_watchdog=0",
    ]
    s = sysctls(root)
    assert s["vm.swappiness"] == "1" and "kernel.nmi_watchdog" not in s
    assert not (root / "etc/default/irqbalance").exists()
    dropin = (root / "etc/default/grub.d/hayate.cfg").read_text()
    assert "# hugepages per NUMA node (inventory): node 0 1024 x 2M" in dropin


def test_this_host_preflight_passes_and_renders(rendered: tuple[Path, dict[str, Result]]) -> None:
    root, results = rendered[0] / "this_host", rendered[1]
    assert "hugepages=0:512" in grub_params(root)
    assert "present" in results["this_host"].task("Note the optional CPU features")["msg"]
    # 1G pages are only mounted where the CPU maps them.
    fstab = (root / "etc/fstab").read_text()
    assert "pagesize=2M" in fstab


def test_second_run_changes_nothing(rendered: tuple[Path, dict[str, Result]], tmp_path: Path) -> None:
    work, first = rendered
    assert all(result.changed > 0 for result in first.values())
    hosts = {name: {**variables, "tuning_root": str(work / name)} for name, variables in SHAPES.items()}
    for name, again in run_hosts("tuning", tmp_path, hosts).items():
        assert again.rc == 0 and again.changed == 0, (
            name,
            [t["name"] for t in again.tasks if t.get("changed")],
        )


def test_check_mode_changes_nothing_and_shows_the_diff(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = run_role("tuning", tmp_path, {**TWO_SOCKET, "tuning_root": str(root)}, check=True)
    assert result.rc == 0, result.failures
    assert result.changed > 0  # it would change things ...
    assert tree(root) == {}  # ... and changed none
    dropin = result.task("Write the kernel command line drop-in")
    after = dropin["diff"][0]["after"] if isinstance(dropin["diff"], list) else dropin["diff"]["after"]
    assert "hugepages=0:2,1:2" in after


# Pre-flight failures, one inventory host each, run in one ansible-playbook: (variables, expected message).
INFEASIBLE: dict[str, tuple[dict[str, Any], str]] = {
    "too_many_pages": (
        {"tuning_hugepage_size": "2M", "tuning_hugepages": {0: 1_000_000}},
        "infeasible hugepage request: NUMA node 0: 1000000 x 2M",
    ),
    "absent_node": ({"tuning_hugepage_size": "2M", "tuning_hugepages": {3: 16}}, "the host has no node 3"),
    "fib_too_large": (
        {"tuning_fib_max_routes4": 400_000_000, "tuning_hugepage_size": "2M"},
        "infeasible hugepage request",
    ),
    "cpu_flag": ({"tuning_cpu_required_flags": ["sse4_2", "hyth_quantum"]}, "this CPU lacks hyth_quantum"),
    "cpu_range": ({"tuning_isolated_cpus": [1, 4096]}, "does not fit this host's"),
    "vfio_no_iommu": (
        {
            "hayate_ports": [{"name": "p0", "device": "0000:3b:00.0", "driver": "vfio-pci"}],
            "tuning_hugepage_size": "2M",
        },
        "port(s) p0 use vfio-pci, which needs the IOMMU",
    ),
    "bad_choice": ({"tuning_iommu": "maybe"}, "tuning_iommu"),
}


@pytest.fixture(scope="module")
def infeasible(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Result]]:
    work = tmp_path_factory.mktemp("infeasible")
    hosts = {}
    for name, (variables, _message) in INFEASIBLE.items():
        (work / name).mkdir()
        hosts[name] = {"tuning_root": str(work / name), **variables}
    return work, run_hosts("tuning", work / "run", hosts)


@pytest.mark.parametrize("case", sorted(INFEASIBLE))
def test_infeasible_requests_fail_before_any_change(
    infeasible: tuple[Path, dict[str, Result]], case: str
) -> None:
    work, results = infeasible
    result = results[case]
    message = INFEASIBLE[case][1]
    assert result.rc != 0
    assert any(message in f for f in result.failures), result.failures or result.output[-3000:]
    assert tree(work / case) == {}, "a failed pre-flight must leave the host untouched"

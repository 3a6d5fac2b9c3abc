"""The tuning role rendered into a temporary root: files from inventories of different shapes, check mode,
idempotence, and pre-flight failures before any change. (The boot-time effect is verified in the image VM
test.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tuning.playbook import Result, run_role, tree

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


@pytest.fixture(scope="module")
def two_socket(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    work = tmp_path_factory.mktemp("two_socket")
    root = work / "root"
    result = run_role("tuning", work, {**TWO_SOCKET, "tuning_root": str(root)})
    assert result.rc == 0, result.failures or result.output
    return root, result


def test_two_socket_server_command_line(two_socket: tuple[Path, Result]) -> None:
    root, _ = two_socket
    params = grub_params(root)
    # Computed: FIB 768 MiB + 76 MiB of mbufs + 256 MiB per node -> 2 x 1G on each node.
    assert params[:3] == ["default_hugepagesz=1G", "hugepagesz=1G", "hugepages=0:2,1:2"]
    assert "iommu=pt" in params and "intel_iommu=on" in params
    cpus = "2-5,30-33,58-61,86-89"
    assert f"isolcpus=managed_irq,domain,{cpus}" in params
    assert f"nohz_full={cpus}" in params and f"rcu_nocbs={cpus}" in params
    assert "intel_idle.max_cstate=1" in params and "processor.max_cstate=1" in params
    assert "transparent_hugepage=never" in params
    assert (
        "# isolated CPUs (forwarder lcores): 2-5,30-33,58-61,86-89"
        in (root / "etc/default/grub.d/hayate.cfg").read_text()
    )


def test_two_socket_server_files(two_socket: tuple[Path, Result]) -> None:
    root, _ = two_socket
    assert "IRQBALANCE_BANNED_CPULIST=2-5,30-33,58-61,86-89" in (root / "etc/default/irqbalance").read_text()
    fstab = (root / "etc/fstab").read_text().splitlines()
    assert fstab == [
        "hugetlbfs /dev/hugepages hugetlbfs pagesize=2M 0 0",
        "hugetlbfs /dev/hugepages-1G hugetlbfs pagesize=1G 0 0",
    ]
    s = sysctls(root)
    assert s["kernel.numa_balancing"] == "0" and s["net.ipv4.ip_forward"] == "1"
    assert s["net.core.rmem_max"] == "134217728"
    files = tree(root)
    assert files["etc/systemd/system/multi-user.target.wants/hayate-cpu-tune.service"] == (
        "-> /etc/systemd/system/hayate-cpu-tune.service"
    )
    script = files["usr/local/sbin/hayate-cpu-tune"]
    assert "echo performance >" in script and "echo never >" in script


def test_second_run_changes_nothing(two_socket: tuple[Path, Result], tmp_path: Path) -> None:
    root, first = two_socket
    assert first.changed > 0
    again = run_role("tuning", tmp_path, {**TWO_SOCKET, "tuning_root": str(root)})
    assert again.rc == 0 and again.changed == 0, [t["name"] for t in again.tasks if t.get("changed")]


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


def test_inventory_hugepages_2m_iommu_off_and_overrides(tmp_path: Path) -> None:
    """A small lab host: the inventory sets 2M pages itself, no isolation, IOMMU off, sysctl overrides."""
    root = tmp_path / "root"
    result = run_role(
        "tuning",
        tmp_path,
        {
            "tuning_root": str(root),
            "tuning_image_build": True,
            "tuning_hugepage_size": "2M",
            "tuning_hugepages": {0: 1024},
            "tuning_iommu": "off",
            "tuning_max_cstate": None,
            "tuning_transparent_hugepage": "madvise",
            "tuning_cmdline_extra": ["nmi_watchdog=0"],
            "tuning_sysctl_overrides": {"vm.swappiness": 1, "kernel.nmi_watchdog": None},
        },
    )
    assert result.rc == 0, result.failures
    params = grub_params(root)
    assert params == [
        "default_hugepagesz=2M",
        "hugepagesz=2M",
        "hugepages=0:1024",
        "intel_iommu=off",
        "amd_iommu=off",
        "transparent_hugepage=madvise",
        "nmi_watchdog=0",
    ]
    assert not any(p.startswith(("isolcpus", "nohz_full", "rcu_nocbs", "intel_idle")) for p in params)
    s = sysctls(root)
    assert s["vm.swappiness"] == "1" and "kernel.nmi_watchdog" not in s
    assert not (root / "etc/default/irqbalance").exists()
    assert (
        "# hugepages per NUMA node (inventory): node 0 1024 x 2M"
        in (root / "etc/default/grub.d/hayate.cfg").read_text()
    )


def test_this_host_preflight_passes_and_renders(tmp_path: Path) -> None:
    """With hardware pre-flight on (not an image build): this machine has the CPU flags and the memory."""
    root = tmp_path / "root"
    result = run_role(
        "tuning",
        tmp_path,
        {"tuning_root": str(root), "tuning_hugepage_size": "2M", "tuning_hugepages": {0: 512}},
    )
    assert result.rc == 0, result.failures
    assert "hugepages=0:512" in grub_params(root)
    note = result.task("Note the optional CPU features")
    assert "present" in note["msg"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"tuning_hugepage_size": "2M", "tuning_hugepages": {0: 1_000_000}},
            "infeasible hugepage request: NUMA node 0: 1000000 x 2M",
        ),
        ({"tuning_hugepage_size": "2M", "tuning_hugepages": {3: 16}}, "the host has no node 3"),
        (
            {"tuning_fib_max_routes4": 400_000_000, "tuning_hugepage_size": "2M"},
            "infeasible hugepage request",
        ),
        ({"tuning_cpu_required_flags": ["sse4_2", "hyth_quantum"]}, "this CPU lacks hyth_quantum"),
        ({"tuning_isolated_cpus": [1, 4096]}, "does not fit this host's"),
        (
            {
                "hayate_ports": [{"name": "p0", "device": "0000:3b:00.0", "driver": "vfio-pci"}],
                "tuning_hugepage_size": "2M",
            },
            "port(s) p0 use vfio-pci, which needs the IOMMU",
        ),
        ({"tuning_iommu": "maybe"}, "tuning_iommu"),
    ],
    ids=[
        "too-many-pages",
        "absent-node",
        "fib-too-large",
        "cpu-flag",
        "cpu-range",
        "vfio-no-iommu",
        "bad-choice",
    ],
)
def test_infeasible_requests_fail_before_any_change(
    tmp_path: Path, variables: dict[str, Any], message: str
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = run_role("tuning", tmp_path, {"tuning_root": str(root), **variables})
    assert result.rc != 0
    assert any(message in f for f in result.failures), result.failures or result.output[-3000:]
    assert tree(root) == {}, "a failed pre-flight must leave the host untouched"

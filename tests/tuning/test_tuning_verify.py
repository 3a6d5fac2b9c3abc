"""Boot verification of the tuning role on a recorded two-node host (fake /proc and /sys trees):
a changed command line is reported as pending until the host reboots; after a boot, /proc/cmdline and the
reserved hugepages per node must match the plan or the play fails saying what differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuning.playbook import Result, run_hosts

EXPECTED = (
    "default_hugepagesz=1G hugepagesz=1G hugepages=0:8,1:8 iommu=pt intel_iommu=on "
    "isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 "
    "intel_idle.max_cstate=1 processor.max_cstate=1 "
    "transparent_hugepage=never"
)
BOOT_ID = "0b5c8f2e-1111-2222-3333-444455556666"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def host(tmp: Path, cmdline: str, pages: tuple[int, int] = (8, 8), boot_id: str = BOOT_ID) -> dict[str, Any]:
    """A two-node Intel host with 4 CPUs and 96 GiB per node; returns the role variables pointing at it."""
    proc, sysfs = tmp / "proc", tmp / "sys"
    cpu = "processor\t: {n}\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse4_2 avx2 avx512f pdpe1gb\n\n"
    write(proc / "cpuinfo", "".join(cpu.format(n=n) for n in range(4)))
    write(proc / "cmdline", f"BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet {cmdline}\n")
    write(proc / "sys/kernel/random/boot_id", boot_id + "\n")
    for node in (0, 1):
        base = sysfs / f"devices/system/node/node{node}"
        write(base / "meminfo", f"Node {node} MemTotal:       100663296 kB\n")
        write(base / "hugepages/hugepages-1048576kB/nr_hugepages", f"{pages[node]}\n")
        write(base / "hugepages/hugepages-2048kB/nr_hugepages", "0\n")
    write(sysfs / "firmware/acpi/tables/DMAR", "")
    return {
        "tuning_root": str(tmp / "root"),
        "tuning_facts_proc": str(proc),
        "tuning_facts_sysfs": str(sysfs),
        "tuning_state_dir": str(tmp / "state"),
        "tuning_verify": True,
        "tuning_hugepages": {0: 8, 1: 8},
        "tuning_isolated_cpus": [2, 3],
    }


# Each scenario is one inventory host with its own recorded /proc and /sys: (booted command line, pages per
# node, marker content or None).
SCENARIOS: dict[str, tuple[str, tuple[int, int], str | None]] = {
    "other_cmdline": ("hugepages=0:2 iommu=pt", (8, 8), None),
    "short_pages": (EXPECTED, (8, 6), None),
    "matching": (EXPECTED, (8, 8), "an-older-boot"),
    "pending": ("hugepages=0:2", (8, 8), BOOT_ID),
}


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Result], dict[str, Result]]:
    """First run: each host's drop-in is written and the reboot reported pending. Second run: each host has
    booted into its scenario."""
    work = tmp_path_factory.mktemp("verify")
    # The parts of the role that verification does not depend on are skipped to keep the test short.
    skip = ["--skip-tags", "tuning_sysctl,tuning_hugetlbfs,tuning_irqbalance,tuning_cpu"]
    first = run_hosts(
        "tuning", work / "run1", {name: host(work / name, "hugepages=0:2") for name in SCENARIOS}, extra=skip
    )
    hosts = {}
    for name, (cmdline, pages, marker) in SCENARIOS.items():
        hosts[name] = host(work / name, cmdline, pages)
        if marker is not None:
            write(work / name / "state" / "tuning-reboot-pending", marker + "\n")
    second = run_hosts("tuning", work / "run2", hosts, extra=skip)
    return work, first, second


def test_changed_command_line_is_reported_pending_not_verified(
    verified: tuple[Path, dict[str, Result], dict[str, Result]],
) -> None:
    for name, result in verified[1].items():
        assert result.rc == 0, (name, result.failures)
        pending = result.task("Report the pending reboot")
        assert pending["msg"].startswith(f"REBOOT PENDING: the kernel command line of {name} changed")
        assert result.task("Check /proc/cmdline has every parameter of the drop-in").get("skipped")


def test_booted_with_another_command_line_fails_naming_each_parameter(
    verified: tuple[Path, dict[str, Result], dict[str, Result]],
) -> None:
    result = verified[2]["other_cmdline"]
    assert result.rc != 0
    [message] = result.failures
    assert "the running kernel was not booted with the hayate command line" in message
    assert "hugepages=0:8,1:8 (booted: hugepages=0:2)" in message
    assert "nohz_full=2-3 (booted: absent)" in message
    assert "iommu=pt (" not in message  # booted with it: not listed


def test_hugepages_short_on_a_node_fail_with_the_numbers(
    verified: tuple[Path, dict[str, Result], dict[str, Result]],
) -> None:
    result = verified[2]["short_pages"]
    assert result.rc != 0
    assert any("node 1: 6 of 8 x 1G" in f for f in result.failures), result.failures


def test_matching_boot_passes_and_clears_the_marker(
    verified: tuple[Path, dict[str, Result], dict[str, Result]],
) -> None:
    result = verified[2]["matching"]
    assert result.rc == 0, result.failures
    assert result.changed == 1  # only the marker's removal
    assert not (verified[0] / "matching" / "state" / "tuning-reboot-pending").exists()


def test_marker_of_this_boot_means_pending_not_failure(
    verified: tuple[Path, dict[str, Result], dict[str, Result]],
) -> None:
    result = verified[2]["pending"]
    assert result.rc == 0, result.failures
    assert "REBOOT PENDING" in result.task("Report the pending reboot")["msg"]

"""The full scenario (make image-vm-test, not in make test: see docs/image.md for its time): an image with
every hayate role boots in QEMU with three virtio data-plane ports, site.yml applies the lab's settings over
SSH, the router reboots, and from outside: the kernel command line and hugepages took effect, the forwarder,
the agent and FRR run, and a frame sent into one port leaves through another after crossing the forwarder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from .conftest import ROOT, BuiltImage
from .frames import parse_udp_frame, udp_frame
from .test_image_boot import BOOT_TIMEOUT, MEMORY_MB, guest_ifname
from .vm import Vm, boot

pytestmark = pytest.mark.skipif(
    os.environ.get("HAYATE_IMAGE_FULL") != "1",
    reason="the full image scenario runs with make image-vm-test (HAYATE_IMAGE_FULL=1)",
)

SERVICES = ["hayate-fwd", "hayate-agent", "frr"]
PEER_MAC = "02:00:00:00:02:02"
DESTINATION = "198.51.100.7"


@pytest.fixture(scope="module")
def full_disk(
    built_image: BuiltImage, ssh_key: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("full")
    disk = work / "disk.raw"
    subprocess.run(["cp", "--sparse=always", str(built_image.raw), str(disk)], check=True)
    with disk.open("r+b") as f:
        f.truncate(built_image.raw.stat().st_size + (2 << 30))
    subprocess.run(["sfdisk", "--relocate", "gpt-bak-std", str(disk)], check=True, capture_output=True)
    subprocess.run(
        [
            str(ROOT / "image" / "seed.sh"),
            str(disk),
            "--hostname",
            "lab-router",
            "--authorized-keys",
            f"{ssh_key}.pub",
        ],
        check=True,
        capture_output=True,
    )
    yield disk


def lab_inventory(vm: Vm, ssh_key: Path, path: Path) -> Path:
    """inventory/lab's router settings, with the guest's virtio ports as the three af_packet ports."""
    settings = yaml.safe_load((ROOT / "inventory/lab/group_vars/routers/main.yml").read_text())
    # The guest's own namespace holds the ports and the router (the lab keeps them in namespaces of its own).
    settings["hayate_netns"] = ""
    settings["hayate_ports_netns"] = ""
    settings["hayate_topology_local"] = False
    # The lab machine has no systemd and starts nothing; the image boots with systemd, which runs the router.
    settings["hayate_service_manager"] = "systemd"
    # A small guest: 2 MiB pages, 256 of them, instead of the plan for a full table.
    settings["tuning_hugepage_size"] = "2M"
    settings["tuning_hugepages"] = {0: 256}
    # The forwarder the image built (roles/image: image_dataplane_march), so that site.yml does not compile it
    # again inside a TCG guest; a router would build its own (dataplane_march: native).
    settings["dataplane_march"] = "x86-64-v3"
    for port, nic in zip(settings["hayate_ports"], vm.nics, strict=True):
        port["device"] = f"{port['device'].split(',')[0]},iface={guest_ifname(vm, nic.mac)}"
    inventory = {
        "routers": {
            "hosts": {
                "lab-router": {
                    "ansible_host": "127.0.0.1",
                    "ansible_port": vm.ssh_port,
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(ssh_key),
                    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "tuning_reboot_allowed": False,
                    **settings,
                }
            }
        }
    }
    path.write_text(yaml.safe_dump(inventory))
    return path


def service_logs(vm: Vm) -> str:
    """The state and the last journal lines of the router's services, for failure messages."""
    units = " ".join(f"{s}.service" for s in SERVICES)
    proc = vm.ssh(
        f"systemctl --no-pager --lines=0 status {units}; journalctl --no-pager -b -n 60 "
        + " ".join(f"-u {s}.service" for s in SERVICES),
        check=False,
    )
    return proc.stdout[-4000:]


@pytest.fixture(scope="module")
def router(full_disk: Path, ssh_key: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vm]:
    """The booted image after site.yml and a reboot."""
    work = tmp_path_factory.mktemp("router")
    with boot(full_disk, work, ssh_key, firmware="uefi", nics=3, memory_mb=MEMORY_MB) as vm:
        vm.wait_ssh(BOOT_TIMEOUT)
        inventory = lab_inventory(vm, ssh_key, work / "inventory.yml")
        proc = subprocess.run(
            [
                str(ROOT / ".venv/bin/ansible-playbook"),
                "-i",
                str(inventory),
                str(ROOT / "playbooks/site.yml"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        (work / "site.log").write_text(proc.stdout + proc.stderr)
        assert (
            proc.returncode == 0
        ), f"site.yml failed on the image:\n{(proc.stdout + proc.stderr)[-3000:]}\n{service_logs(vm)}"
        # The agent takes about a minute to start under TCG: the checks wait for the end of the boot.
        # (degraded: openipmi finds no IPMI device in QEMU; the checks below name the units that matter.)
        state = vm.reboot(BOOT_TIMEOUT)
        assert state in ("running", "degraded"), f"boot ended {state!r}\n{service_logs(vm)}"
        yield vm
        vm.ssh("systemctl poweroff", check=False)
        vm.wait_exit(180)


def test_kernel_command_line_and_hugepages_took_effect(router: Vm) -> None:
    cmdline = router.ssh("cat /proc/cmdline").stdout.split()
    assert any(arg.startswith("hugepages=") or arg.startswith("hugepagesz=") for arg in cmdline), cmdline
    assert "console=ttyS0,115200n8" in cmdline
    meminfo = dict(line.split(":", 1) for line in router.ssh("cat /proc/meminfo").stdout.splitlines())
    assert int(meminfo["HugePages_Total"].strip()) > 0


@pytest.mark.parametrize("service", SERVICES)
def test_router_services_run_after_reboot(router: Vm, service: str) -> None:
    state = router.ssh(f"systemctl is-active {service}", check=False).stdout.strip()
    assert state == "active", service_logs(router)


def test_frame_crosses_the_forwarder_between_two_ports(router: Vm) -> None:
    inside, outside = router.nics[0], router.nics[1]
    # The guest kernel must not route the frame itself (it sees the virtio ports too): no forwarding on them.
    for nic in router.nics:
        router.ssh(f"sysctl -qw net.ipv4.conf.{guest_ifname(router, nic.mac)}.forwarding=0")
    # A route and a resolved next hop in the kernel; the agent mirrors both into the forwarder's FIB.
    router.ssh(
        f"ip route replace 198.51.100.0/24 via 100.64.2.2 && "
        f"ip neigh replace 100.64.2.2 lladdr {PEER_MAC} dev p1 nud permanent"
    )
    frame = udp_frame(inside.mac, "02:00:00:00:01:02", "100.64.1.2", DESTINATION, 64, b"hayate-full-scenario")
    seen = []
    for _ in range(10):
        inside.send(frame)
        frames = map(parse_udp_frame, outside.receive(2.0))
        seen = [f for f in frames if f and f["payload"] == b"hayate-full-scenario"]
        if seen:
            break
    assert seen, "no frame left port p1 after sending one into p0"
    assert seen[0]["dst_mac"] == PEER_MAC and seen[0]["ttl"] == 63 and seen[0]["header_ok"]

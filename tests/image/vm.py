"""A QEMU virtual machine for the image tests: boots a disk, reaches it over SSH, and offers raw Ethernet
ports as QEMU UDP socket networks (each guest NIC is a pair of UDP ports on 127.0.0.1, so the test sends a
frame into the NIC and reads the frames the NIC sends, without taps, bridges or root).

KVM is used where /dev/kvm works, TCG otherwise. Every VM is stopped (by its PID) when the context exits.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
SSH_OPTS = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "BatchMode=yes",
]


def free_port() -> int:
    """A TCP/UDP port number free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def kvm_usable() -> bool:
    """Whether QEMU can run a KVM guest here: /dev/kvm may open and still refuse guests (nested setups),
    so a bare guest is started; one still running after 3 s means KVM works. HAYATE_QEMU_ACCEL=kvm|tcg
    decides instead."""
    forced = os.environ.get("HAYATE_QEMU_ACCEL", "")
    if forced:
        return forced == "kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    probe = subprocess.Popen(
        [
            "qemu-system-x86_64",
            "-accel",
            "kvm",
            "-cpu",
            "host",
            "-machine",
            "q35",
            "-nodefaults",
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "none",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probe.wait(timeout=3)
        return False
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.wait()
        return True


@dataclass
class SocketNic:
    """A guest NIC wired to a UDP socket: frames the guest sends arrive on `sock`; `send` injects one."""

    mac: str
    host_port: int
    qemu_port: int
    sock: socket.socket = field(init=False)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.host_port))

    def netdev_args(self, index: int) -> list[str]:
        return [
            "-netdev",
            f"socket,id=dp{index},udp=127.0.0.1:{self.host_port},localaddr=127.0.0.1:{self.qemu_port}",
            "-device",
            f"virtio-net-pci,netdev=dp{index},mac={self.mac}",
        ]

    def send(self, frame: bytes) -> None:
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def receive(self, timeout: float) -> list[bytes]:
        """Every frame the guest sent out of this NIC within `timeout` seconds."""
        frames = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                frames.append(self.sock.recv(65536))
            except TimeoutError:
                break
        return frames


@dataclass
class Vm:
    """A running guest: its SSH port, serial log, key and data-plane NICs."""

    process: subprocess.Popen[bytes]
    ssh_port: int
    key: Path
    serial_log: Path
    nics: list[SocketNic]

    def ssh(self, command: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a shell command in the guest as root."""
        proc = subprocess.run(
            ["ssh", *SSH_OPTS, "-i", str(self.key), "-p", str(self.ssh_port), "root@127.0.0.1", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"guest command {command!r} failed ({proc.returncode}): {proc.stderr.strip()}"
            )
        return proc

    def wait_ssh(self, timeout: float) -> float:
        """Seconds until SSH answers; fails with the end of the serial log when it does not."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                break
            try:
                if self.ssh("true", timeout=15, check=False).returncode == 0:
                    return time.monotonic() - start
            except subprocess.TimeoutExpired:
                pass
            time.sleep(2)
        raise AssertionError(
            f"no SSH to the guest within {timeout:.0f} s; serial console ends with:\n{self.serial_tail()}"
        )

    def serial_tail(self) -> str:
        """The end of the guest's serial console, for failure messages."""
        return self.serial_log.read_text(errors="replace")[-3000:] if self.serial_log.exists() else ""

    def wait_exit(self, timeout: float) -> None:
        self.process.wait(timeout=timeout)

    def boot_id(self) -> str | None:
        """The guest kernel's boot ID, or None while SSH does not answer."""
        try:
            proc = self.ssh("cat /proc/sys/kernel/random/boot_id", timeout=15, check=False)
        except subprocess.TimeoutExpired:
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    def reboot(self, timeout: float) -> str:
        """Reboot and wait for the new boot to finish; returns systemd's state at its end.

        SSH keeps answering for a moment after `systemctl reboot` returns, so the wait is for a new boot ID,
        not for SSH alone.
        """
        before = self.boot_id()
        assert before is not None, "no SSH to the guest before its reboot"
        self.ssh("systemctl reboot", check=False)
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                break
            now = self.boot_id()
            if now is not None and now != before:
                left = max(30.0, timeout - (time.monotonic() - start))
                state = self.ssh("systemctl is-system-running --wait", check=False, timeout=left)
                return state.stdout.strip()
            time.sleep(2)
        raise AssertionError(
            f"the guest did not come back within {timeout:.0f} s; serial console:\n{self.serial_tail()}"
        )


@contextmanager
def boot(
    disk: Path,
    workdir: Path,
    key: Path,
    firmware: str = "uefi",
    memory_mb: int = 1536,
    cpus: int = 2,
    nics: int = 0,
    disk_format: str = "raw",
) -> Iterator[Vm]:
    """Boot `disk` (changes are written to it) with a user-mode management NIC and `nics` socket NICs."""
    if shutil.which("qemu-system-x86_64") is None:
        raise RuntimeError("qemu-system-x86_64 is not installed (scripts/apt-packages.txt: qemu-system-x86)")
    workdir.mkdir(parents=True, exist_ok=True)
    ssh_port = free_port()
    serial_log = workdir / f"serial-{firmware}.log"
    serial_log.unlink(missing_ok=True)
    accel = ["-accel", "kvm", "-cpu", "host"] if kvm_usable() else ["-accel", "tcg", "-cpu", "max"]
    args = [
        "qemu-system-x86_64",
        *accel,
        "-machine",
        "q35",
        "-m",
        str(memory_mb),
        "-smp",
        str(cpus),
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        f"file:{serial_log}",
        "-drive",
        f"file={disk},format={disk_format},if=virtio,cache=unsafe",
        "-netdev",
        f"user,id=mgmt,hostfwd=tcp:127.0.0.1:{ssh_port}-:22",
        "-device",
        "virtio-net-pci,netdev=mgmt,mac=52:54:00:00:00:01",
    ]
    if firmware == "uefi":
        vars_copy = workdir / "OVMF_VARS.fd"
        shutil.copyfile(OVMF_VARS, vars_copy)
        args += [
            "-drive",
            f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive",
            f"if=pflash,format=raw,file={vars_copy}",
        ]
    socket_nics = [SocketNic(f"52:54:00:00:01:{i + 1:02x}", free_port(), free_port()) for i in range(nics)]
    for i, nic in enumerate(socket_nics):
        args += nic.netdev_args(i + 1)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=(workdir / "qemu.err").open("wb"))
    try:
        yield Vm(process, ssh_port, key, serial_log, socket_nics)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for nic in socket_nics:
            nic.sock.close()

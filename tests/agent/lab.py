"""A router for the agent tests: hayate-fwd with net_null ports in a namespace ``hyag-<token>-r`` (its taps
are created there, where the kernel holds the router's addresses, neighbours and routes), and hayate-agent
mirroring that namespace's kernel into it. Everything is removed on close, even after a failure."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hayate.ctl import ControlClient

from . import oracle
from .nsutil import ip, sh, token

TAPS = ("hyagp0", "hyagp1")


class Lab:
    def __init__(self, workdir: Path, binary: Path) -> None:
        self.token = token()
        self.workdir = workdir
        self.binary = binary
        self.ns = f"hyag-{self.token}-r"
        self.socket = workdir / "fwd.sock"
        self.fwd: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None
        self.notify: socket.socket | None = None
        self.agent_starts = 0
        self.fwd_starts = 0
        self.metrics_port = 20000 + int(self.token, 16) % 20000
        self.config_path = workdir / "hayate.json"
        self.agent_extra: dict[str, Any] = {}
        self.vlans: list[tuple[int, str]] = []  # (id, name) on p1
        sh("ip", "netns", "add", self.ns)
        ip(self.ns, "link", "set", "lo", "up")

    # configuration
    def write_config(self, **agent: Any) -> Path:
        cfg = {
            "version": 1,
            "eal": [
                "--no-pci",
                "--no-huge",
                "-m",
                "512",
                "--no-telemetry",
                "--no-shconf",
                "--file-prefix",
                f"hyag{self.token}",
                "--log-level",
                "lib.eal:warning",
            ],
            "manager_lcore": 0,
            "ports": [
                {
                    "name": "p0",
                    "device": f"net_null{self.token}0",
                    "tap": TAPS[0],
                    "mac": "02:00:00:00:01:01",
                },
                {
                    "name": "p1",
                    "device": f"net_null{self.token}1",
                    "tap": TAPS[1],
                    "mac": "02:00:00:00:01:02",
                    "vlans": [{"id": vid, "name": name} for vid, name in self.vlans],
                },
            ],
            "lcores": [{"lcore": 1, "rx": [{"port": "p0", "queue": 0}, {"port": "p1", "queue": 0}]}],
            "mbuf": {"count": 4096, "cache": 64},
            "control": {"socket": str(self.socket)},
            "agent": {"netns": self.ns, "metrics": {"port": self.metrics_port}, **agent},
        }
        self.config_path.write_text(json.dumps(cfg, indent=1))
        return self.config_path

    @property
    def taps(self) -> dict[str, tuple[int, int | None]]:
        out: dict[str, tuple[int, int | None]] = {TAPS[0]: (0, None), TAPS[1]: (1, None)}
        out.update({name: (1, vid) for vid, name in self.vlans})
        return out

    # the forwarder
    def start_forwarder(self) -> None:
        if not self.config_path.exists():
            self.write_config()
        self.fwd_starts += 1
        log = (self.workdir / f"fwd{self.fwd_starts}.log").open("wb")
        self.fwd = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, str(self.binary), "-c", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.fwd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"hayate-fwd did not start: {(self.workdir / f'fwd{self.fwd_starts}.log').read_text()}"
                )
            if self.socket.exists():
                try:
                    with ControlClient(self.socket, timeout=5) as c:
                        c.hello()
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        for tap in TAPS:
            ip(self.ns, "link", "set", tap, "up")

    def kill_forwarder(self) -> None:
        assert self.fwd is not None
        self.fwd.send_signal(signal.SIGKILL)
        self.fwd.wait(timeout=10)
        self.fwd = None
        self.socket.unlink(missing_ok=True)

    # the agent
    def start_agent(self, *extra: str) -> None:
        self.agent_starts += 1
        if self.notify is None:
            self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.notify.bind(str(self.workdir / "notify.sock"))
        env = dict(os.environ, NOTIFY_SOCKET=str(self.workdir / "notify.sock"))
        log = (self.workdir / f"agent{self.agent_starts}.log").open("wb")
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "hayate.agent.main", "-c", str(self.config_path), *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.notify is not None and self.agent is not None
        self.notify.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.notify.recv(4096).decode()
            except TimeoutError:
                raise AssertionError(f"agent not ready after {timeout}s:\n{self.agent_log()}") from None
            if "READY=1" in msg:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"agent not ready:\n{self.agent_log()}")

    def agent_log(self) -> str:
        return (self.workdir / f"agent{self.agent_starts}.log").read_text()[-4000:]

    def kill_agent(self, sig: int = signal.SIGKILL) -> None:
        assert self.agent is not None
        self.agent.send_signal(sig)
        self.agent.wait(timeout=20)
        self.agent = None

    # views
    def client(self) -> ControlClient:
        return ControlClient(self.socket, timeout=30)

    def kernel_fib(self) -> dict[str, oracle.Meaning]:
        return oracle.kernel_fib(self.ns, self.taps)

    def forwarder_fib(self) -> dict[str, oracle.Meaning]:
        with self.client() as c:
            return oracle.forwarder_fib(c)

    def wait_synced(self, timeout: float = 20, what: str = "") -> dict[str, oracle.Meaning]:
        """Until the forwarder's FIB equals the kernel's, entry for entry."""
        deadline = time.monotonic() + timeout
        while True:
            expected = self.kernel_fib()
            actual = self.forwarder_fib()
            if expected == actual:
                return actual
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"FIB differs from the kernel {what}:\n{oracle.diff(expected, actual)}\n--- agent log:\n"
                    f"{self.agent_log()}"
                )
            if self.agent is not None and self.agent.poll() is not None:
                raise AssertionError(f"agent exited {self.agent.returncode}:\n{self.agent_log()}")
            time.sleep(0.2)

    def close(self) -> None:
        """Everything goes, whatever failed before: processes by PID, then the namespace."""
        for proc in (self.agent, self.fwd):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=60)
        if self.notify is not None:
            self.notify.close()
        for _ in range(3):
            try:
                sh("ip", "netns", "del", self.ns, check=False, timeout=120)
                if self.ns not in sh("ip", "netns", "list", check=False):
                    break
            except subprocess.TimeoutExpired:
                pass
            time.sleep(1)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)

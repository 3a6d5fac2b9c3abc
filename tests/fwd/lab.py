"""A small virtual lab for hayate-fwd: network namespaces, veth pairs, the daemon and its taps.

Layout (every name starts with ``hyfw``; a per-run token keeps parallel runs apart):

    host A ns  [a0]--veth--[d0]  dataplane ns  [d1]--veth--[b0]  host B ns
                               hayate-fwd (net_af_packet on d0, d1)
                               taps p0, p1 --moved--> router ns (addresses, FRR)

The dataplane namespace holds the DPDK side of the wires, with no addresses and IPv6 off, so its kernel
never answers for the router: like a NIC bound to DPDK, the wire belongs to the forwarder alone. The taps
are created there by hayate-fwd and then moved into the router namespace, where the kernel (and FRR)
own the router's addresses.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hayate.ctl import ControlClient, NextHop, NextHopKind

HOST_A_MAC = "02:aa:00:00:00:01"
HOST_B_MAC = "02:bb:00:00:00:01"
PORT_MACS = ("02:00:00:00:01:01", "02:00:00:00:01:02")
VLAN_ID = 100


def sh(*args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=timeout)


def nsexec(ns: str, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return sh("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


@dataclass
class Lab:
    """Names and handles of one lab; `close()` removes all of it."""

    token: str
    workdir: Path
    binary: Path
    config: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    namespaces: list[str] = field(default_factory=list)

    # names
    def ns(self, role: str) -> str:
        return f"hyfw-{self.token}-{role}"

    def ifname(self, short: str) -> str:
        return f"hyfw{self.token}{short}"  # at most 4 + 4 + 5 characters

    @property
    def socket(self) -> Path:
        return self.workdir / "fwd.sock"

    @property
    def log(self) -> Path:
        return self.workdir / "hayate-fwd.log"

    def client(self) -> ControlClient:
        return ControlClient(self.socket, timeout=10)

    def stats(self) -> dict[str, Any]:
        with self.client() as c:
            stats: dict[str, Any] = c.stats()
        return stats

    def port(self, name: str) -> dict[str, Any]:
        """The PORTS entry of one port."""
        with self.client() as c:
            ports: list[dict[str, Any]] = c.ports()
        return next(p for p in ports if p["name"] == name)

    # building
    def add_ns(self, role: str) -> str:
        name = self.ns(role)
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def build_wires(self) -> None:
        d, a, b, r = (self.add_ns(x) for x in ("d", "a", "b", "r"))
        for port, host, host_mac in (("d0", a, HOST_A_MAC), ("d1", b, HOST_B_MAC)):
            peer = self.ifname("h" + port[1])
            sh(
                "ip",
                "-n",
                d,
                "link",
                "add",
                self.ifname(port),
                "type",
                "veth",
                "peer",
                "name",
                peer,
                "netns",
                host,
            )
            nsexec(d, "sysctl", "-qw", f"net.ipv6.conf.{self.ifname(port)}.disable_ipv6=1")
            sh("ip", "-n", d, "link", "set", self.ifname(port), "up")
            sh("ip", "-n", host, "link", "set", peer, "address", host_mac, "up")
            # veth leaves TCP/UDP checksums to an offload that AF_PACKET does not perform: hosts must fill
            # them in, as a real NIC on the wire would have.
            nsexec(host, "ethtool", "-K", peer, "tx", "off")
        ha, hb = self.ifname("h0"), self.ifname("h1")
        for ns, dev, v4, v6, gw4, gw6 in (
            (a, ha, "10.1.0.2/24", "2001:db8:1::2/64", "10.1.0.1", "2001:db8:1::1"),
            (b, hb, "10.2.0.2/24", "2001:db8:2::2/64", "10.2.0.1", "2001:db8:2::1"),
        ):
            sh("ip", "-n", ns, "addr", "add", v4, "dev", dev)
            sh("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad")
            sh("ip", "-n", ns, "route", "add", "default", "via", gw4)
            sh("ip", "-n", ns, "-6", "route", "add", "default", "via", gw6)
        nsexec(
            r,
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv4.conf.all.send_redirects=0",
        )

    def write_config(
        self,
        fib_backend: str = "poptrie",
        forwarders: int = 1,
        tap_wire: bool = False,
        urpf: str = "off",
        **punt: Any,
    ) -> Path:
        """hayate.json of the lab.  Each port has one TX queue per forwarder lcore plus the manager's, and
        net_af_packet sizes RX and TX alike (qpairs), so every port has forwarders + 1 RX queues, dealt out
        to the forwarder lcores in turn.  tap_wire: port p0's device is a net_tap (interface w0 in the
        dataplane namespace, a device with RX checksum offload) instead of net_af_packet on d0.  urpf: the
        source check of port p1 (host B's)."""
        tap0, tap1 = self.ifname("p0"), self.ifname("p1")
        queues = forwarders + 1
        rx: list[list[dict[str, Any]]] = [[] for _ in range(forwarders)]
        for k, (port, queue) in enumerate((p, q) for p in ("p0", "p1") for q in range(queues)):
            rx[k % forwarders].append({"port": port, "queue": queue})
        eal = ["--no-pci", "--no-huge", "-m", "512" if fib_backend == "poptrie" else "1536", "--no-telemetry"]
        eal += ["--no-shconf", "--file-prefix", f"hyfw{self.token}", "--log-level", "lib.eal:warning"]
        if forwarders > 1:  # more lcores than this machine's CPUs: spread them over CPUs 1 and 0
            eal += ["--lcores", ",".join(f"{i}@{(i + 1) % 2 if i else 0}" for i in range(forwarders + 1))]
        self.config = {
            "version": 1,
            "eal": eal,
            "manager_lcore": 0,
            # The wire ends stay out of the router's kernel; the taps are made where the forwarder runs.
            "ports_netns": self.ns("d"),
            "ports": [
                {
                    "name": "p0",
                    "device": f"net_tap{self.token}w,iface={self.ifname('w0')}"
                    if tap_wire
                    else f"net_af_packet{self.token}0,iface={self.ifname('d0')},qpairs={queues}",
                    "rx_queues": queues,
                    "mac": PORT_MACS[0],
                    "tap": tap0,
                },
                {
                    "name": "p1",
                    "device": f"net_af_packet{self.token}1,iface={self.ifname('d1')},qpairs={queues}",
                    "rx_queues": queues,
                    "mac": PORT_MACS[1],
                    "tap": tap1,
                    "mtu": 1400,
                    "vlans": [{"id": VLAN_ID, "name": f"{tap1}.{VLAN_ID}"}],
                    "urpf": urpf,
                },
            ],
            "lcores": [{"lcore": i + 1, "rx": rx[i]} for i in range(forwarders)],
            # rte_fib sizes its tables up front: a small capacity keeps it within --no-huge memory.
            "fib": {"backend": fib_backend}
            if fib_backend == "poptrie"
            else {"backend": fib_backend, "max_routes4": 65536, "max_routes6": 16384},
            "punt": {"no_route": "punt", **punt},
            "mbuf": {"count": 8192, "cache": 128},
            "control": {"socket": str(self.socket)},
        }
        path = self.workdir / "hayate.json"
        path.write_text(json.dumps(self.config, indent=1))
        return path

    def listening(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            return s.connect_ex(str(self.socket)) == 0

    def start(self, config: Path, address_taps: bool = True) -> None:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns("r"), str(self.binary), "-c", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
            )
        deadline = time.monotonic() + 30
        while not self.listening():  # a crashed forwarder's socket file may still be there
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"hayate-fwd did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        r = self.ns("r")
        if not address_taps:  # a restart: the taps kept their addresses
            return
        for i, (v4, v6) in enumerate(
            (("10.1.0.1/24", "2001:db8:1::1/64"), ("10.2.0.1/24", "2001:db8:2::1/64"))
        ):
            tap = self.ifname(f"p{i}")
            sh("ip", "-n", r, "link", "set", tap, "up")
            sh("ip", "-n", r, "addr", "add", v4, "dev", tap)
            sh("ip", "-n", r, "addr", "add", v6, "dev", tap, "nodad")

    def install_routes(self) -> None:
        """What the agent would mirror from the router's kernel: neighbours, connected and local routes."""
        net = ipaddress.ip_network
        with self.client() as c:
            c.nh_set(
                [
                    NextHop(16, NextHopKind.FORWARD, 0, None, mac_bytes(HOST_A_MAC)),
                    NextHop(17, NextHopKind.FORWARD, 1, None, mac_bytes(HOST_B_MAC)),
                    NextHop(18, NextHopKind.FORWARD, 1, VLAN_ID, mac_bytes(HOST_B_MAC)),
                ]
            )
            c.route_add(
                [
                    (net("10.1.0.0/24"), 16),
                    (net("10.2.0.0/24"), 17),
                    (net("10.3.0.0/24"), 18),
                    (net("10.1.0.1/32"), 1),
                    (net("10.2.0.1/32"), 1),
                    (net("2001:db8:1::/64"), 16),
                    (net("2001:db8:2::/64"), 17),
                    (net("2001:db8:1::1/128"), 1),
                    (net("2001:db8:2::1/128"), 1),
                ]
            )

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        rc = self.proc.returncode
        self.proc = None
        return rc

    def close(self) -> None:
        self.stop()
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces.clear()


@contextlib.contextmanager
def lab(
    workdir: Path,
    binary: Path,
    env: dict[str, str] | None = None,
    fib_backend: str = "poptrie",
    forwarders: int = 1,
    tap_wire: bool = False,
    urpf: str = "off",
    **punt: Any,
) -> Iterator[Lab]:
    """Build the lab, start hayate-fwd, install the routes; always tear everything down."""
    the_lab = Lab(token=secrets.token_hex(2), workdir=workdir, binary=binary, env=env or {})
    try:
        the_lab.build_wires()
        the_lab.start(the_lab.write_config(fib_backend, forwarders, tap_wire, urpf, **punt))
        the_lab.install_routes()
        yield the_lab
    finally:
        the_lab.close()


def counters_delta(before: dict[str, Any], after: dict[str, Any], section: str) -> dict[str, int]:
    return {k: int(after[section][k]) - int(before[section][k]) for k in after[section]}


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def send_frames(lab: Lab, role: str, ifname: str, frames: list[bytes]) -> None:
    """Send raw Ethernet frames from a namespace (AF_PACKET), exactly as given."""
    script = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
        "s.bind((sys.argv[1], 0))\n"
        "for h in sys.argv[2:]:\n"
        "    s.send(bytes.fromhex(h))\n"
    )
    nsexec(lab.ns(role), sys.executable, "-c", script, ifname, *(f.hex() for f in frames))


@contextlib.contextmanager
def capture(lab: Lab, role: str, ifname: str, count: int, bpf: str) -> Iterator[list[str]]:
    """tcpdump of `count` incoming frames (link-level headers shown) on a host's interface; the lines are in
    the yielded list once the block ends.  Starts listening before the block runs."""
    proc = subprocess.Popen(
        ["ip", "netns", "exec", lab.ns(role), "tcpdump", "-e", "-n", "-l", "-Q", "in", "-c", str(count), "-i",
         ifname, bpf],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # "listening on IFNAME, link-type ..." once the filter is attached
            if "listening on" in line:
                break
        yield lines
        out, _ = proc.communicate(timeout=15)
        lines.extend(out.splitlines())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def have_root() -> bool:
    return os.geteuid() == 0

"""The lab of `make lab` (playbooks/lab.yml, roles/lab) seen from outside: its namespaces, the router's FRR,
forwarder and supervised daemons, traffic between its namespaces. Names come from roles/lab/defaults."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml  # type: ignore[import-untyped]
from agent import oracle
from hayate.ctl import ControlClient

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((ROOT / "roles/lab/defaults/main.yml").read_text())
PREFIX: str = DEFAULTS["lab_ns_prefix"]
RUN_DIR = Path(DEFAULTS["lab_run_dir"])
PEERS: dict[str, dict[str, Any]] = {p["name"]: p for p in DEFAULTS["lab_peers"]}
ROUTER_NS = f"{PREFIX}router"
CLIENT_NS = f"{PREFIX}client"
CLIENT_V4 = DEFAULTS["lab_client_v4"].split("/")[0]
CONFIG = Path(DEFAULTS["lab_router_config"])
VTY_DIR = RUN_DIR / "router"
TAPS: dict[str, tuple[int, int | None]] = {
    p["port"]: (i, None) for i, p in enumerate(DEFAULTS["lab_peers"])
}  # tap -> (port id, VLAN)
TAP_OF = {name: p["port"] for name, p in PEERS.items()}  # peer -> the router's tap towards it
T = TypeVar("T")


def playbook(*extra: str, timeout: float = 2400) -> str:
    """ansible-playbook playbooks/lab.yml on inventory/lab; its output, or an error with its tail."""
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", "inventory/lab", "playbooks/lab.yml", *extra]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{(r.stdout + r.stderr)[-6000:]}")
    return r.stdout


def recap_changed(output: str) -> int:
    m = re.search(r"changed=(\d+)", output.rsplit("PLAY RECAP", 1)[-1])
    assert m, output[-2000:]
    return int(m.group(1))


def sh(*args: str, check: bool = True, timeout: float = 60) -> str:
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {(r.stdout + r.stderr).strip()[-2000:]}")
    return r.stdout


def nsexec(ns: str, *args: str, check: bool = True, timeout: float = 60) -> str:
    return sh("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)


def wait_for(what: str, predicate: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (
            RuntimeError,
            OSError,
            ValueError,
            KeyError,
        ) as e:  # a daemon restarting, a socket not there yet
            last = e
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout:.0f} s waiting for {what}" + (f" (last error: {last})" if last else "")
    )


def vtysh(*commands: str) -> str:
    args = ["vtysh", "--vty_socket", str(VTY_DIR)]
    for c in commands:
        args += ["-c", c]
    return nsexec(ROUTER_NS, *args, timeout=120)


def vtysh_json(command: str) -> dict[str, Any]:
    """A `show ... json` command; {} where the daemon has nothing to show (it prints nothing or a message)."""
    out = vtysh(command).strip()
    doc = json.loads(out) if out.startswith("{") else {}
    return doc if isinstance(doc, dict) else {}


def bgp_neighbors() -> dict[str, dict[str, Any]]:
    """Neighbour address -> FRR's view (bgpState, connectionsEstablished, ...)."""
    return vtysh_json("show bgp neighbors json")


def bgp_established() -> dict[str, int] | None:
    """Each neighbour's count of established connections, once all of them are Established."""
    peers = bgp_neighbors()
    if not peers or any(p.get("bgpState") != "Established" for p in peers.values()):
        return None
    return {a: int(p.get("connectionsEstablished", 0)) for a, p in peers.items()}


def ospf_full() -> bool:
    v4 = vtysh_json("show ip ospf neighbor json").get("neighbors", {})
    v6 = vtysh_json("show ipv6 ospf6 neighbor json").get("neighbors", [])
    full4 = any(n.get("state", n.get("nbrState", "")).startswith("Full") for ns in v4.values() for n in ns)
    full6 = any(str(n.get("state", "")).startswith("Full") for n in v6)
    return full4 and full6


def control() -> ControlClient:
    sock = json.loads(CONFIG.read_text()).get("control", {}).get("socket", "/run/hayate/fwd.sock")
    return ControlClient(sock, timeout=60)


def stats() -> dict[str, Any]:
    with control() as c:
        s: dict[str, Any] = c.stats()
    return s


def fib_diff() -> str:
    """Empty when the forwarder's FIB holds exactly what the router's kernel does, entry by entry."""
    expected = oracle.kernel_fib(ROUTER_NS, TAPS)
    with control() as c:
        actual = oracle.forwarder_fib(c)
    return oracle.diff(expected, actual)


def kernel_routes(ns: str, family: int, dev: str | None = None, proto: str | None = None) -> list[str]:
    args = (
        ["-j", f"-{family}", "route", "show"]
        + (["dev", dev] if dev else [])
        + (["proto", proto] if proto else [])
    )
    return [r["dst"] for r in json.loads(sh("ip", "-n", ns, *args, timeout=120) or "[]")]


def route_dev(dst: str) -> str:
    """The router's egress tap for dst, as its kernel (and so the FIB) decides."""
    return str(json.loads(sh("ip", "-n", ROUTER_NS, "-j", "route", "get", dst))[0]["dev"])


def gateway_neighbours(dst: str) -> list[dict[str, Any]] | None:
    """The router's neighbour entries (`ip -d`) for its gateway towards dst; None if dst is on-link."""
    route = json.loads(sh("ip", "-n", ROUTER_NS, "-j", "route", "get", dst))[0]
    gateway = route.get("gateway")
    if not gateway:
        return None
    out = sh("ip", "-n", ROUTER_NS, "-j", "-d", "neigh", "show", "to", gateway, "dev", route["dev"])
    return list(json.loads(out or "[]"))


def next_hop_resolved(dst: str) -> bool:
    """The router's kernel knows the link-layer address of its next hop towards dst (or dst is on-link)."""
    neigh = gateway_neighbours(dst)
    return neigh is None or any("lladdr" in n and oracle.VALID & set(n.get("state", [])) for n in neigh)


def route_source() -> str:
    """Where the agent takes the routes from, as the rendered configuration says: netlink or fpm."""
    return str(json.loads(CONFIG.read_text()).get("agent", {}).get("source", "netlink"))


def fpm_connected() -> bool:
    """zebra's FPM connection to the agent (the agent listens on the configuration's fpm port) is up."""
    port = json.loads(CONFIG.read_text())["agent"]["fpm"]["port"]
    out = nsexec(ROUTER_NS, "ss", "-Htn", "state", "established", f"( sport = :{port} )")
    return bool(out.strip())


def converged(min_routes: int) -> bool:
    """BGP and OSPF up, min_routes IPv4 routes from upstream1 in the kernel, the client's subnet routed
    through campus (OSPF's route comes a moment after the adjacency is full; campus checks sources strictly),
    the FIB equal to the kernel."""
    if not bgp_established() or not ospf_full():
        return False
    if route_dev(CLIENT_V4) != TAP_OF["campus"]:
        return False
    if len(kernel_routes(ROUTER_NS, 4, TAP_OF["upstream1"], proto="bgp")) < min_routes:
        return False
    return fib_diff() == ""


@dataclass
class Daemon:
    """A daemon of the router under the lab supervisor (roles/lab/files/hayate-lab-supervise)."""

    name: str

    def pid(self) -> int:
        pid = int((RUN_DIR / f"{self.name}.child").read_text())
        os.kill(pid, 0)
        return pid

    def kill9(self) -> int:
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def restarted_since(self, old: int) -> int | None:
        try:
            pid = self.pid()
        except (OSError, ValueError):
            return None
        return pid if pid != old else None


def addresses(table: Iterable[str], count: int) -> list[str]:
    """The first host address of `count` prefixes spread over table."""
    nets = [ipaddress.ip_network(p) for p in table if p != "default"]
    step = max(1, len(nets) // count)
    return [str(n[1] if n.num_addresses > 2 else n[0]) for n in nets[::step][:count]]


SENDER = """
import socket, sys
for dst in sys.argv[2:]:
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for _ in range(int(sys.argv[1])):
        s.sendto(b"hayate-lab", (dst, 40000))
"""


def send_udp(ns: str, dsts: list[str], per_dst: int) -> None:
    nsexec(ns, sys.executable, "-c", SENDER, str(per_dst), *dsts)


def count_arrivals(peer: str, dsts: list[str], per_dst: int, timeout: float = 30) -> int:
    """Send per_dst UDP datagrams from the client to each of dsts; how many arrived on peer's eth0."""
    expr = "udp port 40000 and (" + " or ".join(f"dst host {d}" for d in dsts) + ")"
    want = per_dst * len(dsts)
    cap = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            f"{PREFIX}{peer}",
            "tcpdump",
            "-n",
            "-l",
            "-Q",
            "in",
            "-i",
            "eth0",
            "-c",
            str(want),
            expr,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # tcpdump says "listening on eth0" once its filter is attached: send only then.
        assert cap.stderr is not None
        said = ""
        while "listening on" not in said:
            line = cap.stderr.readline()
            assert line, f"tcpdump in {PREFIX}{peer} ended before listening: {said}"
            said += line
        send_udp(CLIENT_NS, dsts, per_dst)
        out, _ = cap.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # fewer than `want` arrived: count those that did
        cap.send_signal(signal.SIGINT)
        out, _ = cap.communicate(timeout=10)
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
    return sum(1 for line in out.splitlines() if "UDP" in line or ".40000:" in line)

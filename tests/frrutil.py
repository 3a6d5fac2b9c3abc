"""FRR daemons run in a network namespace without systemd (DESIGN.md), for the agent's FPM tests and the
forwarder's BGP tests. Imported as a top-level module: tests/ is on sys.path, as for conftest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FRR = Path("/usr/lib/frr")


def available(*daemons: str) -> bool:
    return all((FRR / d).exists() for d in daemons) and shutil.which("vtysh") is not None


def run(*args: str, timeout: float = 30) -> str:
    r = subprocess.run(args, check=False, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def gone(pid: int, timeout: float) -> bool:
    """Waits up to `timeout` seconds for the process to end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class Frr:
    """The daemons of one namespace, sharing a run directory (configs, pid files, logs, the zserv and vty
    sockets) owned by frr:frr. `remove()` ends them by PID and deletes the directory."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        # Under /tmp itself: pytest's tmp_path parents are root-only, and the daemons drop to the frr user.
        self.rundir = Path(tempfile.mkdtemp(prefix=f"{ns}-frr-"))
        os.chmod(self.rundir, 0o755)
        shutil.chown(self.rundir, "frr", "frr")
        self.pids: dict[str, int] = {}  # in start order: stop() ends them the other way round

    def start(self, daemon: str, config: str, *args: str) -> None:
        conf = self.rundir / f"{daemon}.conf"
        conf.write_text(config)
        shutil.chown(conf, "frr", "frr")
        pidfile = self.rundir / f"{daemon}.pid"
        pidfile.unlink(missing_ok=True)
        run(
            "ip",
            "netns",
            "exec",
            self.ns,
            str(FRR / daemon),
            "-d",
            "-f",
            str(conf),
            "-i",
            str(pidfile),
            "-z",
            str(self.rundir / "zserv.api"),
            "--vty_socket",
            str(self.rundir),
            "--log",
            f"file:{self.rundir / daemon}.log",
            *args,
        )
        # -d returns once the daemon forked; its pid file may come a moment later.
        deadline = time.monotonic() + 10
        while not pidfile.exists() or not pidfile.read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{daemon} did not start in {self.ns}:\n{self.logs()}")
            time.sleep(0.1)
        self.pids[daemon] = int(pidfile.read_text().strip())

    def vtysh(self, command: str) -> str:
        return run("vtysh", "--vty_socket", str(self.rundir), "-c", command, timeout=15)

    def vtysh_json(self, command: str) -> Any:
        return json.loads(self.vtysh(command))

    def kill(self, daemon: str) -> None:
        """SIGKILL, as a crash: the daemon cleans nothing up."""
        pid = self.pids.pop(daemon)
        os.kill(pid, signal.SIGKILL)
        gone(pid, 5)
        (self.rundir / f"{daemon}.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        for pid in reversed(self.pids.values()):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            if not gone(pid, 5):
                os.kill(pid, signal.SIGKILL)
        self.pids.clear()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.rundir.glob("*.log")))

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.rundir, ignore_errors=True)


def bgp_conf(
    asn: int, router_id: str, peer: str, peer_asn: int, networks: list[str], keepalive: int = 2, hold: int = 6
) -> str:
    """bgpd with one eBGP neighbor, short timers so that tests see sessions come up and go down quickly."""
    lines = [
        "hostname bgpd",
        f"router bgp {asn}",
        f" bgp router-id {router_id}",
        " no bgp ebgp-requires-policy",
        " no bgp network import-check",
        f" neighbor {peer} remote-as {peer_asn}",
        f" neighbor {peer} timers {keepalive} {hold}",
        f" neighbor {peer} timers connect 1",
        " address-family ipv4 unicast",
        *(f"  network {n}" for n in networks),
        " exit-address-family",
        "",
    ]
    return "\n".join(lines)


def bgp_neighbor(frr: Frr, addr: str) -> dict[str, Any]:
    doc = frr.vtysh_json(f"show bgp neighbors {addr} json")
    return dict(doc.get(addr, {}))


def bgp_established(frr: Frr, addr: str) -> bool:
    return bgp_neighbor(frr, addr).get("bgpState") == "Established"

"""FRR (zebra + bgpd) run inside a network namespace without systemd, as in DESIGN.md."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FRR_DIR = Path("/usr/lib/frr")


def frr_available() -> bool:
    return (FRR_DIR / "zebra").exists() and (FRR_DIR / "bgpd").exists() and shutil.which("vtysh") is not None


@dataclass
class Frr:
    """zebra and bgpd of one namespace; `stop()` ends them by PID and keeps their logs."""

    ns: str
    workdir: Path
    pids: list[int] = field(default_factory=list)

    @property
    def vty(self) -> Path:
        return self.workdir / "vty"

    def start(self, bgpd_conf: str) -> None:
        self.vty.mkdir(parents=True, exist_ok=True)
        (self.workdir / "zebra.conf").write_text("hostname zebra\n")
        (self.workdir / "bgpd.conf").write_text(bgpd_conf)
        for path in (self.workdir, self.vty, self.workdir / "zebra.conf", self.workdir / "bgpd.conf"):
            shutil.chown(path, "frr", "frr")
        zserv = str(self.workdir / "zserv.api")
        for daemon, extra in (("zebra", []), ("bgpd", ["-p", "179"])):
            pidfile = self.workdir / f"{daemon}.pid"
            subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.ns,
                    str(FRR_DIR / daemon),
                    "-d",
                    "-f",
                    str(self.workdir / f"{daemon}.conf"),
                    "-i",
                    str(pidfile),
                    "-z",
                    zserv,
                    "--vty_socket",
                    str(self.vty),
                    "--log",
                    f"file:{self.workdir / daemon}.log",
                    *extra,
                ],
                check=True,
                capture_output=True,
                text=True,
                timeout=30,
            )
            deadline = time.monotonic() + 10
            while not pidfile.exists() or not pidfile.read_text().strip():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{daemon} did not start in {self.ns}")
                time.sleep(0.1)
            self.pids.append(int(pidfile.read_text().strip()))

    def vtysh_json(self, command: str) -> Any:
        out = subprocess.run(
            ["vtysh", "--vty_socket", str(self.vty), "-c", command],
            check=True,
            capture_output=True,
            text=True,
            timeout=15,
        )
        return json.loads(out.stdout)

    def stop(self) -> None:
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        self.pids.clear()


def bgp_conf(asn: int, router_id: str, peer: str, peer_asn: int, networks: list[str]) -> str:
    lines = [
        "hostname bgpd",
        f"router bgp {asn}",
        f" bgp router-id {router_id}",
        " no bgp ebgp-requires-policy",
        " no bgp network import-check",
        f" neighbor {peer} remote-as {peer_asn}",
        f" neighbor {peer} timers 2 6",
        f" neighbor {peer} timers connect 1",
        " address-family ipv4 unicast",
        *(f"  network {n}" for n in networks),
        " exit-address-family",
        "",
    ]
    return "\n".join(lines)

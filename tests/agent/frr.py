"""FRR daemons (zebra, staticd, bgpd) run in a namespace without systemd, for the FPM tests."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from .nsutil import sh

FRR = Path("/usr/lib/frr")


def available() -> bool:
    return all((FRR / d).exists() for d in ("zebra", "staticd", "bgpd")) and shutil.which("vtysh") is not None


class Frr:
    """The daemons of one namespace, sharing a run directory owned by frr:frr."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        # under /tmp itself: pytest's tmp_path parents are root-only, and the daemons run as frr
        self.rundir = Path(tempfile.mkdtemp(prefix="hyag-frr-"))
        os.chmod(self.rundir, 0o755)
        shutil.chown(self.rundir, "frr", "frr")
        self.daemons: list[str] = []

    def start(self, daemon: str, config: str, *args: str) -> None:
        conf = self.rundir / f"{daemon}.conf"
        conf.write_text(config)
        shutil.chown(conf, "frr", "frr")
        sh(
            "ip",
            "netns",
            "exec",
            self.ns,
            str(FRR / daemon),
            "-d",
            "-f",
            str(conf),
            "-i",
            str(self.rundir / f"{daemon}.pid"),
            "-z",
            str(self.rundir / "zserv.api"),
            "--vty_socket",
            str(self.rundir),
            "--log",
            f"file:{self.rundir / (daemon + '.log')}",
            *args,
        )
        self.daemons.append(daemon)

    def vtysh(self, command: str) -> str:
        return sh("ip", "netns", "exec", self.ns, "vtysh", "--vty_socket", str(self.rundir), "-c", command)

    def kill(self, daemon: str) -> None:
        """SIGKILL, as a crash: the daemon cleans nothing up."""
        pid = int((self.rundir / f"{daemon}.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        self.daemons.remove(daemon)
        (self.rundir / f"{daemon}.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        for daemon in reversed(self.daemons):
            pidfile = self.rundir / f"{daemon}.pid"
            try:
                pid = int(pidfile.read_text().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        self.daemons.clear()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.rundir.glob("*.log")))

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.rundir, ignore_errors=True)

"""Start and stop as systemd sees them: READY=1 once forwarding, STOPPING=1 on SIGTERM, socket removed; the
taps, their kernel state and their administrative state outlive a crash or a restart."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from .lab import lab, nsexec, sh, wait_for


def test_readiness_and_stopping_are_notified_to_systemd(fwd_binary: Path, tmp_path: Path) -> None:
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(20)
        with lab(tmp_path, fwd_binary, env={"NOTIFY_SOCKET": str(notify_path)}) as the_lab:
            ready = notify.recv(4096).decode()
            assert "READY=1" in ready.splitlines()
            assert the_lab.socket.exists()  # READY comes after the control socket is listening
            assert the_lab.stop() == 0
            stopping = notify.recv(4096).decode()
            assert "STOPPING=1" in stopping.splitlines()
            assert not the_lab.socket.exists()


def test_taps_keep_their_kernel_state_across_a_crash(fwd_binary: Path, tmp_path: Path) -> None:
    """kill -9 leaves the taps (no carrier) with their index and addresses; the restarted forwarder takes them
    over, so zebra and the agent see a link flap, not an interface deleted and created anew."""
    with lab(tmp_path, fwd_binary) as the_lab:
        r, tap = the_lab.ns("r"), the_lab.ifname("p0")
        before = json.loads(sh("ip", "-n", r, "-j", "addr", "show", "dev", tap).stdout)[0]
        assert the_lab.proc is not None
        the_lab.proc.kill()
        the_lab.proc.wait(timeout=10)
        crashed = json.loads(sh("ip", "-n", r, "-j", "addr", "show", "dev", tap).stdout)[0]
        assert crashed["ifindex"] == before["ifindex"]
        assert "NO-CARRIER" in crashed["flags"]
        assert {a["local"] for a in crashed["addr_info"]} >= {"10.1.0.1", "2001:db8:1::1"}
        the_lab.start(the_lab.workdir / "hayate.json", address_taps=False)
        the_lab.install_routes()
        after = json.loads(sh("ip", "-n", r, "-j", "link", "show", "dev", tap).stdout)[0]
        assert after["ifindex"] == before["ifindex"]
        out = nsexec(the_lab.ns("a"), "ping", "-c", "3", "-i", "0.2", "-w", "15", "10.2.0.2", check=False)
        assert " 0% packet loss" in out.stdout, out.stdout


def test_a_tap_set_down_stays_down_across_a_restart(fwd_binary: Path, tmp_path: Path) -> None:
    """The tap PMD sets its interface down as it stops and up as it starts; an operator's shutdown of a port
    must not be undone by a restart of the forwarder, nor a restart shut the other ports."""
    with lab(tmp_path, fwd_binary) as the_lab:
        r, p0, p1 = the_lab.ns("r"), the_lab.ifname("p0"), the_lab.ifname("p1")

        def flags(tap: str) -> list[str]:
            link = json.loads(sh("ip", "-n", r, "-j", "link", "show", "dev", tap).stdout)[0]
            return list(link["flags"])

        def ping_b() -> str:
            return nsexec(the_lab.ns("a"), "ping", "-c", "1", "-W", "2", "10.2.0.2", check=False).stdout

        nsexec(r, "ip", "link", "set", p1, "down")
        wait_for(lambda: not the_lab.port("p1")["admin_up"], 5, "p1 administratively down")
        assert the_lab.stop() == 0
        assert "UP" in flags(p0) and "NO-CARRIER" in flags(p0)  # as after a crash
        assert "UP" not in flags(p1)
        the_lab.start(the_lab.workdir / "hayate.json", address_taps=False)
        the_lab.install_routes()
        assert the_lab.port("p0")["admin_up"] and not the_lab.port("p1")["admin_up"]
        assert "UP" in flags(p0) and "UP" not in flags(p1)
        assert "p1: tap " + p1 + " was administratively down before the start" in the_lab.log.read_text()
        dropped = the_lab.stats()["drops"]["admin_down"]
        assert " 0% packet loss" not in ping_b()
        assert the_lab.stats()["drops"]["admin_down"] > dropped
        nsexec(r, "ip", "link", "set", p1, "up")
        wait_for(lambda: the_lab.port("p1")["admin_up"], 5, "p1 administratively up")
        wait_for(lambda: " 0% packet loss" in ping_b(), 15, "host B to answer through p1 again", interval=0)

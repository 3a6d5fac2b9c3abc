"""Faults: the forwarder killed and restarted, the agent killed and restarted while routes change, lost
netlink messages (ENOBUFS). Each time the FIB ends equal to the kernel's, nothing lost and nothing stale."""

from __future__ import annotations

import re
import signal
import time

from .lab import TAPS, Lab
from .nsutil import ip, ip_batch
from .test_sync import _router, _routes

P0, P1 = TAPS


def test_forwarder_killed_and_restarted(lab: Lab) -> None:
    _router(lab)
    ip_batch(lab.ns, _routes("100.64.0.0/12", 1000, "10.0.0.2"))
    lab.wait_synced(what="before the kill")
    lab.kill_forwarder()
    # The taps persist without carrier: the kernel keeps their addresses and routes (the carrier loss may
    # flush neighbours). The restarted forwarder takes them over with an empty FIB, which the agent refills.
    assert "10.0.0.1/24" in ip(lab.ns, "addr", "show", "dev", P0)
    lab.start_forwarder()
    ip(lab.ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    fib = lab.wait_synced(timeout=30, what="after the forwarder restarted")
    assert fib["100.64.0.0/24"] == ("fwd", 0, None, "02:00:00:00:00:02")
    assert "forwarder-restart" in lab.agent_log() or "restarted" in lab.agent_log()


def test_agent_killed_and_restarted_while_routes_change(lab: Lab) -> None:
    _router(lab)
    ip_batch(lab.ns, _routes("100.64.0.0/12", 3000, "10.0.0.2"))
    lab.wait_synced(what="before the kill")
    before = lab.forwarder_fib()
    lab.kill_agent()
    # forwarding goes on with the last good FIB while the agent is gone
    assert lab.forwarder_fib() == before
    with lab.client() as c:
        assert c.lookup("100.64.0.77")["prefix"] == "100.64.0.0/24"
    ip_batch(lab.ns, _routes("100.80.0.0/12", 500, "10.0.1.2"))
    ip_batch(lab.ns, [r.replace("route add", "route del") for r in _routes("100.64.0.0/12", 300, "")])
    ip(lab.ns, "neigh", "replace", "10.0.1.2", "lladdr", "02:00:00:00:01:22", "dev", P1)
    assert lab.forwarder_fib() == before
    lab.start_agent()
    lab.wait_ready()
    lab.wait_synced(what="after the agent restarted")
    # the restart reconciled against what the forwarder had: only the changes were sent, no flush
    m = re.search(r"reconciled with the forwarder \((\d+) routes.*?: \+(\d+) -(\d+) routes", lab.agent_log())
    assert m, lab.agent_log()
    found, added, removed = (int(x) for x in m.groups())
    assert found >= 3000
    assert added <= 500 + 10 and removed <= 300 + 10, lab.agent_log()


def test_lost_netlink_messages_trigger_a_resync(lab: Lab) -> None:
    _router(lab, "--rcvbuf", "4096")
    assert lab.agent is not None
    # the agent stopped while a burst overflows its tiny receive buffer: the kernel must drop messages
    lab.agent.send_signal(signal.SIGSTOP)
    try:
        ip_batch(lab.ns, _routes("100.64.0.0/12", 4000, "10.0.0.2"))
    finally:
        lab.agent.send_signal(signal.SIGCONT)
    lab.wait_synced(timeout=60, what="after a burst into a tiny receive buffer")
    assert "resync (enobufs)" in lab.agent_log(), lab.agent_log()
    lab.agent.send_signal(signal.SIGSTOP)
    try:
        ip_batch(lab.ns, [r.replace("route add", "route del") for r in _routes("100.64.0.0/12", 4000, "")])
        ip(lab.ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:99", "dev", P0)
    finally:
        lab.agent.send_signal(signal.SIGCONT)
    fib = lab.wait_synced(timeout=60, what="after a burst of deletes")
    assert fib["10.0.0.2/32"] == ("fwd", 0, None, "02:00:00:00:00:99")


def test_agent_started_before_the_forwarder_waits_for_it(lab: Lab) -> None:
    lab.write_config()
    ip(lab.ns, "route", "add", "blackhole", "203.0.113.0/24")
    lab.start_agent()
    time.sleep(1.5)
    assert lab.agent is not None and lab.agent.poll() is None, lab.agent_log()
    assert "READY=1" not in _pending_notifications(lab)
    lab.start_forwarder()
    ip(lab.ns, "addr", "add", "10.0.0.1/24", "dev", P0)
    ip(lab.ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    ip(lab.ns, "route", "add", "198.51.100.0/24", "via", "10.0.0.2")
    lab.wait_ready()
    fib = lab.wait_synced(what="after the forwarder came up second")
    assert fib["198.51.100.0/24"] == ("fwd", 0, None, "02:00:00:00:00:02")
    assert fib["203.0.113.0/24"] == ("blackhole",)


def _pending_notifications(lab: Lab) -> str:
    assert lab.notify is not None
    lab.notify.setblocking(False)
    out = []
    try:
        while True:
            out.append(lab.notify.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        lab.notify.setblocking(True)
    return "".join(out)

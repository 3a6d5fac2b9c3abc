"""Faults: the forwarder killed and restarted, the agent killed and restarted while routes change, lost
netlink messages (ENOBUFS). Each time the FIB ends equal to the kernel's, nothing lost and nothing stale."""

from __future__ import annotations

import re

from .lab import TAPS, Lab
from .nsutil import ip, ip_batch
from .test_sync import _router, _routes

P0, P1 = TAPS


def test_forwarder_killed_and_restarted(lab: Lab) -> None:
    _router(lab)
    ip_batch(lab.ns, _routes("100.64.0.0/12", 1000, "10.0.0.2"))
    lab.wait_synced(what="before the kill")
    lab.kill_forwarder()
    # new taps: the kernel lost their addresses, routes and neighbours with the old ones
    lab.start_forwarder()
    ns = lab.ns
    ip(ns, "addr", "add", "10.0.0.1/24", "dev", P0)
    ip(ns, "neigh", "replace", "10.0.0.2", "lladdr", "02:00:00:00:00:02", "dev", P0)
    ip_batch(ns, _routes("100.64.0.0/12", 1000, "10.0.0.2"))
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
    ip_batch(lab.ns, _routes("100.64.0.0/12", 20000, "10.0.0.2"))
    lab.wait_synced(timeout=60, what="after a burst into a tiny receive buffer")
    ip_batch(lab.ns, [r.replace("route add", "route del") for r in _routes("100.64.0.0/12", 20000, "")])
    lab.wait_synced(timeout=60, what="after a burst of deletes")
    assert "resync (enobufs)" in lab.agent_log(), lab.agent_log()

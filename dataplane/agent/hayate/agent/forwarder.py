"""The agent's session with the forwarder: connect, detect restarts (HELLO boot_id), reconcile against the
forwarder's own dump, apply plans in pipelined batches."""

from __future__ import annotations

import logging
import time

from hayate.agent.mirror import Mirror, Plan
from hayate.ctl import ControlClient, ControlError, Hello

log = logging.getLogger(__name__)


class Forwarder:
    def __init__(self, path: str, batch: int) -> None:
        self.path = path
        self.batch = batch
        self.client: ControlClient | None = None
        self.hello: Hello | None = None
        self.boot_id: str | None = None
        self.port_taps: dict[str, tuple[int, int | None]] = {}
        self.batches = 0
        self.changes = 0
        self.restarts = 0
        self._t0 = 0.0
        self._found = (0, 0, 0)
        self._sent = [0, 0]

    @property
    def connected(self) -> bool:
        return self.client is not None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def connect(self) -> bool:
        """Connects and says HELLO. Returns True if the forwarder is another instance than last time."""
        self.close()
        client = ControlClient(self.path)
        try:
            hello = client.hello()
            ports = client.ports()
        except (ControlError, OSError):
            client.close()
            raise
        self.client, self.hello = client, hello
        restarted = self.boot_id is not None and hello.boot_id != self.boot_id
        if restarted:
            self.restarts += 1
        self.boot_id = hello.boot_id
        taps: dict[str, tuple[int, int | None]] = {}
        for p in ports:
            tap = p.get("tap")
            if isinstance(tap, str) and tap:
                taps[tap] = (int(p["id"]), None)
                for v in p.get("vlans") or []:
                    if isinstance(v, dict) and isinstance(v.get("name"), str):
                        taps[v["name"]] = (int(p["id"]), int(v["id"]))
        self.port_taps = taps
        log.info(
            "forwarder pid %d (boot %s, %s, %d ports) connected%s",
            hello.pid,
            hello.boot_id,
            hello.backend,
            hello.ports,
            ": it restarted since the last session" if restarted else "",
        )
        return restarted

    def same_instance(self) -> bool:
        """A HELLO on the open connection: False if the boot id changed (a forwarder restart on a socket
        path we reconnected to) or the connection broke."""
        if self.client is None:
            return False
        try:
            return self.client.hello().boot_id == self.boot_id
        except (ControlError, OSError):
            return False

    def reconcile(self, mirror: Mirror) -> Plan:
        """Reads the forwarder's FIB, next hops and groups, lets the mirror adopt them, and applies the
        difference. Stale entries go, missing ones come; unchanged routes are not touched."""
        self.begin_reconcile(mirror, mark_stale=True)
        return self.end_reconcile(mirror)

    def begin_reconcile(self, mirror: Mirror, *, mark_stale: bool) -> None:
        assert self.client is not None
        self._t0 = time.monotonic()
        routes = self.client.route_dump_map(0)
        nexthops = self.client.nh_dump()
        groups = self.client.nhg_dump()
        mirror.adopt(routes, nexthops, groups, mark_stale=mark_stale)
        self._found = (len(routes), len(nexthops), len(groups))
        self._sent = [0, 0]

    def partial(self, mirror: Mirror) -> None:
        """Applies what is planned so far (adds and changes only: see Mirror.mark_stale), without waiting
        for the forwarder: it inserts these while the agent reads the rest of the dump."""
        plan = mirror.plan()
        self.apply(plan, wait=False)
        self._sent[0] += len(plan.route_add)
        self._sent[1] += len(plan.route_del)

    def end_reconcile(self, mirror: Mirror) -> Plan:
        mirror.mark_stale()
        plan = mirror.plan()
        mirror.finish_adopt()
        self.apply(plan)
        found = self._found
        log.info(
            "reconciled with the forwarder (%d routes, %d next hops, %d groups found): +%d -%d routes "
            "(%s in the last step) in %.2f s",
            found[0],
            found[1],
            found[2],
            self._sent[0] + len(plan.route_add),
            self._sent[1] + len(plan.route_del),
            plan.summary(),
            time.monotonic() - self._t0,
        )
        return plan

    def apply(self, plan: Plan, *, wait: bool = True) -> None:
        """Sends a plan in order. With wait=False the last messages' replies are read by the next request
        (ControlClient.bulk); a refusal then surfaces there and the agent reconciles."""
        c = self.client
        assert c is not None
        b = self.batch
        if plan.nh_set:
            c.nh_set(plan.nh_set, batch=b, wait=wait)
        if plan.nhg_set:
            c.nhg_set(plan.nhg_set, batch=b, wait=wait)
        if plan.route_add:
            c.route_add_keys(plan.route_add, batch=b, wait=wait)
        if plan.route_del:
            c.route_del_keys(plan.route_del, batch=b, wait=wait)
        if plan.nh_del:
            c.nh_del(plan.nh_del, batch=b, wait=wait)
        n = (
            len(plan.nh_set)
            + len(plan.nhg_set)
            + len(plan.route_add)
            + len(plan.route_del)
            + len(plan.nh_del)
        )
        self.changes += n
        self.batches += sum(
            -(-len(x) // b) for x in (plan.nh_set, plan.nhg_set, plan.route_add, plan.route_del, plan.nh_del)
        )

"""hayate-agent: mirrors the kernel's (or zebra's FPM) routes, next hops, neighbours and addresses into the
forwarder's FIB over its control socket, and keeps them equal.

One thread runs everything (sources, planning, control socket); prometheus-client serves metrics from its own
thread, reading counters only.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import logging
import os
import select
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from hayate.agent import config as configmod
from hayate.agent.forwarder import Forwarder
from hayate.agent.fpm import FpmSource
from hayate.agent.gateways import GatewayKeeper
from hayate.agent.kernel_source import KernelSource, ResyncNeeded
from hayate.agent.metrics import Metrics
from hayate.agent.mirror import Mirror
from hayate.agent.notify import sd_notify
from hayate.agent.vlans import VlanMaker
from hayate.ctl import ControlError

log = logging.getLogger("hayate.agent")

CLONE_NEWNET = 0x40000000
RECONNECT_S = 0.5
BACKOFF_MAX_S = 30.0
COALESCE_S = 0.02  # longest a change waits for others to join its plan
COALESCE_MAX = 200_000  # a plan this large goes at once
CHECK_S = 1.0  # HELLO on the open connection (boot id) and STATS for the metrics
STATUS_LOG_S = 60.0
BIG_PLAN = 1000  # plans at least this large are logged at INFO


def enter_netns(name: str) -> None:
    """Moves the calling thread (the agent's only netlink user) into /run/netns/NAME."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns to network namespace {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


class Agent:
    def __init__(
        self, cfg: configmod.AgentConfig, *, rcvbuf: int = 64 << 20, fpm_settle: float = 2.0
    ) -> None:
        self.cfg = cfg
        self.mirror = Mirror(cfg.tap_ports())
        tables = {t: i for i, t in enumerate(cfg.tables)}
        self.fpm: FpmSource | None = None
        if cfg.source == "fpm":
            # connected routes still come from the kernel, ranked after zebra's
            self.kernel = KernelSource(
                self.mirror, tables, routes=False, rcvbuf=rcvbuf, rank_base=len(tables)
            )
            self.fpm = FpmSource(self.mirror, tables, cfg.fpm_listen, cfg.fpm_port, fpm_settle)
        else:
            self.kernel = KernelSource(self.mirror, tables, rcvbuf=rcvbuf)
        self.fwd = Forwarder(cfg.socket, cfg.batch)
        self.vlans = VlanMaker(cfg.ports)
        self.gateways = GatewayKeeper()
        self.resyncs: Counter[str] = Counter()
        self.ready = False
        self.stopping = False
        self.last_stats: dict[str, Any] | None = None
        self.metrics: Metrics | None = None
        self._first_change: float | None = None
        self._next_connect = 0.0
        self._failures = 0
        self._next_check = 0.0
        self._next_status = time.monotonic() + STATUS_LOG_S
        self._changes_logged = 0

    def route_events(self) -> int:
        return self.kernel.route_events + (self.fpm.route_events if self.fpm else 0)

    # ---- lifecycle -----------------------------------------------------------------------------------

    def run(self) -> None:
        self._start()
        while not self.stopping and not self.fwd.connected:
            self._try_connect()
            if not self.fwd.connected:
                self._wait(RECONNECT_S)
                self._read_sources()
        if self.stopping:
            return
        self.ready = True
        sd_notify(f"READY=1\nSTATUS=mirroring {len(self.mirror.fib)} routes")
        log.info("ready: forwarder FIB holds %d entries", len(self.mirror.fib))
        while not self.stopping:
            self.step()
        sd_notify("STOPPING=1")

    def _start(self) -> None:
        """The first sync. With the forwarder already up, its state is adopted first and the kernel's routes
        are applied while the dump still streams in (the forwarder inserts on its core meanwhile); stale
        entries go once the dump is complete. Without it, the kernel is dumped and the loop connects later."""
        try:
            self.fwd.connect()
            self.mirror.set_tap_ports({**self.cfg.tap_ports(), **self.fwd.port_taps})
            self.fwd.begin_reconcile(self.mirror, mark_stale=False)
        except (ControlError, OSError) as exc:
            log.info("forwarder at %s not reachable yet (%s): will connect when it is", self.cfg.socket, exc)
            self.fwd.close()
            self.resync("start")
            return
        streaming = True

        def partial() -> None:
            nonlocal streaming
            if not streaming:
                return
            try:
                self.fwd.partial(self.mirror)
            except (ControlError, OSError) as exc:
                log.error("forwarder refused a batch during the first sync (%s): reconciling later", exc)
                streaming = False
                self._lost_forwarder()

        self.resync("start", progress=partial)
        if not streaming:
            return
        try:
            self.fwd.end_reconcile(self.mirror)
            self._first_change = None
        except (ControlError, OSError) as exc:
            log.error("forwarder refused the first sync (%s): reconciling again", exc)
            self._lost_forwarder()

    def step(self, timeout: float = 0.5) -> None:
        self._wait(timeout)
        self._read_sources()
        if self.kernel.resync_wanted:
            cause, self.kernel.resync_wanted = self.kernel.resync_wanted, None
            self.resync(cause)
        if self.fpm is not None and self.fpm.settled() is not None:
            self.resyncs["fpm-connect"] += 1
        now = time.monotonic()
        if not self.fwd.connected:
            if now >= self._next_connect:
                self._try_connect()
        elif self.mirror.pending() and not self._coalescing(now):
            self.flush()
        if not self.mirror.pending():
            self.gateways.sync(self.mirror.gateways())
        if self.fwd.connected and now >= self._next_check:
            self._check_forwarder()
        if now >= self._next_status:
            self._status()

    def _wait(self, timeout: float) -> None:
        fds = [self.kernel.fileno()]
        if self.fpm is not None:
            fds += self.fpm.fds()
        if self.fwd.client is not None:
            fds.append(self.fwd.client.fileno())
        if self.mirror.pending() and self.fwd.connected:
            due = (self._first_change or 0.0) + COALESCE_S - time.monotonic()
            timeout = min(timeout, max(0.0, due))
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            return
        if self.fwd.client is not None and self.fwd.client.fileno() in readable:
            # nothing is outstanding between steps: readable means the forwarder closed the connection
            log.warning("forwarder closed the control connection; reconnecting")
            self._lost_forwarder()

    def _read_sources(self) -> None:
        link_changes = self.mirror.link_changes
        try:
            n = self.kernel.read()
        except ResyncNeeded as exc:
            log.warning("kernel events lost (%s): full resync", exc.cause)
            self.resync(exc.cause)
            n = 1
        if self.mirror.link_changes != link_changes:
            self.vlans.ensure(self.mirror.links)
        if self.fpm is not None:
            self.fpm.accept()
            n += self.fpm.read()
        if n and self._first_change is None:
            self._first_change = time.monotonic()

    def resync(self, cause: str, progress: Callable[[], None] | None = None) -> None:
        self.resyncs[cause] += 1
        t0 = time.monotonic()
        times = self.kernel.resync(overrun=cause == "enobufs", progress=progress)
        self.vlans.ensure(self.mirror.links)
        log.info(
            "resync (%s) of the kernel view done in %.2f s (%s)",
            cause,
            time.monotonic() - t0,
            ", ".join(f"{k} {v:.2f} s" for k, v in times.items()),
        )
        if self._first_change is None:
            self._first_change = t0

    # ---- forwarder -----------------------------------------------------------------------------------

    def _try_connect(self) -> None:
        self._next_connect = time.monotonic() + RECONNECT_S
        try:
            restarted = self.fwd.connect()
            self.mirror.set_tap_ports({**self.cfg.tap_ports(), **self.fwd.port_taps})
            if restarted:
                self.resyncs["forwarder-restart"] += 1
            self.fwd.reconcile(self.mirror)
            self._first_change = None
            self._failures = 0
        except (ControlError, OSError) as exc:
            if self.fwd.connected:
                log.error("reconciling with the forwarder failed: %s", exc)
                self._backoff()
            else:
                log.debug("forwarder at %s not reachable: %s", self.cfg.socket, exc)
            self.fwd.close()

    def _lost_forwarder(self) -> None:
        self.fwd.close()
        self._next_connect = 0.0

    def _backoff(self) -> None:
        """A forwarder that keeps refusing (a full FIB, say) is not re-dumped twice a second: the delay
        doubles up to BACKOFF_MAX_S while failures repeat."""
        self._failures += 1
        delay = min(BACKOFF_MAX_S, RECONNECT_S * 2**self._failures)
        self._next_connect = time.monotonic() + delay
        log.warning("next attempt to reconcile with the forwarder in %.1f s", delay)

    def _coalescing(self, now: float) -> bool:
        """While changes stream in, gather them for up to COALESCE_S: the forwarder publishes once per
        message, so a burst applied as a few large plans costs less than as many small ones."""
        if self._first_change is None or len(self.mirror.dirty) >= COALESCE_MAX:
            return False
        return now - self._first_change < COALESCE_S

    def flush(self) -> None:
        plan = self.mirror.plan()
        if not plan:
            self._first_change = None
            return
        try:
            self.fwd.apply(plan)
        except (ControlError, OSError) as exc:
            log.error("forwarder refused a batch (%s): reconciling from its dump", exc)
            self._lost_forwarder()
            if isinstance(exc, ControlError) and exc.errno not in (errno.ECONNRESET, errno.EPIPE):
                self._backoff()
            return
        if self._first_change is not None and self.metrics is not None:
            self.metrics.lag.observe(time.monotonic() - self._first_change)
        self._first_change = None
        size = len(plan.route_add) + len(plan.route_del)
        if size >= BIG_PLAN:
            log.info("applied %s", plan.summary())
        else:
            log.debug("applied %s", plan.summary())

    def _check_forwarder(self) -> None:
        self._next_check = time.monotonic() + CHECK_S
        if not self.fwd.same_instance():
            log.warning("forwarder restarted or went away; reconnecting for a full resync")
            self._lost_forwarder()
            return
        try:
            assert self.fwd.client is not None
            self.last_stats = self.fwd.client.stats()
        except (ControlError, OSError) as exc:
            log.debug("STATS: %s", exc)

    def _status(self) -> None:
        self._next_status = time.monotonic() + STATUS_LOG_S
        if self.fwd.changes != self._changes_logged:
            m = self.mirror
            log.info(
                "FIB %d entries (%d source routes, %d local, %d neighbour hosts), %d next hops, %d groups; "
                "%d changes in the last %.0f s",
                len(m.fib),
                len(m.routes),
                len(m.local),
                len(m.neigh_hosts),
                len(m.nh_content),
                len(m.group_members),
                self.fwd.changes - self._changes_logged,
                STATUS_LOG_S,
            )
            self._changes_logged = self.fwd.changes

    def close(self) -> None:
        self.gateways.close()
        self.kernel.close()
        if self.fpm is not None:
            self.fpm.close()
        self.fwd.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="hayate-agent", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    ap.add_argument("-c", "--config", default="/etc/hayate/hayate.json", help="configuration file")
    ap.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    ap.add_argument("--check", action="store_true", help="validate the configuration and exit")
    ap.add_argument("--rcvbuf", type=int, default=64 << 20, help="netlink receive buffer in bytes")
    ap.add_argument("--no-metrics", action="store_true", help="do not serve Prometheus metrics")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        if sys.stderr.isatty()
        else "%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        cfg = configmod.load(args.config)
    except configmod.ConfigError as exc:
        print(f"hayate-agent: {args.config}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.config}: agent configuration valid")
        return 0
    agent: Agent | None = None

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping (the forwarder keeps its FIB)", signum)
        if agent is not None:
            agent.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # everything, metrics and FPM included, lives in the router's namespace when one is configured
        if cfg.netns:
            enter_netns(cfg.netns)
        agent = Agent(cfg, rcvbuf=args.rcvbuf)
        if not args.no_metrics:
            agent.metrics = Metrics(agent)
            agent.metrics.serve(cfg.metrics_listen, cfg.metrics_port)
        agent.run()
    except OSError as exc:
        log.error("%s", exc)
        return 1
    finally:
        if agent is not None:
            agent.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

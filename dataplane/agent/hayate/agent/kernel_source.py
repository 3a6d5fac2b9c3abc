"""The kernel as a source: dumps and multicast events of links, addresses, neighbours, nexthop objects and
(unless FPM provides them) routes, fed into the Mirror.

A gap in the event stream (ENOBUFS) or a change the kernel does not announce route by route (a link going
down or away flushes its IPv4 routes and nexthop objects silently) makes the agent call `resync()`: a full
dump, then mark and sweep against the mirror. Events queued while the dump ran are applied after it, in
order, which converges to the kernel's state.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable

from hayate.agent import kernel
from hayate.agent import nlconst as nl
from hayate.agent.mirror import Mirror
from hayate.agent.netlink import DumpInterrupted, NetlinkSocket, Overrun
from hayate.agent.rtdecode import decode_route
from hayate.ctl import RouteKey

log = logging.getLogger(__name__)

EVENT_GROUPS = (
    nl.RTNLGRP_LINK,
    nl.RTNLGRP_IPV4_IFADDR,
    nl.RTNLGRP_IPV6_IFADDR,
    nl.RTNLGRP_NEIGH,
    nl.RTNLGRP_NEXTHOP,
)
ROUTE_GROUPS = (nl.RTNLGRP_IPV4_ROUTE, nl.RTNLGRP_IPV6_ROUTE)
_IFINFO = bytes(16)  # ifinfomsg, all zero: every link
_IFADDR = bytes(8)
_NDMSG = bytes(12)
_NHMSG = bytes(8)
_RTMSG = struct.Struct("=BBBBBBBBI")
_DUMP_RETRIES = 5
PROGRESS_EVERY = 200_000  # routes planned at a time while a dump streams into a connected forwarder
_NLMSG_LEN_TYPE = struct.Struct("=IH").unpack_from


class ResyncNeeded(Exception):
    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class KernelSource:
    """`tables`: kernel table id -> rank (position in the configuration). With `routes=False` (FPM mode) only
    connected routes (protocol kernel) are taken from the kernel; the rest comes from FPM."""

    def __init__(
        self,
        mirror: Mirror,
        tables: dict[int, int],
        *,
        routes: bool = True,
        rcvbuf: int = 64 << 20,
        rank_base: int = 0,
    ) -> None:
        self.mirror = mirror
        self.tables = {t: r + rank_base for t, r in tables.items()}
        self.ranks = range(rank_base, rank_base + max(1, len(tables)))
        self.routes_all = routes
        groups = EVENT_GROUPS + ROUTE_GROUPS
        self.events = NetlinkSocket(groups, rcvbuf)
        self.dumper = NetlinkSocket(rcvbuf=4 << 20)
        self.on_route_change: Callable[[int], None] | None = None
        self.resync_wanted: str | None = None
        self.route_events = 0
        self._progress: Callable[[], None] | None = None

    def close(self) -> None:
        self.events.close()
        self.dumper.close()

    def fileno(self) -> int:
        return self.events.fileno()

    # ---- dumps ---------------------------------------------------------------------------------------

    def resync(self, overrun: bool = False, progress: Callable[[], None] | None = None) -> dict[str, float]:
        """Dumps everything and reconciles the mirror. Returns seconds spent per object kind. After an
        overrun the event queue is drained first (see NetlinkSocket.drain)."""
        times: dict[str, float] = {}
        self._progress = progress
        if overrun:
            self.events.drain()
        for attempt in range(_DUMP_RETRIES):
            try:
                self._resync(times)
                return times
            except DumpInterrupted:
                log.info("kernel dump interrupted by changes (attempt %d), dumping again", attempt + 1)
        self._resync(times)  # a table that never holds still: take the last dump as it is
        return times

    def _resync(self, times: dict[str, float]) -> None:
        m = self.mirror
        t0 = time.monotonic()
        m.replace_links(
            kernel.decode_link(b, o, n) for _t, _f, b, o, n in self.dumper.dump(nl.RTM_GETLINK, _IFINFO)
        )
        t1 = time.monotonic()
        m.replace_addrs(
            a
            for _t, _f, b, o, n in self.dumper.dump(nl.RTM_GETADDR, _IFADDR)
            if (a := kernel.decode_addr(b, o, n)) is not None
        )
        m.replace_neighs(
            x
            for _t, _f, b, o, n in self.dumper.dump(nl.RTM_GETNEIGH, _NDMSG)
            if (x := kernel.decode_neigh(b, o, n)) is not None
        )
        t2 = time.monotonic()
        try:
            nexthops = [
                h
                for _t, _f, b, o, n in self.dumper.dump(nl.RTM_GETNEXTHOP, _NHMSG)
                if (h := kernel.decode_nexthop(b, o, n)) is not None
            ]
        except OSError as exc:  # kernels without nexthop objects answer EOPNOTSUPP
            log.debug("nexthop dump: %s", exc)
            nexthops = []
        m.replace_nexthops(nexthops)
        t3 = time.monotonic()
        swept = self._dump_routes()
        t4 = time.monotonic()
        times.update(links=t1 - t0, addrs_neighs=t2 - t1, nexthops=t3 - t2, routes=t4 - t3)
        log.info(
            "kernel dump: %d links, %d addresses, %d neighbours, %d nexthop objects, %d routes "
            "(%d stale removed) in %.2f s",
            len(m.links),
            len(m.addrs),
            len(m.neighs),
            len(m.knh),
            len(m.routes),
            swept,
            t4 - t0,
        )

    def _dump_routes(self) -> int:
        m = self.mirror
        seen: dict[RouteKey, int] = {}
        seen_multi: set[tuple[RouteKey, int]] = set()
        route = m.route
        routes = m.routes
        dirty = m.dirty
        entries = m.entries
        only_kernel = not self.routes_all
        intern = m.intern
        added: dict[tuple[int, int], int] = {}
        progress = self._progress
        for family in (nl.AF_INET, nl.AF_INET6):
            for table in self.tables:
                # strict checking lets the kernel filter by table (RTA_TABLE attribute) instead of us
                body = _RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)
                body += struct.pack("=HHI", 8, nl.RTA_TABLE, table)
                for mtype, _f, buf, off, mlen in self.dumper.dump(nl.RTM_GETROUTE, body):
                    if mtype != nl.RTM_NEWROUTE:
                        continue
                    r = decode_route(buf, off, mlen, mtype, self.tables, intern)
                    if r is None or (only_kernel and r[4] != nl.RTPROT_KERNEL):
                        continue
                    key = r[1]
                    rankval = r[2] << 32 | r[3]
                    first = seen.setdefault(key, rankval)
                    if first != rankval:
                        seen_multi.add((key, first))
                        seen_multi.add((key, rankval))
                    if progress is not None and len(dirty) >= PROGRESS_EVERY:
                        progress()
                        dirty = m.dirty  # plan() started a new one
                    if key not in routes:  # the common case of a first dump, inlined
                        fresh = (rankval, r[4], r[5])
                        routes[key] = entries.setdefault(fresh, fresh)
                        dirty[key] = None
                        counted = (key[0], r[4])
                        added[counted] = added.get(counted, 0) + 1
                    else:
                        route(True, key, r[2], r[3], r[4], r[5])
        for counted, n in added.items():
            m.route_counts[counted] = m.route_counts.get(counted, 0) + n
        return m.sweep_routes(self.ranks, seen, seen_multi)

    # ---- events --------------------------------------------------------------------------------------

    def read(self, budget: int = 200_000) -> int:
        """Applies queued events (up to `budget` datagrams). Returns how many were read.
        Raises ResyncNeeded on ENOBUFS. The hot loop of a burst: parsing is inlined."""
        m = self.mirror
        route = m.route
        tables = self.tables
        intern = m.intern
        only_kernel = not self.routes_all
        recv = self.events.recv
        hdr = _NLMSG_LEN_TYPE
        count = 0
        routes = 0
        try:
            while count < budget:
                data = recv()
                if data is None:
                    break
                count += 1
                n = len(data)
                off = 0
                while off + 16 <= n:
                    mlen, mtype = hdr(data, off)
                    if mlen < 16:
                        break
                    if mtype == 24 or mtype == 25:  # RTM_NEWROUTE, RTM_DELROUTE
                        r = decode_route(data, off, mlen, mtype, tables, intern)
                        if r is not None and not (only_kernel and r[4] != nl.RTPROT_KERNEL):
                            route(*r)
                            routes += 1
                    else:
                        self._other(mtype, data, off, mlen)
                    off += (mlen + 3) & ~3
        except Overrun:
            raise ResyncNeeded("enobufs") from None
        finally:
            self.route_events += routes
        return count

    def _other(self, mtype: int, buf: bytes, off: int, mlen: int) -> None:
        m = self.mirror
        if mtype == nl.RTM_NEWLINK or mtype == nl.RTM_DELLINK:
            link = kernel.decode_link(buf, off, mlen)
            old = m.links.get(link.index)
            gone = mtype == nl.RTM_DELLINK
            m.link(not gone, link)
            # the kernel flushes routes and nexthop objects of a link going down or away without one
            # message per route: only a dump tells what is left
            if gone or (old is not None and old.up and not link.up):
                self.resync_wanted = self.resync_wanted or "link"
        elif mtype == nl.RTM_NEWADDR or mtype == nl.RTM_DELADDR:
            a = kernel.decode_addr(buf, off, mlen)
            if a is not None:
                m.addr(mtype == nl.RTM_NEWADDR, a)
        elif mtype == nl.RTM_NEWNEIGH or mtype == nl.RTM_DELNEIGH:
            nb = kernel.decode_neigh(buf, off, mlen)
            if nb is not None:
                m.neigh(mtype == nl.RTM_NEWNEIGH, nb)
        elif mtype == nl.RTM_NEWNEXTHOP or mtype == nl.RTM_DELNEXTHOP:
            obj = kernel.decode_nexthop(buf, off, mlen)
            if obj is None:
                return
            m.nexthop(mtype == nl.RTM_NEWNEXTHOP, obj)
            # deleting a nexthop object removes the routes still using it without a message per route
            if mtype == nl.RTM_DELNEXTHOP and m.uses_target(("nhid", obj.id)):
                self.resync_wanted = self.resync_wanted or "nexthop"

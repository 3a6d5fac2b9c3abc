"""FRR's FPM as a route source: zebra's `dplane_fpm_nl` module connects to the agent over TCP and streams
netlink route (and, with `fpm use-next-hop-groups`, nexthop) messages, each frame behind a 4-byte header:
u8 version (1), u8 type (1: netlink), u16 length of the frame in network byte order, header included.

zebra sends its whole table when it connects and then changes. A new connection is a resync: the routes it
sends are marked, and once the stream has been quiet for `settle` seconds the FPM routes it did not send are
swept. A lost connection leaves the FIB as it was (the last good state) until zebra is back.
"""

from __future__ import annotations

import errno
import logging
import socket
import struct
import time

from hayate.agent import kernel
from hayate.agent import nlconst as nl
from hayate.agent.mirror import Mirror
from hayate.agent.rtdecode import decode_route
from hayate.ctl import RouteKey

log = logging.getLogger(__name__)

FPM_HEADER = struct.Struct("!BBH")  # version, type, length
FPM_VERSION = 1
FPM_TYPE_NETLINK = 1
MAX_BUFFER = 64 << 20


class FpmError(Exception):
    pass


def split_frames(buf: bytearray) -> tuple[list[tuple[int, int]], int]:
    """(offset, length) of each complete frame's netlink payload in `buf`, and the bytes consumed.
    Raises FpmError on a frame that cannot be right (framing is then lost)."""
    frames = []
    off = 0
    n = len(buf)
    while off + 4 <= n:
        version, ftype, flen = FPM_HEADER.unpack_from(buf, off)
        if version != FPM_VERSION or flen < 4:
            raise FpmError(f"FPM frame at byte {off}: version {version}, length {flen}")
        if off + flen > n:
            break
        if ftype == FPM_TYPE_NETLINK:
            frames.append((off + 4, flen - 4))
        off += flen
    return frames, off


class FpmSource:
    def __init__(
        self, mirror: Mirror, tables: dict[int, int], listen: str, port: int, settle: float = 2.0
    ) -> None:
        self.mirror = mirror
        self.tables = dict(tables)
        self.ranks = range(0, max(1, len(tables)))
        self.settle = settle
        family = socket.AF_INET6 if ":" in listen else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((listen, port))
        self.listener.listen(1)
        self.conn: socket.socket | None = None
        self.buf = bytearray()
        self.peer = ""
        self.last_rx = 0.0
        self.connections = 0
        self.route_events = 0
        self._seen: dict[RouteKey, int] | None = None
        self._seen_multi: set[tuple[RouteKey, int]] = set()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.listener.close()

    def fds(self) -> list[int]:
        out = [self.listener.fileno()]
        if self.conn is not None:
            out.append(self.conn.fileno())
        return out

    def accept(self) -> None:
        try:
            conn, addr = self.listener.accept()
        except BlockingIOError:
            return
        if self.conn is not None:
            log.warning("FPM: new connection from %s replaces the one from %s", addr, self.peer)
            self.conn.close()
        conn.setblocking(False)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self.conn, self.peer, self.buf = conn, str(addr), bytearray()
        self.connections += 1
        self._seen, self._seen_multi = {}, set()
        self.last_rx = time.monotonic()
        log.info("FPM: zebra connected from %s; marking routes until the stream settles", addr)

    def read(self, budget: int = 1 << 22) -> int:
        """Reads what is queued (up to about `budget` bytes) and applies it. Returns messages applied."""
        if self.conn is None:
            return 0
        got = 0
        while got < budget:
            try:
                chunk = self.conn.recv(1 << 20)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno in (errno.ECONNRESET, errno.ETIMEDOUT):
                    chunk = b""
                else:
                    raise
            if not chunk:
                log.warning("FPM: connection from %s closed; keeping the last routes", self.peer)
                self.conn.close()
                self.conn = None
                self._seen = None
                break
            got += len(chunk)
            self.buf += chunk
        if not got:
            return 0
        self.last_rx = time.monotonic()
        try:
            frames, used = split_frames(self.buf)
        except FpmError as exc:
            log.error("FPM: %s; closing the connection so that zebra reconnects and resends", exc)
            if self.conn is not None:
                self.conn.close()
            self.conn, self._seen = None, None
            return 0
        data = bytes(self.buf[:used])
        del self.buf[:used]
        applied = 0
        for off, length in frames:
            applied += self._netlink(data, off, off + length)
        return applied

    def _netlink(self, buf: bytes, off: int, end: int) -> int:
        m = self.mirror
        n = 0
        while off + 16 <= end:
            mlen, mtype, _flags, _seq, _pid = nl.NLMSG_HDR.unpack_from(buf, off)
            if mlen < 16 or off + mlen > end:
                break
            if mtype == nl.RTM_NEWROUTE or mtype == nl.RTM_DELROUTE:
                r = decode_route(buf, off, mlen, mtype, self.tables, m.intern)
                if r is not None:
                    _new, key, rank, metric, proto, target = r
                    # zebra sends only its selected route per prefix: one entry per prefix and table
                    m.route(r[0], key, rank, 0, proto, target)
                    if self._seen is not None and r[0]:
                        rankval = rank << 32
                        if self._seen.setdefault(key, rankval) != rankval:
                            self._seen_multi.update({(key, self._seen[key]), (key, rankval)})
                    self.route_events += 1
                    n += 1
                    del metric
            elif mtype == nl.RTM_NEWNEXTHOP or mtype == nl.RTM_DELNEXTHOP:
                kn = kernel.decode_nexthop(buf, off, mlen)
                if kn is not None:
                    m.nexthop(mtype == nl.RTM_NEWNEXTHOP, kn)
                    n += 1
            off += (mlen + 3) & ~3
        return n

    def settled(self) -> int | None:
        """After a (re)connection, once the stream has been quiet for `settle` seconds: sweeps the FPM routes
        zebra did not resend and returns how many went; None while not due."""
        if self._seen is None or time.monotonic() - self.last_rx < self.settle:
            return None
        gone = self.mirror.sweep_routes(self.ranks, self._seen, self._seen_multi)
        log.info("FPM: initial table from zebra settled: %d routes, %d stale removed", len(self._seen), gone)
        self._seen, self._seen_multi = None, set()
        return gone

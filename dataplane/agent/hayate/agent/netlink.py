"""A plain AF_NETLINK rtnetlink socket: dumps and multicast events as raw message spans.

pyroute2's sockets are not used for the route path: its sync socket stays broken after ENOBUFS, and its
decoding is too slow for a full table (rtdecode.py). Messages come out as (type, flags, buffer, offset,
length) so that each kind is decoded by the cheapest decoder for it.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator

from hayate.agent import nlconst as nl

Message = tuple[int, int, bytes, int, int]  # type, flags, buffer, offset, length

RECV_SIZE = 1 << 20
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; not exported by Python's socket module


class Overrun(Exception):
    """The kernel dropped messages for this socket (ENOBUFS): the mirror must resync."""


class DumpInterrupted(Exception):
    """The dumped table changed during the dump (NLM_F_DUMP_INTR): dump again."""


class NetlinkSocket:
    def __init__(self, groups: tuple[int, ...] = (), rcvbuf: int = 0) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, nl.NETLINK_ROUTE)
        if rcvbuf:
            try:  # SO_RCVBUFFORCE passes net.core.rmem_max for root
                self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
            except PermissionError:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setsockopt(nl.SOL_NETLINK, nl.NETLINK_GET_STRICT_CHK, 1)
        self.sock.bind((0, 0))
        for group in groups:
            self.sock.setsockopt(nl.SOL_NETLINK, nl.NETLINK_ADD_MEMBERSHIP, group)
        self._seq = int.from_bytes(os.urandom(2), "little")
        self._buf = bytearray(RECV_SIZE)

    def close(self) -> None:
        self.sock.close()

    def fileno(self) -> int:
        return self.sock.fileno()

    def rcvbuf(self) -> int:
        return int(self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    def request_dump(self, mtype: int, body: bytes) -> int:
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        head = nl.NLMSG_HDR.pack(16 + len(body), mtype, nl.NLM_F_REQUEST | nl.NLM_F_DUMP, self._seq, 0)
        self.sock.send(head + body)
        return self._seq

    def dump(self, mtype: int, body: bytes) -> Iterator[Message]:
        """Every message of one dump. Raises DumpInterrupted if the kernel flags the dump inconsistent
        (after reading it to the end, so the socket stays usable)."""
        seq = self.request_dump(mtype, body)
        interrupted = False
        while True:
            n = self.sock.recv_into(self._buf)
            view = bytes(memoryview(self._buf)[:n])
            off = 0
            while off + 16 <= n:
                mlen, rtype, flags, rseq, _pid = nl.NLMSG_HDR.unpack_from(view, off)
                if mlen < 16:
                    raise OSError(errno.EPROTO, f"netlink message of length {mlen}")
                if rseq != seq:
                    off += (mlen + 3) & ~3
                    continue
                if flags & nl.NLM_F_DUMP_INTR:
                    interrupted = True
                if rtype == nl.NLMSG_DONE:
                    if interrupted:
                        raise DumpInterrupted()
                    return
                if rtype == nl.NLMSG_ERROR:
                    err = -int.from_bytes(view[off + 16 : off + 20], "little", signed=True)
                    if err:
                        raise OSError(err, f"netlink dump type {mtype}: {os.strerror(err)}")
                    return
                yield rtype, flags, view, off, mlen
                off += (mlen + 3) & ~3

    def drain(self) -> int:
        """Discards every queued message. After ENOBUFS the kernel drops further messages silently until the
        queue has been emptied once (NETLINK_S_CONGESTED), so a resync must drain before it dumps: whatever
        was dropped or discarded happened before the dump and is in it."""
        dropped = 0
        while True:
            try:
                n = self.sock.recv_into(self._buf, 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return dropped
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                continue
            dropped += n

    def recv(self) -> bytes | None:
        """One queued datagram (a multicast notification is one message), or None if none is queued.
        Raises Overrun on ENOBUFS."""
        try:
            n = self.sock.recv_into(self._buf, 0, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.ENOBUFS:
                raise Overrun() from exc
            raise
        return bytes(memoryview(self._buf)[:n])

    def events(self) -> Iterator[Message]:
        """The messages of one non-blocking read (nothing if none is queued). Raises Overrun on ENOBUFS."""
        data = self.recv()
        if data is None:
            return
        n = len(data)
        off = 0
        while off + 16 <= n:
            mlen, rtype, flags, _seq, _pid = nl.NLMSG_HDR.unpack_from(data, off)
            if mlen < 16:
                break
            yield rtype, flags, data, off, mlen
            off += (mlen + 3) & ~3

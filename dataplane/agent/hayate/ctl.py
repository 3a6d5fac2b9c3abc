"""Typed client of the forwarder's control socket (dataplane/control/PROTOCOL.md, version 1).

One `ControlClient` holds one Unix stream connection. Requests are synchronous, except the bulk operations
(ROUTE_ADD/DEL, NH_SET/DEL, NHG_SET), which split their elements into messages under 8 MiB and pipeline them
with a bounded number of requests in flight: the forwarder reads a request only when it can write the previous
reply, so the window is the back-pressure.

Routes are `(network, nh_id)` pairs with `ipaddress` networks for callers that think in prefixes; the
agent, which moves a million routes, uses the `RouteKey` form `(family, depth, addr16)` and the raw encoders,
which pack into one preallocated buffer with a single `struct.Struct`.
"""

from __future__ import annotations

import collections
import enum
import errno as errno_mod
import ipaddress
import json
import os
import socket
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1
HEADER = struct.Struct("<IHHIi")  # len, version, type, seq, status
ROUTE = struct.Struct("<BBxxI16s")  # family, depth, pad, nh, addr
NEXTHOP = struct.Struct("<IBBHH6s")  # id, kind, flags, port, vlan, mac
NHG_HEAD = struct.Struct("<IHxx")  # id, n_members, pad
APPLIED = struct.Struct("<I4x")  # applied, pad
U32 = struct.Struct("<I")
EEPROM_HEAD = struct.Struct("<II")  # type, length
LOOKUP_REQ = struct.Struct("<B3x16s")  # family, pad, addr

MAX_MESSAGE = 64 << 20  # the forwarder's hard limit
MESSAGE_BUDGET = 8 << 20  # PROTOCOL.md: keep each message under 8 MiB
DEFAULT_WINDOW = 4  # bulk requests in flight
DEFAULT_BATCH = 100_000  # elements per bulk message (the forwarder publishes once per message)
MAX_GROUP_MEMBERS = 64

NH_ID_MIN = 16  # 1..15 are reserved
NH_ID_MAX = 65535
NH_LOCAL = 1  # punt through the ingress port's tap (router's own addresses)
NH_BLACKHOLE = 2
NH_PUNT = 3  # punt through the ingress port's tap (unreachable, prohibit: the kernel answers ICMP)

FLAG_HAS_VLAN = 0x01
FLAG_CONNECTED = 0x02  # PUNT: a subnet connected to port (and VLAN), punted through the ingress tap
ZERO_MAC = b"\x00" * 6

RouteKey = tuple[int, int, bytes]
"""(family 4 or 6, prefix length, 16-byte address in network order, zero past the prefix and past 4 bytes for
IPv4): the form the agent and the wire use."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class MsgType(enum.IntEnum):
    HELLO = 1
    ROUTE_ADD = 10
    ROUTE_DEL = 11
    ROUTE_DUMP = 12
    ROUTE_FLUSH = 13
    LOOKUP = 14
    NH_SET = 20
    NH_DEL = 21
    NH_DUMP = 22
    NHG_SET = 23
    NHG_DUMP = 24
    STATS = 30
    PORTS = 31
    MODULE_EEPROM = 32
    FIB_STATS = 33


BATCH_TYPES = frozenset(
    {MsgType.ROUTE_ADD, MsgType.ROUTE_DEL, MsgType.NH_SET, MsgType.NH_DEL, MsgType.NHG_SET}
)


class NextHopKind(enum.IntEnum):
    FORWARD = 1
    PUNT = 2
    BLACKHOLE = 3
    LOCAL = 4


class ControlError(Exception):
    """A request the forwarder refused (or a broken connection). `errno` is positive (e.g. errno.ENOENT);
    `applied` is how many elements of a bulk call took effect, in order, before the failing one."""

    def __init__(self, err: int, message: str, applied: int = 0, request: str = "") -> None:
        self.errno = err
        self.message = message
        self.applied = applied
        self.request = request
        where = f"{request}: " if request else ""
        super().__init__(f"{where}{message} ({errno_mod.errorcode.get(err, str(err))}, applied {applied})")


class ProtocolError(ControlError):
    """The byte stream does not follow the protocol (framing lost, wrong seq, short payload)."""

    def __init__(self, message: str, request: str = "") -> None:
        super().__init__(errno_mod.EPROTO, message, 0, request)


@dataclass(frozen=True, slots=True)
class NextHop:
    id: int
    kind: NextHopKind
    port: int = 0
    vlan: int | None = None
    mac: bytes = ZERO_MAC
    connected: bool = False  # PUNT only: the subnet connected to port/vlan (for strict uRPF)

    def __post_init__(self) -> None:
        if not 1 <= self.id <= NH_ID_MAX:
            raise ValueError(f"next hop id {self.id}: must be 1..{NH_ID_MAX}")
        if self.connected and self.kind != NextHopKind.PUNT:
            raise ValueError(f"next hop {self.id}: only a PUNT next hop can be a connected subnet")
        if len(self.mac) != 6:
            raise ValueError(f"next hop {self.id}: mac must be 6 bytes, got {len(self.mac)}")
        if self.vlan is not None and not 1 <= self.vlan <= 4094:
            raise ValueError(f"next hop {self.id}: vlan must be 1..4094, got {self.vlan}")

    @property
    def mac_str(self) -> str:
        return format_mac(self.mac)


@dataclass(frozen=True, slots=True)
class NextHopGroup:
    id: int
    members: tuple[int, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 1 <= self.id <= NH_ID_MAX:
            raise ValueError(f"group id {self.id}: must be 1..{NH_ID_MAX}")
        if not 1 <= len(self.members) <= MAX_GROUP_MEMBERS:
            raise ValueError(
                f"group {self.id}: needs 1..{MAX_GROUP_MEMBERS} members, got {len(self.members)}"
            )


@dataclass(frozen=True, slots=True)
class Hello:
    version: int
    backend: str
    ports: int
    pid: int
    boot_id: str
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModuleEeprom:
    type: int
    data: bytes


# --- encoding helpers -------------------------------------------------------------------------------------


def format_mac(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def parse_mac(text: str) -> bytes:
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(f"bad MAC address {text!r}")
    return bytes(int(p, 16) for p in parts)


def network_key(net: Network) -> RouteKey:
    """The wire key of an ipaddress network (host bits must already be zero, as ipaddress ensures)."""
    if net.version == 4:
        return 4, net.prefixlen, net.network_address.packed + b"\x00" * 12
    return 6, net.prefixlen, net.network_address.packed


def key_network(key: RouteKey) -> Network:
    family, depth, addr = key
    if family == 4:
        return ipaddress.IPv4Network((addr[:4], depth))
    return ipaddress.IPv6Network((addr, depth))


def key_str(key: RouteKey) -> str:
    return str(key_network(key))


def encode_route_keys(items: Sequence[tuple[RouteKey, int]]) -> bytearray:
    """n x `route` records from (key, nh) pairs; one buffer, one pack_into per route."""
    buf = bytearray(ROUTE.size * len(items))
    pack = ROUTE.pack_into
    off = 0
    for (family, depth, addr), nh in items:
        pack(buf, off, family, depth, nh, addr)
        off += 24
    return buf


def encode_routes(routes: Iterable[tuple[Network, int]]) -> bytearray:
    return encode_route_keys([(network_key(net), nh) for net, nh in routes])


def decode_route_keys(payload: bytes | memoryview) -> list[tuple[RouteKey, int]]:
    if len(payload) % ROUTE.size:
        raise ProtocolError(f"route records: {len(payload)} bytes is not a multiple of {ROUTE.size}")
    return [((f, d, a), nh) for f, d, nh, a in ROUTE.iter_unpack(payload)]


def encode_nexthops(nexthops: Sequence[NextHop]) -> bytearray:
    buf = bytearray(NEXTHOP.size * len(nexthops))
    off = 0
    for nh in nexthops:
        flags = (FLAG_HAS_VLAN if nh.vlan is not None else 0) | (FLAG_CONNECTED if nh.connected else 0)
        NEXTHOP.pack_into(buf, off, nh.id, int(nh.kind), flags, nh.port, nh.vlan or 0, nh.mac)
        off += NEXTHOP.size
    return buf


def decode_nexthops(payload: bytes | memoryview) -> list[NextHop]:
    if len(payload) % NEXTHOP.size:
        raise ProtocolError(f"nexthop records: {len(payload)} bytes is not a multiple of {NEXTHOP.size}")
    out = []
    for nh_id, kind, flags, port, vlan, mac in NEXTHOP.iter_unpack(payload):
        out.append(
            NextHop(
                nh_id,
                NextHopKind(kind),
                port,
                vlan if flags & FLAG_HAS_VLAN else None,
                bytes(mac),
                bool(flags & FLAG_CONNECTED),
            )
        )
    return out


def encode_groups(groups: Sequence[NextHopGroup]) -> bytearray:
    buf = bytearray(sum(NHG_HEAD.size + 4 * len(g.members) for g in groups))
    off = 0
    for g in groups:
        NHG_HEAD.pack_into(buf, off, g.id, len(g.members))
        off += NHG_HEAD.size
        struct.pack_into(f"<{len(g.members)}I", buf, off, *g.members)
        off += 4 * len(g.members)
    return buf


def group_sizes(groups: Sequence[NextHopGroup]) -> list[int]:
    return [NHG_HEAD.size + 4 * len(g.members) for g in groups]


def decode_groups(payload: bytes | memoryview) -> list[NextHopGroup]:
    out = []
    off = 0
    end = len(payload)
    while off < end:
        if end - off < NHG_HEAD.size:
            raise ProtocolError(f"nhgroup record at offset {off}: truncated header")
        gid, n = NHG_HEAD.unpack_from(payload, off)
        off += NHG_HEAD.size
        if end - off < 4 * n:
            raise ProtocolError(f"nhgroup {gid} at offset {off - NHG_HEAD.size}: {n} members truncated")
        members = struct.unpack_from(f"<{n}I", payload, off)
        off += 4 * n
        out.append(NextHopGroup(gid, tuple(members)))
    return out


def encode_ids(ids: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(ids)}I", *ids)


def encode_family(family: int) -> bytes:
    if family not in (0, 4, 6):
        raise ValueError(f"family must be 0, 4 or 6, got {family}")
    return bytes([family])


def _error_text(payload: bytes | memoryview) -> str:
    text = bytes(payload).decode("utf-8", "replace").strip("\x00").strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return text
        if isinstance(doc, dict) and "error" in doc:
            return str(doc["error"])
    return text


# --- the client -------------------------------------------------------------------------------------------


class ControlClient:
    """A connection to the forwarder's control socket at `path`.

    Not thread-safe: one thread uses one client. Use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike[str], timeout: float | None = 60.0) -> None:
        self.path = os.fspath(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(self.path)
        except OSError:
            self._sock.close()
            raise
        self._seq = 0
        self._deferred: collections.deque[tuple[MsgType, int, int]] = collections.deque()  # type, seq, count
        self._rbuf = bytearray(1 << 16)

    # context manager / lifetime
    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._sock.close()

    def fileno(self) -> int:
        return self._sock.fileno()

    # framing
    def _send(self, mtype: MsgType, payload: bytes | bytearray | memoryview = b"") -> int:
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        total = HEADER.size + len(payload)
        if total > MAX_MESSAGE:
            raise ValueError(f"{mtype.name}: message of {total} bytes exceeds the {MAX_MESSAGE} byte limit")
        header = HEADER.pack(total, PROTOCOL_VERSION, int(mtype), self._seq, 0)
        if len(payload) < 65536:
            self._sock.sendall(header + bytes(payload))
        else:
            self._sock.sendall(header)
            self._sock.sendall(payload)
        return self._seq

    def _recv_exact(self, n: int) -> memoryview:
        if len(self._rbuf) < n:
            self._rbuf = bytearray(n)
        view = memoryview(self._rbuf)[:n]
        got = 0
        while got < n:
            r = self._sock.recv_into(view[got:], n - got)
            if r == 0:
                raise ControlError(errno_mod.ECONNRESET, "forwarder closed the control connection")
            got += r
        return view

    def _recv(self, mtype: MsgType, seq: int) -> tuple[int, bytes]:
        head = self._recv_exact(HEADER.size)
        length, version, rtype, rseq, status = HEADER.unpack(head)
        if length < HEADER.size or length > MAX_MESSAGE:
            raise ProtocolError(f"reply length {length} out of range", mtype.name)
        payload = bytes(self._recv_exact(length - HEADER.size)) if length > HEADER.size else b""
        if rseq != seq or rtype != int(mtype):
            raise ProtocolError(
                f"reply out of order: expected {mtype.name} seq {seq}, got type {rtype} seq {rseq}",
                mtype.name,
            )
        if version != PROTOCOL_VERSION and status == 0:
            raise ProtocolError(
                f"reply of protocol version {version}, expected {PROTOCOL_VERSION}", mtype.name
            )
        return status, payload

    def request(self, mtype: MsgType, payload: bytes | bytearray | memoryview = b"") -> bytes:
        """One request, one reply; raises ControlError on a non-zero status."""
        self.drain()
        seq = self._send(mtype, payload)
        status, reply = self._recv(mtype, seq)
        if status != 0:
            raise self._error(mtype, status, reply)
        return reply

    @staticmethod
    def _error(mtype: MsgType, status: int, reply: bytes) -> ControlError:
        if mtype in BATCH_TYPES and len(reply) >= APPLIED.size:
            (applied,) = APPLIED.unpack_from(reply)
            return ControlError(-status, _error_text(reply[APPLIED.size :]), applied, mtype.name)
        return ControlError(-status, _error_text(reply), 0, mtype.name)

    def _json(self, mtype: MsgType, payload: bytes = b"") -> Any:
        reply = self.request(mtype, payload)
        try:
            return json.loads(reply)
        except ValueError as exc:
            raise ProtocolError(f"reply is not JSON: {exc}", mtype.name) from exc

    # bulk: split, pipeline, back-pressure
    def bulk(
        self,
        mtype: MsgType,
        payload: bytes | bytearray | memoryview,
        sizes: int | Sequence[int],
        *,
        batch: int = DEFAULT_BATCH,
        window: int = DEFAULT_WINDOW,
        wait: bool = True,
    ) -> int:
        """Send `payload` (records of `sizes` bytes each: one int for fixed-size records or a list for
        variable-size ones) as messages of at most `batch` records and under 8 MiB, with at most `window`
        messages awaiting a reply. Returns the number of elements applied (all of them).

        On the first refused message no further message is sent; the ones already in flight are drained and
        ControlError is raised with `applied` = elements applied in order before the failing element. Messages
        that were in flight behind the failing one were processed by the forwarder too (ROUTE_ADD and NH_SET
        are idempotent; callers that need exactness resync).

        With `wait=False` the call returns once every message is sent, leaving up to `window` replies unread:
        the caller goes on working while the forwarder applies them. They are read (and a refusal raised,
        with `applied` counting within the refused message only) by the next call of any kind or by drain().
        """
        view = memoryview(payload)
        chunks = list(_chunks(len(view), sizes, batch))
        if not wait:
            for start, end, count in chunks:
                while len(self._deferred) >= window:
                    self._reap()
                self._deferred.append((mtype, self._send(mtype, view[start:end]), count))
            return sum(c for _, _, c in chunks)
        self.drain()
        inflight: list[tuple[int, int]] = []  # (seq, elements)
        applied = 0
        failure: ControlError | None = None
        next_chunk = 0
        while next_chunk < len(chunks) or inflight:
            if failure is None and next_chunk < len(chunks) and len(inflight) < window:
                start, end, count = chunks[next_chunk]
                next_chunk += 1
                inflight.append((self._send(mtype, view[start:end]), count))
                continue
            seq, count = inflight.pop(0)
            status, reply = self._recv(mtype, seq)
            if failure is not None:
                continue
            if status != 0:
                failure = self._error(mtype, status, reply)
                failure.applied += applied
                continue
            if len(reply) >= APPLIED.size:
                (n,) = APPLIED.unpack_from(reply)
                if n != count:
                    failure = ProtocolError(f"{count} elements sent, {n} applied with status 0", mtype.name)
                    failure.applied = applied + n
                    continue
            applied += count
        if failure is not None:
            raise failure
        return applied

    def drain(self) -> None:
        """Reads the replies of bulk messages sent with wait=False; raises the first refusal after reading
        them all (so that the connection stays in step)."""
        failure: ControlError | None = None
        while self._deferred:
            try:
                self._reap()
            except ProtocolError:
                raise
            except ControlError as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def _reap(self) -> None:
        mtype, seq, count = self._deferred.popleft()
        status, reply = self._recv(mtype, seq)
        if status != 0:
            raise self._error(mtype, status, reply)
        if len(reply) >= APPLIED.size and APPLIED.unpack_from(reply)[0] != count:
            raise ProtocolError(f"{count} elements sent, {APPLIED.unpack_from(reply)[0]} applied", mtype.name)

    # typed requests
    def hello(self) -> Hello:
        doc = self._json(MsgType.HELLO)
        try:
            hello = Hello(
                int(doc["version"]),
                str(doc.get("backend", "")),
                int(doc.get("ports", 0)),
                int(doc.get("pid", 0)),
                str(doc["boot_id"]),
                doc,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"HELLO reply lacks a field: {exc}", "HELLO") from exc
        if hello.version != PROTOCOL_VERSION:
            raise ControlError(
                errno_mod.EPROTONOSUPPORT,
                f"forwarder speaks protocol {hello.version}, client {PROTOCOL_VERSION}",
                request="HELLO",
            )
        return hello

    def route_add(self, routes: Iterable[tuple[Network, int]], *, batch: int = DEFAULT_BATCH) -> int:
        return self.bulk(MsgType.ROUTE_ADD, encode_routes(routes), ROUTE.size, batch=batch)

    def route_del(self, networks: Iterable[Network], *, batch: int = DEFAULT_BATCH) -> int:
        payload = encode_routes((net, 0) for net in networks)
        return self.bulk(MsgType.ROUTE_DEL, payload, ROUTE.size, batch=batch)

    def route_add_keys(
        self, items: Sequence[tuple[RouteKey, int]], *, batch: int = DEFAULT_BATCH, wait: bool = True
    ) -> int:
        return self.bulk(MsgType.ROUTE_ADD, encode_route_keys(items), ROUTE.size, batch=batch, wait=wait)

    def route_del_keys(
        self, keys: Sequence[RouteKey], *, batch: int = DEFAULT_BATCH, wait: bool = True
    ) -> int:
        payload = encode_route_keys([(k, 0) for k in keys])
        return self.bulk(MsgType.ROUTE_DEL, payload, ROUTE.size, batch=batch, wait=wait)

    def route_dump_keys(self, family: int = 0) -> list[tuple[RouteKey, int]]:
        return decode_route_keys(self.request(MsgType.ROUTE_DUMP, encode_family(family)))

    def route_dump_map(self, family: int = 0) -> dict[RouteKey, int]:
        """ROUTE_DUMP straight into a dict (no intermediate list: a full table's dump is a million keys)."""
        payload = self.request(MsgType.ROUTE_DUMP, encode_family(family))
        if len(payload) % ROUTE.size:
            raise ProtocolError(f"route records: {len(payload)} bytes is not a multiple of {ROUTE.size}")
        return {(f, d, a): nh for f, d, nh, a in ROUTE.iter_unpack(payload)}

    def route_dump(self, family: int = 0) -> list[tuple[Network, int]]:
        return [(key_network(k), nh) for k, nh in self.route_dump_keys(family)]

    def route_flush(self, family: int = 0) -> int:
        reply = self.request(MsgType.ROUTE_FLUSH, encode_family(family))
        if len(reply) < U32.size:
            raise ProtocolError("ROUTE_FLUSH reply shorter than 4 bytes", "ROUTE_FLUSH")
        return int(U32.unpack_from(reply)[0])

    def nh_set(self, nexthops: Sequence[NextHop], *, batch: int = DEFAULT_BATCH, wait: bool = True) -> int:
        return self.bulk(MsgType.NH_SET, encode_nexthops(nexthops), NEXTHOP.size, batch=batch, wait=wait)

    def nh_del(self, ids: Sequence[int], *, batch: int = DEFAULT_BATCH, wait: bool = True) -> int:
        return self.bulk(MsgType.NH_DEL, encode_ids(ids), U32.size, batch=batch, wait=wait)

    def nh_dump(self) -> list[NextHop]:
        return decode_nexthops(self.request(MsgType.NH_DUMP))

    def nhg_set(
        self, groups: Sequence[NextHopGroup], *, batch: int = DEFAULT_BATCH, wait: bool = True
    ) -> int:
        return self.bulk(MsgType.NHG_SET, encode_groups(groups), group_sizes(groups), batch=batch, wait=wait)

    def nhg_dump(self) -> list[NextHopGroup]:
        return decode_groups(self.request(MsgType.NHG_DUMP))

    def lookup(self, addr: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> dict[str, Any]:
        ip = ipaddress.ip_address(addr) if isinstance(addr, str) else addr
        packed = ip.packed.ljust(16, b"\x00")
        doc = self._json(MsgType.LOOKUP, LOOKUP_REQ.pack(ip.version, packed))
        return _object(doc, "LOOKUP")

    def stats(self) -> dict[str, Any]:
        return _object(self._json(MsgType.STATS), "STATS")

    def ports(self) -> list[dict[str, Any]]:
        doc = self._json(MsgType.PORTS)
        if isinstance(doc, dict):
            doc = doc.get("ports")
        if not isinstance(doc, list):
            raise ProtocolError("PORTS reply is not a list of ports", "PORTS")
        return [p for p in doc if isinstance(p, dict)]

    def port_ids(self) -> dict[str, int]:
        """Port name -> port id, from PORTS."""
        return {str(p["name"]): int(p["id"]) for p in self.ports() if "name" in p and "id" in p}

    def fib_stats(self) -> dict[str, Any]:
        return _object(self._json(MsgType.FIB_STATS), "FIB_STATS")

    def module_eeprom(self, port_id: int) -> ModuleEeprom:
        reply = self.request(MsgType.MODULE_EEPROM, struct.pack("<HH", port_id, 0))
        if len(reply) < EEPROM_HEAD.size:
            raise ProtocolError("MODULE_EEPROM reply shorter than 8 bytes", "MODULE_EEPROM")
        mtype, length = EEPROM_HEAD.unpack_from(reply)
        data = reply[EEPROM_HEAD.size : EEPROM_HEAD.size + length]
        if len(data) != length:
            raise ProtocolError(f"MODULE_EEPROM says {length} bytes, carries {len(data)}", "MODULE_EEPROM")
        return ModuleEeprom(mtype, data)


def _object(doc: Any, request: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ProtocolError("reply is not a JSON object", request)
    return doc


def _chunks(total: int, sizes: int | Sequence[int], batch: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, count) byte ranges of at most `batch` records and at most 8 MiB of payload each."""
    budget = MESSAGE_BUDGET - HEADER.size
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    if isinstance(sizes, int):
        if total % sizes:
            raise ValueError(f"payload of {total} bytes is not a multiple of {sizes}")
        per = min(batch, budget // sizes)
        step = per * sizes
        for start in range(0, total, step):
            end = min(start + step, total)
            yield start, end, (end - start) // sizes
        return
    start = off = count = 0
    for size in sizes:
        if count and (count == batch or off + size - start > budget):
            yield start, off, count
            start, count = off, 0
        off += size
        count += 1
    if off != total:
        raise ValueError(f"record sizes add up to {off} bytes, payload is {total}")
    if count:
        yield start, off, count

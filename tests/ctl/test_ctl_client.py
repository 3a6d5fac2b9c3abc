"""The control client's framing, pipelining and error reporting, against a scripted peer on a Unix socket.

The real forwarder is exercised by tests/agent; this peer only lets the client's own logic be checked
exactly (how many requests it keeps in flight, what `applied` says after a refused batch)."""

from __future__ import annotations

import errno
import ipaddress
import json
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hayate import ctl

Handler = Callable[[int, int, bytes], tuple[int, bytes]]


def _read_msg(conn: socket.socket) -> tuple[int, int, bytes] | None:
    head = b""
    while len(head) < 16:
        part = conn.recv(16 - len(head))
        if not part:
            return None
        head += part
    length, _version, mtype, seq, _status = ctl.HEADER.unpack(head)
    body = b""
    while len(body) < length - 16:
        body += conn.recv(length - 16 - len(body))
    return mtype, seq, body


def _reply(conn: socket.socket, mtype: int, seq: int, status: int, body: bytes) -> None:
    conn.sendall(ctl.HEADER.pack(16 + len(body), 1, mtype, seq, status) + body)


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[Callable[[Handler], str]]:
    threads: list[threading.Thread] = []
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> str:
        path = str(tmp_path / "fwd.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        listeners.append(srv)

        def serve() -> None:
            conn, _ = srv.accept()
            with conn:
                while (msg := _read_msg(conn)) is not None:
                    status, body = handler(*msg)
                    _reply(conn, msg[0], msg[1], status, body)

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        threads.append(t)
        return path

    yield start
    for s in listeners:
        s.close()
    for t in threads:
        t.join(timeout=2)


def test_hello_parses_boot_id(peer: Callable[[Handler], str]) -> None:
    doc = {"version": 1, "backend": "poptrie", "ports": 2, "pid": 42, "boot_id": "abc"}
    path = peer(lambda t, s, b: (0, json.dumps(doc).encode()))
    with ctl.ControlClient(path) as c:
        hello = c.hello()
    assert (hello.boot_id, hello.ports, hello.backend) == ("abc", 2, "poptrie")


def test_bulk_splits_into_batches_and_counts_applied(peer: Callable[[Handler], str]) -> None:
    sizes: list[int] = []

    def handler(mtype: int, seq: int, body: bytes) -> tuple[int, bytes]:
        sizes.append(len(body) // 24)
        return 0, struct.pack("<II", len(body) // 24, 0)

    path = peer(handler)
    keys = [((4, 32, bytes([10, 0, i // 256, i % 256]) + bytes(12)), 16) for i in range(2500)]
    with ctl.ControlClient(path) as c:
        assert c.route_add_keys(keys, batch=1000) == 2500
    assert sizes == [1000, 1000, 500]


def test_refused_batch_reports_elements_applied_before_it(peer: Callable[[Handler], str]) -> None:
    def handler(mtype: int, seq: int, body: bytes) -> tuple[int, bytes]:
        n = len(body) // 24
        if seq == 2:  # second batch: the 7th element names an unknown next hop
            return -errno.ENOENT, struct.pack("<II", 6, 0) + b'{"error":"routes[6].nh: unknown next hop 99"}'
        return 0, struct.pack("<II", n, 0)

    path = peer(handler)
    keys = [((4, 24, bytes([10, i, 0, 0]) + bytes(12)), 16) for i in range(30)]
    with ctl.ControlClient(path) as c, pytest.raises(ctl.ControlError) as info:
        c.route_add_keys(keys, batch=10)
    assert info.value.errno == errno.ENOENT
    assert info.value.applied == 16
    assert "unknown next hop 99" in info.value.message


def test_pipelining_keeps_at_most_window_requests_in_flight(tmp_path: Path) -> None:
    path = str(tmp_path / "fwd.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    seen_before_first_reply: list[int] = []

    def serve() -> None:
        conn, _ = srv.accept()
        conn.settimeout(0.3)
        pending = []
        try:
            while (msg := _read_msg(conn)) is not None:
                pending.append(msg)
        except TimeoutError:
            pass
        seen_before_first_reply.append(len(pending))
        conn.settimeout(5)
        while True:
            for mtype, seq, body in pending:
                _reply(conn, mtype, seq, 0, struct.pack("<II", len(body) // 24, 0))
            pending = []
            msg = _read_msg(conn)
            if msg is None:
                break
            pending.append(msg)
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    keys = [((6, 128, bytes(15) + bytes([i])), 16) for i in range(100)]
    with ctl.ControlClient(path) as c:
        assert c.bulk(ctl.MsgType.ROUTE_ADD, ctl.encode_route_keys(keys), 24, batch=10, window=3) == 100
    t.join(timeout=5)
    srv.close()
    assert seen_before_first_reply == [3]


def test_json_error_carries_errno_and_message(peer: Callable[[Handler], str]) -> None:
    path = peer(lambda t, s, b: (-errno.ENOTSUP, b'{"error":"port 1 has no module EEPROM"}'))
    with ctl.ControlClient(path) as c, pytest.raises(ctl.ControlError) as info:
        c.module_eeprom(1)
    assert info.value.errno == errno.ENOTSUP
    assert info.value.message == "port 1 has no module EEPROM"


def test_reply_with_wrong_seq_is_a_protocol_error(tmp_path: Path) -> None:
    path = str(tmp_path / "fwd.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        msg = _read_msg(conn)
        assert msg is not None
        _reply(conn, msg[0], msg[1] + 5, 0, b"{}")
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with ctl.ControlClient(path) as c, pytest.raises(ctl.ProtocolError, match="out of order"):
        c.stats()
    t.join(timeout=5)
    srv.close()


def test_lookup_request_payload(peer: Callable[[Handler], str]) -> None:
    bodies: list[bytes] = []

    def handler(mtype: int, seq: int, body: bytes) -> tuple[int, bytes]:
        bodies.append(body)
        return 0, b'{"nh":16,"prefix":"10.0.0.0/8"}'

    path = peer(handler)
    with ctl.ControlClient(path) as c:
        assert c.lookup("10.1.2.3")["nh"] == 16
    assert bodies == [bytes([4, 0, 0, 0, 10, 1, 2, 3]) + bytes(12)]


def test_deferred_bulk_replies_are_read_by_the_next_request(peer: Callable[[Handler], str]) -> None:
    seen: list[int] = []

    def handler(mtype: int, seq: int, body: bytes) -> tuple[int, bytes]:
        seen.append(mtype)
        if mtype == ctl.MsgType.HELLO:
            return 0, b'{"version":1,"boot_id":"b"}'
        if seq == 3:
            return -errno.ENOSPC, struct.pack("<II", 2, 0) + b"fib full"
        return 0, struct.pack("<II", len(body) // 24, 0)

    path = peer(handler)
    keys = [((4, 32, bytes([10, 0, 0, i]) + bytes(12)), 16) for i in range(30)]
    with ctl.ControlClient(path) as c:
        assert c.route_add_keys(keys, batch=10, wait=False) == 30  # sent, not yet confirmed
        with pytest.raises(ctl.ControlError) as info:
            c.hello()  # reads the three replies first: the third was refused
        assert info.value.errno == errno.ENOSPC and "fib full" in info.value.message
        assert c.hello().boot_id == "b"  # the connection stayed in step


def test_route_dump_map_keys_routes_by_wire_key(peer: Callable[[Handler], str]) -> None:
    routes = [(ipaddress.ip_network("10.0.0.0/8"), 16), (ipaddress.ip_network("2001:db8::/32"), 2)]
    path = peer(lambda t, s, b: (0, bytes(ctl.encode_routes(routes))))
    with ctl.ControlClient(path) as c:
        dumped = c.route_dump_map(0)
    assert dumped == {ctl.network_key(net): nh for net, nh in routes}

"""Random requests against the live control handlers (sanitizer build when there is one): every request gets
its reply in order, the daemon survives and stops cleanly."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HEADER = struct.Struct("<IHHIi")
TYPES = [1, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 30, 31, 32, 33, 99]
SECONDS = 5


def payload(rng: random.Random, mtype: int) -> bytes:
    if mtype in (10, 11):  # routes: families, depths and next hops in and out of range
        return b"".join(
            struct.pack("<BBHI16s", rng.choice([4, 6, 0, 7]), rng.randint(0, 140), 0,
                        rng.choice([0, 1, 2, 3, 16, 17, 100, 65535, 70000]), rng.randbytes(16))
            for _ in range(rng.randint(0, 50))
        )  # fmt: skip
    if mtype == 20:
        return b"".join(
            struct.pack("<IBBHH6s", rng.choice([3, 16, 17, 100, 65535, 65536]), rng.randint(0, 5),
                        rng.randint(0, 2), rng.randint(0, 3), rng.randint(0, 4100), rng.randbytes(6))
            for _ in range(rng.randint(0, 10))
        )  # fmt: skip
    if mtype == 21:
        return b"".join(
            struct.pack("<I", rng.choice([1, 3, 16, 17, 100, 99999])) for _ in range(rng.randint(0, 5))
        )
    if mtype == 23:
        out = b""
        for _ in range(rng.randint(0, 4)):
            n = rng.randint(0, 70)
            members = rng.choice([n, max(0, n - 1)])
            out += struct.pack("<IHH", rng.choice([16, 17, 100, 200]), n, 0)
            out += b"".join(struct.pack("<I", rng.choice([16, 17, 18, 100, 0])) for _ in range(members))
        return out
    if mtype in (12, 13):
        return bytes([rng.choice([0, 4, 6, 9])])
    if mtype == 14:
        return struct.pack("<B3x16s", rng.choice([4, 6, 0]), rng.randbytes(16))
    if mtype == 32:
        return struct.pack("<HH", rng.randint(0, 3), 0)
    return b"" if rng.random() < 0.9 else rng.randbytes(rng.randint(1, 40))


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the forwarder closed the connection")
        data += chunk
    return data


@pytest.fixture
def null_daemon(
    sanitized_fwd_binary: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    sock = tmp_path / "fwd.sock"
    config = {
        "version": 1,
        "eal": ["--no-pci", "--no-huge", "-m", "512", "--no-telemetry", "--no-shconf", "--file-prefix",
                f"hyfwr{os.getpid()}"],
        "ports": [{"name": "n0", "device": "net_null0,no-rx=1", "tap": None},
                  {"name": "n1", "device": "net_null1,no-rx=1", "tap": None}],
        "lcores": [{"lcore": 1, "rx": [{"port": "n0", "queue": 0}, {"port": "n1", "queue": 0}]}],
        "mbuf": {"count": 2048, "cache": 32},
        "control": {"socket": str(sock)},
    }  # fmt: skip
    path = tmp_path / "hayate.json"
    path.write_text(json.dumps(config))
    log = tmp_path / "hayate-fwd.log"
    env = {
        **os.environ,
        "ASAN_OPTIONS": "detect_leaks=1",
        "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(sanitized_fwd_binary), "-c", str(path)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    deadline = time.monotonic() + 30
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"hayate-fwd did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    yield proc, sock, log
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_random_requests_get_ordered_replies_and_the_daemon_survives(
    null_daemon: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    proc, path, log = null_daemon
    rng = random.Random(7)
    statuses: dict[int, int] = {}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.settimeout(10)
        seq = 0
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            mtype = rng.choice(TYPES)
            body = payload(rng, mtype)
            sock.sendall(HEADER.pack(16 + len(body), 1, mtype, seq, 0) + body)
            length, _, rtype, rseq, status = HEADER.unpack(recv_exact(sock, 16))
            recv_exact(sock, length - 16)
            assert (rtype, rseq) == (mtype, seq)
            statuses[status] = statuses.get(status, 0) + 1
            seq += 1
    assert statuses.get(0, 0) > 0 and len(statuses) > 4  # both accepted and refused requests were exercised
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, log.read_text()[-3000:]
    assert "Sanitizer" not in log.read_text()
    assert not path.exists()

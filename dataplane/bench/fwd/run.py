"""Runs the CPU-bound forwarding benchmark: hayate-fwd against DPDK's l3fwd (LPM and FIB) and testpmd io.

Every engine receives the same pcaps (one ``net_pcap`` vdev with ``infinite_rx=1`` per forwarding lcore, so
each lcore owns one RX queue and nothing is shared) and sends to ``net_null``; l3fwd and hayate-fwd hold the
same full table. Throughput is the packet count leaving the null port(s), read from the engine's port
counters over fixed windows after a warm-up: DPDK's telemetry socket (``/ethdev/stats``) for testpmd and
l3fwd, the control socket's STATS for hayate-fwd. The CPU time the forwarding threads got in each window
(/proc schedstat) is read too, so that a machine shared with other work still yields a per-CPU figure.
Each (profile, lcores, engine) is started ``--starts`` times and measured over ``--windows`` windows per
start; figures are medians over all windows.

Called by scripts/bench-fwd.sh and scripts/bench-fwd-scaling.sh, which reserve hugepages and build the parts;
see ``--help``. Prints a table, the ratios against the targets, and writes the results as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import ipaddress
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

NEXT_HOP_MAC = "02:00:00:00:00:99"
NEXT_HOP_ID = 16  # first id that PROTOCOL.md leaves to clients
ROUTE_BATCH = 100_000
SOURCES = ("198.18.0.0/15", "2001:2::/48")  # traffic.py's SOURCES4 and SOURCES6
MBUF_SLACK = 16384  # mbufs per RX queue beyond the pcap copy: rings, bursts in flight, per-lcore caches

NULL_LINK = "n"  # in the traffic folder, to /dev/null
WORKER_THREAD_NAMES = ("rte-worker-", "lcore-worker-")

DEDICATED_CPU = 0.9  # median share of its CPUs an engine's lcores must get for wall-clock ratios to count
TARGET_VS_L3FWD = 1.2
TARGET_VS_IO = 0.8
TARGET_TWO_VS_ONE = 1.8


class BenchError(Exception):
    """A step of the benchmark failed; the message names the engine and the step."""


@dataclasses.dataclass(frozen=True)
class Setup:
    """What every engine of one measurement shares."""

    traffic: Path  # traffic.py's output folder
    profile: str
    lcores: int  # forwarding lcores = pcap vdevs
    worker_cpus: list[int]  # CPU of each forwarding lcore
    main_cpu: int  # CPU of testpmd's main lcore and hayate-fwd's manager lcore
    frames: int  # frames per pcap
    prefix: str  # EAL file prefix (also names the telemetry socket's folder)
    workdir: Path
    pool_ops: str | None = None  # mempool driver of the mbuf pools; None for DPDK's default (ring_mp_mc)
    no_huge_mb: int | None = None  # run without hugepages, with this much memory (slower: say so)

    def pcap_vdev(self, index: int, tx_queues: int) -> str:
        # Engines run in the traffic folder, whose "n" links to /dev/null: relative names keep the device
        # string of 14 TX queues under hayate-fwd's 256-character limit. tx_pcap=n gives the pcap port as many
        # TX queues as an engine sets up (one per lcore); nothing is sent to it. Without it the port has one
        # drop queue per RX queue, too few for l3fwd and hayate-fwd.
        tx = f",tx_pcap={NULL_LINK}" * tx_queues
        return f"net_pcap{index},rx_pcap={self.profile}-{index}.pcap,infinite_rx=1{tx}"

    @staticmethod
    def null_vdev(index: int) -> str:
        return f"net_null{index},no-rx=1"

    def mbufs(self) -> int:
        return self.lcores * (self.frames + MBUF_SLACK)

    def eal_common(self) -> list[str]:
        memory = ["--no-huge", "-m", str(self.no_huge_mb)] if self.no_huge_mb else ["--in-memory"]
        eal = [
            "--no-pci",
            *memory,
            "--file-prefix",
            self.prefix,
            "--force-max-simd-bitwidth=512",
            "--log-level",
            "lib.eal:notice",
        ]
        if self.pool_ops:
            eal.append(f"--mbuf-pool-ops-name={self.pool_ops}")
        return eal


class Telemetry:
    """Client of DPDK's telemetry socket (v2): one JSON command per SOCK_SEQPACKET message."""

    def __init__(self, prefix: str) -> None:
        self.path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(5)
        self.sock.connect(self.path)
        info = json.loads(self.sock.recv(16384))
        self.max_len = int(info.get("max_output_len", 16384))

    def query(self, command: str) -> Any:
        self.sock.send(command.encode())
        reply = json.loads(self.sock.recv(self.max_len))
        return reply[command.split(",", 1)[0]]

    def tx_packets(self, ports: Sequence[int]) -> int:
        return sum(int(self.query(f"/ethdev/stats,{port}")["opackets"]) for port in ports)

    def rx_packets(self, ports: Sequence[int]) -> list[int]:
        return [int(self.query(f"/ethdev/stats,{port}")["ipackets"]) for port in ports]

    def close(self) -> None:
        self.sock.close()


class Engine:
    """One forwarder under test: starts, counts the packets it has sent, stops."""

    name = ""

    def __init__(self, setup: Setup, log: Path) -> None:
        self.setup = setup
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.telemetry: Telemetry | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """Variables added to the engine's environment."""
        return {}

    def start(self) -> None:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.setup.traffic,
                env=os.environ | self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def prepare(self, deadline: float) -> None:
        """After start: whatever the engine needs before it forwards (hayate-fwd: its routes)."""

    def counter(self) -> int:
        """Packets sent to the null port(s) since start."""
        raise NotImplementedError

    def lcore_packets(self) -> list[int]:
        """Packets received on each forwarding lcore's pcap port since start, in lcore order: a machine whose
        CPUs run at different speeds shows as a spread between lcores doing the same work."""
        raise NotImplementedError

    def sample(self) -> int:
        """counter(), with an engine that died on the way reported as such."""
        try:
            return self.counter()
        except OSError as err:
            self.alive()
            raise BenchError(f"{self.name}: reading its counters failed: {err}; see {self.log}") from err

    forwards_on_main = (
        False  # whether the main lcore polls queues too (l3fwd) or only manages (testpmd, hayate)
    )

    def forwarding_tids(self) -> list[int]:
        """Thread ids of the forwarding lcores: EAL names its worker threads rte-worker-N (lcore-worker-N in
        other DPDK releases)."""
        assert self.proc is not None
        tids = [self.proc.pid] if self.forwards_on_main else []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                if (task / "comm").read_text().startswith(WORKER_THREAD_NAMES):
                    tids.append(int(task.name))
        return tids

    def cpu_seconds(self, tids: Sequence[int]) -> float:
        """CPU time the threads have run (schedstat: nanoseconds on a CPU), summed."""
        assert self.proc is not None
        total = 0
        for tid in tids:
            with open(f"/proc/{self.proc.pid}/task/{tid}/schedstat", encoding="ascii") as f:
                total += int(f.read().split()[0])
        return total / 1e9

    def diagnostics(self) -> Any:
        """Every counter the engine has, kept beside its log to show where packets went."""
        if self.telemetry is None:
            return None
        ports = self.telemetry.query("/ethdev/list")
        return {str(p): self.telemetry.query(f"/ethdev/stats,{p}") for p in ports}

    def drops_between(self, before: Any, after: Any) -> dict[str, int]:
        """Packets dropped between two diagnostics(), by reason, where the engine counts them."""
        return {}

    def alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(
                f"{self.name}: exited with status {self.proc.returncode}; see {self.log}:\n" + tail(self.log)
            )

    def connect_telemetry(self, deadline: float) -> Telemetry:
        while self.telemetry is None:
            self.alive()
            try:
                self.telemetry = Telemetry(self.setup.prefix)
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(f"{self.name}: no telemetry socket; see {self.log}") from None
                time.sleep(0.2)
        return self.telemetry

    def stop(self) -> None:
        if self.telemetry is not None:
            self.telemetry.close()
            self.telemetry = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class TestpmdIo(Engine):
    """testpmd's io mode: receive and send unchanged, the ceiling of the harness. Ports come in pairs
    (pcap i, null i) so that the default paired topology forwards pcap i to null i on lcore i."""

    name = "testpmd-io"

    def command(self) -> list[str]:
        s = self.setup
        lcores = ",".join([f"0@{s.main_cpu}"] + [f"{i + 1}@{cpu}" for i, cpu in enumerate(s.worker_cpus)])
        vdevs: list[str] = []
        for i in range(s.lcores):
            vdevs += ["--vdev", s.pcap_vdev(i, s.lcores), "--vdev", s.null_vdev(i)]
        return [
            "dpdk-testpmd",
            "--lcores",
            lcores,
            *s.eal_common(),
            *vdevs,
            "--",
            "--forward-mode=io",
            f"--nb-cores={s.lcores}",
            "--rxq=1",
            "--txq=1",
            f"--total-num-mbufs={s.mbufs()}",
            "--stats-period=3600",
            "--burst=32",
            # testpmd locks all its memory by default: with --no-huge that faults in gigabytes at start
            # (13 s for 2 GiB on a VM), while the pool and the pcap copy are written at start anyway.
            "--no-mlockall",
        ]

    def counter(self) -> int:
        assert self.telemetry is not None
        return self.telemetry.tx_packets([2 * i + 1 for i in range(self.setup.lcores)])

    def lcore_packets(self) -> list[int]:
        assert self.telemetry is not None
        return self.telemetry.rx_packets([2 * i for i in range(self.setup.lcores)])

    def prepare(self, deadline: float) -> None:
        self.connect_telemetry(deadline)


class L3fwd(Engine):
    """DPDK's l3fwd example (LPM or FIB lookup), rebuilt with room for a full table (build-l3fwd.sh). Ports
    0 is the null sink that every route points to, ports 1..n the pcaps."""

    def __init__(self, setup: Setup, log: Path, binary: Path, lookup: str) -> None:
        super().__init__(setup, log)
        self.binary = binary
        self.lookup = lookup
        self.name = f"l3fwd-{lookup}"
        self.forwards_on_main = True

    def command(self) -> list[str]:
        s = self.setup
        # l3fwd forwards on every lcore, its main lcore included: lcore i polls pcap i (port i + 1).
        lcores = ",".join(f"{i}@{cpu}" for i, cpu in enumerate(s.worker_cpus))
        vdevs = ["--vdev", s.null_vdev(0)]  # first, so it is port 0 whatever the lcore count
        for i in range(s.lcores):
            vdevs += ["--vdev", s.pcap_vdev(i, s.lcores)]
        config = ",".join(f"({i + 1},0,{i})" for i in range(s.lcores))
        mask = (1 << (s.lcores + 1)) - 1
        return [
            str(self.binary),
            "--lcores",
            lcores,
            *s.eal_common(),
            *vdevs,
            "--",
            "-p",
            hex(mask),
            f"--config={config}",
            f"--lookup={self.lookup}",
            "--parse-ptype",
            f"--rule_ipv4={s.traffic / 'l3fwd-v4.rules'}",
            f"--rule_ipv6={s.traffic / 'l3fwd-v6.rules'}",
        ]

    def environment(self) -> dict[str, str]:
        # The pool floor of build-l3fwd.sh, sized for this lcore count like hayate-fwd's and testpmd's.
        return {"L3FWD_MIN_MBUFS": str(self.setup.mbufs())}

    def counter(self) -> int:
        assert self.telemetry is not None
        return self.telemetry.tx_packets([0])

    def lcore_packets(self) -> list[int]:
        assert self.telemetry is not None
        return self.telemetry.rx_packets([i + 1 for i in range(self.setup.lcores)])

    def prepare(self, deadline: float) -> None:
        self.connect_telemetry(deadline)

    def stop(self) -> None:
        super().stop()
        # l3fwd prints a line per route: keep their count, not a million lines per start.
        with contextlib.suppress(OSError):
            lines = self.log.read_text(errors="replace").splitlines()
            kept = [line for line in lines if "Adding route" not in line]
            kept.append(f"(bench: {len(lines) - len(kept)} 'Adding route' lines removed)")
            self.log.write_text("\n".join(kept) + "\n")


class Hayate(Engine):
    """hayate-fwd with tap-less ports, its table loaded through the control socket in batches. The engine
    `hayate-rte_fib` is the same with the rte_fib backend instead of Poptrie: our packet path, DPDK's FIB;
    `hayate-urpf` checks the sources too (ports[].urpf loose, routes for traffic.py's source ranges added):
    what loose uRPF costs; `hayate-urpf-strict` the same in strict mode, the source routes through an ECMP group
    of one next hop on each pcap port, so that each lcore's sources lead back out of its port."""

    def __init__(
        self,
        setup: Setup,
        log: Path,
        binary: Path,
        routes: Path,
        backend: str = "poptrie",
        name: str = "",
        urpf: str = "off",
    ) -> None:
        super().__init__(setup, log)
        self.name = name or ("hayate" if backend == "poptrie" else f"hayate-{backend}")
        self.backend = backend
        self.urpf = urpf
        self.binary = binary
        self.routes = routes
        self.socket_path = setup.workdir / f"{setup.prefix}.sock"
        self.config_path = setup.workdir / f"{setup.prefix}.json"
        self.client: Any = None
        self.null_name = "null0"

    def config(self) -> dict[str, Any]:
        s = self.setup
        ports: list[dict[str, Any]] = [
            {"name": f"pcap{i}", "device": s.pcap_vdev(i, s.lcores), "rx_queues": 1, "tap": None}
            for i in range(s.lcores)
        ]
        for port in ports:
            port["urpf"] = self.urpf
        ports.append({"name": self.null_name, "device": s.null_vdev(0), "rx_queues": 1, "tap": None})
        # lcore 0 is the manager, lcore i + 1 polls pcap i; the explicit EAL lcore map (which replaces the
        # "-l" hayate-fwd builds from the ids) puts them on the CPUs chosen, the manager possibly beside one.
        lcores: list[dict[str, Any]] = [
            {"lcore": i + 1, "rx": [{"port": f"pcap{i}", "queue": 0}]} for i in range(s.lcores)
        ]
        # The null port's (empty, no-rx) queue must be polled by someone: the last lcore.
        lcores[-1]["rx"].append({"port": self.null_name, "queue": 0})
        cpu_map = ",".join([f"0@{s.main_cpu}"] + [f"{i + 1}@{cpu}" for i, cpu in enumerate(s.worker_cpus)])
        return {
            "version": 1,
            "eal": [*s.eal_common(), f"--lcores={cpu_map}"],
            "manager_lcore": 0,
            "ports": ports,
            "lcores": lcores,
            "punt": {"no_route": "drop"},
            # Room for the full tables (901,899 and 160,147 routes) without the defaults' 2M/512k, which
            # make rte_fib reserve 1 GiB of IPv6 tbl8 groups.
            "fib": {"backend": self.backend, "max_routes4": 1 << 20, "max_routes6": 1 << 18},
            "mbuf": {"count": s.mbufs()},
            "control": {"socket": str(self.socket_path)},
        }

    def command(self) -> list[str]:
        self.config_path.write_text(json.dumps(self.config(), indent=2))
        return [str(self.binary), "-c", str(self.config_path)]

    def prepare(self, deadline: float) -> None:
        from hayate import ctl  # the agent's client; imported late so the DPDK-only runs need no venv

        while self.client is None:
            self.alive()
            try:
                self.client = ctl.ControlClient(self.socket_path, timeout=120)
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(f"{self.name}: no control socket at {self.socket_path}") from None
                time.sleep(0.2)
        ids = self.client.port_ids()
        if self.null_name not in ids:
            raise BenchError(f"{self.name}: PORTS does not list {self.null_name}: {ids}")
        nh = ctl.NextHop(
            NEXT_HOP_ID, ctl.NextHopKind.FORWARD, port=ids[self.null_name], mac=ctl.parse_mac(NEXT_HOP_MAC)
        )
        self.client.nh_set([nh])
        routes = [(k, NEXT_HOP_ID) for k in route_keys(self.routes, 4)]
        routes6 = self.routes.with_name("routes6.txt")
        if routes6.exists():
            routes += [(k, NEXT_HOP_ID) for k in route_keys(routes6, 6)]
        if self.urpf != "off":
            routes += [(source_key(prefix), self.source_next_hop(ctl, ids)) for prefix in SOURCES]
        started = time.monotonic()
        applied = self.client.route_add_keys(routes, batch=ROUTE_BATCH)
        print(f"    hayate: {applied} routes in {time.monotonic() - started:.2f} s", file=sys.stderr)

    def source_next_hop(self, ctl: Any, ids: dict[str, int]) -> int:
        """Where the routes of the traffic's sources point: the forwarding next hop (loose), or a group of
        one next hop on each pcap port (strict: a path back out of every ingress port)."""
        if self.urpf != "strict":
            return NEXT_HOP_ID
        mac = ctl.parse_mac(NEXT_HOP_MAC)
        members = [NEXT_HOP_ID + 1 + i for i in range(self.setup.lcores)]
        self.client.nh_set(
            [ctl.NextHop(m, ctl.NextHopKind.FORWARD, port=ids[f"pcap{i}"], mac=mac) for i, m in enumerate(members)]
        )
        group = members[-1] + 1
        self.client.nhg_set([ctl.NextHopGroup(group, tuple(members))])
        return group

    def counter(self) -> int:
        return port_counter(self.client.stats(), self.null_name, "tx_packets")

    def lcore_packets(self) -> list[int]:
        stats = self.client.stats()
        return [port_counter(stats, f"pcap{i}", "rx_packets") for i in range(self.setup.lcores)]

    def diagnostics(self) -> Any:
        return self.client.stats() if self.client is not None else None

    def drops_between(self, before: Any, after: Any) -> dict[str, int]:
        if not isinstance(before, dict) or not isinstance(after, dict):
            return {}
        lost = {}
        for kind in ("drops", "punts"):
            for reason, n in after.get(kind, {}).items():
                if n != before.get(kind, {}).get(reason, 0):
                    lost[f"{kind}.{reason}"] = n - before.get(kind, {}).get(reason, 0)
        return lost

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        super().stop()


def route_keys(path: Path, family: int) -> Iterator[tuple[int, int, bytes]]:
    """(family, depth, addr16) keys of the prefixes in traffic.py's routes4.txt or routes6.txt."""
    af, pad = (socket.AF_INET, bytes(12)) if family == 4 else (socket.AF_INET6, b"")
    with open(path, encoding="ascii") as lines:
        for line in lines:
            addr, depth = line.strip().split("/")
            yield family, int(depth), socket.inet_pton(af, addr) + pad


def source_key(prefix: str) -> tuple[int, int, bytes]:
    net = ipaddress.ip_network(prefix)
    return net.version, net.prefixlen, net.network_address.packed.ljust(16, b"\0")


def port_counter(stats: dict[str, Any], name: str, counter: str) -> int:
    """One counter of one port in hayate-fwd's STATS reply (ports[].tx_packets, ports[].rx_packets)."""
    for port in stats.get("ports", []):
        if isinstance(port, dict) and port.get("name") == name and isinstance(port.get(counter), int):
            return int(port[counter])
    raise BenchError(f"hayate: STATS has no ports[].{counter} for port {name}: {json.dumps(stats)[:400]}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclasses.dataclass
class Window:
    mpps: float  # packets out of the null port(s) per second of wall time
    cpu: float  # CPU time the forwarding lcores got, as a share of (wall time x lcores)
    lcore_mpps: list[float]  # packets received per second by each forwarding lcore

    @property
    def lcore_spread(self) -> float:
        """Slowest lcore / fastest: 1.00 where every lcore's CPU runs at one speed (they do the same work)."""
        fastest = max(self.lcore_mpps, default=0.0)
        return min(self.lcore_mpps) / fastest if fastest > 0 else 0.0

    @property
    def per_cpu(self) -> float:
        """Mpps the lcores would reach with a CPU each all of the time: removes the time other processes of a
        shared machine took from them (not their effect on caches and memory)."""
        return self.mpps / self.cpu if self.cpu > 0 else 0.0


def measure(
    engine: Engine, lcores: int, warmup: float, window: float, windows: int, load_timeout: float
) -> list[Window]:
    """Starts the engine, waits for traffic, warms up, measures each window, stops the engine."""
    started = time.monotonic()
    engine.start()
    try:
        deadline = time.monotonic() + load_timeout
        engine.prepare(deadline)
        first = engine.sample()
        while engine.sample() == first:  # traffic flows once the engine has started its lcores
            engine.alive()
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{engine.name}: no packets reach the null port; see {engine.log}:\n" + tail(engine.log)
                )
            time.sleep(0.2)
        print(
            f"    {engine.name}: forwarding {time.monotonic() - started:.1f} s after start", file=sys.stderr
        )
        time.sleep(warmup)
        tids = engine.forwarding_tids()
        if len(tids) != lcores:
            raise BenchError(f"{engine.name}: found {len(tids)} forwarding threads, expected {lcores}")
        out = []
        before = engine.diagnostics()
        count, per_lcore = engine.sample(), engine.lcore_packets()
        cpu, at = engine.cpu_seconds(tids), time.monotonic()
        for _ in range(windows):
            time.sleep(window)
            count2, per_lcore2 = engine.sample(), engine.lcore_packets()
            cpu2, at2 = engine.cpu_seconds(tids), time.monotonic()
            seconds = at2 - at
            out.append(
                Window(
                    (count2 - count) / seconds / 1e6,
                    (cpu2 - cpu) / (seconds * lcores),
                    [(b - a) / seconds / 1e6 for a, b in zip(per_lcore, per_lcore2, strict=True)],
                )
            )
            count, per_lcore, cpu, at = count2, per_lcore2, cpu2, at2
        engine.alive()
        with contextlib.suppress(OSError, ValueError, KeyError):
            # Counters at the start and the end of the measurement: drops in between show in their difference.
            counters = {"before": before, "after": engine.diagnostics()}
            lost = engine.drops_between(counters["before"], counters["after"])
            if lost:
                print(f"    {engine.name}: dropped while measured: {lost}", file=sys.stderr)
            engine.log.with_suffix(".stats.json").write_text(json.dumps(counters, indent=1))
        return out
    finally:
        engine.stop()


@dataclasses.dataclass
class Result:
    profile: str
    lcores: int
    engine: str
    windows: list[Window]
    # Each round's median (round index: Mpps); a start that failed leaves its round out.
    start_mpps: dict[int, float] = dataclasses.field(default_factory=dict)

    @property
    def mpps(self) -> float:
        return statistics.median(w.mpps for w in self.windows)

    @property
    def per_cpu(self) -> float:
        return statistics.median(w.per_cpu for w in self.windows)

    @property
    def cpu(self) -> float:
        return statistics.median(w.cpu for w in self.windows)

    @property
    def lcore_spread(self) -> float:
        return statistics.median(w.lcore_spread for w in self.windows)

    def value(self, metric: str) -> float:
        return self.per_cpu if metric == "per_cpu" else self.mpps


@dataclasses.dataclass
class Ratio:
    what: str
    wall: float  # from Mpps
    per_cpu: float  # from CPU-normalised Mpps
    target: float | None
    # Some engine compared got under DEDICATED_CPU of its CPUs: the wall-clock ratio then measures the
    # machine's other load, not the engines, and gets no verdict.
    shared: bool = False


def ratio_lines(results: list[Result]) -> list[Ratio]:
    """The ratios the issue asks for, plus the competitors' own, in both metrics."""
    by = {(r.profile, r.lcores, r.engine): r for r in results}
    out: list[Ratio] = []

    def add(
        what: str, num: Result | None, den: Result | None, target: float | None, scale: float = 1.0
    ) -> None:
        if num is not None and den is not None and den.mpps > 0 and den.per_cpu > 0:
            shared = min(num.cpu, den.cpu) < DEDICATED_CPU
            out.append(
                Ratio(what, num.mpps / den.mpps / scale, num.per_cpu / den.per_cpu / scale, target, shared)
            )

    def best_l3fwd(profile: str, n: int, metric: str) -> Result | None:
        found = [by[k] for k in ((profile, n, "l3fwd-lpm"), (profile, n, "l3fwd-fib")) if k in by]
        return max(found, key=lambda r: r.value(metric)) if found else None

    counts = sorted({r.lcores for r in results})
    for profile in sorted({r.profile for r in results}):
        for n in counts:
            hayate, io = by.get((profile, n, "hayate")), by.get((profile, n, "testpmd-io"))
            # The better l3fwd is chosen per metric: it may differ between wall and per-CPU figures.
            wall_best, cpu_best = best_l3fwd(profile, n, "mpps"), best_l3fwd(profile, n, "per_cpu")
            if hayate is not None and wall_best is not None and cpu_best is not None:
                out.append(
                    Ratio(
                        f"{profile:>4} {n} lcore(s): hayate / better l3fwd",
                        hayate.mpps / wall_best.mpps,
                        hayate.per_cpu / cpu_best.per_cpu,
                        TARGET_VS_L3FWD,
                        min(hayate.cpu, wall_best.cpu, cpu_best.cpu) < DEDICATED_CPU,
                    )
                )
            add(f"{profile:>4} {n} lcore(s): hayate / testpmd io", hayate, io, TARGET_VS_IO)
            # Same FIB (rte_fib DIR-24-8), different packet path: what hayate's checks and rewrite cost.
            add(
                f"{profile:>4} {n} lcore(s): hayate-rte_fib / l3fwd-fib",
                by.get((profile, n, "hayate-rte_fib")),
                by.get((profile, n, "l3fwd-fib")),
                None,
            )
            baseline = by.get((profile, n, "hayate-base"))
            add(f"{profile:>4} {n} lcore(s): hayate / hayate-base", hayate, baseline, None)
            for urpf in ("hayate-urpf", "hayate-urpf-strict"):
                add(f"{profile:>4} {n} lcore(s): {urpf} / hayate", by.get((profile, n, urpf)), hayate, None)
            add(
                f"{profile:>4} {n} lcore(s): l3fwd-fib / l3fwd-lpm",
                by.get((profile, n, "l3fwd-fib")),
                by.get((profile, n, "l3fwd-lpm")),
                None,
            )
            add(
                f"{profile:>4} {n} lcore(s): l3fwd-fib / testpmd io",
                by.get((profile, n, "l3fwd-fib")),
                io,
                None,
            )
        base = counts[0] if counts else 0
        for engine in sorted({r.engine for r in results}):
            for n in counts[1:]:
                # Scaling efficiency target: 1.8x at 2 lcores is 90% of linear; the same 90% beyond.
                target = TARGET_TWO_VS_ONE / 2 if engine == "hayate" else None
                add(
                    f"{profile:>4} {engine}: {n} lcores / {base}, per lcore added",
                    by.get((profile, n, engine)),
                    by.get((profile, base, engine)),
                    target,
                    scale=n / base,
                )
    return out


def report(results: list[Result], failed: dict[str, str]) -> str:
    lines = [
        "Mpps: packets per second out of the null port(s), median of the windows (min..max beside it).",
        "cpu: share of wall time x lcores that the forwarding lcores were on a CPU; per-CPU: Mpps / cpu,",
        "what the lcores would do with their CPUs to themselves (other processes take time from them).",
        "spread: slowest lcore's Mpps / fastest's (1.00: every CPU ran at one speed; the lcores do the same",
        "work).",
        "",
        f"{'profile':>7} {'lcores':>6} {'engine':<18} {'Mpps':>7} {'min':>7} {'max':>7} {'cpu':>5} "
        f"{'per-CPU':>8} {'spread':>6}",
    ]
    for r in sorted(results, key=lambda r: (r.profile, r.lcores, ENGINES.index(r.engine))):
        lines.append(
            f"{r.profile:>7} {r.lcores:>6} {r.engine:<18} {r.mpps:7.2f} "
            f"{min(w.mpps for w in r.windows):7.2f} "
            f"{max(w.mpps for w in r.windows):7.2f} {r.cpu:5.2f} {r.per_cpu:8.2f} {r.lcore_spread:6.2f}"
        )
    lines += ["", f"{'ratio':<58} {'Mpps':>6} {'per-CPU':>8}  target"]
    for ratio in ratio_lines(results):
        verdict = ""
        if ratio.target is not None:
            met = ["met" if v >= ratio.target else "MISSED" for v in (ratio.wall, ratio.per_cpu)]
            if ratio.shared:
                met[0] = "n/a (shared CPUs)"
            verdict = f">= {ratio.target:.2f}: {met[0]} / {met[1]}"
        lines.append(f"{ratio.what:<58} {ratio.wall:6.3f} {ratio.per_cpu:8.3f}  {verdict}")
    rounds = round_lines(results)
    if rounds:
        lines += ["", "lcores against the fewest, round by round (each start's median; counts took turns):"]
        lines += rounds
    for what, why in failed.items():
        lines.append(f"FAILED {what}: {why}")
    return "\n".join(lines)


def round_lines(results: list[Result]) -> list[str]:
    """n lcores / the fewest, per round, for every engine measured in at least two rounds at both counts: on a
    VM whose CPUs change speed between starts, the spread of these says how far one ratio can be trusted."""
    by = {(r.profile, r.lcores, r.engine): r for r in results}
    lines = []
    for profile, n, engine in sorted(by, key=lambda k: (k[0], ENGINES.index(k[2]), k[1])):
        counts = sorted(c for p, c, e in by if p == profile and e == engine)
        base = by[(profile, counts[0], engine)]
        result = by[(profile, n, engine)]
        rounds = sorted(result.start_mpps.keys() & base.start_mpps.keys())
        ratios = [result.start_mpps[k] / base.start_mpps[k] for k in rounds if base.start_mpps[k] > 0]
        if n == counts[0] or len(ratios) < 2:
            continue
        lines.append(
            f"{profile:>4} {engine:<18} {n:>2}/{counts[0]}: median {statistics.median(ratios):5.2f}x, rounds "
            + " ".join(f"{x:.2f}" for x in ratios)
        )
    return lines


def markdown(results: list[Result]) -> str:
    """The figures and ratios as the Markdown tables of docs/benchmarks.md."""
    lines = [
        "| profile | lcores | engine | Mpps | min..max | cpu | per-CPU Mpps | lcore spread |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (r.profile, r.lcores, ENGINES.index(r.engine))):
        lo, hi = min(w.mpps for w in r.windows), max(w.mpps for w in r.windows)
        lines.append(
            f"| {r.profile} | {r.lcores} | {r.engine} | {r.mpps:.2f} | {lo:.2f}..{hi:.2f} | {r.cpu:.2f} "
            f"| {r.per_cpu:.2f} | {r.lcore_spread:.2f} |"
        )
    lines += ["", "| ratio | Mpps | per-CPU | target |", "|---|---|---|---|"]
    for ratio in ratio_lines(results):
        verdict = ""
        if ratio.target is not None:
            verdict = (
                f">= {ratio.target:.2f}: **{'met' if ratio.per_cpu >= ratio.target else 'missed'}** per CPU"
            )
            if not ratio.shared:
                verdict += f", {'met' if ratio.wall >= ratio.target else 'missed'} wall-clock"
        lines.append(f"| {ratio.what.strip()} | {ratio.wall:.3f} | {ratio.per_cpu:.3f} | {verdict} |")
    return "\n".join(lines) + "\n"


def make_engine(args: argparse.Namespace, name: str, setup: Setup, stamp: str) -> Engine:
    log = args.workdir / f"{stamp}-{name}.log"
    if name == "testpmd-io":
        return TestpmdIo(setup, log)
    if name in ("l3fwd-lpm", "l3fwd-fib"):
        return L3fwd(setup, log, args.l3fwd, name.split("-")[1])
    if name == "hayate-base":
        return Hayate(setup, log, args.hayate_base, args.traffic / "routes4.txt", name=name)
    if name in ("hayate-urpf", "hayate-urpf-strict"):
        urpf = "strict" if name.endswith("strict") else "loose"
        return Hayate(setup, log, args.hayate, args.traffic / "routes4.txt", name=name, urpf=urpf)
    backend = "rte_fib" if name == "hayate-rte_fib" else "poptrie"
    return Hayate(setup, log, args.hayate, args.traffic / "routes4.txt", backend)  # routes6.txt beside it


# hayate-base: another hayate-fwd binary (--hayate-base, e.g. built from the last commit), to measure a change
# of the packet path against its baseline in the same run.
ENGINES = (
    "testpmd-io",
    "l3fwd-lpm",
    "l3fwd-fib",
    "hayate",
    "hayate-rte_fib",
    "hayate-base",
    "hayate-urpf",
    "hayate-urpf-strict",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--traffic", type=Path, required=True, help="traffic.py's output folder")
    p.add_argument("--workdir", type=Path, required=True, help="folder for logs and generated configs")
    p.add_argument("--l3fwd", type=Path, help="the l3fwd built by build-l3fwd.sh")
    p.add_argument("--hayate", type=Path, help="the hayate-fwd binary")
    p.add_argument("--hayate-base", type=Path, help="hayate-fwd binary of engine hayate-base")
    p.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated, of {ENGINES}")
    p.add_argument("--profiles", default="64,imix")
    p.add_argument("--lcores", default="1,2", help="forwarding lcore counts to measure, e.g. 1,2")
    p.add_argument(
        "--profile-lcores",
        action="append",
        default=[],
        metavar="PROFILE=N[:N]",
        help="measure PROFILE at these lcore counts only (e.g. 64v6=1), to keep a run short",
    )
    p.add_argument("--cpus", default="1,0", help="CPUs of the forwarding lcores, in order, or 'auto'")
    p.add_argument("--main-cpu", type=int, default=0, help="CPU of testpmd's main and hayate-fwd's manager")
    p.add_argument("--frames", type=int, default=65536, help="frames per pcap (as generated)")
    p.add_argument("--starts", type=int, default=1, help="starts of each engine per (profile, lcores)")
    p.add_argument("--windows", type=int, default=5, help="measurement windows per start")
    p.add_argument("--window", type=float, default=2.0, help="seconds per window")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds between first packets and measuring")
    p.add_argument("--load-timeout", type=float, default=180.0, help="seconds to load a table and start")
    p.add_argument(
        "--pool-ops",
        help="mempool driver for every engine's mbufs, e.g. ring_mt_rts where the "
        "forwarding lcores share CPUs with other work (a preempted lcore then stalls no other)",
    )
    p.add_argument("--no-huge", type=int, metavar="MB", help="no hugepages: EAL --no-huge -m MB (slower)")
    p.add_argument("--json", type=Path, help="write the results here (and the report beside it, .txt)")
    args = p.parse_args(argv)
    args.engines = [e for e in args.engines.split(",") if e]
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"--engines: unknown {e!r}, known {ENGINES}")
    if any(e.startswith("l3fwd") for e in args.engines) and args.l3fwd is None:
        p.error("--l3fwd is required for the l3fwd engines")
    if any(e.startswith("hayate") and e != "hayate-base" for e in args.engines) and args.hayate is None:
        p.error("--hayate is required for the hayate engine")
    if "hayate-base" in args.engines and args.hayate_base is None:
        p.error("--hayate-base is required for the hayate-base engine")
    for name in ("traffic", "workdir", "l3fwd", "hayate", "hayate_base", "json"):
        if getattr(args, name) is not None:
            setattr(args, name, getattr(args, name).resolve())
    args.profiles = [x for x in args.profiles.split(",") if x]
    args.lcores = [int(x) for x in args.lcores.split(",") if x]
    only: dict[str, set[int]] = {}
    for item in args.profile_lcores:
        profile, sep, counts = item.partition("=")
        try:
            only[profile] = {int(x) for x in counts.split(":")}
        except ValueError:
            sep = ""
        if not sep or not profile:
            p.error(f"--profile-lcores: expected PROFILE=N[:N], got {item!r}")
    args.profile_lcores = only
    if not (args.traffic / "routes4.txt").exists():
        p.error(f"--traffic {args.traffic}: no routes4.txt (made by traffic.py)")
    if args.cpus == "auto":
        args.cpus = auto_cpus(args.main_cpu, max(args.lcores))
    else:
        args.cpus = [int(x) for x in args.cpus.split(",") if x]
    if max(args.lcores) > len(args.cpus):
        p.error(f"--cpus lists {len(args.cpus)} CPUs, --lcores asks for {max(args.lcores)}")
    return args


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    uname = os.uname()
    return {
        "cpus": os.cpu_count(),
        "model": model,
        "kernel": uname.release,
        "host": uname.nodename,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def auto_cpus(main_cpu: int, count: int) -> list[int]:
    """`count` CPUs for forwarding lcores: not the main CPU nor the last one (left to this runner and the
    kernel), one hyperthread per physical core first, the main CPU's NUMA node first."""
    topology: list[tuple[int, int, int]] = []  # cpu, core, node
    out = subprocess.run(["lscpu", "-p=CPU,CORE,NODE"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line and not line.startswith("#"):
            cpu, core, node = (int(x) if x else 0 for x in line.split(","))
            topology.append((cpu, core, node))
    if not topology:
        topology = [(c, c, 0) for c in range(os.cpu_count() or 1)]
    last = max(c for c, _, _ in topology)
    main_node = next((n for c, _, n in topology if c == main_cpu), 0)
    seen_cores: set[int] = {next((k for c, k, _ in topology if c == main_cpu), -1)}
    first: list[int] = []
    siblings: list[int] = []
    for cpu, core, _node in sorted(topology, key=lambda t: (t[2] != main_node, t[0])):
        if cpu in (main_cpu, last):
            continue
        (siblings if core in seen_cores else first).append(cpu)
        seen_cores.add(core)
    return (first + siblings)[:count]


def write_results(
    args: argparse.Namespace,
    results: dict[tuple[str, int, str], Result],
    failed: dict[str, str],
) -> str:
    text = report(list(results.values()), failed)
    if args.json:
        doc = {
            "machine": machine(),
            "command": sys.argv,
            "results": [
                dataclasses.asdict(r) | {"mpps": r.mpps, "cpu": r.cpu, "per_cpu": r.per_cpu}
                for r in results.values()
            ],
            "ratios": [dataclasses.asdict(r) for r in ratio_lines(list(results.values()))],
            "failed": failed,
        }
        args.json.write_text(json.dumps(doc, indent=2))
        args.json.with_suffix(".txt").write_text(text + "\n")
        args.json.with_suffix(".md").write_text(markdown(list(results.values())))
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    null_link = args.traffic / NULL_LINK
    if not null_link.is_symlink():
        null_link.symlink_to("/dev/null")
    # SIGTERM (the wrapper's trap, a timeout) unwinds like ^C so every engine is stopped by its PID.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    results: dict[tuple[str, int, str], Result] = {}
    failed: dict[str, str] = {}
    print(
        f"machine: {json.dumps(machine())}; forwarding CPUs {args.cpus}, main CPU {args.main_cpu}",
        file=sys.stderr,
        flush=True,
    )
    # Rounds of every (profile, lcores, engine), engines and lcore counts taking turns within each round, so
    # that slow drifts of a shared machine hit all alike and each round gives its own ratios.
    for start in range(args.starts):
        for profile in args.profiles:
            for n in args.lcores:
                if n not in args.profile_lcores.get(profile, {n}):
                    continue
                for engine_name in args.engines:
                    what = f"{profile} {n} {engine_name}"
                    setup = Setup(
                        traffic=args.traffic,
                        profile=profile,
                        lcores=n,
                        worker_cpus=args.cpus[:n],
                        main_cpu=args.main_cpu,
                        frames=args.frames,
                        prefix=f"hybf-{os.getpid()}-{engine_name}",
                        workdir=args.workdir,
                        pool_ops=args.pool_ops,
                        no_huge_mb=args.no_huge,
                    )
                    engine = make_engine(args, engine_name, setup, f"{profile}-{n}-{start}")
                    try:
                        windows = measure(
                            engine, n, args.warmup, args.window, args.windows, args.load_timeout
                        )
                    except Exception as err:
                        # One engine failing leaves the others' figures standing; the report names it.
                        print(f"  {what}: FAILED: {err}", file=sys.stderr, flush=True)
                        failed.setdefault(what, (str(err).splitlines() or [repr(err)])[0])
                        continue
                    per_lcore = zip(*(w.lcore_mpps for w in windows), strict=True)
                    lcore_mpps = [statistics.median(lc) for lc in per_lcore]
                    print(
                        f"  {what} start {start + 1}: Mpps "
                        + " ".join(f"{w.mpps:.2f}" for w in windows)
                        + "; cpu "
                        + " ".join(f"{w.cpu:.2f}" for w in windows)
                        + "; per lcore "
                        + " ".join(f"{m:.2f}" for m in lcore_mpps),
                        file=sys.stderr,
                        flush=True,
                    )
                    result = results.setdefault(
                        (profile, n, engine_name), Result(profile, n, engine_name, [])
                    )
                    result.windows.extend(windows)
                    result.start_mpps[start] = statistics.median(w.mpps for w in windows)
                    write_results(args, results, failed)
    print(write_results(args, results, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)

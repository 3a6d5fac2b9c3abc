"""The agent benchmark (`make bench-agent`): full tables in a namespace's kernel, the real forwarder, the
agent.

Measures, in one run:
  - route decoding: the agent's struct decoder beside pyroute2 0.9.7 on the same kernel dump bytes;
  - initial sync: from starting hayate-agent to the forwarder's FIB equal to the kernel (READY, then checked);
  - a burst of 100,000 route changes (route replace, written to the kernel over netlink) mirrored: from the
    burst's start, and from the kernel having applied it, to the forwarder having applied it;
  - the agent's resident memory (VmRSS, VmHWM);
  - the FPM source on the same tables: the kernel's own route messages replayed over FPM framing into the
    agent's FPM port (zebra is not in the loop: this measures the agent's side of FPM).
Prints a Markdown table and writes JSON to the path given by --json.
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import json
import os
import platform
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hayate.agent import nlconst as nl
from hayate.agent.main import enter_netns
from hayate.agent.netlink import NetlinkSocket
from hayate.agent.rtdecode import Interner, decode_route
from hayate.ctl import ControlClient, NextHopKind, format_mac, network_key
from pyroute2.netlink.rtnl.rtmsg import rtmsg

T = TypeVar("T")
NS = "hyag-bench-r"
TAPS = ("hyagbp0", "hyagbp1")
GW4 = [f"10.255.{p}.{h}" for p in (0, 1) for h in range(2, 6)]
GW6 = [f"fd00:ff:{p}::{h}" for p in (0, 1) for h in range(2, 6)]
BURST = 100_000


def sh(*args: str, stdin: str | None = None, timeout: float = 600) -> str:
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:6])}: {r.stderr.strip()[:500]}")
    return r.stdout


def ip(*args: str, stdin: str | None = None) -> str:
    return sh("ip", "-n", NS, *args, stdin=stdin)


def in_ns(fn: Callable[[], T]) -> T:
    out: list[T] = []
    err: list[BaseException] = []

    def run() -> None:
        try:
            enter_netns(NS)
            out.append(fn())
        except BaseException as exc:
            err.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if err:
        raise err[0]
    return out[0]


def replace_messages(prefixes: list[str], gateways: list[str]) -> list[bytes]:
    """RTM_NEWROUTE (create|replace) requests without ACK: the burst is written straight to the kernel, as
    zebra does, so that iproute2's own pace (about 8,000 replaces/s here) does not hide the agent's."""
    out = []
    for seq, (prefix, gw) in enumerate(zip(prefixes, gateways, strict=True)):
        net = ipaddress.ip_network(prefix)
        dst = net.network_address.packed
        body = nl.RTMSG.pack(nl.AF_INET, net.prefixlen, 0, 0, 254, 3, 0, nl.RTN_UNICAST, 0)
        body += struct.pack("=HH", 4 + len(dst), nl.RTA_DST) + dst
        body += struct.pack("=HH", 8, nl.RTA_GATEWAY) + ipaddress.ip_address(gw).packed
        flags = nl.NLM_F_REQUEST | 0x400 | nl.NLM_F_REPLACE  # NLM_F_CREATE
        out.append(nl.NLMSG_HDR.pack(16 + len(body), nl.RTM_NEWROUTE, flags, seq + 1, 0) + body)
    return out


def send_netlink(msgs: list[bytes]) -> None:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, nl.NETLINK_ROUTE)
    s.bind((0, 0))
    try:
        for i in range(0, len(msgs), 500):
            s.send(b"".join(msgs[i : i + 500]))
    finally:
        s.close()


def mac_of(gw: str) -> str:
    a = ipaddress.ip_address(gw).packed
    return f"02:{len(a):02x}:00:00:{a[-2]:02x}:{a[-1]:02x}"


class Bench:
    def __init__(self, build: Path, data: Path, workdir: Path, v4: int | None, v6: int | None) -> None:
        self.build = build
        self.workdir = workdir
        self.sock = workdir / "fwd.sock"
        self.cfg = workdir / "hayate.json"
        self.rib4 = self._read(data / "rib4.txt.gz", v4)
        self.rib6 = self._read(data / "rib6.txt.gz", v6)
        self.fwd: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None
        self.results: dict[str, Any] = {}

    @staticmethod
    def _read(path: Path, limit: int | None) -> list[str]:
        with gzip.open(path, "rt") as f:
            lines = [line.strip() for line in f if line.strip()]
        return lines[:limit] if limit else lines

    def config(self, **agent: Any) -> None:
        doc = {
            "version": 1,
            "eal": [
                "--no-pci",
                "--no-huge",
                "-m",
                "3072",
                "--no-telemetry",
                "--no-shconf",
                "--file-prefix",
                "hyagbench",
                "--log-level",
                "lib.eal:warning",
            ],
            "manager_lcore": 0,
            "ports": [
                {"name": "p0", "device": "net_nullhyagb0", "tap": TAPS[0], "mac": "02:00:00:00:01:01"},
                {"name": "p1", "device": "net_nullhyagb1", "tap": TAPS[1], "mac": "02:00:00:00:01:02"},
            ],
            "lcores": [{"lcore": 1, "rx": [{"port": "p0", "queue": 0}, {"port": "p1", "queue": 0}]}],
            "mbuf": {"count": 4096, "cache": 64},
            "control": {"socket": str(self.sock)},
            "agent": {"netns": NS, "metrics": {"port": 19466}, "fpm": {"port": 26200}, **agent},
        }
        self.cfg.write_text(json.dumps(doc))

    # ---- processes ---------------------------------------------------------------------------------------

    def start_forwarder(self) -> None:
        log = (self.workdir / "fwd.log").open("ab")
        self.fwd = subprocess.Popen(
            ["ip", "netns", "exec", NS, str(self.build / "fwd" / "hayate-fwd"), "-c", str(self.cfg)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not self.sock.exists():
            if self.fwd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"hayate-fwd did not start: {(self.workdir / 'fwd.log').read_text()[-2000:]}"
                )
            time.sleep(0.1)
        time.sleep(0.3)

    def stop_forwarder(self) -> None:
        if self.fwd is not None:
            self.fwd.send_signal(signal.SIGTERM)
            try:
                self.fwd.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.fwd.kill()
                self.fwd.wait()
            self.fwd = None

    def start_agent(self) -> tuple[float, float]:
        notify_path = self.workdir / "notify.sock"
        notify_path.unlink(missing_ok=True)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(notify_path))
        notify.settimeout(600)
        env = dict(os.environ, NOTIFY_SOCKET=str(notify_path))
        log = (self.workdir / "agent.log").open("ab")
        t0 = time.monotonic()
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "hayate.agent.main", "-c", str(self.cfg)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        while b"READY=1" not in notify.recv(4096):
            pass
        t1 = time.monotonic()
        notify.close()
        return t0, t1

    def stop_agent(self) -> None:
        if self.agent is not None:
            self.agent.send_signal(signal.SIGTERM)
            self.agent.wait(timeout=60)
            self.agent = None

    def rss_mb(self) -> dict[str, float]:
        assert self.agent is not None
        status = Path(f"/proc/{self.agent.pid}/status").read_text()
        out = {}
        for key in ("VmRSS", "VmHWM"):
            m = re.search(rf"{key}:\s+(\d+) kB", status)
            out[key] = round(int(m.group(1)) / 1024, 1) if m else 0.0
        return out

    def metric(self, name: str) -> float:
        def scrape() -> str:
            with urllib.request.urlopen("http://127.0.0.1:19466/metrics", timeout=10) as r:
                return str(r.read().decode())

        text = in_ns(scrape)
        m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    # ---- the router's kernel ------------------------------------------------------------------------------

    def build_kernel(self) -> None:
        for i, tap in enumerate(TAPS):
            ip("link", "set", tap, "up")
            ip("addr", "add", f"10.255.{i}.1/24", "dev", tap)
            ip("addr", "add", f"fd00:ff:{i}::1/64", "dev", tap, "nodad")
        lines = []
        for k, gw in enumerate(GW4 + GW6):
            lines.append(f"neigh replace {gw} lladdr {mac_of(gw)} dev {TAPS[(k % 8) // 4]} nud permanent")
        ip("-batch", "-", stdin="\n".join(lines) + "\n")
        t0 = time.monotonic()
        batch = [f"route add {p} via {GW4[i % 8]}" for i, p in enumerate(self.rib4)]
        batch += [f"route add {p} via {GW6[i % 8]}" for i, p in enumerate(self.rib6)]
        sh("ip", "-n", NS, "-force", "-batch", "-", stdin="\n".join(batch) + "\n", timeout=1800)
        self.results["kernel_load_s"] = round(time.monotonic() - t0, 1)

    def kernel_dump(self) -> list[bytes]:
        def dump() -> list[bytes]:
            s = NetlinkSocket(rcvbuf=8 << 20)
            out: list[bytes] = []
            for family in (nl.AF_INET, nl.AF_INET6):
                body = nl.RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0) + struct.pack(
                    "=HHI", 8, nl.RTA_TABLE, 254
                )
                out.extend(bytes(b[o : o + n]) for _t, _f, b, o, n in s.dump(nl.RTM_GETROUTE, body))
            s.close()
            return out

        return in_ns(dump)

    # ---- measurements ----------------------------------------------------------------------------------

    def decoders(self, raw: list[bytes]) -> None:
        """Both decoders on the same 50,000 messages, alternately, best of 3 each: the machine is shared, so
        only runs that suffered the same interference are compared."""
        intern = Interner()
        tables = {254: 0}
        sample = raw[:50_000]
        ours = theirs = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for d in sample:
                decode_route(d, 0, len(d), nl.RTM_NEWROUTE, tables, intern)
            ours = min(ours, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for d in sample:
                msg = rtmsg(d)
                msg.decode()
            theirs = min(theirs, time.perf_counter() - t0)
        self.results["decoder"] = {
            "routes": len(sample),
            "struct_routes_per_s": round(len(sample) / ours),
            "pyroute2_routes_per_s": round(len(sample) / theirs),
            "ratio": round(theirs / ours, 1),
        }

    def expected_fib(self, raw: list[bytes]) -> dict[tuple[int, int, bytes], str]:
        """prefix key -> next hop meaning (MAC, 'local', 'punt'), from the kernel's own bytes and the
        gateways' known MACs."""
        intern = Interner()
        gw_mac = {ipaddress.ip_address(g).packed: mac_of(g) for g in GW4 + GW6}
        out: dict[tuple[int, int, bytes], str] = {}
        for d in raw:
            r = decode_route(d, 0, len(d), nl.RTM_NEWROUTE, {254: 0}, intern)
            if r is None:
                continue
            target = r[5]
            out[r[1]] = gw_mac.get(target[3], "punt") if target[0] == "via" and target[3] else "punt"  # type: ignore[arg-type]
        for g in GW4 + GW6:
            out[network_key(ipaddress.ip_network(g))] = mac_of(g)
        for a in json.loads(ip("-j", "addr", "show")):
            for info in a.get("addr_info", []):
                out[network_key(ipaddress.ip_network(info["local"]))] = "local"
        return out

    def forwarder_fib(self) -> dict[tuple[int, int, bytes], str]:
        with ControlClient(self.sock, timeout=300) as c:
            hops = {
                h.id: format_mac(h.mac) if h.kind == NextHopKind.FORWARD else h.kind.name for h in c.nh_dump()
            }
            hops.update({1: "local", 2: "blackhole", 3: "punt"})
            return {k: hops.get(nh, f"?{nh}") for k, nh in c.route_dump_keys(0)}

    def fib_count(self) -> int:
        with ControlClient(self.sock, timeout=60) as c:
            st = c.fib_stats()
        return int(st.get("routes4", 0)) + int(st.get("routes6", 0))

    def initial_sync(self, expected: dict[tuple[int, int, bytes], str]) -> None:
        t0, t1 = self.start_agent()
        actual = self.forwarder_fib()
        missing = sum(1 for k, v in expected.items() if actual.get(k) != v)
        extra = sum(1 for k in actual if k not in expected)
        log = (self.workdir / "agent.log").read_text().splitlines()
        self.results["initial_sync_log"] = [line for line in log if "dump" in line or "reconciled" in line]
        self.results["initial_sync"] = {
            "seconds": round(t1 - t0, 2),
            "fib_entries": len(actual),
            "mismatched": missing,
            "extra": extra,
            **self.rss_mb(),
        }

    def burst(self) -> None:
        n = min(BURST, len(self.rib4))
        before = self.metric("hayate_agent_changes_total")
        msgs = replace_messages(self.rib4[:n], [GW4[(i + 1) % 8] for i in range(n)])
        t0 = time.monotonic()
        in_ns(lambda: send_netlink(msgs))
        t_kernel = time.monotonic()
        while self.metric("hayate_agent_changes_total") < before + n:
            if time.monotonic() - t0 > 300:
                raise RuntimeError("burst not mirrored within 300 s")
            time.sleep(0.02)
        t_fib = time.monotonic()
        with ControlClient(self.sock) as c:
            sample = [self.rib4[i] for i in range(0, n, n // 50)]
            hops = {h.id: format_mac(h.mac) for h in c.nh_dump()}
            wrong = 0
            for i, p in zip(range(0, n, n // 50), sample, strict=True):
                net = ipaddress.ip_network(p)
                doc = c.lookup(net.network_address)
                if hops.get(doc.get("nh", 0)) != mac_of(GW4[(i + 1) % 8]) and doc.get("prefix") == str(net):
                    wrong += 1
        self.results["burst"] = {
            "changes": n,
            "kernel_s": round(t_kernel - t0, 2),
            "burst_start_to_fib_s": round(t_fib - t0, 2),
            "kernel_done_to_fib_s": round(t_fib - t_kernel, 2),
            "sampled_wrong": wrong,
            **self.rss_mb(),
        }

    def restart(self) -> None:
        """The agent stopped and started again over a forwarder holding the full FIB: it must reconcile
        without flushing, sending (almost) nothing."""
        self.stop_agent()
        mark = len((self.workdir / "agent.log").read_text())
        t0, t1 = self.start_agent()
        log = (self.workdir / "agent.log").read_text()[mark:]
        m = re.search(r"reconciled with the forwarder \((\d+) routes.*?: \+(\d+) -(\d+) routes", log)
        self.results["restart"] = {
            "seconds": round(t1 - t0, 2),
            "found": int(m.group(1)) if m else -1,
            "added": int(m.group(2)) if m else -1,
            "removed": int(m.group(3)) if m else -1,
            **self.rss_mb(),
        }

    def fpm(self, raw: list[bytes]) -> None:
        """A fresh forwarder and an agent in FPM mode; the kernel's route messages replayed as FPM frames."""
        self.stop_agent()
        self.stop_forwarder()
        self.config(source="fpm")
        self.start_forwarder()
        for i, tap in enumerate(TAPS):  # the new forwarder's new taps
            ip("link", "set", tap, "up")
            ip("addr", "add", f"10.255.{i}.1/24", "dev", tap)
            ip("addr", "add", f"fd00:ff:{i}::1/64", "dev", tap, "nodad")
        lines = [
            f"neigh replace {gw} lladdr {mac_of(gw)} dev {TAPS[(k % 8) // 4]} nud permanent"
            for k, gw in enumerate(GW4 + GW6)
        ]
        ip("-batch", "-", stdin="\n".join(lines) + "\n")
        self.start_agent()
        base = self.fib_count()
        frames = bytearray()
        for d in raw:
            frames += struct.pack("!BBH", 1, 1, 4 + len(d)) + d
        routes = len(raw)

        def stream() -> float:
            t0 = time.monotonic()
            with socket.create_connection(("127.0.0.1", 26200)) as s:
                s.sendall(frames)
                while self.fib_count() < base + routes * 0.999:
                    if time.monotonic() - t0 > 600:
                        raise RuntimeError("FPM table not mirrored within 600 s")
                    time.sleep(0.05)
                return time.monotonic() - t0

        seconds = in_ns(stream)
        self.results["fpm"] = {"routes": routes, "seconds": round(seconds, 2), **self.rss_mb()}

    def run(self) -> None:
        sh("ip", "netns", "add", NS)
        try:
            ip("link", "set", "lo", "up")
            self.config()
            self.start_forwarder()
            print(
                f"bench-agent: loading {len(self.rib4)} + {len(self.rib6)} routes into the kernel",
                file=sys.stderr,
            )
            self.build_kernel()
            raw = self.kernel_dump()
            print(f"bench-agent: {len(raw)} kernel routes; decoders", file=sys.stderr)
            self.decoders(raw)
            expected = self.expected_fib(raw)
            print("bench-agent: initial sync", file=sys.stderr)
            self.initial_sync(expected)
            print(f"bench-agent: burst of {BURST} changes", file=sys.stderr)
            self.burst()
            print("bench-agent: agent restart over the full FIB", file=sys.stderr)
            self.restart()
            print("bench-agent: FPM source", file=sys.stderr)
            self.fpm(raw)
        finally:
            for p in (self.agent, self.fwd):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
            subprocess.run(["ip", "netns", "del", NS], check=False)


def report(r: dict[str, Any]) -> str:
    d, s, b, f, rs = r["decoder"], r["initial_sync"], r["burst"], r["fpm"], r["restart"]
    target = "target <= 10 s"
    rows = [
        (
            "route decoding, struct decoder",
            f"{d['struct_routes_per_s']:,} routes/s",
            f"pyroute2 {d['pyroute2_routes_per_s']:,} routes/s ({d['ratio']}x)",
        ),
        (
            "full-table sync (agent start to FIB = kernel)",
            f"{s['seconds']} s",
            f"{s['fib_entries']:,} entries, {s['mismatched']} mismatched, {s['extra']} extra; {target}",
        ),
        (
            f"burst of {b['changes']:,} changes, kernel done to FIB",
            f"{b['kernel_done_to_fib_s']} s",
            f"burst start to FIB {b['burst_start_to_fib_s']} s (kernel {b['kernel_s']} s); target <= 2 s",
        ),
        (
            "agent RSS after sync / after burst",
            f"{s['VmRSS']} / {b['VmRSS']} MB",
            f"peak {b['VmHWM']} MB; target < 600 MB",
        ),
        (
            "FPM source, full table replayed",
            f"{f['seconds']} s",
            f"{f['routes']:,} routes; RSS {f['VmRSS']} MB, peak {f['VmHWM']} MB",
        ),
        (
            "agent restart over the full FIB, to READY",
            f"{rs['seconds']} s",
            f"{rs['found']:,} routes found, +{rs['added']} -{rs['removed']} sent",
        ),
        ("kernel: ip -force -batch of the tables", f"{r['kernel_load_s']} s", "for reference"),
    ]
    out = ["| measurement | hayate-agent | beside it |", "|---|---|---|"]
    out += [f"| {a} | {b_} | {c} |" for a, b_, c in rows]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--json", default=None)
    ap.add_argument("--v4", type=int, default=None, help="only the first N IPv4 routes (quick runs)")
    ap.add_argument("--v6", type=int, default=None)
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "rib4.txt.gz").exists():
        print(f"bench-agent: the real tables are not in {data}: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory(prefix="hyag-bench-") as tmp:
        bench = Bench(Path(args.build), data, Path(tmp), args.v4, args.v6)
        bench.run()
        bench.results["machine"] = f"{platform.node()}, {os.cpu_count()} cores, kernel {platform.release()}"
        bench.results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(json.dumps(bench.results, indent=1))
        print(report(bench.results))
        if args.json:
            Path(args.json).write_text(json.dumps(bench.results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

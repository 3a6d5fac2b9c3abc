#!/usr/bin/env python3
"""The lab with the full table (`make bench-lab`): bring-up time, convergence after upstream1's sessions are
reset, and the forwarding rate from the campus client through the router.

Convergence is timed twice in the same run: until the router's kernel holds upstream1's table again (what
zebra achieves: the Linux kernel as the forwarding plane) and until hayate's FIB equals that kernel entry by
entry (what the agent and the forwarder add). The lab's ports are af_packet sockets on veths, so the
forwarding rate here is that of the lab, not of the forwarder (`make bench-fwd` measures that).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from lab import labnet  # noqa: E402  (the lab's observer, shared with the system tests)

FLOOD = """
import socket, sys, time
dsts = sys.argv[2:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.monotonic() + float(sys.argv[1]), 0
while time.monotonic() < end:
    for d in dsts:
        s.sendto(b"x" * 18, (d, 40000))
    n += len(dsts)
print(n)
"""


def kernel_count(family: int) -> int:
    out = labnet.sh("ip", "-n", labnet.ROUTER_NS, f"-{family}", "route", "show", "proto", "bgp", timeout=300)
    return out.count("\n")


def fib_count(family: int) -> int:
    with labnet.control() as c:
        return int(c.fib_stats()[f"routes{family}"])


def converge_once(timeout: float) -> tuple[float, float]:
    """Reset upstream1's sessions; seconds from their return until the kernel holds its BGP routes again, and
    until the FIB holds as many routes as before. Counts while timing (a full comparison takes a minute),
    then one entry-by-entry comparison."""
    sessions = [labnet.PEERS["upstream1"][k].split("/")[0] for k in ("peer_v4", "peer_v6")]
    kernel0 = {f: kernel_count(f) for f in (4, 6)}
    fib0 = {f: fib_count(f) for f in (4, 6)}
    before = labnet.bgp_established()
    assert before, "the lab's BGP sessions are not up"
    labnet.vtysh(*(f"clear bgp {a}" for a in sessions))
    labnet.wait_for(
        "upstream1's sessions",
        lambda: (now := labnet.bgp_established()) and all(now[a] > before[a] for a in sessions),
        timeout=300,
        interval=0.2,
    )
    up = time.monotonic()
    labnet.wait_for(
        "the kernel's table",
        lambda: all(kernel_count(f) >= kernel0[f] for f in (4, 6)),
        timeout,
        interval=0.2,
    )
    kernel = time.monotonic() - up
    labnet.wait_for("the FIB's table", lambda: all(fib_count(f) >= fib0[f] for f in (4, 6)), timeout, 0.2)
    fib = time.monotonic() - up
    labnet.wait_for("the FIB to equal the kernel", lambda: labnet.fib_diff() == "", timeout, interval=5)
    return kernel, fib


def forwarding_rate(seconds: float) -> tuple[int, float]:
    dsts = labnet.addresses(labnet.kernel_routes(labnet.ROUTER_NS, 4, labnet.TAP_OF["upstream1"], "bgp"), 16)
    before = labnet.stats()
    sent = int(labnet.nsexec(labnet.CLIENT_NS, sys.executable, "-c", FLOOD, str(seconds), *dsts, timeout=120))
    after = labnet.stats()
    return sent, (after["fwd4"] - before["fwd4"]) / seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="session resets to time (median)")
    ap.add_argument("--keep", action="store_true", help="leave the lab up afterwards")
    ap.add_argument("--limit", type=int, default=0, help="prefixes per family (0: the full table)")
    args = ap.parse_args()

    started = time.monotonic()
    labnet.playbook("-e", f"lab_table_limit={args.limit}", timeout=3600)
    bring_up = time.monotonic() - started
    try:
        labnet.wait_for("the lab to converge", lambda: labnet.converged(1), 1800, interval=2)
        fib4, fib6 = fib_count(4), fib_count(6)
        runs = [converge_once(1800) for _ in range(args.runs)]
        sent, pps = forwarding_rate(10)
        load = Path("/proc/loadavg").read_text().split()[0]
    finally:
        if not args.keep:
            labnet.playbook("-e", "lab_state=absent", timeout=600)
    kernel_s = statistics.median(r[0] for r in runs)
    fib_s = statistics.median(r[1] for r in runs)
    print(
        f"routes in the FIB: {fib4} IPv4, {fib6} IPv6 (equal to the kernel's, entry by entry, after each run)"
    )
    print(f"bring-up (make lab, from nothing): {bring_up:.0f} s")
    print(f"convergence after resetting upstream1, median of {args.runs}:")
    each = [", ".join(f"{r[k]:.1f}" for r in runs) for k in (0, 1)]
    print(f"  Linux kernel holds the BGP routes again: {kernel_s:.1f} s ({each[0]})")
    print(f"  hayate FIB holds them too:               {fib_s:.1f} s ({each[1]})")
    print(f"  ratio FIB / kernel: {fib_s / kernel_s:.2f}")
    print(f"forwarding client -> upstream1 for 10 s: {sent} datagrams sent, {pps / 1000:.1f} kpps forwarded")
    print(f"load average at the end: {load}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (AssertionError, RuntimeError, subprocess.SubprocessError) as e:
        print(f"bench-lab: {e}", file=sys.stderr)
        sys.exit(1)

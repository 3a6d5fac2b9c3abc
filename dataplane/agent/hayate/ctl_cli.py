"""hayatectl: the operator's view of a running forwarder, over its control socket.

    hayatectl [--socket PATH | -c CONFIG] [--json] [show] COMMAND
    COMMAND: ports | counters | lcores | fib | routes [-4|-6] | nexthops | lookup ADDR | hello

Human tables by default, JSON with --json.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from hayate.ctl import (
    NH_BLACKHOLE,
    NH_LOCAL,
    NH_PUNT,
    ControlClient,
    ControlError,
    NextHop,
    NextHopGroup,
    format_mac,
)

DEFAULT_CONFIG = "/etc/hayate/hayate.json"
DEFAULT_SOCKET = "/run/hayate/fwd.sock"
COMMANDS = ("ports", "counters", "lcores", "fib", "routes", "nexthops", "lookup", "hello")
RESERVED_NAMES = {NH_LOCAL: "local", NH_BLACKHOLE: "blackhole", NH_PUNT: "punt"}


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], out: TextIO) -> None:
    """A plain aligned table; numbers right-aligned."""
    cells = [[str(h) for h in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [all(_is_number(r[i]) for r in rows) and bool(rows) for i in range(len(header))]
    for n, r in enumerate(cells):
        line = "  ".join(
            c.rjust(w) if numeric[i] and n else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )
        out.write(line.rstrip() + "\n")


def write_json(doc: Any, out: TextIO, indent: int | None = 1) -> None:
    """--json output: one document and a newline, so that shells and `jq` see a complete line."""
    json.dump(doc, out, indent=indent)
    out.write("\n")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def socket_path(args: argparse.Namespace) -> str:
    if args.socket:
        return str(args.socket)
    config = args.config or (DEFAULT_CONFIG if os.path.exists(DEFAULT_CONFIG) else None)
    if config:
        try:
            with open(config) as f:
                doc = json.load(f)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"hayatectl: {config}: {exc}") from None
        sock = (doc.get("control") or {}).get("socket") if isinstance(doc, dict) else None
        if isinstance(sock, str):
            return sock
    return os.environ.get("HAYATE_SOCKET", DEFAULT_SOCKET)


def _fmt_bool(v: Any) -> str:
    return "up" if v else "down"


def show_ports(c: ControlClient, as_json: bool, out: TextIO) -> None:
    ports = c.ports()
    if as_json:
        write_json(ports, out)
        return
    rows = []
    for p in ports:
        link = p.get("link") or {}
        speed = link.get("speed_mbps") or 0
        rows.append(
            [
                p.get("id"),
                p.get("name"),
                p.get("tap") or "-",
                p.get("mac"),
                p.get("mtu"),
                _fmt_bool(p.get("admin_up")),
                _fmt_bool(link.get("up")),
                link.get("changes", 0),
                f"{speed // 1000}G" if speed >= 1000 else (f"{speed}M" if speed else "-"),
                p.get("rx_queues"),
                p.get("tx_queues"),
                "on" if p.get("rx_ip_checksum_offload") else "off",
                p.get("urpf", "-"),
                p.get("device") or p.get("driver"),
            ]
        )
    headers = "ID NAME TAP MAC MTU ADMIN LINK CHANGES SPEED RXQ TXQ RXCSUM URPF DEVICE".split()
    table(rows, headers, out)


def show_counters(c: ControlClient, as_json: bool, out: TextIO) -> None:
    st = c.stats()
    if as_json:
        write_json(st, out)
        return
    totals = [[k, st[k]] for k in ("rx", "tx", "fwd4", "fwd6", "fragments", "punted", "policed") if k in st]
    table(totals, ["COUNTER", "PACKETS"], out)
    ports = st.get("ports") or []
    if ports:
        out.write("\n")
        keys = ["rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_missed", "rx_errors", "tx_errors"]
        rows = [
            [p.get("name"), *(p.get(k, 0) for k in keys), (p.get("punt") or {}).get("to_tap", 0)]
            for p in ports
        ]
        table(rows, ["PORT", "RX", "TX", "RX BYTES", "TX BYTES", "MISSED", "RX ERR", "TX ERR", "TO TAP"], out)
    for section in ("drops", "punts"):
        reasons = {k: v for k, v in (st.get(section) or {}).items() if v}
        if reasons:
            out.write("\n")
            table(sorted(reasons.items()), [section[:-1].upper() + " REASON", "PACKETS"], out)


def show_lcores(c: ControlClient, as_json: bool, out: TextIO) -> None:
    lcores = c.stats().get("lcores") or []
    if as_json:
        write_json(lcores, out)
        return
    rows = []
    for lc in lcores:
        queues = ",".join(f"{q.get('port')}/{q.get('queue')}" for q in lc.get("rx_queues") or [])
        busy = lc.get("busy_ratio")
        rows.append(
            [
                lc.get("lcore"),
                lc.get("socket"),
                f"{100 * busy:.1f}%" if _is_number(busy) else "-",
                lc.get("rx", 0),
                lc.get("tx", 0),
                lc.get("punted", 0),
                queues,
            ]
        )
    table(rows, ["LCORE", "SOCKET", "BUSY", "RX", "TX", "PUNTED", "RX QUEUES"], out)


def show_fib(c: ControlClient, as_json: bool, out: TextIO) -> None:
    st = c.fib_stats()
    if as_json:
        write_json(st, out)
        return
    table([[k, v] for k, v in st.items()], ["FIB", "VALUE"], out)


def _kind(nh: NextHop) -> str:
    return "connected" if nh.connected else nh.kind.name.lower()


def _nh_text(nh: NextHop) -> str:
    vlan = f".{nh.vlan}" if nh.vlan is not None else ""
    if nh.kind.name == "FORWARD":
        mac = format_mac(nh.mac) if any(nh.mac) else "unresolved (punt)"
        return f"port {nh.port}{vlan} {mac}"
    return f"{_kind(nh)} port {nh.port}{vlan}"


def _describe(nh_id: int, hops: dict[int, NextHop], groups: dict[int, NextHopGroup]) -> str:
    if nh_id in RESERVED_NAMES:
        return RESERVED_NAMES[nh_id]
    if nh_id in hops:
        return _nh_text(hops[nh_id])
    if nh_id in groups:
        return "ecmp " + ", ".join(str(m) for m in groups[nh_id].members)
    return "?"


def show_routes(c: ControlClient, as_json: bool, out: TextIO, family: int) -> None:
    routes = c.route_dump(family)
    hops = {h.id: h for h in c.nh_dump()}
    groups = {g.id: g for g in c.nhg_dump()}
    routes.sort(key=lambda r: (r[0].version, r[0].network_address, r[0].prefixlen))
    if as_json:
        write_json([{"prefix": str(net), "nh": nh} for net, nh in routes], out, indent=None)
        return
    rows = [[str(net), nh, _describe(nh, hops, groups)] for net, nh in routes]
    table(rows, ["PREFIX", "NH", "NEXT HOP"], out)


def show_nexthops(c: ControlClient, as_json: bool, out: TextIO) -> None:
    hops = c.nh_dump()
    groups = c.nhg_dump()
    if as_json:
        doc = {
            "nexthops": [
                {"id": h.id, "kind": _kind(h), "port": h.port, "vlan": h.vlan, "mac": h.mac_str} for h in hops
            ],
            "groups": [{"id": g.id, "members": list(g.members)} for g in groups],
        }
        write_json(doc, out)
        return
    table(
        [[h.id, _kind(h), h.port, h.vlan if h.vlan is not None else "-", h.mac_str] for h in hops],
        ["ID", "KIND", "PORT", "VLAN", "MAC"],
        out,
    )
    if groups:
        out.write("\n")
        table([[g.id, " ".join(map(str, g.members))] for g in groups], ["GROUP", "MEMBERS"], out)


def show_lookup(c: ControlClient, as_json: bool, out: TextIO, addr: str) -> None:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise SystemExit(f"hayatectl: lookup: {addr!r} is not an IPv4 or IPv6 address") from None
    doc = c.lookup(ip)
    if as_json:
        write_json(doc, out)
        return
    rows: list[list[Any]] = [["address", str(ip)], ["prefix", doc.get("prefix", "-")], ["nh", doc.get("nh")]]
    for k, v in (doc.get("next_hop") or {}).items():  # null only with no route (nh 0)
        if k != "id":  # the nh row
            rows.append([k, json.dumps(v) if isinstance(v, dict | list) else v])
    table(rows, ["FIELD", "VALUE"], out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="hayatectl", description="Show the state of a running hayate forwarder."
    )
    where = ap.add_mutually_exclusive_group()
    where.add_argument(
        "--socket", "-s", help=f"control socket (default: from the config, else {DEFAULT_SOCKET})"
    )
    where.add_argument(
        "-c", "--config", help=f"configuration file naming the socket (default {DEFAULT_CONFIG})"
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("words", nargs="+", metavar="COMMAND", help=f"[show] {' | '.join(COMMANDS)} [ARG]")
    ap.add_argument("-4", dest="family", action="store_const", const=4, default=0, help="routes: IPv4 only")
    ap.add_argument("-6", dest="family", action="store_const", const=6, help="routes: IPv6 only")
    args = ap.parse_args(argv)
    words: list[str] = list(args.words)
    if words[0] == "show":
        words = words[1:]
    if not words or words[0] not in COMMANDS:
        ap.error(f"unknown command {' '.join(args.words)!r}; expected [show] {' | '.join(COMMANDS)}")
    if words[0] == "lookup" and len(words) != 2:
        ap.error("lookup needs one address: hayatectl lookup 192.0.2.1")
    if words[0] != "lookup" and len(words) != 1:
        ap.error(f"{words[0]} takes no argument")
    args.command = words[0]
    args.arg = words[1] if len(words) > 1 else None
    return args


def run(args: argparse.Namespace, out: TextIO) -> None:
    path = socket_path(args)
    with ControlClient(path, timeout=60) as c:
        if args.command == "ports":
            show_ports(c, args.json, out)
        elif args.command == "counters":
            show_counters(c, args.json, out)
        elif args.command == "lcores":
            show_lcores(c, args.json, out)
        elif args.command == "fib":
            show_fib(c, args.json, out)
        elif args.command == "routes":
            show_routes(c, args.json, out, args.family)
        elif args.command == "nexthops":
            show_nexthops(c, args.json, out)
        elif args.command == "lookup":
            show_lookup(c, args.json, out, args.arg)
        else:
            h = c.hello()
            if args.json:
                write_json(h.raw, out)
            else:
                table([[k, v] for k, v in h.raw.items()], ["FORWARDER", "VALUE"], out)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(list(argv) if argv is not None else None)
    try:
        run(args, sys.stdout)
    except ControlError as exc:
        print(f"hayatectl: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        print(
            f"hayatectl: cannot reach the forwarder at {socket_path(args)}: {exc.strerror}", file=sys.stderr
        )
        return 2
    except PermissionError as exc:
        print(
            f"hayatectl: {socket_path(args)}: {exc.strerror} (the socket is owner-only by default)",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return 0
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""hayate-thermal: NIC and optical module temperature monitor (run by hayate-thermal.timer).

hayate-thermal check     read all sensors, raise/clear alerts, write metrics, remember state (the timer's job)
hayate-thermal show      read all sensors and print them; changes nothing
hayate-thermal config    check the configuration file and print what it means
hayate-thermal decode F  decode an EEPROM dump (ethtool -m IF raw on hex, or DPDK's flat layout)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from hayate.thermal import monitor
from hayate.thermal.config import DEFAULT_PATH, ConfigError, load
from hayate.thermal.events import Sample
from hayate.thermal.memory import FlatImage, ModuleType
from hayate.thermal.module import EepromError, ModuleReading, decode

LAYOUTS = {
    "sff8472": ModuleType.SFF_8472,
    "sff8079": ModuleType.SFF_8079,
    "sff8636": ModuleType.SFF_8636,
    "cmis": ModuleType.SFF_8636,
}


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def sample_json(s: Sample) -> dict[str, object]:
    return {
        "sensor": s.sensor,
        "port": s.port,
        "kind": s.kind,
        "source": s.source,
        "temperature_c": s.temperature_c,
        "warning_c": s.limits.warning_c if s.limits else None,
        "limit_c": s.limits.critical_c if s.limits else None,
        "limit_origin": s.limits.origin if s.limits else None,
        "level": s.level.name.lower(),
        "module": asdict(s.module) if s.module else None,
        "error": s.error,
    }


def print_table(samples: Sequence[Sample]) -> None:
    rows = [("SENSOR", "SOURCE", "TEMP °C", "WARN °C", "LIMIT °C", "LEVEL", "NOTE")]
    for s in samples:
        note = s.error or (s.describe() if s.module else "")
        rows.append(
            (
                s.sensor,
                s.source,
                _fmt(s.temperature_c),
                _fmt(s.limits.warning_c if s.limits else None),
                _fmt(s.limits.critical_c if s.limits else None),
                s.level.name,
                note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])


def read_dump(path: Path) -> bytes:
    """A binary dump, or hex text (`ethtool -m IF raw on | xxd -p`, spaces and newlines allowed)."""
    data = path.read_bytes()
    text = data.decode("ascii", errors="replace")
    compact = "".join(text.split())
    if compact and all(c in "0123456789abcdefABCDEF" for c in compact) and len(compact) % 2 == 0:
        return bytes.fromhex(compact)
    return data


def reading_json(r: ModuleReading) -> dict[str, object]:
    return asdict(r)


def cmd_decode(args: argparse.Namespace) -> int:
    try:
        image = FlatImage(read_dump(Path(args.file)), LAYOUTS[args.layout])
        reading = decode(image)
    except (OSError, EepromError) as exc:
        print(f"hayate-thermal: {args.file}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(reading_json(reading), indent=2))
        return 0
    print(f"standard      {reading.standard} (identifier {reading.identifier:#04x})")
    print(f"module        {reading.vendor} {reading.part_number} S/N {reading.serial}")
    print(f"temperature   {_fmt(reading.temperature_c)} °C")
    if reading.thresholds:
        t = reading.thresholds
        print(
            f"thresholds    high alarm {t.high_alarm:.1f}, high warning {t.high_warning:.1f}, "
            f"low warning {t.low_warning:.1f}, low alarm {t.low_alarm:.1f} °C"
        )
    for note in reading.notes:
        print(f"note          {note}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hayate-thermal", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_PATH, help=f"configuration file (default {DEFAULT_PATH})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("check", help="read, alert, write metrics, remember state (default)")
    sub.add_parser("show", help="read and print, change nothing")
    sub.add_parser("config", help="check the configuration file and print what it means")
    dec = sub.add_parser("decode", help="decode an EEPROM dump file")
    dec.add_argument("file")
    dec.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default="sff8636",
        help="flat layout of the dump: sff8472 = A0h+A2h, sff8636/cmis = lower + pages 00h..03h",
    )
    args = parser.parse_args(argv)
    args.json = args.json or False
    if args.command == "decode":
        return cmd_decode(args)
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"hayate-thermal: {args.config}: {exc}", file=sys.stderr)
        return 2
    if args.command == "config":
        print(json.dumps(asdict(config), indent=2))
        return 0
    samples = monitor.collect(config)
    if args.command == "show":
        states = monitor.load_state(config.state_file)
        samples, _ = monitor.evaluate(samples, states, config.policy)
    else:
        samples, _ = monitor.run(config, samples)
    if args.json:
        print(json.dumps([sample_json(s) for s in samples], indent=2))
    else:
        print_table(samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())

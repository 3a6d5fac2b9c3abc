"""Traffic and route files for the forwarding benchmark (scripts/bench-fwd.sh).

Reads a routing table (one prefix per line, gzip or plain, as ../shared/data/rib4.txt.gz) and writes, into one
output folder:

- ``routes4.txt`` (and ``routes6.txt`` with ``--table6``): the prefixes that every engine loads (hayate-fwd
  through its control socket, l3fwd through its rule files), one per line; prefixes of length 0 are left out
  because DPDK's LPM refuses them.
- ``l3fwd-v4.rules`` / ``l3fwd-v6.rules``: the same tables in l3fwd's rule-file format (``R<prefix> <port>``),
  every route to the egress port given; l3fwd insists on an IPv6 file, which holds one documentation prefix
  when no IPv6 table is given.
- ``<profile>-<n>.pcap`` for each profile (``64``: 64-byte frames; ``imix``: 64/570/1518 bytes in the ratio
  7:4:1; ``64v6``: 64-byte IPv6 frames, which hold no UDP header: next header 59, "no next header") and each
  stream n (one pcap vdev per lcore): Ethernet/IPv4/UDP (or IPv6) frames whose destinations are random
  addresses inside randomly chosen prefixes of the table, with random source ports (IPv6: flow labels and
  sources) so that every frame is a distinct flow. Frame sizes are wire sizes: the pcap holds each frame
  without its 4-byte FCS.

Everything is deterministic for a given ``--seed``. Only the standard library is used, so the benchmark runs
on a machine without scapy.
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import random
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

FCS_LEN = 4
ETH_HDR = struct.Struct("!6s6sH")
IPV4_HDR = struct.Struct("!BBHHHBBH4s4s")
IPV6_HDR = struct.Struct("!IHBB16s16s")  # version/class/flow label, payload length, next header, hop limit
UDP_HDR = struct.Struct("!HHHH")
PCAP_GLOBAL = struct.Struct("<IHHiIII")
PCAP_RECORD = struct.Struct("<IIII")
PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
IPPROTO_UDP = 17
IPPROTO_NONE = 59  # IPv6 "no next header": the smallest IPv6 frame that fits 64 bytes
DEFAULT_TTL = 64
# The frames' sources: benchmarking ranges (RFC 2544, RFC 5180) that no Internet table holds (run.py's SOURCES).
SOURCES4 = "198.18.0.0/15"
SOURCES6 = "2001:2::/48"

# (wire frame size, weight): the simple IMIX of 7:4:1.
PROFILES: dict[str, list[tuple[int, int]]] = {
    "64": [(64, 1)],
    "imix": [(64, 7), (570, 4), (1518, 1)],
    "64v6": [(64, 1)],
}
IPV6_PROFILES = frozenset({"64v6"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# net_pcap's port MAC is 02:70:63:61:70:<n> for its n-th device (it cannot be changed): the frames of stream n
# go to that address, so a forwarder that checks the destination MAC accepts them.
PCAP_PMD_MAC = "02:70:63:61:70:00"

# l3fwd wants both rule files; the IPv6 one holds a single documentation prefix.
L3FWD_V6_PLACEHOLDER = ipaddress.IPv6Network("2001:db8::/32")


def read_table(path: Path, version: int = 4) -> list[Network]:
    """Reads one prefix of the IP version per line; skips blank lines and '#' comments; a bad line names its
    number."""
    opener = gzip.open if path.suffix == ".gz" else open
    parse = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    prefixes: list[Network] = []
    with opener(path, "rt", encoding="ascii") as lines:
        for number, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                prefix = parse(text.split()[0], strict=False)
            except ValueError as err:
                raise ValueError(f"{path}:{number}: not an IPv{version} prefix: {text!r} ({err})") from err
            if prefix.prefixlen > 0:
                prefixes.append(prefix)
    if not prefixes:
        raise ValueError(f"{path}: no IPv{version} prefixes")
    return prefixes


def ipv4_checksum(header: bytes) -> int:
    """RFC 1071 one's complement sum of a header whose checksum field is zero."""
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def build_frame(
    dst_mac: bytes, src_mac: bytes, src: int, dst: int, sport: int, dport: int, wire_len: int
) -> bytes:
    """One Ethernet/IPv4/UDP frame of `wire_len` bytes on the wire (FCS not included in the result)."""
    frame_len = wire_len - FCS_LEN
    ip_len = frame_len - ETH_HDR.size
    udp_len = ip_len - IPV4_HDR.size
    if udp_len < UDP_HDR.size:
        raise ValueError(f"frame size {wire_len} is too small for Ethernet/IPv4/UDP")
    ip_fields = [
        0x45,
        0,
        ip_len,
        sport & 0xFFFF,
        0,
        DEFAULT_TTL,
        IPPROTO_UDP,
        0,
        src.to_bytes(4),
        dst.to_bytes(4),
    ]
    csum = ipv4_checksum(IPV4_HDR.pack(*ip_fields))
    ip_fields[7] = csum
    return (
        ETH_HDR.pack(dst_mac, src_mac, ETHERTYPE_IPV4)
        + IPV4_HDR.pack(*ip_fields)
        + UDP_HDR.pack(sport, dport, udp_len, 0)
        + bytes(udp_len - UDP_HDR.size)
    )


def build_frame6(dst_mac: bytes, src_mac: bytes, src: int, dst: int, flow: int, wire_len: int) -> bytes:
    """One Ethernet/IPv6 frame of `wire_len` bytes on the wire, no upper-layer header (next header 59)."""
    payload = wire_len - FCS_LEN - ETH_HDR.size - IPV6_HDR.size
    if payload < 0:
        raise ValueError(f"frame size {wire_len} is too small for Ethernet/IPv6")
    first_word = (6 << 28) | (flow & 0xFFFFF)
    return (
        ETH_HDR.pack(dst_mac, src_mac, ETHERTYPE_IPV6)
        + IPV6_HDR.pack(first_word, payload, IPPROTO_NONE, DEFAULT_TTL, src.to_bytes(16), dst.to_bytes(16))
        + bytes(payload)
    )


def frame_sizes(profile: str, count: int, rng: random.Random) -> list[int]:
    """`count` wire sizes repeating the profile's cycle (so in its exact ratio), shuffled."""
    mix = PROFILES[profile]
    cycle = [size for size, weight in mix for _ in range(weight)]
    sizes = (cycle * (count // len(cycle) + 1))[:count]
    rng.shuffle(sizes)
    return sizes


def random_destinations(table: list[Network], count: int, rng: random.Random) -> Iterator[int]:
    """Random host addresses inside randomly chosen prefixes of the table."""
    for _ in range(count):
        prefix = table[rng.randrange(len(table))]
        yield int(prefix.network_address) + rng.randrange(prefix.num_addresses)


def write_pcap(path: Path, frames: Iterator[bytes]) -> int:
    """Writes a classic pcap (microsecond timestamps, Ethernet); returns the number of frames."""
    count = 0
    with open(path, "wb") as out:
        out.write(PCAP_GLOBAL.pack(PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for frame in frames:
            out.write(PCAP_RECORD.pack(0, count, len(frame), len(frame)))
            out.write(frame)
            count += 1
    return count


def write_stream(
    path: Path,
    table: list[Network],
    profile: str,
    count: int,
    seed: int,
    dst_mac: bytes,
    src_mac: bytes,
) -> None:
    rng = random.Random(seed)
    sizes = frame_sizes(profile, count, rng)
    dests = random_destinations(table, count, rng)
    frames: Iterator[bytes]
    if profile in IPV6_PROFILES:
        # Sources from 2001:2::/48 (RFC 5180 benchmarking); flow labels random.
        src6 = int(ipaddress.IPv6Network(SOURCES6).network_address)
        frames = (
            build_frame6(dst_mac, src_mac, src6 + rng.randrange(1 << 80), dst, rng.randrange(1 << 20), size)
            for size, dst in zip(sizes, dests, strict=True)
        )
    else:
        # Sources from 198.18.0.0/15 (RFC 2544 benchmarking); ports random so each frame is its own flow.
        src4 = int(ipaddress.IPv4Network(SOURCES4).network_address)
        frames = (
            build_frame(
                dst_mac,
                src_mac,
                src4 + rng.randrange(1 << 17),
                dst,
                rng.randrange(1024, 65536),
                rng.randrange(1024, 65536),
                size,
            )
            for size, dst in zip(sizes, dests, strict=True)
        )
    write_pcap(path, frames)


def write_routes(out: Path, table4: list[Network], table6: list[Network], l3fwd_port: int) -> None:
    with open(out / "routes4.txt", "w", encoding="ascii") as routes:
        routes.writelines(f"{prefix}\n" for prefix in table4)
    with open(out / "l3fwd-v4.rules", "w", encoding="ascii") as rules:
        rules.writelines(f"R{prefix} {l3fwd_port}\n" for prefix in table4)
    (out / "routes6.txt").unlink(missing_ok=True)
    if table6:
        with open(out / "routes6.txt", "w", encoding="ascii") as routes:
            routes.writelines(f"{prefix}\n" for prefix in table6)
    with open(out / "l3fwd-v6.rules", "w", encoding="ascii") as rules:
        rules.writelines(f"R{prefix} {l3fwd_port}\n" for prefix in table6 or [L3FWD_V6_PLACEHOLDER])


def parse_mac(text: str) -> bytes:
    parts = text.split(":")
    if len(parts) != 6:
        raise argparse.ArgumentTypeError(f"not a MAC address: {text!r}")
    try:
        return bytes(int(part, 16) for part in parts)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a MAC address: {text!r}") from err


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--table", type=Path, required=True, help="IPv4 table, one prefix per line (.gz or plain)"
    )
    parser.add_argument("--table6", type=Path, help="IPv6 table, one prefix per line (.gz or plain)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the pcaps and route files")
    parser.add_argument("--streams", type=int, default=2, help="pcaps per profile (one per lcore)")
    parser.add_argument("--frames", type=int, default=65536, help="frames per pcap")
    parser.add_argument("--profiles", default="64,imix", help=f"comma-separated, of {sorted(PROFILES)}")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--dst-mac",
        type=parse_mac,
        default=parse_mac(PCAP_PMD_MAC),
        help="destination MAC of stream 0; stream n adds n to the last byte (default: the MAC "
        "that DPDK's net_pcap gives its n-th port)",
    )
    parser.add_argument("--src-mac", type=parse_mac, default=parse_mac("02:00:00:00:00:02"))
    parser.add_argument("--l3fwd-port", type=int, default=0, help="egress port id written into l3fwd's rules")
    args = parser.parse_args(argv)

    profiles = [p for p in args.profiles.split(",") if p]
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        parser.error(f"--profiles: unknown {unknown}, known {sorted(PROFILES)}")
    if IPV6_PROFILES.intersection(profiles) and args.table6 is None:
        parser.error(f"--profiles {sorted(IPV6_PROFILES.intersection(profiles))} need --table6")
    if args.streams < 1 or args.frames < 1:
        parser.error("--streams and --frames must be at least 1")

    table = read_table(args.table, 4)
    table6 = read_table(args.table6, 6) if args.table6 else []
    args.out.mkdir(parents=True, exist_ok=True)
    write_routes(args.out, table, table6, args.l3fwd_port)
    for p_index, profile in enumerate(profiles):
        for stream in range(args.streams):
            seed = args.seed * 1_000_003 + p_index * 1009 + stream
            dst_mac = args.dst_mac[:5] + bytes([(args.dst_mac[5] + stream) & 0xFF])
            write_stream(
                args.out / f"{profile}-{stream}.pcap",
                table6 if profile in IPV6_PROFILES else table,
                profile,
                args.frames,
                seed,
                dst_mac,
                args.src_mac,
            )
    print(
        f"traffic: {len(table)} IPv4 and {len(table6)} IPv6 prefixes, {len(profiles)} profiles x "
        f"{args.streams} streams x "
        f"{args.frames} frames in {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

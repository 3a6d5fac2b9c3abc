"""The forwarding benchmark's traffic generator (dataplane/bench/fwd/traffic.py) and its ratio arithmetic
(run.py): the frames it writes are what the benchmark claims they are."""

from __future__ import annotations

import ipaddress
import struct
from collections import Counter
from pathlib import Path

import pytest
from conftest import load_module

BENCH = Path(__file__).resolve().parents[2] / "dataplane" / "bench" / "fwd"


traffic = load_module("bench_fwd_traffic", BENCH / "traffic.py")
run = load_module("bench_fwd_run", BENCH / "run.py")

TABLE = ["10.0.0.0/8", "192.0.2.0/24", "198.51.100.128/25", "203.0.113.7/32", "0.0.0.0/0"]
TABLE6 = ["2001:db8::/32", "2001:db8:1:2::/64", "2001:db8:ffff::1/128", "::/0"]


def read_pcap(path: Path) -> list[bytes]:
    data = path.read_bytes()
    magic, major, minor, _, _, _, linktype = struct.unpack_from("<IHHiIII", data)
    assert (magic, major, minor, linktype) == (0xA1B2C3D4, 2, 4, 1)
    frames, off = [], 24
    while off < len(data):
        _, _, incl, orig = struct.unpack_from("<IIII", data, off)
        assert incl == orig
        frames.append(data[off + 16 : off + 16 + incl])
        off += 16 + incl
    return frames


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    table = tmp_path / "rib4.txt"
    table.write_text("# test table\n" + "\n".join(TABLE) + "\n")
    table6 = tmp_path / "rib6.txt"
    table6.write_text("\n".join(TABLE6) + "\n")
    out = tmp_path / "out"
    args = ["--table", str(table), "--table6", str(table6), "--out", str(out), "--profiles", "64,imix,64v6"]
    assert traffic.main([*args, "--streams", "2", "--frames", "240"]) == 0
    return out


def test_frames_are_valid_ipv4_udp_to_destinations_inside_the_table(generated: Path) -> None:
    routes = [ipaddress.IPv4Network(p) for p in TABLE if not p.endswith("/0")]
    for stream in range(2):
        frames = read_pcap(generated / f"imix-{stream}.pcap")
        assert len(frames) == 240
        for frame in frames:
            dst_mac, _, ethertype = struct.unpack_from("!6s6sH", frame)
            assert dst_mac == bytes([0x02, 0x70, 0x63, 0x61, 0x70, stream])  # net_pcap's n-th port MAC
            assert ethertype == 0x0800
            header = frame[14:34]
            assert header[0] == 0x45 and header[8] == 64 and header[9] == 17
            assert sum(struct.unpack("!10H", header)) % 0xFFFF == 0  # the checksum verifies
            assert struct.unpack_from("!H", header, 2)[0] == len(frame) - 14
            dst = ipaddress.IPv4Address(header[16:20])
            assert any(dst in net for net in routes), f"{dst} is in no prefix of the table"


def test_ipv6_frames_are_64_bytes_to_destinations_inside_the_ipv6_table(generated: Path) -> None:
    routes = [ipaddress.IPv6Network(p) for p in TABLE6 if not p.endswith("/0")]
    frames = read_pcap(generated / "64v6-1.pcap")
    assert len(frames) == 240
    for frame in frames:
        assert len(frame) + 4 == 64
        assert struct.unpack_from("!H", frame, 12)[0] == 0x86DD
        first, payload, next_header, hop_limit = struct.unpack_from("!IHBB", frame, 14)
        assert first >> 28 == 6 and payload == len(frame) - 54 and next_header == 59 and hop_limit == 64
        dst = ipaddress.IPv6Address(frame[38:54])
        assert any(dst in net for net in routes), f"{dst} is in no prefix of the IPv6 table"
    assert len({f[14:18] for f in frames}) > 200  # flow labels differ: distinct flows


def test_sources_lie_in_the_ranges_hayate_urpf_routes(generated: Path) -> None:
    """run.py keeps its own copy of the source ranges (tests load it apart from traffic.py): they must agree,
    or the engine hayate-urpf would drop the traffic instead of measuring the check."""
    assert run.SOURCES == (traffic.SOURCES4, traffic.SOURCES6)
    src4, src6 = ipaddress.IPv4Network(traffic.SOURCES4), ipaddress.IPv6Network(traffic.SOURCES6)
    assert all(ipaddress.IPv4Address(f[26:30]) in src4 for f in read_pcap(generated / "64-0.pcap"))
    assert all(ipaddress.IPv6Address(f[22:38]) in src6 for f in read_pcap(generated / "64v6-0.pcap"))
    assert run.source_key(traffic.SOURCES6) == (6, 48, ipaddress.IPv6Address("2001:2::").packed)
    assert run.source_key(traffic.SOURCES4) == (4, 15, ipaddress.IPv4Address("198.18.0.0").packed + bytes(12))


def test_imix_sizes_are_7_4_1_of_64_570_1518_on_the_wire(generated: Path) -> None:
    sizes = Counter(len(f) + 4 for f in read_pcap(generated / "imix-0.pcap"))  # + FCS
    assert sizes == {64: 140, 570: 80, 1518: 20}
    assert {len(f) + 4 for f in read_pcap(generated / "64-1.pcap")} == {64}


def test_streams_differ_so_each_lcore_sees_its_own_flows(generated: Path) -> None:
    a, b = read_pcap(generated / "64-0.pcap"), read_pcap(generated / "64-1.pcap")
    assert {f[26:38] for f in a}.isdisjoint({f[26:38] for f in b})


def test_route_files_hold_the_table_without_the_default_route(generated: Path) -> None:
    expected = [p for p in TABLE if not p.endswith("/0")]
    assert (generated / "routes4.txt").read_text().split() == expected
    assert (generated / "l3fwd-v4.rules").read_text().splitlines() == [f"R{p} 0" for p in expected]
    expected6 = [p for p in TABLE6 if not p.endswith("/0")]
    assert (generated / "routes6.txt").read_text().split() == expected6
    assert (generated / "l3fwd-v6.rules").read_text().splitlines() == [f"R{p} 0" for p in expected6]


def test_without_an_ipv6_table_l3fwd_gets_one_placeholder_route(tmp_path: Path) -> None:
    table = tmp_path / "rib4.txt"
    table.write_text("10.0.0.0/8\n")
    assert (
        traffic.main(["--table", str(table), "--out", str(tmp_path), "--streams", "1", "--frames", "1"]) == 0
    )
    assert (tmp_path / "l3fwd-v6.rules").read_text() == "R2001:db8::/32 0\n"
    assert not (tmp_path / "routes6.txt").exists()


def test_a_bad_table_line_is_named(tmp_path: Path) -> None:
    table = tmp_path / "bad.txt"
    table.write_text("10.0.0.0/8\n\n10.1.0.0/33\n")
    with pytest.raises(ValueError, match=r"bad.txt:3: not an IPv4 prefix"):
        traffic.read_table(table)


def result(engine: str, lcores: int, mpps: float, cpu: float = 1.0) -> object:
    return run.Result("64", lcores, engine, [run.Window(mpps, cpu, [mpps / lcores] * lcores)])


def test_ratios_compare_hayate_with_the_better_l3fwd_and_scaling_per_lcore() -> None:
    results = [
        result("testpmd-io", 1, 50.0),
        result("l3fwd-lpm", 1, 20.0),
        result("l3fwd-fib", 1, 25.0, cpu=0.5),  # the better one per CPU (50), not in wall Mpps
        result("hayate", 1, 30.0),
        result("hayate", 2, 54.0),
    ]
    ratios = {r.what.strip(): r for r in run.ratio_lines(results)}
    vs_l3fwd = ratios["64 1 lcore(s): hayate / better l3fwd"]
    assert vs_l3fwd.wall == pytest.approx(30 / 25) and vs_l3fwd.per_cpu == pytest.approx(30 / 50)
    assert ratios["64 1 lcore(s): hayate / testpmd io"].wall == pytest.approx(0.6)
    scaling = ratios["64 hayate: 2 lcores / 1, per lcore added"]
    assert scaling.wall == pytest.approx(54 / 30 / 2) and scaling.target == pytest.approx(0.9)


def test_a_baseline_build_is_compared_with_hayate_and_left_out_of_the_targets() -> None:
    results = [
        result("hayate", 1, 30.0),
        result("hayate-base", 1, 20.0, cpu=0.5),
        result("l3fwd-fib", 1, 25.0),
    ]
    ratios = {r.what.strip(): r for r in run.ratio_lines(results)}
    before_after = ratios["64 1 lcore(s): hayate / hayate-base"]
    assert before_after.wall == pytest.approx(1.5) and before_after.per_cpu == pytest.approx(0.75)
    assert before_after.target is None
    # The baseline is no l3fwd: hayate is still compared with l3fwd-fib alone.
    assert ratios["64 1 lcore(s): hayate / better l3fwd"].wall == pytest.approx(30 / 25)
    assert "hayate-base" in run.ENGINES and "hayate-base" in run.report(results, {})


def test_each_round_gives_its_own_scaling_ratio_and_the_lcore_spread_shows_slow_cpus() -> None:
    single = run.Window(10.0, 1.0, [10.0])
    one = run.Result("64", 1, "hayate", [single], start_mpps={0: 10.0, 1: 20.0, 2: 10.0})
    # Round 2: one vCPU ran at half speed; the lcores of one start do the same work, so it shows.
    slow = run.Window(15.0, 1.0, [10.0, 5.0])
    two = run.Result("64", 2, "hayate", [slow], start_mpps={0: 19.0, 1: 30.0, 2: 18.0})
    assert slow.lcore_spread == pytest.approx(0.5) and two.lcore_spread == pytest.approx(0.5)
    [line] = run.round_lines([one, two])
    assert "2/1: median  1.80x, rounds 1.90 1.50 1.80" in line
    # A round whose start failed at either count is left out, not paired with another round.
    two.start_mpps.pop(1)
    assert "2/1: median  1.85x, rounds 1.90 1.80" in run.round_lines([one, two])[0]
    # Fewer than two rounds in common give no round ratios.
    assert run.round_lines([one, run.Result("64", 2, "hayate", [slow], start_mpps={0: 19.0})]) == []

"""hayate-fib, both backends, against a plain reference longest-prefix match.

Every answer of the tool is compared with lpm_reference.ReferenceLpm: on edge cases, on random tables and on
the real Internet tables of ../shared/data.  The cheap tests also run on the ASan/UBSan build.
"""

from __future__ import annotations

import gzip
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from .lpm_reference import (
    BITS,
    Prefix,
    ReferenceLpm,
    format_addr,
    hashed_next_hop,
    make_prefix,
    parse_addr,
    parse_prefix,
    route_lines,
)
from .tool import FibUnderTest, HayateFib

Query = tuple[int, int]  # (family, address)


def write(tmp_path: Path, text: str, name: str = "routes.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def reference_of(routes: Iterable[tuple[Prefix, int]]) -> ReferenceLpm:
    ref = ReferenceLpm()
    for prefix, nh in routes:
        ref.add(prefix, nh)
    return ref


def boundary_queries(prefixes: Iterable[Prefix]) -> list[Query]:
    """First and last address of each prefix and the addresses just outside it."""
    queries: list[Query] = []
    for p in prefixes:
        top = (1 << BITS[p.family]) - 1
        queries += [(p.family, p.first), (p.family, p.last)]
        if p.first > 0:
            queries.append((p.family, p.first - 1))
        if p.last < top:
            queries.append((p.family, p.last + 1))
    return queries


def inside_queries(rng: random.Random, prefixes: Sequence[Prefix], n: int) -> list[Query]:
    queries: list[Query] = []
    for _ in range(n):
        p = rng.choice(prefixes)
        host = BITS[p.family] - p.length
        queries.append((p.family, p.network | (rng.getrandbits(host) if host else 0)))
    return queries


def assert_answers_match(
    backend: str, ref: ReferenceLpm, queries: Sequence[Query], answers: Sequence[int]
) -> None:
    wrong = [
        (q, ref.lookup(*q), got) for q, got in zip(queries, answers, strict=True) if got != ref.lookup(*q)
    ]
    if wrong:
        lines = [
            f"  {format_addr(f, a)}: expected {want} (longest match {ref.match(f, a)}), got {got}"
            for (f, a), want, got in wrong[:10]
        ]
        pytest.fail(
            f"{backend}: {len(wrong)} of {len(queries)} answers differ from the reference:\n"
            + "\n".join(lines)
        )


def assert_matches_reference(
    fib: FibUnderTest, routes_file: Path, ref: ReferenceLpm, queries: Sequence[Query]
) -> None:
    assert_answers_match(fib.backend, ref, queries, fib.lookup(routes_file, queries))


# ---------------------------------------------------------------- edge cases


def test_default_route_answers_every_address(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "0.0.0.0/0 7\n::/0 9\n")
    queries = [(4, 0), (4, 0xFFFFFFFF), (4, 0x0A000001), (6, 0), (6, (1 << 128) - 1), (6, 0x2001 << 112)]
    assert any_fib.lookup(routes, queries) == [7, 7, 7, 9, 9, 9]


def test_no_route_answers_zero(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "# only a comment\n\n10.0.0.0/8 3\n")
    queries = [(4, 0x0B000000), (4, 0x09FFFFFF), (6, 1), (6, 0x2001 << 112)]
    assert any_fib.lookup(routes, queries) == [0, 0, 0, 0]


def test_empty_route_file_answers_zero(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "")
    assert any_fib.lookup(routes, [(4, 1), (6, 1)]) == [0, 0]


def test_host_routes_match_their_address_only(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "192.0.2.1/32 5\n2001:db8::1/128 6\n0.0.0.0/32 11\n::/128 12\n")
    host4, host6 = 0xC0000201, (0x20010DB8 << 96) | 1
    queries = [(4, host4), (4, host4 - 1), (4, host4 + 1), (6, host6), (6, host6 - 1), (6, host6 + 1)]
    queries += [(4, 0), (4, 1), (6, 0), (6, 1)]
    assert any_fib.lookup(routes, queries) == [5, 0, 0, 6, 0, 0, 11, 0, 12, 0]


def test_all_ones_host_routes(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "255.255.255.255/32 4\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128 8\n")
    top4, top6 = (1 << 32) - 1, (1 << 128) - 1
    queries = [(4, top4), (4, top4 - 1), (6, top6), (6, top6 - 1)]
    assert any_fib.lookup(routes, queries) == [4, 0, 8, 0]


def test_ipv6_slash127_beside_its_host_routes(any_fib: FibUnderTest, tmp_path: Path) -> None:
    base = 0x20010DB8_00000000_00000000_00000000
    text = (
        f"{format_addr(6, base)}/127 1\n{format_addr(6, base + 1)}/128 2\n{format_addr(6, base + 2)}/127 3\n"
    )
    text += f"{format_addr(6, base)}/64 4\n"
    routes = write(tmp_path, text)
    queries = [(6, base + i) for i in range(6)] + [(6, base - 1)]
    assert any_fib.lookup(routes, queries) == [1, 2, 3, 3, 4, 4, 0]


def test_covering_prefixes_longest_wins(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = [
        (parse_prefix(text), nh)
        for text, nh in [
            ("10.0.0.0/8", 1),
            ("10.1.0.0/16", 2),
            ("10.1.1.0/24", 3),
            ("10.1.1.128/25", 4),
            ("10.1.1.129/32", 5),
            ("10.1.1.130/31", 6),
            ("2001:db8::/32", 7),
            ("2001:db8:1::/48", 8),
            ("2001:db8:1:1::/64", 9),
            ("2001:db8:1:1::/65", 10),
            ("2001:db8:1:1:8000::/66", 11),
            ("2001:db8:1:1:8000::1/128", 12),
        ]
    ]
    ref = reference_of(routes)
    queries = boundary_queries(p for p, _ in routes)
    assert_matches_reference(any_fib, write(tmp_path, route_lines(routes)), ref, queries)
    # the reference itself answers the obvious cases as expected
    assert ref.lookup(*parse_addr("10.1.1.129")) == 5 and ref.lookup(*parse_addr("10.1.2.0")) == 2


def nested_groups(family: int) -> list[list[Prefix]]:
    """A covering prefix and two sub-prefixes that split its upper half, at the bottom, in the middle and at
    the top of the address space (the top: the sub-prefixes reach the last address)."""
    bits = BITS[family]
    groups = []
    for start in (0, 1 << (bits - 2), (1 << bits) - (1 << (bits - 3))):
        cover = make_prefix(family, start, 3)
        upper = cover.network + (1 << (bits - 4))
        groups.append(
            [cover, make_prefix(family, upper, 5), make_prefix(family, upper + (1 << (bits - 5)), 5)]
        )
    # the same with host routes: a /30 (/126) and the two /32s (/128) of its upper half, at the very top
    top = (1 << bits) - 1
    groups.append(
        [
            make_prefix(family, top, bits - 2),
            make_prefix(family, top - 1, bits),
            make_prefix(family, top, bits),
        ]
    )
    return groups


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=lambda o: "".join(map(str, o)))
def test_nested_prefixes_added_in_every_order(
    any_fib: FibUnderTest, tmp_path: Path, order: tuple[int, ...]
) -> None:
    """Covering prefix first, last or between its sub-prefixes: same answers, nothing outside it changes."""
    routes = []
    for family in (4, 6):
        for g, group in enumerate(nested_groups(family)):
            routes += [(group[i], 100 * (g + 1) + i + 10 * family) for i in order]
    ref = reference_of(routes)
    queries = [*boundary_queries(p for p, _ in routes), (4, 0), (6, 0)]
    assert_matches_reference(any_fib, write(tmp_path, route_lines(routes)), ref, queries)


@pytest.mark.parametrize("family", [4, 6])
def test_every_prefix_length_on_one_path(any_fib: FibUnderTest, tmp_path: Path, family: int) -> None:
    """A route of every length 0..32 (0..128) along one address: each bit decides the answer."""
    rng = random.Random(family)
    bits = BITS[family]
    path = rng.getrandbits(bits)
    routes = [(make_prefix(family, path, length), length + 1) for length in range(bits + 1)]
    # addresses that leave the path at each bit, plus the path itself
    queries = [(family, path ^ (1 << (bits - 1 - i))) for i in range(bits)] + [(family, path)]
    ref = reference_of(routes)
    assert_matches_reference(any_fib, write(tmp_path, route_lines(routes)), ref, queries)


def test_host_bits_ignored_and_last_duplicate_wins(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "10.1.2.3/8 5\n10.0.0.0/8 6\n2001:db8::1/32 7\n")
    assert any_fib.lookup(routes, [(4, 0x0AFFFFFF), (6, 0x20010DB8 << 96)]) == [6, 7]


def test_comments_blank_lines_and_crlf_accepted(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "# table\r\n\r\n  10.0.0.0/8\t 3  # core\r\n\t\n2001:db8::/32 4\r\n")
    assert any_fib.lookup(routes, [(4, 0x0A000001), (6, 0x20010DB8 << 96)]) == [3, 4]


def test_largest_next_hop_accepted(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "10.0.0.0/8 65535\n2001:db8::/32 65535\n")
    assert any_fib.lookup(routes, [(4, 0x0A000001), (6, 0x20010DB8 << 96)]) == [65535, 65535]


def test_mixed_families_answered_in_input_order(fib: FibUnderTest, tmp_path: Path) -> None:
    """More than one burst, families interleaved irregularly: answers keep the input's order."""
    rng = random.Random(7)
    routes = [(make_prefix(4, rng.getrandbits(32), 16), i + 1) for i in range(300)]
    routes += [(make_prefix(6, rng.getrandbits(128), 40), i + 1000) for i in range(300)]
    queries = inside_queries(rng, [p for p, _ in routes], 1000)
    rng.shuffle(queries)
    assert_matches_reference(fib, write(tmp_path, route_lines(routes)), reference_of(routes), queries)


def test_lookup_file_gives_the_stdin_answers(hayate_fib: HayateFib, tmp_path: Path) -> None:
    routes = write(tmp_path, "10.0.0.0/8 3\n::/0 4\n")
    addrs = write(tmp_path, "10.9.9.9\n\n# comment\n11.0.0.0\n2001:db8::1\n", "addrs.txt")
    done = hayate_fib.run(["--routes", str(routes), "--lookup", str(addrs)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "0", "4"]


def test_routes_from_stdin_with_a_lookup_file(hayate_fib: HayateFib, tmp_path: Path) -> None:
    addrs = write(tmp_path, "10.9.9.9\n2001:db8::1\n", "addrs.txt")
    done = hayate_fib.run(["--lookup", str(addrs), "-"], "10.0.0.0/8 3\n2001:db8::/32 4\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "4"]


def test_routes_and_lookups_both_from_stdin_is_a_usage_error(hayate_fib: HayateFib) -> None:
    done = hayate_fib.run(["-"], "10.0.0.0/8 3\n")
    assert done.returncode == 2 and "standard input" in done.stderr


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "line",
    [
        "10.0.0.0/33 1",
        "10.0.0.0 1",
        "10.0.0.256/8 1",
        "10.0.0/8 1",
        "2001:db8::/129 1",
        "2001:db8:::/32 1",
        "10.0.0.0/8",
        "10.0.0.0/8 0",
        "10.0.0.0/8 65536",
        "10.0.0.0/8 -1",
        "10.0.0.0/8 1x",
        "10.0.0.0/-1 1",
        "10.0.0.0/ 1",
        "10.0.0.0/8 1 2",
        "garbage",
        "10.0.0.0/8 " + "9" * 80,
    ],
)
def test_bad_route_line_rejected_with_its_number(hayate_fib: HayateFib, tmp_path: Path, line: str) -> None:
    routes = write(tmp_path, f"10.0.0.0/8 1\n# fine so far\n{line}\n2001:db8::/32 2\n")
    done = hayate_fib.run([str(routes)], "10.0.0.1\n")
    assert done.returncode == 1
    assert f"{routes}:3:" in done.stderr, done.stderr
    assert line[:40] in done.stderr, done.stderr
    assert done.stdout == ""


def test_bad_route_line_rejected_under_sanitizers(any_fib: FibUnderTest, tmp_path: Path) -> None:
    routes = write(tmp_path, "10.0.0.0/8 1\n10.0.0.0/8 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")
    done = any_fib.run([str(routes)], "10.0.0.1\n")
    assert done.returncode == 1 and f"{routes}:2:" in done.stderr, done.stderr


@pytest.mark.parametrize("bad", ["10.0.0.300", "2001:db8:::1", "10.0.0.1 10.0.0.2", "host.example"])
def test_bad_lookup_address_rejected_with_its_number(hayate_fib: HayateFib, tmp_path: Path, bad: str) -> None:
    routes = write(tmp_path, "10.0.0.0/8 1\n")
    done = hayate_fib.run([str(routes)], f"10.0.0.1\n\n{bad}\n10.0.0.2\n")
    assert done.returncode == 1
    assert "-:3:" in done.stderr and bad.split()[-1] in done.stderr, done.stderr
    assert done.stdout.split() == ["1"]  # the answers before the bad line were written


def test_unknown_backend_is_a_usage_error(hayate_fib: HayateFib, tmp_path: Path) -> None:
    done = hayate_fib.run(["--backend", "radix", str(write(tmp_path, ""))])
    assert done.returncode == 2 and "radix" in done.stderr


def test_missing_route_file_named_in_the_error(hayate_fib: HayateFib, tmp_path: Path) -> None:
    done = hayate_fib.run([str(tmp_path / "absent.txt")])
    assert done.returncode == 1 and "absent.txt" in done.stderr


# ---------------------------------------------------------------- statistics


def test_stats_count_the_prefixes(any_fib: FibUnderTest, tmp_path: Path) -> None:
    rng = random.Random(3)
    routes = [(make_prefix(4, rng.getrandbits(32), rng.randint(8, 32)), 1) for _ in range(500)]
    routes += [(make_prefix(6, rng.getrandbits(128), rng.randint(16, 128)), 2) for _ in range(200)]
    ref = reference_of(routes)  # the distinct prefixes
    stats = any_fib.stats(write(tmp_path, route_lines(routes)))
    assert stats["backend"] == any_fib.backend
    assert stats["ipv4"]["prefixes"] == ref.count(4)
    assert stats["ipv6"]["prefixes"] == ref.count(6)
    assert stats["ipv4"]["bytes"] > 0 and stats["ipv6"]["bytes"] > 0
    assert stats["build_seconds"] >= 0


def test_stats_table_is_readable(hayate_fib: HayateFib, tmp_path: Path) -> None:
    done = hayate_fib.run(["--stats", str(write(tmp_path, "10.0.0.0/8 1\n10.1.0.0/16 2\n2001:db8::/32 3\n"))])
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.strip()}
    assert lines["backend"] == ["poptrie"]
    assert lines["prefixes"] == ["2", "1"]


# ---------------------------------------------------------------- random tables


def random_routes(rng: random.Random, family: int, n: int) -> list[tuple[Prefix, int]]:
    """Prefixes of every length, half of them nested under earlier ones, some in one dense region."""
    bits = BITS[family]
    region = make_prefix(family, rng.getrandbits(bits), 20 if family == 4 else 32)
    prefixes: list[Prefix] = []
    for _ in range(n):
        draw = rng.random()
        if prefixes and draw < 0.5:
            parent = rng.choice(prefixes)
            length = min(bits, parent.length + rng.randint(1, 8 if family == 4 else 20))
            value = parent.network | (rng.getrandbits(bits) & ((1 << (bits - parent.length)) - 1))
        elif draw < 0.7:
            length = rng.randint(region.length, bits)
            value = region.network | rng.getrandbits(bits - region.length)
        else:
            length = rng.randint(0, bits)
            value = rng.getrandbits(bits)
        prefixes.append(make_prefix(family, value, length))
    return [(p, rng.randint(1, 0xFFFF)) for p in prefixes]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_tables_match_reference(any_fib: FibUnderTest, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    routes = random_routes(rng, 4, 3000) + random_routes(rng, 6, 3000)
    rng.shuffle(routes)
    ref = reference_of(routes)  # a repeated prefix keeps its last next hop, as in the tool
    prefixes = [p for p, _ in routes]
    queries = boundary_queries(prefixes) + inside_queries(rng, prefixes, 6000)
    queries += [(4, rng.getrandbits(32)) for _ in range(2000)] + [
        (6, rng.getrandbits(128)) for _ in range(2000)
    ]
    assert_matches_reference(any_fib, write(tmp_path, route_lines(routes)), ref, queries)


# ---------------------------------------------------------------- the real tables


@dataclass(frozen=True)
class FullTables:
    routes_file: Path
    ref: ReferenceLpm
    queries: list[Query]


def read_table(path: Path) -> list[Prefix]:
    with gzip.open(path, "rt") as f:
        return [parse_prefix(line) for line in f if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def full_tables(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> FullTables:
    """rib4 + rib6 with next hops hashed from the prefixes, and about 200,000 addresses to ask."""
    prefixes = read_table(shared_data / "rib4.txt.gz") + read_table(shared_data / "rib6.txt.gz")
    routes = [(p, hashed_next_hop(p)) for p in prefixes]
    ref = reference_of(routes)
    routes_file = tmp_path_factory.mktemp("full") / "rib.txt"
    routes_file.write_text(route_lines(routes))

    rng = random.Random(2015)
    v4 = [p for p in prefixes if p.family == 4]
    v6 = [p for p in prefixes if p.family == 6]
    queries = [(4, rng.getrandbits(32)) for _ in range(40_000)]
    queries += [(6, (0x2 << 125) | rng.getrandbits(125)) for _ in range(10_000)]  # 2000::/3
    queries += [(6, rng.getrandbits(128)) for _ in range(2_000)]
    queries += inside_queries(rng, v4, 40_000) + inside_queries(rng, v6, 25_000)
    queries += boundary_queries(rng.sample(v4, 15_000)) + boundary_queries(rng.sample(v6, 6_000))
    return FullTables(routes_file, ref, queries)


def test_full_tables_match_reference(any_fib: FibUnderTest, full_tables: FullTables) -> None:
    answers, stats = any_fib.lookup_with_stats(full_tables.routes_file, full_tables.queries)
    assert_answers_match(any_fib.backend, full_tables.ref, full_tables.queries, answers)
    assert stats["ipv4"]["prefixes"] == full_tables.ref.count(4)
    assert stats["ipv6"]["prefixes"] == full_tables.ref.count(6)

"""hayatectl against the real forwarder: tables by default, JSON with --json, the socket from -c CONFIG."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent.lab import Lab
from hayate.ctl import NextHop, NextHopGroup, NextHopKind, parse_mac

net = ipaddress.ip_network


@pytest.fixture(scope="module")
def forwarder(fwd_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = Lab(tmp_path_factory.mktemp("hyagctl"), fwd_binary)
    try:
        lab.write_config()
        lab.start_forwarder()
        with lab.client() as c:
            c.nh_set(
                [
                    NextHop(16, NextHopKind.FORWARD, 0, None, parse_mac("02:00:00:00:00:02")),
                    NextHop(17, NextHopKind.FORWARD, 1, 100),
                ]
            )
            c.nhg_set([NextHopGroup(18, (16, 17))])
            c.route_add(
                [
                    (net("10.0.0.0/8"), 16),
                    (net("2001:db8::/32"), 18),
                    (net("192.0.2.1/32"), 1),
                    (net("203.0.113.0/24"), 2),
                ]
            )
        yield lab
    finally:
        lab.close()


def hayatectl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hayate.ctl_cli", *args], capture_output=True, text=True, timeout=60
    )


def test_routes_table_names_each_next_hop(forwarder: Lab) -> None:
    r = hayatectl("-c", str(forwarder.config_path), "show", "routes")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["PREFIX", "NH", "NEXT", "HOP"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["10.0.0.0/8"] == ["16", "port", "0", "02:00:00:00:00:02"]
    assert rows["2001:db8::/32"] == ["18", "ecmp", "16,", "17"]
    assert rows["192.0.2.1/32"] == ["1", "local"]
    assert rows["203.0.113.0/24"] == ["2", "blackhole"]


def test_routes_json_equals_the_dump_and_filters_by_family(forwarder: Lab) -> None:
    r = hayatectl("--socket", str(forwarder.socket), "--json", "routes", "-6")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"prefix": "2001:db8::/32", "nh": 18}]


def test_lookup_finds_the_longest_prefix(forwarder: Lab) -> None:
    r = hayatectl("--socket", str(forwarder.socket), "--json", "lookup", "10.1.2.3")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["nh"] == 16 and doc["prefix"] == "10.0.0.0/8"
    r = hayatectl("--socket", str(forwarder.socket), "lookup", "192.0.2.1")
    assert r.returncode == 0, r.stderr
    fields = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    assert fields[:4] == ["address", "prefix", "nh", "kind"]
    assert len(fields) == len(set(fields)) and "id" not in fields  # the next hop's id is the nh row
    assert "local" in r.stdout
    r = hayatectl("--socket", str(forwarder.socket), "lookup", "not-an-address")
    assert r.returncode != 0 and "not an IPv4 or IPv6 address" in r.stderr


def test_ports_lcores_counters_and_fib(forwarder: Lab) -> None:
    sock = str(forwarder.socket)
    ports = hayatectl("--socket", sock, "ports")
    assert ports.returncode == 0 and "hyagp0" in ports.stdout and "hyagp1" in ports.stdout
    header, *rows = ports.stdout.splitlines()
    admin = header.split().index("ADMIN")
    assert [row.split()[admin] for row in rows] == ["up", "up"], ports.stdout
    lcores = json.loads(hayatectl("--socket", sock, "--json", "lcores").stdout)
    assert [lc["lcore"] for lc in lcores] == [1]
    assert "%" in hayatectl("--socket", sock, "lcores").stdout
    assert hayatectl("--socket", sock, "counters").stdout.startswith("COUNTER")
    fib = json.loads(hayatectl("--socket", sock, "--json", "fib").stdout)
    assert fib["routes4"] == 3 and fib["routes6"] == 1


def test_unreachable_socket_and_bad_command_fail_clearly(tmp_path: Path) -> None:
    r = hayatectl("--socket", str(tmp_path / "none.sock"), "routes")
    assert r.returncode == 2 and "cannot reach the forwarder" in r.stderr
    r = hayatectl("--socket", str(tmp_path / "none.sock"), "frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr

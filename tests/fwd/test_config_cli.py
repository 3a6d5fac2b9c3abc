"""`hayate-fwd --check-config`: what the Ansible roles run on a rendered file before installing it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

VALID: dict[str, Any] = {
    "version": 1,
    "eal": ["--no-pci"],
    "ports": [
        {"name": "p0", "device": "0000:3b:00.0", "rx_queues": 2, "vlans": [{"id": 10, "name": "p0.10"}]}
    ],
    "lcores": [
        {"lcore": 2, "rx": [{"port": "p0", "queue": 0}]},
        {"lcore": 3, "rx": [{"port": "p0", "queue": 1}]},
    ],
    "agent": {"source": "netlink", "whatever": ["the agent checks its own section"]},
}


def check(binary: Path, tmp_path: Path, doc: Any) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "hayate.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return subprocess.run(
        [str(binary), "--check-config", str(path)], capture_output=True, text=True, timeout=10
    )


def test_valid_config_passes_without_starting_dpdk(fwd_binary: Path, tmp_path: Path) -> None:
    result = check(fwd_binary, tmp_path, VALID)
    assert result.returncode == 0, result.stderr
    assert "EAL" not in result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["ports"][0].update(rx_queues="two"),
            'ports[0].rx_queues: must be an integer 1..64, got "two"',
        ),
        (lambda d: d["ports"][0].update(mtu=9601), "ports[0].mtu: must be an integer 68..9600, got 9601"),
        (
            lambda d: d["ports"][0]["vlans"][0].update(id=0),
            "ports[0].vlans[0].id: must be an integer 1..4094, got 0",
        ),
        (
            lambda d: d.update(fib={"backend": "lpm"}),
            'fib.backend: must be "poptrie" or "rte_fib", got "lpm"',
        ),
        (
            lambda d: d["lcores"][1]["rx"].clear(),
            "ports[0].rx_queues: queue 1 of port p0 is polled by no lcore (see lcores[].rx)",
        ),
        (lambda d: d.update(colour="blue"), "colour: unknown field"),
        (
            lambda d: d.update(ports_netns="../etc"),
            "ports_netns: must be a namespace name from ip netns (no '/'), got \"../etc\"",
        ),
    ],
)
def test_invalid_config_names_the_file_and_field(
    fwd_binary: Path, tmp_path: Path, change: Any, message: str
) -> None:
    doc = json.loads(json.dumps(VALID))
    change(doc)
    result = check(fwd_binary, tmp_path, doc)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{tmp_path / 'hayate.json'}: {message}"


def test_missing_file_is_reported(fwd_binary: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(fwd_binary), "--check-config", str(tmp_path / "absent.json")],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 1
    assert "absent.json: No such file or directory" in result.stderr


def test_missing_ports_namespace_stops_the_start(fwd_binary: Path, tmp_path: Path) -> None:
    doc = json.loads(json.dumps(VALID))
    doc.update(ports_netns="hyfw-absent-ns", eal=["--no-pci", "--no-huge", "-m", "64", "--no-shconf"])
    doc["ports"][0].update(device="net_null0", tap=None)
    path = tmp_path / "hayate.json"
    path.write_text(json.dumps(doc))
    result = subprocess.run([str(fwd_binary), "-c", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "ports_netns: cannot enter /run/netns/hyfw-absent-ns: No such file or directory" in result.stderr

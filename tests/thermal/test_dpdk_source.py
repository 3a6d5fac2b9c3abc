"""Module EEPROM of DPDK-owned ports through the real forwarder's control socket (MODULE_EEPROM).

A net_null port has no module: the forwarder answers -ENOTSUP and the monitor reports the port as unreadable
with that reason, which proves the whole path (config -> control socket -> protocol -> sample)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hayate.thermal import monitor
from hayate.thermal.config import Config

ROOT = Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """The plain build, as tests/conftest.py defines it (HAYATE_BUILD, default ./build)."""
    return Path(os.environ.get("HAYATE_BUILD", ROOT / "build"))


@pytest.fixture
def forwarder(tmp_path: Path) -> Iterator[Path]:
    binary = build_dir() / "fwd" / "hayate-fwd"
    if not binary.exists():
        pytest.skip(f"{binary} is not built (scripts/build.sh build)")
    socket_path = tmp_path / "fwd.sock"
    config = {
        "version": 1,
        "eal": ["--no-pci", "--no-huge", "-m", "256", "--no-telemetry", "--no-shconf", "--file-prefix",
                f"hyth{os.getpid()}", "--log-level", "lib.eal:warning"],
        "manager_lcore": 0,
        "ports": [{"name": "p0", "device": f"net_null{os.getpid() % 1000}", "rx_queues": 1, "tap": None}],
        "lcores": [{"lcore": 1, "rx": [{"port": "p0", "queue": 0}]}],
        "mbuf": {"count": 2047, "cache": 64},
        "control": {"socket": str(socket_path)},
    }  # fmt: skip
    path = tmp_path / "hayate.json"
    path.write_text(json.dumps(config))
    log = tmp_path / "fwd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(binary), "-c", str(path)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"hayate-fwd did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def test_port_without_module_is_reported_with_the_forwarders_reason(forwarder: Path, tmp_path: Path) -> None:
    config = Config(dpdk_config=str(forwarder), state_file=str(tmp_path / "state.json"), textfile=None)
    [sample] = monitor.collect(config)
    assert (sample.sensor, sample.source, sample.temperature_c) == ("p0/module", "dpdk", None)
    assert sample.error is not None and "MODULE_EEPROM port 0" in sample.error and "ENOTSUP" in sample.error


def test_forwarder_down_is_reported_per_port(tmp_path: Path) -> None:
    cfg = tmp_path / "hayate.json"
    cfg.write_text(
        json.dumps({"ports": [{"name": "p0"}, {"name": "p1"}], "control": {"socket": str(tmp_path / "x")}})
    )
    samples = monitor.collect(Config(dpdk_config=str(cfg), textfile=None))
    assert [s.port for s in samples] == ["p0", "p1"]
    assert all(s.error and "forwarder control socket" in s.error for s in samples)

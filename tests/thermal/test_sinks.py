"""An alert reaches the journal (native protocol), the node_exporter textfile and a webhook on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hayate.thermal import monitor
from hayate.thermal.config import Config, Webhook, parse
from hayate.thermal.events import MESSAGE_ID_ALERT, MESSAGE_ID_READ_ERROR, MESSAGE_ID_RECOVERED
from hayate.thermal.journal import encode
from hayate.thermal.memory import FlatImage, ModuleType
from prometheus_client.parser import text_string_to_metric_families

from thermal import images


def parse_native(datagram: bytes) -> dict[str, str]:
    """journald's side of the native protocol."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(datagram):
        nl = datagram.index(b"\n", i)
        line = datagram[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            fields[key.decode()] = value.decode()
            i = nl + 1
        else:
            (size,) = struct.unpack_from("<Q", datagram, nl + 1)
            start = nl + 9
            fields[line.decode()] = datagram[start : start + size].decode()
            i = start + size + 1
    return fields


class Journal:
    """A datagram socket standing where journald's is: receives what the monitor sends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.0)

    def records(self) -> list[dict[str, str]]:
        out = []
        while True:
            try:
                out.append(parse_native(self.sock.recv(65536)))
            except BlockingIOError:
                return out


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sock")
    yield j
    j.sock.close()


class Hook:
    def __init__(self) -> None:
        self.posts: list[dict[str, object]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append({"body": json.loads(body), "auth": self.headers.get("Authorization")})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alert"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def metrics(path: Path) -> dict[tuple[str, str], float]:
    """(metric name, sensor label) -> value."""
    out = {}
    for family in text_string_to_metric_families(path.read_text()):
        for s in family.samples:
            out[(s.name, s.labels.get("sensor", ""))] = s.value
    return out


def qsfp_sample(temp: float, port: str = "p0") -> monitor.Sample:
    image = FlatImage(images.sff8636(temp=temp), ModuleType.SFF_8636)
    return monitor.module_sample(port, "dpdk", image, Config().policy, None)


def test_journal_native_encoding_handles_newlines() -> None:
    data = encode({"MESSAGE": "two\nlines", "PRIORITY": "4"})
    assert parse_native(data) == {"MESSAGE": "two\nlines", "PRIORITY": "4"}


def test_alert_reaches_journal_textfile_and_webhook_then_recovers(
    tmp_path: Path, journal: Journal, hook: Hook
) -> None:
    config = Config(
        state_file=str(tmp_path / "state.json"),
        textfile=str(tmp_path / "textfile" / "hayate_thermal.prom"),
        journal_socket=str(journal.path),
        webhook=Webhook(hook.url, 2.0, {"Authorization": "Bearer test-token"}),
    )
    # Two runs at 67 °C (confirm_samples 2): the second raises WARNING (65 °C for this 70 °C optic).
    monitor.run(config, [qsfp_sample(67.0)])
    assert journal.records() == [] and hook.posts == []
    _, alerts = monitor.run(config, [qsfp_sample(67.0)])
    assert len(alerts) == 1
    [record] = journal.records()
    assert record["SYSLOG_IDENTIFIER"] == "hayate-thermal"
    assert record["MESSAGE_ID"] == MESSAGE_ID_ALERT
    assert record["PRIORITY"] == "4"
    assert record["HAYATE_PORT"] == "p0" and record["HAYATE_LEVEL"] == "WARNING"
    assert record["HAYATE_THRESHOLD_C"] == "65.00" and record["HAYATE_LIMIT_C"] == "70.00"
    assert "p0 SFF-8636 module HAYATE OPTICS HY-QSFP28-SR4 S/N SN8636Q0001" in record["MESSAGE"]
    assert "67.0 °C reached WARNING" in record["MESSAGE"]
    [post] = hook.posts
    body = post["body"]
    assert isinstance(body, dict)
    assert (body["level"], body["previous"], body["port"], body["temperature_c"]) == (
        "warning",
        "ok",
        "p0",
        67.0,
    )
    assert post["auth"] == "Bearer test-token"
    m = metrics(Path(config.textfile or ""))
    assert m[("hayate_thermal_temperature_celsius", "p0/module")] == 67.0
    assert m[("hayate_thermal_level", "p0/module")] == 1
    assert m[("hayate_thermal_warning_celsius", "p0/module")] == 65.0
    assert m[("hayate_thermal_limit_celsius", "p0/module")] == 70.0
    # Cooling down: 62 °C twice clears it (below 65 - 2).
    monitor.run(config, [qsfp_sample(62.0)])
    monitor.run(config, [qsfp_sample(62.0)])
    [recovered] = journal.records()
    assert recovered["MESSAGE_ID"] == MESSAGE_ID_RECOVERED and recovered["HAYATE_LEVEL"] == "OK"
    assert len(hook.posts) == 2 and hook.posts[1]["body"]["recovered"] is True  # type: ignore[index]
    assert metrics(Path(config.textfile or ""))[("hayate_thermal_level", "p0/module")] == 0


def test_read_error_is_logged_once_and_exported_as_unreadable(tmp_path: Path, journal: Journal) -> None:
    config = Config(
        interfaces=["lo"],
        hwmon=False,
        state_file=str(tmp_path / "state.json"),
        textfile=str(tmp_path / "m.prom"),
        journal_socket=str(journal.path),
    )
    for _ in range(3):
        monitor.run(config, monitor.collect(config))
    records = journal.records()
    assert [r["MESSAGE_ID"] for r in records] == [MESSAGE_ID_READ_ERROR]
    assert (
        "lo module (ethtool): cannot read temperature: lo: driver has no module EEPROM access"
        in records[0]["MESSAGE"]
    )
    assert metrics(tmp_path / "m.prom")[("hayate_thermal_read_ok", "lo/module")] == 0


def test_unreachable_webhook_is_reported_not_fatal(tmp_path: Path, journal: Journal) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    config = Config(
        state_file=str(tmp_path / "state.json"),
        textfile=str(tmp_path / "m.prom"),
        journal_socket=str(journal.path),
        webhook=Webhook(f"http://127.0.0.1:{port}/", 1.0),
        policy=Config().policy.__class__(confirm_samples=1),
    )
    monitor.run(config, [qsfp_sample(71.0)])
    records = journal.records()
    assert records[0]["HAYATE_LEVEL"] == "CRITICAL" and records[0]["PRIORITY"] == "2"
    assert "webhook http://127.0.0.1" in records[1]["MESSAGE"]
    assert metrics(tmp_path / "m.prom")[("hayate_thermal_webhook_failures", "")] == 1


def test_hwmon_sensor_uses_the_nic_critical_limit(tmp_path: Path) -> None:
    hw = tmp_path / "class/net/eth7/device/hwmon/hwmon3"
    hw.mkdir(parents=True)
    (hw / "temp1_input").write_text("93500\n")
    (hw / "temp1_crit").write_text("105000\n")
    (hw / "temp1_label").write_text("asic\n")
    [sample] = monitor.hwmon_samples("eth7", Config().policy, None, tmp_path)
    assert sample.sensor == "eth7/hwmon/hwmon3/temp1"
    assert sample.temperature_c == 93.5
    assert sample.limits is not None and (sample.limits.warning_c, sample.limits.critical_c) == (100.0, 105.0)


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="margin_c: must be a number"):
        parse({"margin_c": "five"})
    with pytest.raises(ValueError, match="colour: unknown field"):
        parse({"colour": 1})
    with pytest.raises(ValueError, match="webhook.url: must be an http"):
        parse({"webhook": {"url": "ftp://x"}})
    with pytest.raises(ValueError, match="limit_source: must be one of"):
        parse({"limit_source": "low"})
    assert parse({"limits": {"p0": 68}}).limits == {"p0": 68.0}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hayate.thermal.main", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_decode_prints_the_module_and_json(tmp_path: Path) -> None:
    dump = tmp_path / "qsfp.hex"
    dump.write_text(images.sff8636(temp=66.5).hex(" ", 16))
    out = run_cli("decode", str(dump))
    assert out.returncode == 0, out.stderr
    assert "SFF-8636" in out.stdout and "66.5 °C" in out.stdout and "high warning 70.0" in out.stdout
    out = run_cli("--json", "decode", str(dump))
    assert json.loads(out.stdout)["temperature_c"] == 66.5
    (tmp_path / "junk.bin").write_bytes(b"\x77" * 300)
    out = run_cli("decode", str(tmp_path / "junk.bin"))
    assert out.returncode == 1 and "0x77" in out.stderr


def test_cli_check_with_bad_config_names_the_field(tmp_path: Path) -> None:
    cfg = tmp_path / "thermal.json"
    cfg.write_text(json.dumps({"confirm_samples": 0}))
    out = run_cli("--config", str(cfg), "check")
    assert out.returncode == 2 and "confirm_samples: must be an integer 1..10" in out.stderr


def test_cli_show_lists_sensors_and_changes_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "thermal.json"
    state = tmp_path / "state.json"
    cfg.write_text(json.dumps({"interfaces": ["lo"], "state_file": str(state), "textfile": None}))
    out = run_cli("--config", str(cfg), "--json", "show")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert (
        row["sensor"] == "lo/module" and row["temperature_c"] is None and "no module EEPROM" in row["error"]
    )
    assert not state.exists()


def test_cli_config_prints_the_parsed_configuration(tmp_path: Path) -> None:
    cfg = tmp_path / "thermal.json"
    cfg.write_text(json.dumps({"interfaces": ["eno1"], "margin_c": 3, "limits": {"p0": 68}}))
    out = run_cli("--config", str(cfg), "config")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (
        doc["policy"]["margin_c"] == 3.0
        and doc["policy"]["hysteresis_c"] == 2.0
        and doc["limits"] == {"p0": 68.0}
    )


def test_node_exporter_serves_the_textfile(tmp_path: Path, journal: Journal) -> None:
    """The real prometheus-node-exporter (Debian) reads what the monitor writes and serves it."""
    exporter = shutil.which("prometheus-node-exporter")
    if exporter is None:
        pytest.skip("prometheus-node-exporter is not installed (scripts/apt-packages.txt)")
    textdir = tmp_path / "textfile"
    config = Config(
        state_file=str(tmp_path / "state.json"),
        textfile=str(textdir / "hayate_thermal.prom"),
        journal_socket=str(journal.path),
        policy=Config().policy.__class__(confirm_samples=1),
    )
    monitor.run(config, [qsfp_sample(68.5)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exporter, "--collector.disable-defaults", "--collector.textfile",
         f"--collector.textfile.directory={textdir}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    served = {
        (s.name, s.labels.get("sensor", "")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert served[("hayate_thermal_temperature_celsius", "p0/module")] == 68.5
    assert served[("hayate_thermal_level", "p0/module")] == 1
    assert served[("node_textfile_scrape_error", "")] == 0


def test_state_forgets_sensors_that_are_gone(tmp_path: Path, journal: Journal) -> None:
    config = Config(state_file=str(tmp_path / "state.json"), textfile=None, journal_socket=str(journal.path))
    monitor.run(config, [qsfp_sample(67.0, "p0")])
    monitor.run(config, [qsfp_sample(50.0, "p1")])
    state = json.loads((tmp_path / "state.json").read_text())
    assert list(state["sensors"]) == ["p1/module"]

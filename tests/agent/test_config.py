"""The agent's reading of the configuration file: defaults, and errors that name the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hayate.agent.config import ConfigError, load, parse


def base(**agent: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "eal": ["--no-pci"],
        "ports": [
            {"name": "p0", "device": "net_null0", "vlans": [{"id": 100, "name": "p0.100"}]},
            {"name": "p1", "device": "net_null1", "tap": None},
        ],
        "lcores": [{"lcore": 1, "rx": [{"port": "p0", "queue": 0}]}],
        "control": {"socket": "/run/hayate/fwd.sock"},
        "agent": agent,
    }


def test_defaults_and_tap_names() -> None:
    cfg = parse(base())
    assert (cfg.source, cfg.tables, cfg.fpm_port, cfg.metrics_listen, cfg.batch) == (
        "netlink",
        (254,),
        2620,
        "127.0.0.1",
        10000,
    )
    assert cfg.tap_ports() == {"p0": (0, None), "p0.100": (0, 100)}  # p1 has no tap


def test_tables_by_name_and_number() -> None:
    assert parse(base(tables=["main", 100, "default"])).tables == (254, 100, 253)


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        ({"source": "bgp"}, 'agent.source: must be "netlink" or "fpm", got "bgp"'),
        ({"fpm": {"port": "x"}}, 'agent.fpm.port: must be an integer 1..65535, got "x"'),
        ({"tables": ["local"]}, "agent.tables[0]: must be"),
        (
            {"metrics": {"listen": "localhost"}},
            'agent.metrics.listen: must be an IP address, got "localhost"',
        ),
        ({"batch": 0}, "agent.batch: must be an integer 1..349000, got 0"),
        ({"colour": "blue"}, "agent.colour: unknown field"),
    ],
)
def test_errors_name_the_field(agent: dict[str, Any], message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    ):
        parse(base(**agent))


def test_unknown_top_level_and_port_fields() -> None:
    doc = base()
    doc["ports"][1]["speed"] = 100
    with pytest.raises(ConfigError, match=r"ports\[1\]\.speed: unknown field"):
        parse(doc)
    with pytest.raises(ConfigError, match="bogus: unknown field"):
        parse({**base(), "bogus": 1})


def test_agent_check_reports_the_path_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "hayate.json"
    path.write_text(json.dumps(base(source="kernel")))
    r = subprocess.run(
        [sys.executable, "-m", "hayate.agent.main", "-c", str(path), "--check"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 2 and "agent.source" in r.stderr
    path.write_text(json.dumps(base()))
    r = subprocess.run(
        [sys.executable, "-m", "hayate.agent.main", "-c", str(path), "--check"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    with pytest.raises(ConfigError, match="not JSON"):
        path.write_text("{")
        load(path)

"""The nic_thermal role rendered into a temporary root: the monitor's configuration (read back by the
monitor's own parser), the service and timer, idempotence, check mode and a bad setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hayate.thermal.config import load
from tuning.playbook import run_role, tree

VARS: dict[str, Any] = {
    "nic_thermal_image_build": True,
    "nic_thermal_interfaces": ["eno1", "eno2"],
    "nic_thermal_limits": {"p0": 68},
    "nic_thermal_margin_c": 4,
    "nic_thermal_interval": "30s",
    "nic_thermal_webhook_url": "https://alerts.example.net/hooks/hayate",
    "nic_thermal_webhook_headers": {"Authorization": "Bearer from-vault"},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    work = tmp_path_factory.mktemp("nic_thermal")
    result = run_role("nic_thermal", work, {**VARS, "nic_thermal_root": str(work / "root")})
    assert result.rc == 0, result.failures
    return work / "root", result


def test_configuration_is_what_the_monitor_reads(rendered: tuple[Path, Any]) -> None:
    root, _ = rendered
    path = root / "etc/hayate/thermal.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    config = load(path)
    assert config.interfaces == ["eno1", "eno2"]
    assert config.dpdk_config == "/etc/hayate/hayate.json"
    assert config.policy.margin_c == 4.0 and config.policy.confirm_samples == 2
    assert config.limits == {"p0": 68.0}
    assert config.textfile == "/var/lib/prometheus/node-exporter/hayate_thermal.prom"
    assert config.webhook is not None and config.webhook.headers == {"Authorization": "Bearer from-vault"}


def test_service_and_timer_are_installed_and_enabled(rendered: tuple[Path, Any]) -> None:
    root, _ = rendered
    files = tree(root)
    service = files["etc/systemd/system/hayate-thermal.service"]
    assert "ExecStart=/opt/hayate/venv/bin/hayate-thermal --config /etc/hayate/thermal.json check" in service
    assert "ReadWritePaths=/var/lib/hayate /var/lib/prometheus/node-exporter" in service
    assert "OnUnitActiveSec=30s" in files["etc/systemd/system/hayate-thermal.timer"]
    assert files["etc/systemd/system/timers.target.wants/hayate-thermal.timer"] == (
        "-> /etc/systemd/system/hayate-thermal.timer"
    )


def test_second_run_changes_nothing(rendered: tuple[Path, Any], tmp_path: Path) -> None:
    root, _ = rendered
    again = run_role("nic_thermal", tmp_path, {**VARS, "nic_thermal_root": str(root)})
    assert again.rc == 0 and again.changed == 0


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = run_role("nic_thermal", tmp_path, {**VARS, "nic_thermal_root": str(root)}, check=True)
    assert result.rc == 0 and result.changed > 0
    assert tree(root) == {}


def test_bad_webhook_url_stops_before_any_change(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    bad = {**VARS, "nic_thermal_root": str(root), "nic_thermal_webhook_url": "ftp://example.net/"}
    result = run_role("nic_thermal", tmp_path, bad)
    assert result.rc != 0
    assert any(
        "nic_thermal_webhook_url null or an http(s) URL (got ftp://example.net/)" in f
        for f in result.failures
    )
    assert tree(root) == {}

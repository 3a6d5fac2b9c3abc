"""playbooks/render.yml on inventory/example and inventory/lab: the files a router gets, checked by their
owners' own validators (vtysh -C for frr.conf, hayate-fwd --check-config for hayate.json)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from .provisioning_helpers import ROOT, fwd_binary, run_playbook

HOSTS = {"example": "kamuee1", "lab": "lab-router"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both inventories rendered once into a temporary folder: inventory name -> the host's folder."""
    out = tmp_path_factory.mktemp("render")
    folders = {}
    for inventory, host in HOSTS.items():
        result = run_playbook(
            ["-i", f"inventory/{inventory}", "playbooks/render.yml", "-e", f"hayate_render_root={out}"]
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        folders[inventory] = out / host
    return folders


def load(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text())


@pytest.mark.parametrize("inventory", HOSTS)
def test_render_writes_every_configuration_of_the_router(rendered: dict[str, Path], inventory: str) -> None:
    names = {path.name for path in rendered[inventory].iterdir()}
    assert names >= {
        "frr.conf", "daemons", "hayate.json", "hayate-fwd.service", "hayate-agent.service",
        "kernel-cmdline.txt", "core-allocation.json", "nic-bindings.txt",
    }  # fmt: skip


@pytest.mark.parametrize("inventory", HOSTS)
def test_rendered_frr_conf_passes_vtysh_check(rendered: dict[str, Path], inventory: str) -> None:
    vtysh = shutil.which("vtysh")
    if vtysh is None:
        pytest.skip("vtysh is not installed (Debian package frr)")
    check = subprocess.run(
        [vtysh, "-C", "-f", str(rendered[inventory] / "frr.conf")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("inventory", HOSTS)
def test_rendered_hayate_json_passes_the_forwarders_own_check(
    rendered: dict[str, Path], inventory: str
) -> None:
    binary = fwd_binary()
    if binary is None:
        pytest.skip(
            "hayate-fwd is not built (HAYATE_BUILD/fwd/hayate-fwd missing): run scripts/build.sh build"
        )
    config = rendered[inventory] / "hayate.json"
    check = subprocess.run(
        [str(binary), "--check-config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("inventory", sorted(HOSTS))
def test_rendered_hayate_json_passes_the_agents_check(rendered: dict[str, Path], inventory: str) -> None:
    """The agent reads the same file and refuses fields it does not know: both must accept every render."""
    config = rendered[inventory] / "hayate.json"
    check = subprocess.run(
        [sys.executable, "-m", "hayate.agent.main", "-c", str(config), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_forwarders_own_check_rejects_a_broken_render(rendered: dict[str, Path], tmp_path: Path) -> None:
    """The check that guards the live file does fail on a bad file, naming the field."""
    binary = fwd_binary()
    if binary is None:
        pytest.skip(
            "hayate-fwd is not built (HAYATE_BUILD/fwd/hayate-fwd missing): run scripts/build.sh build"
        )
    config = load(rendered["example"], "hayate.json")
    config["ports"][1]["rx_queues"] = "two"
    broken = tmp_path / "hayate.json"
    broken.write_text(json.dumps(config))
    check = subprocess.run(
        [str(binary), "--check-config", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 1
    assert "ports[1].rx_queues" in check.stdout + check.stderr


def test_example_hayate_json_polls_every_queue_once_on_46_forwarders(rendered: dict[str, Path]) -> None:
    config = load(rendered["example"], "hayate.json")
    allocation = load(rendered["example"], "core-allocation.json")
    assert config["version"] == 1
    assert len(config["lcores"]) == 46
    assert config["manager_lcore"] == allocation["manager_lcore"]
    assert config["manager_lcore"] not in {entry["lcore"] for entry in config["lcores"]}
    polled = Counter((rx["port"], rx["queue"]) for entry in config["lcores"] for rx in entry["rx"])
    expected = {(port["name"], q) for port in config["ports"] for q in range(port["rx_queues"])}
    assert set(polled) == expected and set(polled.values()) == {1}
    queues = {port["name"]: port["rx_queues"] for port in config["ports"]}
    site = yaml.safe_load((ROOT / "inventory/example/host_vars/kamuee1.yml").read_text())
    assert queues == {port["name"]: port["cores"] for port in site["hayate_ports"]}
    ten3 = next(port for port in config["ports"] if port["name"] == "ten3")
    assert ten3["vlans"] == [{"id": 100, "name": "ten3.100"}]


def test_example_kernel_cmdline_isolates_exactly_the_forwarder_cores(rendered: dict[str, Path]) -> None:
    allocation = load(rendered["example"], "core-allocation.json")
    cmdline = (rendered["example"] / "kernel-cmdline.txt").read_text().split()
    params = dict(item.split("=", 1) for item in cmdline)
    cpus = allocation["isolated_cpulist"]
    assert params["isolcpus"] == f"managed_irq,domain,{cpus}"
    assert params["nohz_full"] == cpus and params["rcu_nocbs"] == cpus
    # 46 forwarder cores with their SMT siblings.
    assert len(allocation["isolated_cpus"]) == 92


def test_example_binds_only_the_intel_ports_to_vfio(rendered: dict[str, Path]) -> None:
    lines = [
        line.split()
        for line in (rendered["example"] / "nic-bindings.txt").read_text().splitlines()
        if line[:1] != "#"
    ]
    drivers = {fields[0]: fields[2] for fields in lines if fields}
    assert {name for name, driver in drivers.items() if driver == "vfio-pci"} == {"ten1", "ten2", "ten3"}
    assert {name for name, driver in drivers.items() if driver == "none"} == {
        "core1", "border1", "tester1", "core2", "border2", "tester2",
    }  # fmt: skip


def test_example_frr_conf_carries_the_inventory(rendered: dict[str, Path]) -> None:
    frr = (rendered["example"] / "frr.conf").read_text()
    site = yaml.safe_load((ROOT / "inventory/example/host_vars/kamuee1.yml").read_text())
    assert f"router bgp {site['hayate_asn']}\n" in frr
    for neighbor in site["hayate_bgp"]["neighbors"]:
        assert f" neighbor {neighbor['address']} activate\n" in frr
    assert "  neighbor TRANSIT route-map TRANSIT-IN in\n" in frr
    assert "  neighbor TRANSIT6 route-map TRANSIT-IN6 in\n" in frr
    assert "ip prefix-list BOGONS4 seq 30 deny 0.0.0.0/0 ge 25\n" in frr
    assert re.search(r"interface core1\n(?: .*\n)* ip ospf area 0\.0\.0\.0\n", frr)
    assert re.search(r"interface core2\n(?: .*\n)* ipv6 ospf6 network point-to-point\n", frr)
    assert "fpm address" not in frr  # netlink is the example's route source


def test_members_of_a_peer_group_with_a_remote_as_take_the_groups(rendered: dict[str, Path]) -> None:
    """bgpd refuses a member's own remote-as when its group has one (frr-reload.py then fails on a router:
    seen in the image's VM scenario); the lab's groups say `external`, its neighbours their AS."""
    lines = (rendered["lab"] / "frr.conf").read_text().splitlines()
    assert " neighbor UPSTREAM remote-as external" in lines
    assert " neighbor 100.64.1.2 peer-group UPSTREAM" in lines
    assert not [line for line in lines if line.startswith(" neighbor 100.64.1.2 remote-as")]


def test_fpm_route_source_loads_the_fpm_module_and_address(tmp_path: Path) -> None:
    result = run_playbook(
        [
            "-i",
            "inventory/lab",
            "playbooks/render.yml",
            "-e",
            f"hayate_render_root={tmp_path}",
            "-e",
            "hayate_route_source=fpm",
        ]
    )
    assert result.returncode == 0, result.stdout[-3000:]
    folder = tmp_path / "lab-router"
    assert "fpm address 127.0.0.1 port 2620\n" in (folder / "frr.conf").read_text()
    assert "-M dplane_fpm_nl" in (folder / "daemons").read_text()
    assert load(folder, "hayate.json")["agent"]["source"] == "fpm"


def test_lab_shares_one_forwarder_lcore_and_runs_in_its_namespace(rendered: dict[str, Path]) -> None:
    config = load(rendered["lab"], "hayate.json")
    # af_packet pairs RX and TX queues: one pair per forwarder lcore plus the manager's, all polled.
    pairs = len(config["lcores"]) + 1
    expected = [f"net_af_packet{i},iface=p{i}-wire,qpairs={pairs}" for i in range(3)]
    assert [port["device"] for port in config["ports"]] == expected
    assert [port["rx_queues"] for port in config["ports"]] == [pairs] * 3
    assert "--no-pci" in config["eal"]
    polled = {(rx["port"], rx["queue"]) for entry in config["lcores"] for rx in entry["rx"]}
    assert polled == {(f"p{i}", q) for i in range(3) for q in range(pairs)}
    for unit in ("hayate-fwd.service", "hayate-agent.service"):
        assert "NetworkNamespacePath=/run/netns/hylab-router" in (rendered["lab"] / unit).read_text()
    # The wire ends live in a namespace of their own, so the router's kernel sees only the taps.
    assert config["ports_netns"] == "hylab-wire"
    # A freshly booted image has no configuration yet: the unit waits for site.yml rather than fail in a loop.
    unit = (rendered["lab"] / "hayate-fwd.service").read_text()
    assert "ConditionPathExists=/etc/hayate/hayate.json" in unit


def test_a_ports_urpf_reaches_the_forwarder(rendered: dict[str, Path]) -> None:
    ports = load(rendered["example"], "hayate.json")["ports"]
    assert {p["name"]: p.get("urpf", "off") for p in ports if p.get("urpf", "off") != "off"} == {
        "ten1": "strict",
        "ten2": "strict",
    }


def test_ports_netns_is_left_out_where_the_inventory_sets_none(rendered: dict[str, Path]) -> None:
    assert "ports_netns" not in load(rendered["example"], "hayate.json")


def test_config_overrides_change_a_key_without_a_new_template(tmp_path: Path) -> None:
    overrides = {"dataplane_config_overrides": {"mbuf": {"count": 65535}, "fib": {"max_routes4": 4194304}}}
    result = run_playbook(
        [
            "-i",
            "inventory/example",
            "playbooks/render.yml",
            "-e",
            f"hayate_render_root={tmp_path}",
            "-e",
            json.dumps(overrides),
        ]
    )
    assert result.returncode == 0, result.stdout[-3000:]
    config = load(tmp_path / "kamuee1", "hayate.json")
    assert config["mbuf"] == {"count": 65535}
    assert config["fib"] == {"backend": "poptrie", "max_routes4": 4194304}


def test_a_second_render_changes_nothing(rendered: dict[str, Path]) -> None:
    out = rendered["example"].parent
    result = run_playbook(
        ["-i", "inventory/example", "playbooks/render.yml", "-e", f"hayate_render_root={out}"]
    )
    assert result.returncode == 0
    assert re.search(r"kamuee1\s+: ok=\d+\s+changed=0 ", result.stdout), result.stdout[-1500:]

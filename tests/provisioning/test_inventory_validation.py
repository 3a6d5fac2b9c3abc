"""Inventory validation (plugins/filter/hayate_inventory.py): each mistake comes with its variable path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hayate_inventory import inventory_errors

from .provisioning_helpers import ROOT, run_playbook

EXAMPLE = ROOT / "inventory" / "example"
LAB = ROOT / "inventory" / "lab"


def site_of(inventory: Path, host_file: str | None) -> dict[str, Any]:
    site: dict[str, Any] = {}
    for path in sorted((inventory / "group_vars").glob("*/*.yml")):
        site.update(yaml.safe_load(path.read_text()))
    if host_file:
        site.update(yaml.safe_load((inventory / "host_vars" / host_file).read_text()))
    return {key: value for key, value in site.items() if key.startswith("hayate_")}


@pytest.fixture
def example() -> dict[str, Any]:
    return copy.deepcopy(site_of(EXAMPLE, "kamuee1.yml"))


@pytest.fixture
def example_host() -> dict[str, Any]:
    topology = json.loads((EXAMPLE / "topology" / "kamuee1.json").read_text())
    return {"pci": topology["pci"], "physical_cores": topology["physical_cores"]}


def test_the_example_and_lab_inventories_are_valid(
    example: dict[str, Any], example_host: dict[str, Any]
) -> None:
    assert inventory_errors(example, example_host) == []
    assert inventory_errors(site_of(LAB, None)) == []


def mutate(site: dict[str, Any], path: str, value: Any) -> None:
    """Set site[a][b]...[z] = value; a path ending in "+" appends to the list there instead."""
    keys: list[Any] = [int(key) if key.isdigit() else key for key in path.rstrip("+").split(".")]
    target: Any = site
    for key in keys[:-1]:
        target = target[key]
    if path.endswith("+"):
        target[keys[-1]].append(value)
    else:
        target[keys[-1]] = value


# (where, the wrong value, how the error starts): "a.0.b" sets a value, "a.0.b+" appends to a list.
CASES: list[tuple[str, Any, str]] = [
    ("hayate_ports.0.cores", "eight", "hayate_ports[0].cores: must be an integer 1..64"),
    ("hayate_ports.2.name", "core1", "hayate_ports[2].name: duplicate port name 'core1'"),
    (
        "hayate_ports.1.device",
        "0000:99:00.0",
        "hayate_ports[1].device: PCI address 0000:99:00.0 does not exist",
    ),
    ("hayate_ports.1.device", "eth0", "hayate_ports[1].device: must be a PCI address"),
    ("hayate_ports.0.cores", 60, "hayate_ports: the ports ask for 98 forwarder cores; this host has 56"),
    ("hayate_ports.0.mtu", 10000, "hayate_ports[0].mtu: must be an integer 68..9600"),
    ("hayate_ports.0.colour", "red", "hayate_ports[0].colour: unknown field"),
    ("hayate_ports.0.urpf", "both", "hayate_ports[0].urpf: must be one of off, loose, strict, got 'both'"),
    ("hayate_ports.0.addresses+", "10.0.0.300/24", "hayate_ports[0].addresses[2]: must be an address"),
    ("hayate_ports.8.vlans.0.id", 5000, "hayate_ports[8].vlans[0].id: must be an integer 1..4094"),
    ("hayate_router_id", "192.0.2.256", "hayate_router_id: must be an IPv4 address"),
    ("hayate_router_id", "2001:db8::1", "hayate_router_id: must be an IPv4 address"),
    ("hayate_asn", 0, "hayate_asn: must be an AS number 1..4294967295"),
    ("hayate_asn", 4294967296, "hayate_asn: must be an AS number"),
    ("hayate_asn", "64500", "hayate_asn: must be an AS number"),
    ("hayate_bgp.neighbors.1.remote_as", -1, "hayate_bgp.neighbors[1].remote_as: must be an AS number"),
    (
        "hayate_bgp.neighbors.0.address",
        "198.51.100.300",
        "hayate_bgp.neighbors[0].address: must be an IP address",
    ),
    (
        "hayate_bgp.neighbors.0.peer_group",
        "NOPE",
        "hayate_bgp.neighbors[0].peer_group: no peer group named 'NOPE'",
    ),
    ("hayate_bgp.peer_groups.0.route_map_in", "NOPE", "hayate_bgp.peer_groups[0].route_map_in: no route map"),
    ("hayate_bgp.ipv4.networks+", "192.0.2.1/24", "hayate_bgp.ipv4.networks[1]: must be a network prefix"),
    ("hayate_bgp.ipv6.networks+", "10.0.0.0/8", "hayate_bgp.ipv6.networks[1]: IPv4 prefix under ipv6"),
    (
        "hayate_prefix_lists.0.entries.0.le",
        33,
        "hayate_prefix_lists[0].entries[0].le: must be an integer 8..32",
    ),
    (
        "hayate_prefix_lists.1.entries.0.prefix",
        "10.0.0.0/8",
        "hayate_prefix_lists[1].entries[0].prefix: IPv4 prefix",
    ),
    (
        "hayate_route_maps.0.entries.0.match.prefix_list",
        "BOGONS6",
        "hayate_route_maps[0].entries[0].match.prefix_list",
    ),
    ("hayate_ospf.areas.0.area", "0.0.0.256", "hayate_ospf.areas[0].area: must be an area id"),
    ("hayate_ospf.areas.0.interfaces+", "eth9", "hayate_ospf.areas[0].interfaces[6].name: no port or VLAN"),
    (
        "hayate_static_routes+",
        {"prefix": "10.9.0.0/16", "nexthop": "2001:db8::1"},
        "hayate_static_routes[2].nexthop",
    ),
    ("hayate_cpu_shared_lcores", "yes", "hayate_cpu_shared_lcores: must be true or false"),
    ("hayate_route_source", "bgp", "hayate_route_source: must be one of netlink, fpm"),
    ("hayate_ports_netns", "../wire", "hayate_ports_netns: must be a network namespace name"),
    ("hayate_netns", "..", "hayate_netns: must be a network namespace name"),
    ("hayate_ports", "core1", "hayate_ports: must be a list, got str"),
]


@pytest.mark.parametrize(("where", "value", "expected"), CASES)
def test_a_mistake_is_reported_with_its_variable_path(
    example: dict[str, Any], example_host: dict[str, Any], where: str, value: Any, expected: str
) -> None:
    mutate(example, where, value)
    errors = inventory_errors(example, example_host)
    assert any(error.startswith(expected) for error in errors), errors


def test_unknown_pci_addresses_are_only_checked_against_a_real_host(example: dict[str, Any]) -> None:
    example["hayate_ports"][1]["device"] = "0000:99:00.0"
    assert inventory_errors(example) == []


def test_a_bad_inventory_stops_the_play_before_any_change(tmp_path: Path) -> None:
    """ansible-playbook itself fails on the validation task, names the variable, and renders nothing."""
    bad = {"hayate_asn": 70000000000, "hayate_router_id": "not-an-address"}
    result = run_playbook(
        [
            "-i",
            "inventory/example",
            "playbooks/render.yml",
            "-e",
            json.dumps(bad),
            "-e",
            f"hayate_render_root={tmp_path}",
        ]
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "hayate_asn: must be an AS number" in output
    assert "hayate_router_id: must be an IPv4 address" in output
    assert "Validate the inventory before any change" in output
    assert not (tmp_path / "kamuee1").exists()


def test_a_router_needs_ports_and_a_router_id_but_an_image_build_does_not() -> None:
    assert inventory_errors({}) == [
        "hayate_ports: at least one port is needed",
        "hayate_router_id: required (an IPv4 address)",
    ]
    assert inventory_errors({}, required=False) == []

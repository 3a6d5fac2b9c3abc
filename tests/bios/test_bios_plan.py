"""The profile -> vendor attribute mapping (filter plugin of the bios role) and the built-in vendor maps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import load_module

ROLE = Path(__file__).resolve().parents[2] / "roles" / "bios"
bios = load_module("hyth_bios_filter", ROLE / "filter_plugins" / "hayate_bios.py")

MAPS: dict[str, Any] = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["bios_vendor_maps_builtin"]
DEFAULT_PROFILE: dict[str, Any] = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())["bios_profile"]

# Attribute names and values as an iDRAC 9 lists them (the part the profile touches, plus others).
DELL_CURRENT = {
    "SysProfile": "PerfPerWattOptimizedDapc",
    "ProcCStates": "Enabled",
    "ProcTurboMode": "Enabled",
    "LogicalProc": "Enabled",
    "ProcVirtualization": "Disabled",
    "SriovGlobalEnable": "Disabled",
    "SubNumaCluster": "Disabled",
    "BootMode": "Uefi",
}


def test_vendor_from_manufacturer() -> None:
    assert bios.vendor("Dell Inc.") == "dell"
    assert bios.vendor("HPE") == "hpe"
    assert bios.vendor("Supermicro") == "supermicro"
    assert bios.vendor("Lenovo") == "lenovo"
    assert bios.vendor("Sushy Emulator") == "sushy_emulator"
    assert bios.vendor("Anything", "dell") == "dell"
    with pytest.raises(bios.BiosError, match="manufacturer 'Acme' has no attribute map"):
        bios.vendor("Acme")


def test_dell_default_profile_plan() -> None:
    plan = bios.plan(DEFAULT_PROFILE, MAPS["dell"], DELL_CURRENT)
    assert plan["errors"] == []
    assert plan["to_set"] == {
        "SysProfile": "PerfOptimized",
        "ProcCStates": "Disabled",
        "ProcVirtualization": "Enabled",
        "SriovGlobalEnable": "Enabled",
    }
    assert "ProcTurboMode" not in plan["changes"]  # already Enabled
    assert bios.diff_lines(plan)[0] == "ProcCStates: Enabled -> Disabled (profile cstates)"


def test_pending_settings_count_as_set_and_wait_for_a_reboot() -> None:
    pending = {**DELL_CURRENT, "ProcCStates": "Disabled"}
    plan = bios.plan({"cstates": False}, MAPS["dell"], DELL_CURRENT, pending)
    assert plan["to_set"] == {}
    assert plan["awaiting_reboot"] == ["ProcCStates"]


def test_supermicro_names_with_board_suffixes_are_found_by_pattern() -> None:
    current = {
        "Hyper_Threading_ALL_#0022": "Enable",
        "IntelVTForDirectedI_O_VT_d_#0A13": "Disable",
        "SR_IOVSupport#0137": "Disable",
        "TurboMode#0021": "Enable",
    }
    profile = {"smt": True, "iommu": True, "sriov": True, "turbo": False}
    plan = bios.plan(profile, MAPS["supermicro"], current)
    assert plan["errors"] == []
    assert plan["to_set"] == {
        "IntelVTForDirectedI_O_VT_d_#0A13": "Enable",
        "SR_IOVSupport#0137": "Enable",
        "TurboMode#0021": "Disable",
    }


def test_missing_and_ambiguous_attributes_are_errors_naming_the_key() -> None:
    plan = bios.plan(
        {"turbo": True, "smt": True},
        {"turbo": MAPS["dell"]["turbo"], "smt": {"attribute": "Proc", "values": {"true": "x"}}},
        {"ProcA": 1, "ProcB": 2},
    )
    assert plan["errors"] == [
        "profile turbo: the BMC lists no BIOS attribute matching '^ProcTurboMode$'",
        "profile smt: pattern 'Proc' matches several attributes ['ProcA', 'ProcB']; make it exact",
    ]


def test_null_profile_values_are_left_alone_and_unknown_values_rejected() -> None:
    plan = bios.plan({"turbo": None, "power_profile": "ludicrous"}, MAPS["dell"], DELL_CURRENT)
    assert plan["to_set"] == {}
    assert plan["errors"] == [
        "profile power_profile: value 'ludicrous' has no setting for this vendor "
        "(known: balanced, performance)"
    ]


@pytest.mark.parametrize("vendor", ["dell", "hpe", "lenovo", "supermicro"])
def test_every_vendor_maps_every_profile_key_with_both_values(vendor: str) -> None:
    for key, value in DEFAULT_PROFILE.items():
        entry = MAPS[vendor][key]
        keys = {"performance", "balanced"} if key == "power_profile" else {"true", "false"}
        assert set(entry["values"]) == keys, (vendor, key)
        assert entry["attribute"], (vendor, key, value)

"""The bios role against a Redfish emulator on loopback (sushy-tools, libvirt test driver, TLS, basic auth),
with the BMC password from an Ansible Vault file: converge, idempotence, check mode, wrong credentials."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tuning.playbook import ROOT, Result, run_role

from bios import redfish_emulator

VAULT_PASSWORD = "hyth-vault-test-password"


@pytest.fixture(scope="module")
def bmc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redfish_emulator.Bmc]:
    emulator = redfish_emulator.start(tmp_path_factory.mktemp("bmc"))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory, bmc: redfish_emulator.Bmc) -> list[str]:
    """An encrypted vars file with the BMC password; returns the ansible-playbook arguments that read it."""
    folder = tmp_path_factory.mktemp("vault")
    password_file = folder / "vault-pass"
    password_file.write_text(VAULT_PASSWORD + "\n")
    password_file.chmod(0o600)
    secrets = folder / "bmc-secrets.yml"
    secrets.write_text(f"vault_bios_bmc_password: {bmc.password}\n")
    subprocess.run(
        [
            str(ROOT / ".venv/bin/ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(password_file),
            str(secrets),
        ],
        check=True,
        capture_output=True,
    )
    assert secrets.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")
    return ["-e", f"@{secrets}", "--vault-password-file", str(password_file)]


def bios_attributes(bmc: redfish_emulator.Bmc) -> dict[str, Any]:
    systems = json.loads(bmc.get("/redfish/v1/Systems"))
    system = json.loads(bmc.get(systems["Members"][0]["@odata.id"]))
    return dict(json.loads(bmc.get(system["Bios"]["@odata.id"]))["Attributes"])


def role_vars(bmc: redfish_emulator.Bmc, **extra: Any) -> dict[str, Any]:
    return {
        "bios_bmc_host": bmc.host,
        "bios_bmc_username": bmc.username,
        "bios_bmc_password": "{{ vault_bios_bmc_password }}",
        "bios_ca_path": str(bmc.ca),
        **extra,
    }


def run(tmp: Path, bmc: redfish_emulator.Bmc, vault: list[str], check: bool = False, **extra: Any) -> Result:
    return run_role("bios", tmp, role_vars(bmc, **extra), check=check, extra=vault)


def test_converge_then_second_run_changes_nothing(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    before = bios_attributes(bmc)
    assert before["ProcTurboMode"] == "Enabled" and before["QuietBoot"] == "true"
    profile = {"turbo": False}
    first = run(
        tmp_path / "1", bmc, vault, bios_profile=profile, bios_extra_attributes={"QuietBoot": "false"}
    )
    assert first.rc == 0, first.failures
    assert first.task("Show the BIOS changes")["msg"] == [
        "ProcTurboMode: Enabled -> Disabled (profile turbo)",
        "QuietBoot: true -> false (bios_extra_attributes)",
    ]
    assert first.task("Set the BIOS attributes")["changed"]
    after = bios_attributes(bmc)
    assert after["ProcTurboMode"] == "Disabled" and after["QuietBoot"] == "false"
    assert after["BootMode"] == before["BootMode"]  # nothing else touched
    # The emulator applies settings at once: no reboot is reported as needed.
    assert first.task("Report the reboot the BIOS settings need").get("skipped")

    second = run(
        tmp_path / "2", bmc, vault, bios_profile=profile, bios_extra_attributes={"QuietBoot": "false"}
    )
    assert second.rc == 0, second.failures
    assert second.changed == 0, [t["name"] for t in second.tasks if t.get("changed")]
    assert second.task("Show the BIOS changes")["msg"] == "BIOS attributes already as the profile wants"


def test_default_profile_notes_what_the_emulator_cannot_set(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    result = run(tmp_path, bmc, vault, check=True)
    assert result.rc == 0, result.failures
    notes = result.task("Note the profile keys this vendor cannot set")["msg"]
    assert "profile smt: this vendor has no BIOS attribute for it; left as it is" in notes
    assert "profile iommu: this vendor has no BIOS attribute for it; left as it is" in notes


def test_check_mode_reports_the_diff_and_changes_nothing(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    before = bios_attributes(bmc)
    wanted = "Disabled" if before["ProcTurboMode"] == "Enabled" else "Enabled"
    result = run(tmp_path, bmc, vault, check=True, bios_profile={"turbo": wanted == "Enabled"})
    assert result.rc == 0, result.failures
    shown = result.task("Show the BIOS changes")
    assert shown["changed"] and shown["msg"] == [
        f"ProcTurboMode: {before['ProcTurboMode']} -> {wanted} (profile turbo)"
    ]
    assert result.task("Set the BIOS attributes").get("skipped")
    assert bios_attributes(bmc) == before


def test_wrong_credentials_fail_with_a_clear_message(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    before = bios_attributes(bmc)
    result = run(tmp_path, bmc, vault, bios_bmc_password="not-the-password", bios_profile={"turbo": True})
    assert result.rc != 0
    assert any(
        f"the BMC {bmc.host} refused the credentials of user admin (HTTP 401): "
        "check bios_bmc_username and the vaulted bios_bmc_password" in f
        for f in result.failures
    ), result.failures
    assert bios_attributes(bmc) == before


def test_unknown_attribute_fails_before_any_change(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    before = bios_attributes(bmc)
    result = run(
        tmp_path,
        bmc,
        vault,
        bios_profile={"turbo": before["ProcTurboMode"] != "Enabled"},
        bios_extra_attributes={"HythNoSuchKnob": "On"},
    )
    assert result.rc != 0
    assert any(
        "bios_extra_attributes.HythNoSuchKnob: the BMC lists no such BIOS attribute" in f
        for f in result.failures
    )
    assert any("Nothing was changed" in f for f in result.failures)
    assert bios_attributes(bmc) == before


def test_untrusted_certificate_is_refused(
    tmp_path: Path, bmc: redfish_emulator.Bmc, vault: list[str]
) -> None:
    """Without the BMC's CA the TLS check fails: credentials are never sent to an unverified endpoint."""
    result = run(tmp_path, bmc, vault, bios_ca_path=None)
    assert result.rc != 0
    assert any(
        "cannot read the BIOS attributes from https://127.0.0.1" in f for f in result.failures
    ), result.failures

"""The image build's Ansible code is clean: yamllint (strict) and ansible-lint (production profile)."""

from __future__ import annotations

import subprocess

from .conftest import ROOT

PATHS = ["playbooks/image.yml", "roles/image", "roles/image_os", "molecule/image-vm"]


def test_yamllint_is_clean() -> None:
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/yamllint"), "--strict", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ansible_lint_production_profile_is_clean() -> None:
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/ansible-lint"), "--nocolor", "--profile", "production", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]

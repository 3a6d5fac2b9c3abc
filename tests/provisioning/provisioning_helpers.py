"""Helpers of the provisioning tests: recorded topologies, the Ansible tools of the venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGIES = Path(__file__).resolve().parent / "topologies"
VENV_BIN = ROOT / ".venv" / "bin"


def load_topology(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TOPOLOGIES / f"{name}.json").read_text())
    return data


def tool(name: str) -> str:
    """An Ansible tool of the project's venv (or of PATH); the test skips where it is missing."""
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: run scripts/deps.sh")
    return found


def run_playbook(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """ansible-playbook from the repository root (ansible.cfg there), output captured."""
    environment = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **env)
    return subprocess.run(
        [tool("ansible-playbook"), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def fwd_binary() -> Path | None:
    """The built hayate-fwd, or None: HAYATE_BUILD (scripts/test.sh) or build/."""
    build = Path(os.environ.get("HAYATE_BUILD", ROOT / "build"))
    binary = build / "fwd" / "hayate-fwd"
    return binary if binary.exists() else None

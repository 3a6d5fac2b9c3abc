"""Fixtures of the image tests: one Debian 12 image built by playbooks/image.yml per session, SSH keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "image-test"
# Roles of the test image: those that need no compiler inside the image and no site inventory, so the test
# stays within CI's time; the full scenario (make image-vm-test) builds every role.
DEFAULT_ROLES = "hayate,tuning"


@dataclass(frozen=True)
class BuiltImage:
    raw: Path
    qcow2: Path
    manifest: Path
    build_seconds: float

    def manifest_data(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.manifest.read_text())
        return data


def _need(tools: list[str]) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"image tests need {', '.join(missing)} (scripts/apt-packages.txt; run scripts/deps.sh)")
    if os.geteuid() != 0:
        pytest.skip("image tests need root (debootstrap, chroot)")


@pytest.fixture(scope="session")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("ssh") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


@pytest.fixture(scope="session")
def built_image() -> Iterator[BuiltImage]:
    """A Debian 12 image with the base system and the roles of HAYATE_IMAGE_ROLES (comma-separated;
    DEFAULT_ROLES when unset, "" for none), built once per session into out/image-test/ (git-ignored) and
    removed afterwards; HAYATE_IMAGE_BUILT=PATH (without .raw) uses an image built earlier instead."""
    _need(["debootstrap", "mkfs.vfat", "mcopy", "sfdisk", "qemu-img", "qemu-system-x86_64", "ssh"])
    prebuilt = os.environ.get("HAYATE_IMAGE_BUILT", "")
    if prebuilt:
        # An image built earlier (path without the .raw suffix): for working on the tests themselves.
        yield BuiltImage(
            Path(prebuilt + ".raw"), Path(prebuilt + ".qcow2"), Path(prebuilt + ".manifest.json"), 0.0
        )
        return
    roles = [r for r in os.environ.get("HAYATE_IMAGE_ROLES", DEFAULT_ROLES).split(",") if r]
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    extra = {
        "image_distro": "debian",
        "image_name": "hyim-ci",
        "image_output_dir": str(OUT),
        "image_roles": roles,
        "image_hostname": "hayate-ci",
        "image_qcow2_compress": False,
    }
    start = time.monotonic()
    # inventory/lab leaves localhost implicit (a local connection), which roles delegating to it need.
    proc = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "ansible-playbook"),
            "-i",
            str(ROOT / "inventory" / "lab"),
            str(ROOT / "playbooks" / "image.yml"),
            "-e",
            json.dumps(extra),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    seconds = time.monotonic() - start
    (OUT / "build.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"image build failed; end of its log:\n{(proc.stdout + proc.stderr)[-4000:]}"
    yield BuiltImage(OUT / "hyim-ci.raw", OUT / "hyim-ci.qcow2", OUT / "hyim-ci.manifest.json", seconds)
    shutil.rmtree(OUT, ignore_errors=True)

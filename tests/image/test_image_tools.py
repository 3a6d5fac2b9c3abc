"""The image build's own tools, each on real files: mirror discovery from apt, legacy BIOS boot code,
the manifest, the disk assembly without loop devices, chroot mounts, and the build's early input checks."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import load_module

from .conftest import ROOT

IMAGE = ROOT / "image"
GRUB_I386 = Path("/usr/lib/grub/i386-pc")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mounts, debootstrap)")


def load(name: str) -> ModuleType:
    return load_module(f"hayate_image_{name}", IMAGE / f"{name}.py")


host_apt = load("host_apt")
bios_boot = load("bios_boot")
manifest = load("manifest")


# --- mirror discovery -------------------------------------------------------------------------------

INDEXTARGETS = (
    "deb\tbookworm-security\thttp://security.example/debian-security/\t/etc/apt/sources.list.d/d.sources:2\n"
    "deb-src\tbookworm\thttp://src.example/debian/\t/etc/apt/sources.list:3\n"
    "deb\tbookworm\thttp://mirror.example/debian/\t/etc/apt/sources.list.d/d.sources:1\n"
    "deb\tbookworm-updates\thttp://mirror.example/debian/\t/etc/apt/sources.list.d/d.sources:1\n"
    "garbage line\n"
)


def test_mirror_is_the_binary_source_of_exactly_the_suite() -> None:
    targets = host_apt.parse_indextargets(INDEXTARGETS)
    assert len(targets) == 4
    found = host_apt.mirror_for_suite(targets, "bookworm")
    assert found.repo_uri == "http://mirror.example/debian/"
    assert found.sources_entry.endswith("d.sources:1")
    assert host_apt.mirror_for_suite(targets, "bookworm-security").repo_uri.startswith("http://security")
    assert host_apt.mirror_for_suite(targets, "noble") is None


@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt")
def test_host_without_the_suite_names_the_variable_to_set() -> None:
    proc = subprocess.run(
        [sys.executable, str(IMAGE / "host_apt.py"), "no-such-suite"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "image_mirror" in proc.stderr and "no-such-suite" in proc.stderr


# --- legacy BIOS boot code ----------------------------------------------------------------------------


def protective_mbr() -> bytes:
    mbr = bytearray(512)
    mbr[0x1B8:0x1BC] = b"\xde\xad\xbe\xef"
    mbr[0x1BE:0x1CE] = bytes([0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
    mbr[0x1FE:0x200] = b"\x55\xaa"
    return bytes(mbr)


@pytest.mark.skipif(not (GRUB_I386 / "boot.img").exists(), reason="needs grub-pc-bin")
def test_mbr_keeps_the_partition_table_and_points_at_core() -> None:
    disk_mbr = protective_mbr()
    out = bios_boot.patch_mbr(disk_mbr, (GRUB_I386 / "boot.img").read_bytes(), 2048)
    assert out[0x1B8:0x200] == disk_mbr[0x1B8:0x200], "disk signature and GPT protective entry kept"
    assert struct.unpack_from("<Q", out, 0x5C)[0] == 2048
    assert out[0x64] == 0xFF and out[0x66:0x68] == b"\x90\x90"
    assert out[0x68:0x1B8] == (GRUB_I386 / "boot.img").read_bytes()[0x68:0x1B8], "GRUB's code unchanged"


def test_mbr_without_signature_is_refused() -> None:
    with pytest.raises(bios_boot.BiosBootError, match="protective MBR"):
        bios_boot.patch_mbr(bytes(512), bytes(512), 2048)


@pytest.mark.skipif(not (GRUB_I386 / "diskboot.img").exists(), reason="needs grub-pc-bin")
def test_core_blocklist_names_the_sectors_after_the_first() -> None:
    core = (GRUB_I386 / "diskboot.img").read_bytes() + b"\x01" * 1000
    out = bios_boot.patch_core(core, 2048)
    assert len(out) % 512 == 0 and len(out) == 512 * 3
    start, length, segment = struct.unpack_from("<QHH", out, 500)
    assert (start, length, segment) == (2049, 2, 0x820)


def test_core_larger_than_the_partition_is_refused(tmp_path: Path) -> None:
    disk = tmp_path / "d.img"
    disk.write_bytes(protective_mbr() + bytes(4096))
    (tmp_path / "boot.img").write_bytes(bytes(512))
    (tmp_path / "core.img").write_bytes(bytes(4096))
    with pytest.raises(bios_boot.BiosBootError, match="does not fit"):
        bios_boot.install(disk, tmp_path / "boot.img", tmp_path / "core.img", 1, 2)


# --- manifest -----------------------------------------------------------------------------------------


def test_manifest_hashes_artefacts_and_sorts_packages(tmp_path: Path) -> None:
    (tmp_path / "disk.raw").write_bytes(b"hayate" * 1000)
    (tmp_path / "inputs.json").write_text(json.dumps({"suite": "bookworm"}))
    (tmp_path / "packages.tsv").write_text("zstd\t1.5\tamd64\nbash\t5.2\tamd64\n")
    rc = manifest.main(
        [
            "--inputs",
            str(tmp_path / "inputs.json"),
            "--packages",
            str(tmp_path / "packages.tsv"),
            "--artefact",
            f"raw={tmp_path / 'disk.raw'}",
            "--out",
            str(tmp_path / "m.json"),
            "--sums",
            str(tmp_path / "SUMS"),
        ]
    )
    assert rc == 0
    data = json.loads((tmp_path / "m.json").read_text())
    assert [p["name"] for p in data["packages"]] == ["bash", "zstd"]
    assert data["inputs"] == {"suite": "bookworm"}
    expected = subprocess.run(
        ["sha256sum", str(tmp_path / "disk.raw")], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    assert data["artefacts"]["raw"]["sha256"] == expected
    assert (
        subprocess.run(
            ["sha256sum", "-c", str(tmp_path / "SUMS")], cwd=tmp_path, capture_output=True, check=False
        ).returncode
        == 0
    )


def test_malformed_package_line_is_named() -> None:
    with pytest.raises(ValueError, match="line 2"):
        manifest.parse_packages("bash\t5.2\tamd64\nbroken line\n")


# --- disk assembly --------------------------------------------------------------------------------------

ASSEMBLE_TOOLS = ["sfdisk", "mkfs.vfat", "mcopy", "mkfs.ext4", "debugfs"]
needs_assemble_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ASSEMBLE_TOOLS), reason=f"needs {', '.join(ASSEMBLE_TOOLS)}"
)
ROOT_UUID = "0c8a2c3e-5b0e-4f6e-9a55-3d1c2b4a5e6f"


def small_root(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("hayate\n")
    (root / "boot" / "efi" / "EFI" / "BOOT").mkdir(parents=True)
    (root / "boot" / "efi" / "EFI" / "BOOT" / "BOOTX64.EFI").write_bytes(b"MZ-not-really")
    return root


def assemble(root: Path, out: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """image/assemble.sh on a root tree, with this file's root UUID and ESP id."""
    args = ["--root", str(root), "--out", str(out), "--root-uuid", ROOT_UUID, "--esp-id", "1234ABCD", *extra]
    return subprocess.run([str(IMAGE / "assemble.sh"), *args], capture_output=True, text=True, check=check)


@needs_assemble_tools
def test_assembled_disk_has_bios_esp_and_root_partitions(tmp_path: Path) -> None:
    root = small_root(tmp_path)
    out = tmp_path / "disk.raw"
    assemble(root, out, "--size-mb", "700", "--esp-mb", "64")
    assert out.stat().st_size == 700 << 20
    parts = json.loads(
        subprocess.run(["sfdisk", "--json", str(out)], capture_output=True, text=True, check=True).stdout
    )["partitiontable"]["partitions"]
    assert [p["type"] for p in parts] == [
        "21686148-6E6F-744E-6565-6446654D4942",
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
        "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
    ]
    esp = f"{out}@@{parts[1]['start'] * 512}"
    efi = subprocess.run(
        ["mtype", "-i", esp, "::/EFI/BOOT/BOOTX64.EFI"],
        capture_output=True,
        check=True,
        env={**os.environ, "MTOOLS_SKIP_CHECK": "1"},
    ).stdout
    assert efi == b"MZ-not-really"
    fs = f"{out}?offset={parts[2]['start'] * 512}"
    assert (
        subprocess.run(
            ["debugfs", "-R", "cat /etc/hostname", fs], capture_output=True, text=True, check=True
        ).stdout
        == "hayate\n"
    )
    assert (
        ROOT_UUID in subprocess.run(["dumpe2fs", "-h", fs], capture_output=True, text=True, check=True).stdout
    )
    listing = subprocess.run(
        ["debugfs", "-R", "ls /boot/efi", fs], capture_output=True, text=True, check=True
    ).stdout
    assert "EFI" not in listing, "the ESP's files live in the ESP, not in the root's mount point"
    assert (root / "boot" / "efi" / "EFI" / "BOOT" / "BOOTX64.EFI").exists(), "the folder is left as it was"


@needs_assemble_tools
def test_too_small_size_is_refused_naming_the_variable(tmp_path: Path) -> None:
    root = small_root(tmp_path)
    (root / "big").write_bytes(os.urandom(1 << 20) * 1)
    proc = assemble(root, tmp_path / "d.raw", "--size-mb", "100", check=False)
    assert proc.returncode == 1 and "image_size_mb=100 is too small" in proc.stderr
    assert not (tmp_path / "d.raw").exists()
    assert not list(tmp_path.glob(".assemble.*")), "temporary files removed"


# --- chroot mounts ------------------------------------------------------------------------------------------


def mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    return [
        line.split()[1]
        for line in Path("/proc/mounts").read_text().splitlines()
        if (line.split()[1] + "/").startswith(prefix)
    ]


@needs_root
def test_chroot_mounts_come_and_go_and_assembly_refuses_while_mounted(tmp_path: Path) -> None:
    root = small_root(tmp_path)
    for d in ("proc", "sys", "dev", "usr/sbin"):
        (root / d).mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([str(IMAGE / "chroot.sh"), "mount", str(root)], check=True)
        assert len(mounts_under(root)) == 4
        assert "exit 101" in (root / "usr/sbin/policy-rc.d").read_text()
        proc = assemble(root, tmp_path / "d.raw", check=False)
        assert proc.returncode == 1 and "still mounted" in proc.stderr
    finally:
        subprocess.run([str(IMAGE / "chroot.sh"), "umount", str(root)], check=True)
    assert mounts_under(root) == []
    assert not (root / "usr/sbin/policy-rc.d").exists()
    subprocess.run([str(IMAGE / "chroot.sh"), "umount", str(root)], check=True)  # idempotent


# --- early input checks of playbooks/image.yml ---------------------------------------------------------


def run_image_playbook(tmp_path: Path, extra: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "ansible-playbook"),
            "-i",
            str(ROOT / "inventory" / "lab"),
            str(ROOT / "playbooks" / "image.yml"),
            "-e",
            json.dumps({"image_output_dir": str(tmp_path), "image_roles": [], **extra}),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@needs_root
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"image_distro": "gentoo"}, "image_distro must be ubuntu or debian"),
        ({"image_distro": "debian", "image_boot_modes": ["coreboot"]}, "image_boot_modes"),
        (
            {"image_distro": "debian", "image_keyring": "/nonexistent/keyring.gpg"},
            "image_keyring: /nonexistent/keyring.gpg does not exist",
        ),
        (
            {"image_distro": "debian", "image_mirror": "http://127.0.0.1:9/debian"},
            "image_mirror: http://127.0.0.1:9",
        ),
        ({"image_distro": "debian", "image_roles": ["no_such_role"]}, "no_such_role"),
    ],
)
def test_bad_inputs_stop_the_build_before_any_change(
    tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    proc = run_image_playbook(tmp_path, extra)
    assert proc.returncode != 0
    assert message in " ".join((proc.stdout + proc.stderr).split())
    assert list(tmp_path.iterdir()) == [], "nothing was built"


@needs_root
@pytest.mark.skipif(
    Path("/usr/share/keyrings/ubuntu-archive-keyring.gpg").exists(), reason="host has the keyring"
)
def test_ubuntu_without_its_keyring_names_image_keyring(tmp_path: Path) -> None:
    """The default (Ubuntu 24.04) on a build host without Ubuntu's keyring says what to set."""
    proc = run_image_playbook(tmp_path, {"image_mirror": "http://127.0.0.1:9/ubuntu"})
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0
    assert "image_keyring" in out and "ubuntu-keyring" in out


# --- first-boot seed --------------------------------------------------------------------------------------


@needs_assemble_tools
def test_seed_puts_hostname_and_keys_on_the_esp_and_refuses_bad_names(tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    assemble(small_root(tmp_path), disk, "--size-mb", "700", "--esp-mb", "64")
    keys = tmp_path / "keys.pub"
    keys.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample test@hayate\n")
    seed = [str(IMAGE / "seed.sh"), str(disk), "--hostname", "edge-1", "--authorized-keys", str(keys)]
    subprocess.run(seed, check=True, capture_output=True)
    esp = f"{disk}@@{2 << 20}"
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}

    def read(name: str) -> str:
        cmd = ["mtype", "-i", esp, f"::/hayate/{name}"]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout

    assert read("hostname") == "edge-1\n"
    assert read("authorized_keys") == keys.read_text()
    bad = subprocess.run([str(IMAGE / "seed.sh"), str(disk), "--hostname", "Bad_Name"], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode == 1 and "not a valid host name" in bad.stderr

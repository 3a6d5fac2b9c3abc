#!/usr/bin/env python3
"""Install GRUB's legacy-BIOS boot code into a GPT disk image file, without a block device.

`grub-install --target=i386-pc` wants a block device whose partitions the kernel has scanned, which the
build host may not offer (loop devices without partition scanning). What it does to the disk is small and
documented by GRUB's boot.h: the 440-byte boot code of boot.img goes into the protective MBR, told the first
sector of core.img; core.img goes into the BIOS boot partition, its first sector (diskboot.img) told where the
rest of it lies. This module does exactly that on an image file.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

SECTOR = 512
# Offsets inside boot.img (GRUB include/grub/i386/pc/boot.h).
BPB_START, BPB_END = 0x03, 0x5A  # a DOS BIOS parameter block, kept from the disk
KERNEL_SECTOR = 0x5C  # u64: first sector of core.img
BOOT_DRIVE = 0x64  # u8: 0xff = use the drive the BIOS booted from
DRIVE_CHECK = 0x66  # u16: a jmp that hard disks replace by two NOPs
NT_MAGIC = 0x1B8  # from here to the signature: disk signature and partition table, kept from the disk
SIGNATURE = 0x1FE
# The blocklist at the end of diskboot.img (the first sector of core.img): start u64, len u16, segment u16.
BLOCKLIST = SECTOR - 12
BIOS_BOOT_TYPE = "21686148-6E6F-744E-6565-6446654D4942"


class BiosBootError(Exception):
    """The disk or the GRUB images do not allow a BIOS boot installation."""


def patch_mbr(disk_mbr: bytes, boot_img: bytes, core_sector: int) -> bytes:
    """boot.img's code with the disk's own BPB and partition table, told where core.img starts."""
    if len(boot_img) != SECTOR or len(disk_mbr) != SECTOR:
        raise BiosBootError("boot.img and the disk's first sector must both be 512 bytes")
    if disk_mbr[SIGNATURE : SIGNATURE + 2] != b"\x55\xaa":
        raise BiosBootError("the disk has no protective MBR: partition it (GPT) first")
    mbr = bytearray(boot_img)
    mbr[BPB_START:BPB_END] = disk_mbr[BPB_START:BPB_END]
    mbr[NT_MAGIC:SIGNATURE] = disk_mbr[NT_MAGIC:SIGNATURE]
    struct.pack_into("<Q", mbr, KERNEL_SECTOR, core_sector)
    mbr[BOOT_DRIVE] = 0xFF
    mbr[DRIVE_CHECK : DRIVE_CHECK + 2] = b"\x90\x90"
    mbr[SIGNATURE : SIGNATURE + 2] = b"\x55\xaa"
    return bytes(mbr)


def patch_core(core_img: bytes, core_sector: int) -> bytes:
    """core.img padded to whole sectors, its first sector's blocklist naming the sectors that follow."""
    padded = bytearray(core_img + b"\0" * (-len(core_img) % SECTOR))
    sectors = len(padded) // SECTOR
    if sectors < 2:
        raise BiosBootError("core.img is too small to be a GRUB i386-pc core image")
    _, _, segment = struct.unpack_from("<QHH", padded, BLOCKLIST)
    struct.pack_into("<QHH", padded, BLOCKLIST, core_sector + 1, sectors - 1, segment)
    return bytes(padded)


def install(disk: Path, boot_img: Path, core_img: Path, part_start: int, part_sectors: int) -> None:
    """Write core.img into the BIOS boot partition at `part_start` and the boot code into the MBR."""
    core = patch_core(core_img.read_bytes(), part_start)
    if len(core) > part_sectors * SECTOR:
        raise BiosBootError(
            f"core.img ({len(core)} bytes) does not fit the BIOS boot partition ({part_sectors} sectors)"
        )
    with disk.open("r+b") as f:
        mbr = patch_mbr(f.read(SECTOR), boot_img.read_bytes(), part_start)
        f.seek(part_start * SECTOR)
        f.write(core)
        f.seek(0)
        f.write(mbr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("disk", type=Path)
    parser.add_argument("--boot-img", type=Path, required=True)
    parser.add_argument("--core-img", type=Path, required=True)
    parser.add_argument("--start", type=int, required=True, help="first sector of the BIOS boot partition")
    parser.add_argument("--sectors", type=int, required=True, help="size of the BIOS boot partition")
    args = parser.parse_args(argv)
    try:
        install(args.disk, args.boot_img, args.core_img, args.start, args.sectors)
    except (BiosBootError, OSError) as err:
        print(f"bios_boot: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CMIS 4.0/5.x (QSFP-DD, OSFP, QSFP+ and SFP-DD with CMIS): module temperature and page 02h thresholds.

Lower memory: byte 2 bit 7 MemoryModel (1: flat, only page 00h), byte 9 bits 0-3 temperature high alarm, low
alarm, high warning, low warning flags (latched), bytes 14-15 TempMonValue. Upper page 00h: vendor name
129-144, part number 148-163, serial 166-181. Upper page 02h bytes 128-135: TempMon high alarm, low alarm,
high warning, low warning thresholds."""

from __future__ import annotations

from hayate.thermal.memory import I2C_ADDR_A0, ModuleMemory
from hayate.thermal.module import ModuleReading, PagedLayout, decode_paged, require

LOWER_REVISION = 1

LAYOUT = PagedLayout(
    standard="CMIS",
    temperature=14,
    flags=9,
    flag_bits=(1 << 0, 1 << 1, 1 << 2, 1 << 3),
    flat_mem=(2, 1 << 7),
    flat_mem_where="byte 2 bit 7",
    vendor_name=(129, 16),
    vendor_pn=(148, 16),
    vendor_sn=(166, 16),
    thresholds_page=0x02,
)


def decode(memory: ModuleMemory) -> ModuleReading:
    lower = require(memory.lower(I2C_ADDR_A0), "CMIS lower memory")
    revision = lower[LOWER_REVISION]
    return decode_paged(memory, lower, LAYOUT, [f"CMIS revision {revision >> 4}.{revision & 0xF}"])

"""SFF-8636 (QSFP+/QSFP28): temperature in the lower page, thresholds in upper page 03h.

Lower page: byte 2 bit 2 Flat_mem (1: only upper page 00h exists), byte 6 bits 7-4 temperature high alarm,
low alarm, high warning, low warning flags (latched), bytes 22-23 temperature. Upper page 00h: vendor name
148-163, part number 168-183, serial 196-211. Upper page 03h bytes 128-135: temperature high alarm, low
alarm, high warning, low warning thresholds."""

from __future__ import annotations

from hayate.thermal.memory import I2C_ADDR_A0, ModuleMemory
from hayate.thermal.module import ModuleReading, PagedLayout, decode_paged, require

LAYOUT = PagedLayout(
    standard="SFF-8636",
    temperature=22,
    flags=6,
    flag_bits=(1 << 7, 1 << 6, 1 << 5, 1 << 4),
    flat_mem=(2, 1 << 2),
    flat_mem_where="lower page byte 2 bit 2",
    vendor_name=(148, 16),
    vendor_pn=(168, 16),
    vendor_sn=(196, 16),
    thresholds_page=0x03,
)


def decode(memory: ModuleMemory) -> ModuleReading:
    lower = require(memory.lower(I2C_ADDR_A0), "SFF-8636 lower page")
    return decode_paged(memory, lower, LAYOUT, [])

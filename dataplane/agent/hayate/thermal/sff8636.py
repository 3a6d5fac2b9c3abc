"""SFF-8636 (QSFP+/QSFP28): temperature in the lower page, thresholds in upper page 03h.

Lower page: byte 2 bit 2 Flat_mem (1: only upper page 00h exists), byte 6 bits 7-4 temperature high alarm,
low alarm, high warning, low warning flags (latched), bytes 22-23 temperature. Upper page 00h: vendor name
148-163, part number 168-183, serial 196-211. Upper page 03h bytes 128-135: temperature high alarm, low
alarm, high warning, low warning thresholds."""

from __future__ import annotations

from hayate.thermal.memory import I2C_ADDR_A0, ModuleMemory
from hayate.thermal.module import (
    ModuleFlags,
    ModuleReading,
    TempThresholds,
    ascii_field,
    require,
    s16_celsius,
)

LOWER_STATUS = 2
STATUS_FLAT_MEM = 1 << 2
LOWER_TEMP_FLAGS = 6
FLAG_HIGH_ALARM = 1 << 7
FLAG_LOW_ALARM = 1 << 6
FLAG_HIGH_WARNING = 1 << 5
FLAG_LOW_WARNING = 1 << 4
LOWER_TEMPERATURE = 22

# Upper-page offsets are written as in the specification (128-255); subtract 128 to index the half page.
P00_VENDOR_NAME = (148, 16)
P00_VENDOR_PN = (168, 16)
P00_VENDOR_SN = (196, 16)
P03_TEMP_HIGH_ALARM = 128
THRESHOLDS_PAGE = 0x03


def thresholds_at(page: bytes, first: int, where: str) -> TempThresholds:
    """Four big-endian s16 thresholds (high alarm, low alarm, high warning, low warning) from `first`."""
    base = first - 128
    thresholds = TempThresholds(
        high_alarm=s16_celsius(page, base),
        low_alarm=s16_celsius(page, base + 2),
        high_warning=s16_celsius(page, base + 4),
        low_warning=s16_celsius(page, base + 6),
    )
    thresholds.check(where)
    return thresholds


def decode(memory: ModuleMemory) -> ModuleReading:
    lower = require(memory.lower(I2C_ADDR_A0), "SFF-8636 lower page")
    notes: list[str] = []
    page00 = memory.upper(I2C_ADDR_A0, 0)
    vendor = part = serial = ""
    if page00 is None:
        notes.append("SFF-8636: upper page 00h not readable, module identity unknown")
    else:
        vendor = ascii_field(page00, P00_VENDOR_NAME[0] - 128, P00_VENDOR_NAME[1])
        part = ascii_field(page00, P00_VENDOR_PN[0] - 128, P00_VENDOR_PN[1])
        serial = ascii_field(page00, P00_VENDOR_SN[0] - 128, P00_VENDOR_SN[1])
    temp = s16_celsius(lower, LOWER_TEMPERATURE)
    flag_byte = lower[LOWER_TEMP_FLAGS]
    flags = ModuleFlags(
        high_alarm=bool(flag_byte & FLAG_HIGH_ALARM),
        low_alarm=bool(flag_byte & FLAG_LOW_ALARM),
        high_warning=bool(flag_byte & FLAG_HIGH_WARNING),
        low_warning=bool(flag_byte & FLAG_LOW_WARNING),
    )
    thresholds = None
    if lower[LOWER_STATUS] & STATUS_FLAT_MEM:
        notes.append("SFF-8636: flat memory (lower page byte 2 bit 2), no page 03h thresholds")
    else:
        page03 = memory.upper(I2C_ADDR_A0, THRESHOLDS_PAGE)
        if page03 is None:
            notes.append("SFF-8636: upper page 03h not readable, module thresholds unknown")
        else:
            thresholds = thresholds_at(page03, P03_TEMP_HIGH_ALARM, "SFF-8636 page 03h bytes 128-135")
    return ModuleReading("SFF-8636", lower[0], temp, thresholds, flags, vendor, part, serial, notes)

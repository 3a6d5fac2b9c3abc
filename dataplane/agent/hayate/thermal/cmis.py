"""CMIS 4.0/5.x (QSFP-DD, OSFP, QSFP+ and SFP-DD with CMIS): module temperature and page 02h thresholds.

Lower memory: byte 2 bit 7 MemoryModel (1: flat, only page 00h), byte 9 bits 0-3 temperature high alarm, low
alarm, high warning, low warning flags (latched), bytes 14-15 TempMonValue. Upper page 00h: vendor name
129-144, part number 148-163, serial 166-181. Upper page 02h bytes 128-135: TempMon high alarm, low alarm,
high warning, low warning thresholds."""

from __future__ import annotations

from hayate.thermal.memory import I2C_ADDR_A0, ModuleMemory
from hayate.thermal.module import ModuleFlags, ModuleReading, ascii_field, require, s16_celsius
from hayate.thermal.sff8636 import thresholds_at

LOWER_REVISION = 1
LOWER_MEMORY_MODEL = 2
MEMORY_MODEL_FLAT = 1 << 7
LOWER_MODULE_FLAGS = 9
FLAG_HIGH_ALARM = 1 << 0
FLAG_LOW_ALARM = 1 << 1
FLAG_HIGH_WARNING = 1 << 2
FLAG_LOW_WARNING = 1 << 3
LOWER_TEMPERATURE = 14

P00_VENDOR_NAME = (129, 16)
P00_VENDOR_PN = (148, 16)
P00_VENDOR_SN = (166, 16)
P02_TEMP_HIGH_ALARM = 128
THRESHOLDS_PAGE = 0x02


def decode(memory: ModuleMemory) -> ModuleReading:
    lower = require(memory.lower(I2C_ADDR_A0), "CMIS lower memory")
    notes = [f"CMIS revision {lower[LOWER_REVISION] >> 4}.{lower[LOWER_REVISION] & 0xF}"]
    page00 = memory.upper(I2C_ADDR_A0, 0)
    vendor = part = serial = ""
    if page00 is None:
        notes.append("CMIS: upper page 00h not readable, module identity unknown")
    else:
        vendor = ascii_field(page00, P00_VENDOR_NAME[0] - 128, P00_VENDOR_NAME[1])
        part = ascii_field(page00, P00_VENDOR_PN[0] - 128, P00_VENDOR_PN[1])
        serial = ascii_field(page00, P00_VENDOR_SN[0] - 128, P00_VENDOR_SN[1])
    temp = s16_celsius(lower, LOWER_TEMPERATURE)
    flag_byte = lower[LOWER_MODULE_FLAGS]
    flags = ModuleFlags(
        high_alarm=bool(flag_byte & FLAG_HIGH_ALARM),
        low_alarm=bool(flag_byte & FLAG_LOW_ALARM),
        high_warning=bool(flag_byte & FLAG_HIGH_WARNING),
        low_warning=bool(flag_byte & FLAG_LOW_WARNING),
    )
    thresholds = None
    if lower[LOWER_MEMORY_MODEL] & MEMORY_MODEL_FLAT:
        notes.append("CMIS: flat memory (byte 2 bit 7), no page 02h thresholds")
    else:
        page02 = memory.upper(I2C_ADDR_A0, THRESHOLDS_PAGE)
        if page02 is None:
            notes.append("CMIS: upper page 02h not readable, module thresholds unknown")
        else:
            thresholds = thresholds_at(page02, P02_TEMP_HIGH_ALARM, "CMIS page 02h bytes 128-135")
    return ModuleReading("CMIS", lower[0], temp, thresholds, flags, vendor, part, serial, notes)

"""SFF-8472 (SFP/SFP+/SFP28 digital diagnostics): temperature and its thresholds from A2h.

A0h byte 92 (diagnostic monitoring type): bit 6 DDM implemented, bit 5 internally calibrated, bit 4
externally calibrated. A0h byte 93 bit 7: alarm/warning flags implemented. A2h bytes 0-7: temperature high
alarm, low alarm, high warning, low warning; bytes 84-87: external calibration T_slope (unsigned 8.8) and
T_offset (signed); bytes 96-97: temperature; byte 112 bits 7/6 and byte 116 bits 7/6: high/low temperature
alarm and warning flags."""

from __future__ import annotations

import struct

from hayate.thermal.memory import I2C_ADDR_A0, I2C_ADDR_A2, ModuleMemory
from hayate.thermal.module import (
    ModuleFlags,
    ModuleReading,
    TempThresholds,
    ascii_field,
    require,
)

A0_DIAG_MON_TYPE = 92
A0_ENHANCED_OPTIONS = 93
DIAG_IMPLEMENTED = 1 << 6
DIAG_INTERNAL_CAL = 1 << 5
DIAG_EXTERNAL_CAL = 1 << 4
ENHANCED_ALARM_FLAGS = 1 << 7

A0_VENDOR_NAME = (20, 16)
A0_VENDOR_PN = (40, 16)
A0_VENDOR_SN = (68, 16)

A2_TEMP_HIGH_ALARM = 0
A2_TEMP_LOW_ALARM = 2
A2_TEMP_HIGH_WARNING = 4
A2_TEMP_LOW_WARNING = 6
A2_CAL_T_SLOPE = 84
A2_CAL_T_OFFSET = 86
A2_TEMPERATURE = 96
A2_ALARM_FLAGS = 112
A2_WARNING_FLAGS = 116
FLAG_TEMP_HIGH = 1 << 7
FLAG_TEMP_LOW = 1 << 6


def _temperature(a2: bytes, offset: int, external: bool) -> float:
    if not external:
        raw = int(struct.unpack_from(">h", a2, offset)[0])
        return raw / 256.0
    # Externally calibrated: the field is a raw A/D count; T = T_slope * T_ad + T_offset (SFF-8472 9.3).
    raw_ad = int(struct.unpack_from(">h", a2, offset)[0])
    slope = int(struct.unpack_from(">H", a2, A2_CAL_T_SLOPE)[0])
    t_offset = int(struct.unpack_from(">h", a2, A2_CAL_T_OFFSET)[0])
    return (slope / 256.0 * raw_ad + t_offset) / 256.0


def decode(memory: ModuleMemory) -> ModuleReading:
    a0 = require(memory.lower(I2C_ADDR_A0), "SFF-8472 A0h bytes 0-127")
    notes: list[str] = []
    vendor = ascii_field(a0, *A0_VENDOR_NAME)
    part = ascii_field(a0, *A0_VENDOR_PN)
    serial = ascii_field(a0, *A0_VENDOR_SN)
    diag = a0[A0_DIAG_MON_TYPE]
    if not diag & DIAG_IMPLEMENTED:
        notes.append("SFF-8472: digital diagnostics not implemented (A0h byte 92 bit 6 clear)")
        return ModuleReading("SFF-8472", a0[0], None, None, None, vendor, part, serial, notes)
    external = bool(diag & DIAG_EXTERNAL_CAL) and not diag & DIAG_INTERNAL_CAL
    a2 = require(memory.lower(I2C_ADDR_A2), "SFF-8472 A2h bytes 0-127 (diagnostics)")
    temp = _temperature(a2, A2_TEMPERATURE, external)
    thresholds = TempThresholds(
        high_alarm=_temperature(a2, A2_TEMP_HIGH_ALARM, external),
        low_alarm=_temperature(a2, A2_TEMP_LOW_ALARM, external),
        high_warning=_temperature(a2, A2_TEMP_HIGH_WARNING, external),
        low_warning=_temperature(a2, A2_TEMP_LOW_WARNING, external),
    )
    thresholds.check("SFF-8472 A2h bytes 0-7")
    flags = None
    if a0[A0_ENHANCED_OPTIONS] & ENHANCED_ALARM_FLAGS:
        flags = ModuleFlags(
            high_alarm=bool(a2[A2_ALARM_FLAGS] & FLAG_TEMP_HIGH),
            low_alarm=bool(a2[A2_ALARM_FLAGS] & FLAG_TEMP_LOW),
            high_warning=bool(a2[A2_WARNING_FLAGS] & FLAG_TEMP_HIGH),
            low_warning=bool(a2[A2_WARNING_FLAGS] & FLAG_TEMP_LOW),
        )
    if external:
        notes.append("SFF-8472: externally calibrated temperature")
    return ModuleReading("SFF-8472", a0[0], temp, thresholds, flags, vendor, part, serial, notes)

"""Byte-exact module EEPROM images built field by field from SFF-8472, SFF-8636 and CMIS (tests only).

Each builder writes the fields the specifications define at their offsets, check codes included, so that a
decoder is tested against what a real module holds, not against what the decoder expects.
"""

from __future__ import annotations

import struct

HALF = 128


def temp_s16(celsius: float) -> bytes:
    """Signed 16-bit big-endian in 1/256 °C."""
    return struct.pack(">h", round(celsius * 256))


def ascii_pad(text: str, length: int) -> bytes:
    return text.encode().ljust(length, b" ")[:length]


def checksum(data: bytearray, first: int, last: int) -> int:
    """Low 8 bits of the sum of bytes first..last inclusive (CC_BASE, CC_EXT, CC_DMI)."""
    return sum(data[first : last + 1]) & 0xFF


def sff8472(
    temp: float = 41.5,
    high_alarm: float = 75.0,
    low_alarm: float = -5.0,
    high_warning: float = 70.0,
    low_warning: float = 0.0,
    flags_high_alarm: bool = False,
    flags_high_warning: bool = False,
    ddm: bool = True,
    external_cal: tuple[int, int]
    | None = None,  # (T_slope u8.8 raw, T_offset raw) when externally calibrated
) -> bytes:
    """A0h (256 bytes) + A2h (256 bytes), the ethtool/DPDK SFF_8472 layout."""
    a0 = bytearray(256)
    a0[0] = 0x03  # identifier: SFP/SFP+/SFP28 (SFF-8024)
    a0[1] = 0x04  # extended identifier: function defined by two-wire ID only
    a0[2] = 0x07  # connector: LC
    a0[3] = 0x10  # 10GBASE-SR compliance
    a0[11] = 0x06  # encoding: 64B/66B
    a0[12] = 0x67  # nominal rate 10.3 Gb/s in 100 Mb/s units
    a0[20:36] = ascii_pad("HAYATE OPTICS", 16)
    a0[37:40] = b"\x00\x90\x65"  # vendor OUI
    a0[40:56] = ascii_pad("HY-SFP10G-SR", 16)
    a0[56:60] = ascii_pad("A1", 4)
    a0[60:62] = struct.pack(">H", 850)  # wavelength nm
    a0[63] = checksum(a0, 0, 62)  # CC_BASE
    a0[64:66] = b"\x00\x1a"  # options: tx disable, tx fault, los
    a0[68:84] = ascii_pad("SN8472A0001", 16)
    a0[84:92] = b"26110100"  # date code yymmddlot
    diag = 0
    if ddm:
        diag |= 1 << 6  # digital diagnostic monitoring implemented
        diag |= (1 << 4) if external_cal else (1 << 5)  # calibration
        diag |= 1 << 3  # received power: average
    a0[92] = diag
    a0[93] = 0xF0  # enhanced options: alarm/warning flags implemented, soft tx disable, ...
    a0[94] = 0x08  # SFF-8472 compliance: rev 12.3
    a0[95] = checksum(a0, 64, 94)  # CC_EXT

    a2 = bytearray(256)
    if external_cal:
        slope, offset = external_cal

        def enc(c: float) -> bytes:
            # raw A/D such that slope/256 * raw + offset = c * 256
            return struct.pack(">h", round((c * 256 - offset) / (slope / 256)))
    else:
        enc = temp_s16
    a2[0:2] = enc(high_alarm)
    a2[2:4] = enc(low_alarm)
    a2[4:6] = enc(high_warning)
    a2[6:8] = enc(low_warning)
    a2[8:16] = struct.pack(">HHHH", 36000, 30000, 35000, 31000)  # Vcc 3.6/3.0/3.5/3.1 V in 100 µV
    a2[16:24] = struct.pack(">HHHH", 6000, 500, 5500, 1000)  # bias 12/1/11/2 mA in 2 µA
    a2[24:32] = struct.pack(">HHHH", 15849, 1259, 12589, 1585)  # tx power in 0.1 µW
    a2[32:40] = struct.pack(">HHHH", 15849, 100, 12589, 158)  # rx power in 0.1 µW
    if external_cal:
        slope, offset = external_cal
        a2[56:76] = struct.pack(">fffff", 0.0, 0.0, 0.0, 1.0, 0.0)  # Rx_PWR(4..0)
        a2[76:84] = struct.pack(">HhHh", 256, 0, 256, 0)  # Tx_I and Tx_PWR slope/offset
        a2[84:88] = struct.pack(">Hh", slope, offset)
        a2[88:92] = struct.pack(">Hh", 256, 0)  # V slope/offset
    a2[95] = checksum(a2, 0, 94)  # CC_DMI
    a2[96:98] = enc(temp)
    a2[98:100] = struct.pack(">H", 33000)  # Vcc 3.3 V
    a2[100:102] = struct.pack(">H", 3000)  # bias 6 mA
    a2[102:104] = struct.pack(">H", 5012)  # tx 0.5012 mW
    a2[104:106] = struct.pack(">H", 4467)  # rx 0.4467 mW
    a2[112] = 0x80 if flags_high_alarm else 0
    a2[116] = 0x80 if flags_high_warning else 0
    return bytes(a0 + a2)


def sff8636(
    temp: float = 45.0,
    high_alarm: float = 75.0,
    low_alarm: float = -5.0,
    high_warning: float = 70.0,
    low_warning: float = 0.0,
    flags: int = 0,  # lower page byte 6 (bit 7 high alarm .. bit 4 low warning)
    flat: bool = False,
    identifier: int = 0x11,
) -> bytes:
    """Lower page + upper pages 00h, 01h, 02h, 03h: the 640-byte ethtool/DPDK SFF_8636 layout."""
    lower = bytearray(HALF)
    lower[0] = identifier  # QSFP28
    lower[1] = 0x08  # revision compliance: SFF-8636 rev 2.7-2.9
    lower[2] = 0x04 if flat else 0x00  # Flat_mem, Data_Not_Ready clear
    lower[6] = flags
    lower[22:24] = temp_s16(temp)
    lower[26:28] = struct.pack(">H", 33000)  # supply voltage 3.3 V
    lower[127] = 0x00  # page select
    page00 = bytearray(256)  # indexed by spec offset; bytes 128-255 used
    page00[128] = identifier
    page00[129] = 0xCC  # extended identifier: power class 4
    page00[130] = 0x0C  # connector: MPO 1x12
    page00[131] = 0x80  # extended compliance codes follow
    page00[139] = 0x07  # encoding: 256B/257B
    page00[140] = 0xFF  # nominal rate: see byte 222
    page00[148:164] = ascii_pad("HAYATE OPTICS", 16)
    page00[165:168] = b"\x00\x90\x65"
    page00[168:184] = ascii_pad("HY-QSFP28-SR4", 16)
    page00[184:186] = ascii_pad("B0", 2)
    page00[191] = checksum(page00, 128, 190)  # CC_BASE
    page00[192] = 0x02  # extended compliance: 100GBASE-SR4
    page00[196:212] = ascii_pad("SN8636Q0001", 16)
    page00[212:220] = b"26110100"
    page00[220] = 0x0C  # diagnostic monitoring type: average power, tx power supported
    page00[221] = 0x00
    page00[222] = 0x67  # nominal rate in 250 Mb/s units
    page00[223] = checksum(page00, 192, 222)  # CC_EXT
    page01 = bytearray(HALF)
    page02 = bytearray(HALF)
    page03 = bytearray(256)
    page03[128:130] = temp_s16(high_alarm)
    page03[130:132] = temp_s16(low_alarm)
    page03[132:134] = temp_s16(high_warning)
    page03[134:136] = temp_s16(low_warning)
    page03[144:152] = struct.pack(">HHHH", 36000, 30000, 35000, 31000)  # Vcc thresholds
    if flat:
        return bytes(lower + page00[128:])
    return bytes(lower + page00[128:] + page01 + page02 + page03[128:])


def cmis(
    temp: float = 52.0,
    high_alarm: float = 80.0,
    low_alarm: float = -5.0,
    high_warning: float = 75.0,
    low_warning: float = 0.0,
    flags: int = 0,  # lower memory byte 9 (bit 0 high alarm, 1 low alarm, 2 high warning, 3 low warning)
    flat: bool = False,
    identifier: int = 0x18,
) -> bytes:
    """Lower memory + upper pages 00h, 01h, 02h in the same flat convention (page n at 128 * (n + 1))."""
    lower = bytearray(HALF)
    lower[0] = identifier  # QSFP-DD
    lower[1] = 0x50  # CMIS revision 5.0
    lower[2] = 0x80 if flat else 0x00  # MemoryModel
    lower[3] = 0x03 << 1  # module state: ModuleReady
    lower[9] = flags
    lower[14:16] = temp_s16(temp)
    lower[16:18] = struct.pack(">H", 33000)  # supply voltage
    lower[85] = 0x03  # media type: optical SMF
    page00 = bytearray(256)
    page00[128] = identifier
    page00[129:145] = ascii_pad("HAYATE OPTICS", 16)
    page00[145:148] = b"\x00\x90\x65"
    page00[148:164] = ascii_pad("HY-QDD-400G-DR4", 16)
    page00[164:166] = ascii_pad("C0", 2)
    page00[166:182] = ascii_pad("SNCMIS00001", 16)
    page00[182:190] = b"26110100"
    page00[200] = 0x70  # max power 14 W in 0.25 W: power class 8 bits
    page00[203] = 0x0C  # media connector: MPO 1x12
    page00[222] = checksum(page00, 128, 221)
    page01 = bytearray(256)
    page01[159] = 0x03  # TempMon and VccMon supported
    page01[255] = checksum(page01, 130, 254)
    page02 = bytearray(256)
    page02[128:130] = temp_s16(high_alarm)
    page02[130:132] = temp_s16(low_alarm)
    page02[132:134] = temp_s16(high_warning)
    page02[134:136] = temp_s16(low_warning)
    page02[255] = checksum(page02, 128, 254)
    if flat:
        return bytes(lower + page00[128:])
    return bytes(lower + page00[128:] + page01[128:] + page02[128:])

"""What the decoders return, the errors they raise, the dispatch on the SFF-8024 identifier byte, and the
decoding that the paged standards (SFF-8636, CMIS) share."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

from hayate.thermal.memory import I2C_ADDR_A0, ModuleMemory


class EepromError(ValueError):
    """A module's memory is missing, truncated or inconsistent; the message names the page and the field."""


class Identifier(IntEnum):
    """SFF-8024 table 4-1 identifiers that this monitor decodes."""

    GBIC = 0x01
    SOLDERED = 0x02
    SFP = 0x03
    QSFP = 0x0C
    QSFP_PLUS = 0x0D
    QSFP28 = 0x11
    QSFP_DD = 0x18
    OSFP = 0x19
    DSFP = 0x1B
    QSFP_PLUS_CMIS = 0x1E
    SFP_DD_CMIS = 0x1F
    SFP_PLUS_CMIS = 0x20


SFF8472_IDS = frozenset({Identifier.GBIC, Identifier.SOLDERED, Identifier.SFP})
SFF8636_IDS = frozenset({Identifier.QSFP, Identifier.QSFP_PLUS, Identifier.QSFP28})
CMIS_IDS = frozenset(
    {
        Identifier.QSFP_DD,
        Identifier.OSFP,
        Identifier.DSFP,
        Identifier.QSFP_PLUS_CMIS,
        Identifier.SFP_DD_CMIS,
        Identifier.SFP_PLUS_CMIS,
    }
)


@dataclass(frozen=True)
class TempThresholds:
    """The module's own temperature thresholds in °C, as its EEPROM states them."""

    high_alarm: float
    low_alarm: float
    high_warning: float
    low_warning: float

    def check(self, where: str) -> None:
        """Reject threshold sets that cannot be right (garbage or an unprogrammed EEPROM)."""
        if not (self.low_alarm <= self.low_warning < self.high_warning <= self.high_alarm):
            raise EepromError(
                f"{where}: temperature thresholds out of order (low alarm {self.low_alarm}, low warning "
                f"{self.low_warning}, high warning {self.high_warning}, high alarm {self.high_alarm})"
            )


@dataclass(frozen=True)
class ModuleFlags:
    """The module's own latched temperature flags (None where the module does not implement them)."""

    high_alarm: bool = False
    low_alarm: bool = False
    high_warning: bool = False
    low_warning: bool = False


@dataclass(frozen=True)
class ModuleReading:
    """One decoded module: its standard, identity, temperature and thresholds."""

    standard: str  # "SFF-8472", "SFF-8636" or "CMIS"
    identifier: int
    temperature_c: float | None
    thresholds: TempThresholds | None
    flags: ModuleFlags | None
    vendor: str = ""
    part_number: str = ""
    serial: str = ""
    notes: list[str] = field(default_factory=list)


def s16_celsius(data: bytes, offset: int) -> float:
    """A signed 16-bit big-endian temperature in 1/256 °C (SFF-8472 9.1, SFF-8636 6.2.4, CMIS 8.2.5)."""
    raw = int(struct.unpack_from(">h", data, offset)[0])
    return raw / 256.0


def ascii_field(data: bytes, offset: int, length: int) -> str:
    """A space-padded ASCII field; non-printable bytes become '?' so garbage never breaks a log line."""
    raw = data[offset : offset + length]
    return "".join(chr(b) if 0x20 <= b < 0x7F else "?" for b in raw).strip()


def require(page: bytes | None, what: str) -> bytes:
    if page is None:
        raise EepromError(f"{what} is not readable (page missing or not provided by the module)")
    return page


@dataclass(frozen=True)
class PagedLayout:
    """Where a paged module (SFF-8636, CMIS) keeps what the monitor reads. SFF-8636 and CMIS place the same
    fields at other offsets: lower-page offsets are 0-127, upper-page ones as the specifications write them
    (128-255)."""

    standard: str  # "SFF-8636" or "CMIS": names the reading and starts every note
    temperature: int  # lower page: s16 temperature
    flags: int  # lower page: the byte of latched temperature flags
    flag_bits: tuple[int, int, int, int]  # in that byte: high alarm, low alarm, high warning, low warning
    flat_mem: tuple[int, int]  # lower page byte and bit set where only upper page 00h exists
    flat_mem_where: str  # how the notes name that bit
    vendor_name: tuple[int, int]  # upper page 00h: offset and length of each identity field
    vendor_pn: tuple[int, int]
    vendor_sn: tuple[int, int]
    thresholds_page: int  # the upper page with the four thresholds at bytes 128-135


def thresholds_at(page: bytes, first: int, where: str) -> TempThresholds:
    """Four big-endian s16 thresholds (high alarm, low alarm, high warning, low warning) from upper-page
    offset `first` (128-255)."""
    base = first - 128
    thresholds = TempThresholds(
        high_alarm=s16_celsius(page, base),
        low_alarm=s16_celsius(page, base + 2),
        high_warning=s16_celsius(page, base + 4),
        low_warning=s16_celsius(page, base + 6),
    )
    thresholds.check(where)
    return thresholds


def decode_paged(memory: ModuleMemory, lower: bytes, layout: PagedLayout, notes: list[str]) -> ModuleReading:
    """Decode a paged module whose lower page the caller has read; a missing upper page is a note, not an
    error, as the temperature alone is still worth reporting."""
    std = layout.standard
    page00 = memory.upper(I2C_ADDR_A0, 0)
    vendor = part = serial = ""
    if page00 is None:
        notes.append(f"{std}: upper page 00h not readable, module identity unknown")
    else:
        vendor, part, serial = (
            ascii_field(page00, offset - 128, length)
            for offset, length in (layout.vendor_name, layout.vendor_pn, layout.vendor_sn)
        )
    flag_byte = lower[layout.flags]
    flags = ModuleFlags(*(bool(flag_byte & bit) for bit in layout.flag_bits))
    thresholds = None
    page = layout.thresholds_page
    flat_byte, flat_bit = layout.flat_mem
    if lower[flat_byte] & flat_bit:
        notes.append(f"{std}: flat memory ({layout.flat_mem_where}), no page {page:02x}h thresholds")
    else:
        upper = memory.upper(I2C_ADDR_A0, page)
        if upper is None:
            notes.append(f"{std}: upper page {page:02x}h not readable, module thresholds unknown")
        else:
            thresholds = thresholds_at(upper, 128, f"{std} page {page:02x}h bytes 128-135")
    temp = s16_celsius(lower, layout.temperature)
    return ModuleReading(std, lower[0], temp, thresholds, flags, vendor, part, serial, notes)


def decode(memory: ModuleMemory) -> ModuleReading:
    """Decode a module by its identifier byte (A0h byte 0); EepromError for anything not decodable."""
    # Imported here: each decoder imports this module for the shared types.
    from hayate.thermal import cmis, sff8472, sff8636

    lower = require(memory.lower(I2C_ADDR_A0), "lower page (A0h bytes 0-127)")
    ident = lower[0]
    if ident in SFF8472_IDS:
        return sff8472.decode(memory)
    if ident in SFF8636_IDS:
        return sff8636.decode(memory)
    if ident in CMIS_IDS:
        return cmis.decode(memory)
    if ident == 0x00:
        raise EepromError("identifier byte 0 is 0x00: module absent or EEPROM not programmed")
    raise EepromError(
        f"identifier byte 0 is {ident:#04x}: not an SFP, QSFP or CMIS module (SFF-8024 table 4-1)"
    )

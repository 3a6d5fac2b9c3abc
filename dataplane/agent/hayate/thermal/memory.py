"""Module memory maps: how the decoders reach a page of a plug-in module's EEPROM.

Two layouts exist in practice:
- the kernel's ethtool netlink API (ETHTOOL_MSG_MODULE_EEPROM_GET) addresses 128-byte half pages by I2C
  address, page and bank, read on demand (see sources/ethtool.py);
- flat blobs, as the ethtool ioctl and DPDK's rte_eth_dev_get_module_eeprom() return them: for SFF-8079/8472
  the A0h EEPROM (256 bytes) followed by A2h (256 bytes); for SFF-8636/8436 (and CMIS, same convention) the
  lower page (0-127), upper page 00h (128-255), then upper pages 01h, 02h, 03h at 256, 384, 512."""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol

HALF_PAGE = 128

# I2C addresses (7-bit) of a module's memories: 0x50 is A0h (the ID EEPROM), 0x51 is A2h (SFP diagnostics).
I2C_ADDR_A0 = 0x50
I2C_ADDR_A2 = 0x51


class ModuleType(IntEnum):
    """EEPROM layouts as Linux (ETH_MODULE_SFF_*) and DPDK (RTE_ETH_MODULE_SFF_*) number them."""

    SFF_8079 = 0x1
    SFF_8472 = 0x2
    SFF_8636 = 0x3
    SFF_8436 = 0x4


class ModuleMemory(Protocol):
    """Access to a module's memory by 128-byte half pages; None where the module or the source has none."""

    def lower(self, i2c_address: int) -> bytes | None:
        """Bytes 0-127 at the I2C address (the lower page)."""

    def upper(self, i2c_address: int, page: int) -> bytes | None:
        """Bytes 128-255 at the I2C address with `page` selected (upper page `page`)."""


class FlatImage:
    """A flat EEPROM blob (ethtool ioctl / DPDK layout) seen as half pages.

    `module_type` says how the blob is laid out; a short blob simply lacks the pages past its end.
    """

    def __init__(self, data: bytes, module_type: ModuleType) -> None:
        self.data = bytes(data)
        self.module_type = module_type

    def _slice(self, start: int) -> bytes | None:
        chunk = self.data[start : start + HALF_PAGE]
        return chunk if len(chunk) == HALF_PAGE else None

    def lower(self, i2c_address: int) -> bytes | None:
        if i2c_address == I2C_ADDR_A0:
            return self._slice(0)
        if i2c_address == I2C_ADDR_A2 and self.module_type in (ModuleType.SFF_8472, ModuleType.SFF_8079):
            return self._slice(2 * HALF_PAGE)
        return None

    def upper(self, i2c_address: int, page: int) -> bytes | None:
        if self.module_type in (ModuleType.SFF_8472, ModuleType.SFF_8079):
            # SFP memories are not paged in the flat layout: A0h and A2h upper halves only.
            if page != 0:
                return None
            if i2c_address == I2C_ADDR_A0:
                return self._slice(HALF_PAGE)
            if i2c_address == I2C_ADDR_A2:
                return self._slice(3 * HALF_PAGE)
            return None
        if i2c_address != I2C_ADDR_A0 or page < 0:
            return None
        return self._slice(HALF_PAGE * (page + 1))


class PageMap:
    """Half pages held in a dict, keyed (i2c_address, page) with page -1 for the lower page.

    Used by the netlink source as its cache and by tests to build images page by page.
    """

    LOWER = -1

    def __init__(self, pages: dict[tuple[int, int], bytes] | None = None) -> None:
        self.pages: dict[tuple[int, int], bytes] = {}
        for key, value in (pages or {}).items():
            self.set(key[0], key[1], value)

    def set(self, i2c_address: int, page: int, data: bytes) -> None:
        if len(data) != HALF_PAGE:
            raise ValueError(f"half page {i2c_address:#x}/{page}: {len(data)} bytes, expected {HALF_PAGE}")
        self.pages[(i2c_address, page)] = bytes(data)

    def lower(self, i2c_address: int) -> bytes | None:
        return self.pages.get((i2c_address, self.LOWER))

    def upper(self, i2c_address: int, page: int) -> bytes | None:
        return self.pages.get((i2c_address, page))

"""Module EEPROM of kernel-owned NICs through ethtool netlink (ETHTOOL_MSG_MODULE_EEPROM_GET, via pyroute2).

The netlink API reads at most one 128-byte half page per request, addressed by I2C address, page and bank;
offsets 0-127 are the lower page and 128-255 the selected upper page. A page the module lacks answers an
error, which the decoders see as a missing page."""

from __future__ import annotations

import errno
import importlib
from typing import Any

from hayate.thermal.memory import HALF_PAGE, PageMap
from hayate.thermal.module import EepromError


class NetlinkModuleMemory:
    """ModuleMemory of one interface, read lazily and cached for one decode."""

    def __init__(self, ifname: str, ethtool: Any | None = None) -> None:
        self.ifname = ifname
        if ethtool is None:
            # pyroute2 has no type information; imported by name so that mypy sees it as Any either way.
            ethtool = importlib.import_module("pyroute2.ethtool.ethtool").Ethtool()
        self.ethtool = ethtool
        self.cache = PageMap()
        self.missing: set[tuple[int, int]] = set()

    def _read(self, i2c_address: int, page: int, offset: int) -> bytes | None:
        key = (i2c_address, page)
        if key in self.missing:
            return None
        cached = self.cache.pages.get(key)
        if cached is not None:
            return cached
        try:
            reply = self.ethtool.get_module_eeprom(
                self.ifname,
                offset=offset,
                length=HALF_PAGE,
                page=max(page, 0),
                bank=0,
                i2c_address=i2c_address,
            )
        except Exception as exc:  # pyroute2 raises NetlinkError (an OSError) with the kernel's errno
            code = getattr(exc, "code", None)
            if code in (errno.ENODEV, errno.EOPNOTSUPP) and key == (0x50, PageMap.LOWER):
                reason = "no such interface" if code == errno.ENODEV else "driver has no module EEPROM access"
                raise EepromError(f"{self.ifname}: {reason} (ethtool netlink errno {code})") from exc
            self.missing.add(key)
            return None
        data = bytes(reply.data or b"")
        if len(data) != HALF_PAGE:
            self.missing.add(key)
            return None
        self.cache.set(i2c_address, page, data)
        return data

    def lower(self, i2c_address: int) -> bytes | None:
        return self._read(i2c_address, PageMap.LOWER, 0)

    def upper(self, i2c_address: int, page: int) -> bytes | None:
        return self._read(i2c_address, page, HALF_PAGE)

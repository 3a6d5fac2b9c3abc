"""A plain, obviously correct longest-prefix match: one dict of networks per prefix length.

It is the independent reference the FIB's answers are compared with, so it is kept naive on purpose.
"""

from __future__ import annotations

import socket
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BITS = {4: 32, 6: 128}
NH_MAX = 0xFFFF


@dataclass(frozen=True)
class Prefix:
    family: int  # 4 or 6
    network: int  # host bits clear
    length: int

    @property
    def first(self) -> int:
        return self.network

    @property
    def last(self) -> int:
        return self.network | ((1 << (BITS[self.family] - self.length)) - 1)

    def text(self) -> str:
        return f"{format_addr(self.family, self.network)}/{self.length}"


def parse_addr(text: str) -> tuple[int, int]:
    """(family, integer) of an IPv4 or IPv6 address in text form."""
    if ":" in text:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")


def format_addr(family: int, value: int) -> str:
    if family == 4:
        return socket.inet_ntop(socket.AF_INET, value.to_bytes(4, "big"))
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))


def make_prefix(family: int, value: int, length: int) -> Prefix:
    """The prefix of that length holding value (host bits cleared)."""
    host = BITS[family] - length
    return Prefix(family, (value >> host) << host, length)


def parse_prefix(text: str) -> Prefix:
    addr, _, length = text.strip().partition("/")
    family, value = parse_addr(addr)
    return make_prefix(family, value, int(length))


def hashed_next_hop(prefix: Prefix) -> int:
    """A next hop 1..65535 derived from the prefix, so that a wrong match shows as a wrong answer."""
    key = f"{prefix.family}:{prefix.network:x}/{prefix.length}".encode()
    return zlib.crc32(key) % NH_MAX + 1


class ReferenceLpm:
    """Longest-prefix match over per-length dicts; add replaces a prefix's next hop."""

    def __init__(self) -> None:
        self._tables: dict[int, dict[int, dict[int, int]]] = {4: {}, 6: {}}
        self._lengths: dict[int, list[int]] = {4: [], 6: []}

    def add(self, prefix: Prefix, nh: int) -> None:
        by_length = self._tables[prefix.family]
        if prefix.length not in by_length:
            by_length[prefix.length] = {}
            self._lengths[prefix.family] = sorted(by_length, reverse=True)
        by_length[prefix.length][prefix.network >> (BITS[prefix.family] - prefix.length)] = nh

    def lookup(self, family: int, value: int) -> int:
        bits = BITS[family]
        by_length = self._tables[family]
        for length in self._lengths[family]:
            nh = by_length[length].get(value >> (bits - length))
            if nh is not None:
                return nh
        return 0

    def match(self, family: int, value: int) -> Prefix | None:
        """The longest prefix holding value (for error messages)."""
        for length in self._lengths[family]:
            prefix = make_prefix(family, value, length)
            if prefix.network >> (BITS[family] - length) in self._tables[family][length]:
                return prefix
        return None

    def routes(self) -> Iterator[tuple[Prefix, int]]:
        for family, by_length in self._tables.items():
            for length, networks in by_length.items():
                for key, nh in networks.items():
                    yield Prefix(family, key << (BITS[family] - length), length), nh

    def count(self, family: int) -> int:
        return sum(len(networks) for networks in self._tables[family].values())


def route_lines(routes: Iterable[tuple[Prefix, int]]) -> str:
    return "".join(f"{prefix.text()} {nh}\n" for prefix, nh in routes)

"""Forwarder next-hop id allocation (16..65535; 1..15 are reserved by the forwarder)."""

from __future__ import annotations

from hayate.ctl import NH_ID_MAX, NH_ID_MIN


class IdsExhausted(Exception):
    pass


class IdAllocator:
    def __init__(self, low: int = NH_ID_MIN, high: int = NH_ID_MAX) -> None:
        self._low = low
        self._high = high
        self._next = low
        self._free: list[int] = []
        self.used: set[int] = set()

    def reserve(self, nh_id: int) -> None:
        """Marks an id the forwarder already holds (found in its dump) as taken."""
        self.used.add(nh_id)

    def alloc(self) -> int:
        while self._free:
            nh_id = self._free.pop()
            if nh_id not in self.used:
                self.used.add(nh_id)
                return nh_id
        while self._next <= self._high:
            nh_id = self._next
            self._next += 1
            if nh_id not in self.used:
                self.used.add(nh_id)
                return nh_id
        raise IdsExhausted(f"all forwarder next-hop ids {self._low}..{self._high} are in use")

    def free(self, nh_id: int) -> None:
        if nh_id in self.used:
            self.used.discard(nh_id)
            self._free.append(nh_id)

    def __len__(self) -> int:
        return len(self.used)

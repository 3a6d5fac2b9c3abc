"""Keeps the gateways of the forwarder's next hops resolved: the kernel's managed neighbour entries.

Transit traffic never passes through the kernel, so nothing makes the kernel check a gateway's entry again:
a gateway that changes its MAC without announcing it (a replaced router, a moved address) would be sent to
at the old one until some traffic of the kernel's own happens to probe it, and a new route's gateway is
resolved only once punted packets ask for it. Linux >= 5.16 keeps "managed" entries (NTF_EXT_MANAGED)
resolved by itself, probing them every `interval_probe_time_ms`: what offloading drivers use for the same
problem. The agent marks the gateways its FORWARD next hops use and unmarks those no next hop uses any more.
Entries pinned by the operator (permanent, noarp) and managed entries of others are left as they are.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import logging
import os
import socket
import time
from collections.abc import Set
from typing import Any

from pyroute2 import IPRoute  # type: ignore[import-untyped,unused-ignore]
from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped,unused-ignore]

from hayate.agent import nlconst as nl
from hayate.agent.mirror import NeighKey

log = logging.getLogger(__name__)

NTF_EXT_MANAGED = 0x1
# NDA_PROTOCOL of the entries the agent marks, so that a restarted agent finds its own again.
PROTO_HAYATE = 233
# Every gateway is checked again this often: the operator may have flushed or pinned an entry meanwhile.
RECHECK_S = 60.0
# Gateways looked at per call, so that a LAN of thousands of neighbours does not hold up the route path.
CHECK_BATCH = 256
_AF = {4: socket.AF_INET, 6: socket.AF_INET6}


def kernel_has_managed(release: str) -> bool:
    """Managed neighbour entries came with Linux 5.16; on an older kernel the flag would be ignored and the
    request would reset the entry instead."""
    try:
        major, minor = (int(x) for x in release.split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 16)


class GatewayKeeper:
    def __init__(self) -> None:
        self.enabled = kernel_has_managed(os.uname().release)
        if not self.enabled:
            log.warning(
                "kernel %s has no managed neighbour entries (5.16+): gateways are resolved on demand only",
                os.uname().release,
            )
        self.ours: set[NeighKey] = set()  # entries this agent marked managed
        self._checked: set[NeighKey] = set()  # wanted gateways looked at since the last recheck
        self._next_recheck = 0.0
        self._pause_until = 0.0  # after a failure
        self._ipr: IPRoute | None = None
        self._adopted = False

    def sync(self, wanted: Set[NeighKey]) -> None:
        """Marks the wanted gateways not yet looked at and unmarks ours that are no longer wanted."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self._pause_until:
            return
        if now >= self._next_recheck:
            self._checked.clear()
            self._next_recheck = now + RECHECK_S
        if self._checked >= wanted and self.ours <= wanted and self._adopted:
            return
        try:
            ipr = self._open()
            if not self._adopted:
                self._adopt(ipr)
            for nk in itertools.islice(wanted - self._checked, CHECK_BATCH):
                if self._mark(ipr, nk):
                    self.ours.add(nk)
                else:
                    self.ours.discard(nk)  # pinned by the operator meanwhile: theirs now
                self._checked.add(nk)
            for nk in self.ours - wanted:
                self._unmark(ipr, nk)
                self.ours.discard(nk)
            self._checked &= wanted
        except (NetlinkError, OSError) as exc:
            log.warning("managed neighbour entries: %s; trying again in %.0f s", exc, RECHECK_S)
            self._pause_until = time.monotonic() + RECHECK_S
            self.close()

    def close(self) -> None:
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None

    def _open(self) -> IPRoute:
        if self._ipr is None:
            self._ipr = IPRoute()
        return self._ipr

    def _adopt(self, ipr: IPRoute) -> None:
        """A restarted agent owns the entries an earlier one marked, and unmarks those no longer wanted."""
        for msg in ipr.get_neighbours():
            family = {socket.AF_INET: 4, socket.AF_INET6: 6}.get(msg["family"])
            dst = msg.get_attr("NDA_DST")
            if family and dst and _managed(msg) and msg.get_attr("NDA_PROTOCOL") == PROTO_HAYATE:
                self.ours.add((msg["ifindex"], family, ipaddress.ip_address(dst).packed))
        self._adopted = True

    def _mark(self, ipr: IPRoute, nk: NeighKey) -> bool:
        """True if the entry is now ours and managed; False where it is pinned or someone else manages it."""
        cur = _get(ipr, nk)
        if cur is not None:
            if cur["state"] & (nl.NUD_PERMANENT | nl.NUD_NOARP):
                return False
            if _managed(cur):
                return bool(cur.get_attr("NDA_PROTOCOL") == PROTO_HAYATE)
        ifindex, family, addr = nk
        try:
            # state 0 with the flag: the kernel keeps a resolved entry's address and resolves the others
            ipr.neigh(
                "replace",
                ifindex=ifindex,
                family=_AF[family],
                dst=_text(addr),
                state=0,
                NDA_FLAGS_EXT=NTF_EXT_MANAGED,
                NDA_PROTOCOL=PROTO_HAYATE,
            )
        except NetlinkError as exc:
            if exc.code != errno.ENODEV:  # the interface went; its routes go with it
                log.warning("cannot mark gateway %s managed: %s", _text(addr), exc)
            return False
        log.debug("gateway %s on ifindex %d: managed", _text(addr), ifindex)
        return True

    def _unmark(self, ipr: IPRoute, nk: NeighKey) -> None:
        """Back to an ordinary entry, its address kept; an unresolved one is removed (nothing to keep)."""
        cur = _get(ipr, nk)
        if cur is None or not _managed(cur) or cur.get_attr("NDA_PROTOCOL") != PROTO_HAYATE:
            return
        ifindex, family, addr = nk
        args: dict[str, Any] = {"ifindex": ifindex, "family": _AF[family], "dst": _text(addr)}
        try:
            if cur["state"] & nl.NUD_VALID:
                ipr.neigh("replace", state=nl.NUD_STALE, NDA_FLAGS_EXT=0, **args)
            else:
                ipr.neigh("del", **args)
        except NetlinkError as exc:
            if exc.code not in (errno.ENOENT, errno.ENODEV):
                log.warning("cannot unmark gateway %s: %s", args["dst"], exc)
            return
        log.debug("gateway %s on ifindex %d: no longer managed", args["dst"], ifindex)


def _get(ipr: IPRoute, nk: NeighKey) -> Any:
    ifindex, family, addr = nk
    try:
        found = ipr.neigh("get", ifindex=ifindex, family=_AF[family], dst=_text(addr))
    except NetlinkError as exc:
        if exc.code in (errno.ENOENT, errno.ENODEV):
            return None
        raise
    return found[0] if found else None


def _managed(msg: Any) -> bool:
    return bool((msg.get_attr("NDA_FLAGS_EXT") or 0) & NTF_EXT_MANAGED)


def _text(addr: bytes) -> str:
    return str(ipaddress.ip_address(addr))

"""The kernel VLAN devices of `ports[].vlans` (docs/config.md): created on the port's tap by the agent when
the operator has not made them, so that the kernel (and FRR) see the 802.1Q sub-interfaces the forwarder
serves."""

from __future__ import annotations

import logging

from pyroute2 import IPRoute  # type: ignore[import-untyped,unused-ignore]
from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped,unused-ignore]

from hayate.agent.config import PortConfig
from hayate.agent.kernel import Link

log = logging.getLogger(__name__)


class VlanMaker:
    def __init__(self, ports: tuple[PortConfig, ...]) -> None:
        self.wanted = [(p.tap, vid, name) for p in ports if p.tap for vid, name in p.vlans]
        self._failed: set[str] = set()

    def ensure(self, links: dict[int, Link]) -> int:
        """Creates the missing VLAN devices whose tap exists (in the calling thread's namespace) and sets
        them up. Returns how many were made; a failure is logged once per device."""
        if not self.wanted:
            return 0
        by_name = {link.name: link for link in links.values()}
        made = 0
        for tap, vid, name in self.wanted:
            parent = by_name.get(tap)
            if parent is None or name in by_name or name in self._failed:
                continue
            try:
                with IPRoute() as ipr:
                    ipr.link("add", ifname=name, kind="vlan", link=parent.index, vlan_id=vid)
                    ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
            except (NetlinkError, OSError, IndexError) as exc:
                self._failed.add(name)
                log.warning("cannot create VLAN %d device %s on %s: %s", vid, name, tap, exc)
                continue
            log.info("created VLAN %d device %s on %s", vid, name, tap)
            made += 1
        return made

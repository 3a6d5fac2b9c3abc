"""The mirror: the kernel's (or FPM's) view of routes, next hops, neighbours and addresses, and the forwarder
state derived from it, with the difference between what is installed and what should be.

Nothing here does I/O. Sources feed events (`route`, `addr`, `neigh`, `link`, `nexthop`); `plan()` turns the
accumulated changes into one ordered set of control-socket operations (`Plan`) and updates the installed view
as if it were applied; the caller sends it, and on any failure reconciles from the forwarder's dump
(`adopt`).

What each kernel object becomes in the FIB:
- an address: a /32 or /128 route to the reserved next hop 1 (LOCAL);
- a route of a mirrored table: blackhole -> 2; unreachable, prohibit, throw -> 3 (PUNT through the ingress
  tap, so the kernel answers with ICMP); a gateway through a forwarder interface -> a FORWARD next hop
  (port, VLAN, the gateway's MAC from the neighbour table, zero while unresolved so that the forwarder punts
  and the kernel resolves); several gateways -> a group; a connected subnet (a path through a forwarder
  interface without a gateway) -> a PUNT next hop of that interface marked connected (punted through the
  ingress tap like 3, so the kernel resolves and forwards; its interface serves strict uRPF); a path
  through an interface that is not a forwarder port -> 3;
- a resolved neighbour on a forwarder interface: a host route to its own next hop, so that traffic to
  directly connected hosts stays in the fast path (link-local IPv6 neighbours serve only as gateways).
Priority for one prefix: address, then source route (lowest table rank, then metric), then neighbour.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from hayate.agent.kernel import Addr, KNexthop, Link, Neigh
from hayate.agent.nhalloc import IdAllocator, IdsExhausted
from hayate.agent.rtdecode import T_BLACKHOLE, T_PUNT, Interner, Target
from hayate.ctl import (
    MAX_GROUP_MEMBERS,
    NH_BLACKHOLE,
    NH_LOCAL,
    NH_PUNT,
    ZERO_MAC,
    NextHop,
    NextHopGroup,
    NextHopKind,
    RouteKey,
)

log = logging.getLogger(__name__)

RESERVED = frozenset({NH_LOCAL, NH_BLACKHOLE, NH_PUNT})
# (rank, proto, target); rank = table position << 32 | metric: the lowest wins, as in the kernel
Entry = tuple[int, int, Target]
LeafKey = tuple[int, int | None, int, bytes]  # port, vlan, gateway family, gateway (0, b"": connected)
NeighKey = tuple[int, int, bytes]  # ifindex, family, address
PortVlan = tuple[int, int | None]


@dataclass
class Plan:
    """Control-socket operations in the order they must be applied."""

    nh_set: list[NextHop] = field(default_factory=list)
    nhg_set: list[NextHopGroup] = field(default_factory=list)
    route_add: list[tuple[RouteKey, int]] = field(default_factory=list)
    route_del: list[RouteKey] = field(default_factory=list)
    nh_del: list[int] = field(default_factory=list)  # groups first, then next hops

    def __bool__(self) -> bool:
        return bool(self.nh_set or self.nhg_set or self.route_add or self.route_del or self.nh_del)

    def summary(self) -> str:
        return (
            f"+{len(self.route_add)} -{len(self.route_del)} routes, {len(self.nh_set)} next hops set, "
            f"{len(self.nhg_set)} groups set, {len(self.nh_del)} next hops freed"
        )


def host_key(family: int, addr: bytes) -> RouteKey:
    if family == 4:
        return 4, 32, addr + b"\x00" * 12
    return 6, 128, addr


def _link_local6(family: int, addr: bytes) -> bool:
    return family == 6 and addr[0] == 0xFE and (addr[1] & 0xC0) == 0x80


def _host_route_ok(family: int, addr: bytes) -> bool:
    """Neighbours that get a host route: not IPv6 link-local (those serve as gateways only), not multicast."""
    if family == 4:
        return not 224 <= addr[0] <= 239
    return addr[0] != 0xFF and not _link_local6(family, addr)


def _expand_weights(members: list[tuple[int, int]]) -> tuple[int, ...]:
    """Members with kernel weights -> member ids repeated in proportion (weights reduced by their greatest
    common divisor, then scaled down if they still need more than the forwarder's 64 slots)."""
    divisor = math.gcd(*(w for _, w in members))
    weights = [w // divisor for _, w in members]
    total = sum(weights)
    scale = min(1.0, MAX_GROUP_MEMBERS / total)
    out: list[int] = []
    for (m, _), w in zip(members, weights, strict=True):
        out.extend([m] * max(1, round(w * scale)))
    return tuple(out[:MAX_GROUP_MEMBERS])


class Mirror:
    def __init__(self, tap_ports: dict[str, PortVlan]) -> None:
        """`tap_ports`: kernel interface name -> (forwarder port id, VLAN or None), from the config and the
        forwarder's PORTS reply."""
        self.tap_ports = dict(tap_ports)
        self.intern = Interner()
        self.entries: dict[Entry, Entry] = {}  # shared entries: a full table has few distinct ones
        # kernel view
        self.links: dict[int, Link] = {}
        self.link_changes = 0  # counts every change of `links`
        self.iface: dict[int, PortVlan] = {}  # ifindex -> (port, vlan) of forwarder interfaces
        self.addrs: dict[tuple[int, int, bytes], RouteKey] = {}  # (ifindex, family, addr) -> host key
        self.local: dict[RouteKey, int] = {}  # host key -> number of interfaces holding it
        self.neighs: dict[NeighKey, bytes | None] = {}
        self.neigh_hosts: dict[RouteKey, NeighKey] = {}
        self.knh: dict[int, KNexthop] = {}
        self.routes: dict[RouteKey, Entry] = {}  # best entry per prefix
        self.others: dict[RouteKey, list[Entry]] = {}  # the rest, for prefixes with several
        self.route_counts: dict[tuple[int, int], int] = {}  # (family, proto) -> routes
        # forwarder view
        self.fib: dict[RouteKey, int] = {}
        self.ids = IdAllocator()
        self.leaves: dict[LeafKey, int] = {}
        self.leaf_of: dict[int, tuple[LeafKey, int]] = {}  # id -> (leaf key, ifindex)
        self.nh_content: dict[int, NextHop] = {}
        self.groups: dict[tuple[object, ...], int] = {}  # ("mp", members) or ("k", kernel id) -> id
        self.group_of: dict[int, tuple[object, ...]] = {}
        self.group_members: dict[int, tuple[int, ...]] = {}
        self.refs: dict[int, int] = {}
        self.bindings: dict[Target, int] = {}
        # pending work
        # prefixes to look at, in the order they changed (a dict as an ordered set): a full dump arrives in
        # address order, and the forwarder inserts routes in address order several times faster than at random
        self.dirty: dict[RouteKey, None] = {}
        self._nh_set: dict[int, NextHop] = {}
        self._nhg_set: dict[int, NextHopGroup] = {}
        self._gc: set[int] = set()
        self._rebind = False
        self._adopt_nh: dict[tuple[int, int | None, bytes], list[int]] = {}
        self._adopt_nhg: dict[tuple[int, ...], list[int]] = {}
        self.exhausted = 0

    # ---- kernel events ------------------------------------------------------------------------------

    def route(self, new: bool, key: RouteKey, rank: int, metric: int, proto: int, target: Target) -> None:
        rankval = rank << 32 | metric
        best = self.routes.get(key)
        if new:
            fresh: Entry = (rankval, proto, target)
            entry = self.entries.setdefault(fresh, fresh)
            if best is None:
                self.routes[key] = entry
                self._count(key[0], proto, 1)
            elif best[0] == rankval:
                if best is entry:
                    return
                self.routes[key] = entry
                if best[1] != proto:
                    self._count(key[0], best[1], -1)
                    self._count(key[0], proto, 1)
            elif rankval < best[0]:
                self.others.setdefault(key, []).append(best)
                self.routes[key] = entry
                self._count(key[0], best[1], -1)
                self._count(key[0], proto, 1)
            else:
                lst = self.others.setdefault(key, [])
                lst[:] = [e for e in lst if e[0] != rankval]
                lst.append(entry)
                return
        else:
            if best is None:
                return
            if best[0] != rankval:
                shadowed = self.others.get(key)
                if shadowed:
                    shadowed[:] = [e for e in shadowed if e[0] != rankval]
                    if not shadowed:
                        del self.others[key]
                return
            self._count(key[0], best[1], -1)
            rest = self.others.get(key)
            if rest:
                nxt = min(rest)
                rest.remove(nxt)
                if not rest:
                    del self.others[key]
                self.routes[key] = nxt
                self._count(key[0], nxt[1], 1)
            else:
                del self.routes[key]
        self.dirty[key] = None

    def drop_route_prefix(self, key: RouteKey) -> None:
        """Removes every entry of a prefix (a resync sweep)."""
        best = self.routes.pop(key, None)
        if best is not None:
            self._count(key[0], best[1], -1)
            self.dirty[key] = None
        self.others.pop(key, None)

    def _count(self, family: int, proto: int, delta: int) -> None:
        k = (family, proto)
        self.route_counts[k] = self.route_counts.get(k, 0) + delta

    def addr(self, new: bool, a: Addr) -> None:
        ak = (a.index, a.family, a.addr)
        key = host_key(a.family, a.addr)
        if new:
            if ak in self.addrs:
                return
            self.addrs[ak] = key
            self.local[key] = self.local.get(key, 0) + 1
        else:
            if self.addrs.pop(ak, None) is None:
                return
            n = self.local[key] - 1
            if n:
                self.local[key] = n
            else:
                del self.local[key]
        self.dirty[key] = None

    def neigh(self, new: bool, n: Neigh) -> None:
        nk = (n.index, n.family, n.addr)
        mac = n.mac if new else None
        if new:
            if self.neighs.get(nk, b"?") == mac:
                return
            self.neighs[nk] = mac
        elif self.neighs.pop(nk, b"?") == b"?":
            return
        self._neigh_changed(nk)

    def _neigh_changed(self, nk: NeighKey) -> None:
        index, family, addr = nk
        pv = self.iface.get(index)
        if pv is None:
            return
        lid = self.leaves.get((pv[0], pv[1], family, addr))
        if lid is not None:
            self._refresh_leaf(lid)
        hk = host_key(family, addr)
        if self.neighs.get(nk) and _host_route_ok(family, addr):
            self.neigh_hosts[hk] = nk
            self.dirty[hk] = None
        elif self.neigh_hosts.get(hk) == nk:
            del self.neigh_hosts[hk]
            self.dirty[hk] = None

    def link(self, new: bool, link: Link) -> None:
        old = self.links.get(link.index)
        if new:
            if old == link:
                return
            self.links[link.index] = link
        elif old is None:
            return
        else:
            del self.links[link.index]
        self.link_changes += 1
        self._remap_interfaces()

    def nexthop(self, new: bool, kn: KNexthop) -> None:
        if new:
            if self.knh.get(kn.id) == kn:
                return
            self.knh[kn.id] = kn
        elif self.knh.pop(kn.id, None) is None:
            return
        self._rebind = True

    def uses_target(self, target: Target) -> bool:
        shared = self.intern.get(target)
        if shared is None:
            return False
        return any(e[2] is shared for e in self.routes.values())

    # ---- bulk replacement (initial dump / resync) ----------------------------------------------------

    def replace_links(self, links: Iterable[Link]) -> None:
        self.links = {link.index: link for link in links}
        self.link_changes += 1
        self._remap_interfaces()

    def replace_addrs(self, addrs: Iterable[Addr]) -> None:
        fresh = {(a.index, a.family, a.addr) for a in addrs}
        for ak in [ak for ak in self.addrs if ak not in fresh]:
            self.addr(False, Addr(*ak))
        for ak in fresh:
            self.addr(True, Addr(*ak))

    def replace_neighs(self, neighs: Iterable[Neigh]) -> None:
        fresh = {(n.index, n.family, n.addr): n.mac for n in neighs}
        for nk in [nk for nk in self.neighs if nk not in fresh]:
            self.neigh(False, Neigh(*nk, None))
        for nk, mac in fresh.items():
            self.neigh(True, Neigh(*nk, mac))

    def replace_nexthops(self, nexthops: Iterable[KNexthop]) -> None:
        fresh = {kn.id: kn for kn in nexthops}
        if fresh != self.knh:
            self.knh = fresh
            self._rebind = True

    def sweep_routes(
        self, ranks: range, seen: dict[RouteKey, int], seen_multi: set[tuple[RouteKey, int]]
    ) -> int:
        """After a full dump by the source that owns table ranks `ranks`: removes its entries the dump did not
        contain. `seen` maps each dumped prefix to the rank of its first entry; `seen_multi` holds every
        (prefix, rank) of prefixes dumped more than once. Returns how many entries went."""
        gone = 0
        stale = [
            k
            for k, e in self.routes.items()
            if k not in seen and k not in self.others and (e[0] >> 32) in ranks
        ]
        for k in stale:
            self.drop_route_prefix(k)
        gone += len(stale)
        for k in list(self.others):
            for rankval, _proto, _target in [self.routes[k], *self.others[k]]:
                if (rankval >> 32) not in ranks:
                    continue
                if seen.get(k) == rankval or (k, rankval) in seen_multi:
                    continue
                self.route(False, k, rankval >> 32, rankval & 0xFFFFFFFF, 0, T_PUNT)
                gone += 1
        return gone

    # ---- interfaces ----------------------------------------------------------------------------------

    def _remap_interfaces(self) -> None:
        by_name = {link.name: link for link in self.links.values()}
        iface: dict[int, PortVlan] = {}
        for name, pv in self.tap_ports.items():
            link = by_name.get(name)
            if link is not None:
                iface[link.index] = pv
        for link in self.links.values():  # kernel VLAN devices on a tap, even if the config lacks them
            if link.kind == "vlan" and link.vlan and link.index not in iface:
                parent = iface.get(link.parent)
                if parent is not None and parent[1] is None:
                    iface[link.index] = (parent[0], link.vlan)
        if iface == self.iface:
            return
        self.iface = iface
        self._rebind = True
        hosts: dict[RouteKey, NeighKey] = {}
        for nk, mac in self.neighs.items():
            if mac and nk[0] in iface and _host_route_ok(nk[1], nk[2]):
                hosts[host_key(nk[1], nk[2])] = nk
        self.dirty.update(dict.fromkeys(hosts.keys() ^ self.neigh_hosts.keys()))
        self.dirty.update(dict.fromkeys(k for k, nk in hosts.items() if self.neigh_hosts.get(k) != nk))
        self.neigh_hosts = hosts

    def set_tap_ports(self, tap_ports: dict[str, PortVlan]) -> None:
        if tap_ports != self.tap_ports:
            self.tap_ports = dict(tap_ports)
            self.iface = {}
            self._remap_interfaces()

    # ---- resolution ----------------------------------------------------------------------------------

    def want(self, key: RouteKey) -> int | None:
        """The forwarder next-hop id this prefix should have, or None for no route."""
        if key in self.local:
            return NH_LOCAL
        entry = self.routes.get(key)
        if entry is not None:
            target = entry[2]
            nh = self.bindings.get(target)
            if nh is None:
                nh = self.bindings[target] = self._resolve(target)
            return nh
        nk = self.neigh_hosts.get(key)
        if nk is not None:
            pv = self.iface.get(nk[0])
            if pv is not None:
                return self._leaf(pv, nk[1], nk[2], nk[0])
        return None

    def _resolve(self, target: Target) -> int:
        try:
            return self._resolve_target(target)
        except IdsExhausted as exc:
            self.exhausted += 1
            log.error("%s: routes punted to the kernel instead", exc)
            return NH_PUNT

    def _resolve_target(self, target: Target) -> int:
        if target is T_BLACKHOLE:
            return NH_BLACKHOLE
        if target is T_PUNT:
            return NH_PUNT
        kind = target[0]
        if kind == "via":
            _, oif, gwfam, gw = target
            assert isinstance(oif, int) and isinstance(gwfam, int) and isinstance(gw, bytes)
            return self._path(oif, gwfam, gw, connected=True) or NH_PUNT
        if kind == "mp":
            hops: tuple[tuple[int, int, bytes, int], ...] = target[1]  # type: ignore[assignment]
            members: list[tuple[int, int]] = []
            for hop_oif, hop_fam, hop_gw, weight in hops:
                leaf = self._path(hop_oif, hop_fam, hop_gw)
                if leaf is None:  # a path the forwarder cannot take: the kernel balances instead
                    return NH_PUNT
                members.append((leaf, weight))
            return self._group(("mp", _expand_weights(members)), _expand_weights(members))
        if kind == "nhid":
            kid = target[1]
            assert isinstance(kid, int)
            return self._knexthop(kid)
        return NH_PUNT

    def _path(self, oif: int, gwfam: int, gw: bytes, connected: bool = False) -> int | None:
        """The leaf of a path through a forwarder interface; without a gateway, where `connected` allows it,
        the interface's connected-subnet next hop (a multipath member without one is left to the kernel)."""
        pv = self.iface.get(oif)
        if pv is None or not (gw or connected):
            return None
        return self._leaf(pv, gwfam if gw else 0, gw, oif)

    def _knexthop(self, kid: int) -> int:
        kn = self.knh.get(kid)
        if kn is None:
            return NH_PUNT
        if kn.blackhole:
            return NH_BLACKHOLE
        if not kn.group:
            return self._path(kn.oif, kn.gw_family, kn.gw, connected=True) or NH_PUNT
        members: list[tuple[int, int]] = []
        for mid, weight in kn.group:
            m = self.knh.get(mid)
            leaf = self._path(m.oif, m.gw_family, m.gw) if m is not None and not m.blackhole else None
            if leaf is None:
                return NH_PUNT
            members.append((leaf, weight))
        # one forwarder group per kernel group, updated in place when the kernel group changes
        return self._group(("k", kid), _expand_weights(members))

    def _leaf(self, pv: PortVlan, family: int, gw: bytes, ifindex: int) -> int:
        lk = (pv[0], pv[1], family, gw)
        lid = self.leaves.get(lk)
        if lid is not None:
            return lid
        mac = self.neighs.get((ifindex, family, gw)) or ZERO_MAC
        if not gw:
            adopt = self._adopt_nh.get((pv[0], pv[1], b""))
        else:
            adopt = self._adopt_nh.get((pv[0], pv[1], mac)) if mac != ZERO_MAC else None
        lid = adopt.pop() if adopt else self.ids.alloc()
        content = self._leaf_content(lid, lk, ifindex)
        if self.nh_content.get(lid) != content:
            self._nh_set[lid] = content
        self.nh_content[lid] = content
        self.leaves[lk] = lid
        self.leaf_of[lid] = (lk, ifindex)
        self._gc.add(lid)
        return lid

    def _leaf_content(self, lid: int, lk: LeafKey, ifindex: int) -> NextHop:
        port, vlan, family, gw = lk
        if not gw:
            return NextHop(lid, NextHopKind.PUNT, port, vlan, connected=True)
        return NextHop(
            lid, NextHopKind.FORWARD, port, vlan, self.neighs.get((ifindex, family, gw)) or ZERO_MAC
        )

    def _refresh_leaf(self, lid: int) -> None:
        lk, ifindex = self.leaf_of[lid]
        content = self._leaf_content(lid, lk, ifindex)
        if self.nh_content.get(lid) != content:
            self.nh_content[lid] = content
            self._nh_set[lid] = content

    def _group(self, gkey: tuple[object, ...], members: tuple[int, ...]) -> int:
        gid = self.groups.get(gkey)
        if gid is not None:
            if self.group_members[gid] != members:
                self._set_members(gid, members)
            return gid
        adopt = self._adopt_nhg.get(members)
        gid = adopt.pop() if adopt else self.ids.alloc()
        self.groups[gkey] = gid
        self.group_of[gid] = gkey
        if gid not in self.group_members:
            self.group_members[gid] = ()
        if self.group_members[gid] != members:
            self._set_members(gid, members)
        self._gc.add(gid)
        return gid

    def _set_members(self, gid: int, members: tuple[int, ...]) -> None:
        for m in self.group_members.get(gid, ()):
            self._deref(m)
        for m in members:
            self.refs[m] = self.refs.get(m, 0) + 1
        self.group_members[gid] = members
        self._nhg_set[gid] = NextHopGroup(gid, members)

    def _deref(self, nh: int) -> None:
        if nh in RESERVED:
            return
        n = self.refs.get(nh, 0) - 1
        if n > 0:
            self.refs[nh] = n
        else:
            self.refs.pop(nh, None)
            self._gc.add(nh)

    def _rebind_all(self) -> None:
        """Kernel nexthop objects or interfaces changed: resolve every bound target again and mark the
        prefixes whose next hop changed. Kernel groups are updated in place: one NHG_SET moves every route."""
        self._rebind = False
        old = self.bindings
        self.bindings = {}
        for lid in list(self.leaf_of):
            lk, ifindex = self.leaf_of[lid]
            if self.iface.get(ifindex) != (lk[0], lk[1]):  # the interface went or moved: a new leaf
                del self.leaves[lk]
                del self.leaf_of[lid]
                self._gc.add(lid)
            else:
                self._refresh_leaf(lid)
        for gkey, gid in list(self.groups.items()):
            if gkey[0] == "k":
                assert isinstance(gkey[1], int)
                if self._knexthop(gkey[1]) != gid:
                    del self.groups[gkey]
                    del self.group_of[gid]
                    self._gc.add(gid)
        changed = set()
        for target, nh in old.items():
            fresh = self._resolve(target)
            self.bindings[target] = fresh
            if fresh != nh or (nh not in RESERVED and nh not in self.leaf_of and nh not in self.group_of):
                changed.add(target)
        if changed:
            self.dirty.update(dict.fromkeys(k for k, e in self.routes.items() if e[2] in changed))
        self.dirty.update(dict.fromkeys(self.neigh_hosts))

    # ---- planning ------------------------------------------------------------------------------------

    def gateways(self) -> set[NeighKey]:
        """The kernel neighbours the FORWARD next hops send to: (ifindex, family, gateway)."""
        return {(ifindex, lk[2], lk[3]) for lk, ifindex in self.leaf_of.values() if lk[3]}

    def pending(self) -> bool:
        return bool(self.dirty or self._nh_set or self._nhg_set or self._rebind or self._gc)

    def plan(self) -> Plan:
        if self._rebind:
            self._rebind_all()
        fib = self.fib
        refs = self.refs
        want = self.want
        local = self.local
        routes_get = self.routes.get
        bindings = self.bindings
        resolve = self._resolve
        adds: list[tuple[RouteKey, int]] = []
        dels: list[RouteKey] = []
        for key in self.dirty:
            # want(key), inlined for the common case: a source route whose target is already bound
            if key in local:
                nh: int | None = NH_LOCAL
            else:
                entry = routes_get(key)
                if entry is not None:
                    nh = bindings.get(entry[2])
                    if nh is None:
                        nh = bindings[entry[2]] = resolve(entry[2])
                else:
                    nh = want(key)
            have = fib.get(key)
            if nh == have:
                continue
            if nh is None:
                del fib[key]
                dels.append(key)
            else:
                fib[key] = nh
                adds.append((key, nh))
                if nh not in RESERVED:
                    refs[nh] = refs.get(nh, 0) + 1
            if have is not None and have not in RESERVED:
                self._deref(have)
        self.dirty = {}
        plan = Plan(route_add=adds, route_del=dels)
        self._collect(plan)
        plan.nh_set = [nh for nh in self._nh_set.values() if nh.id in self.nh_content]
        plan.nhg_set = [g for g in self._nhg_set.values() if g.id in self.group_members]
        self._nh_set = {}
        self._nhg_set = {}
        return plan

    def _collect(self, plan: Plan) -> None:
        """Frees unreferenced groups, then the next hops they held. Bindings to freed ids are dropped."""
        freed_groups: list[int] = []
        freed_leaves: list[int] = []
        while self._gc:
            batch, self._gc = self._gc, set()
            for nh in batch:
                if nh in RESERVED or self.refs.get(nh, 0) > 0:
                    continue
                if nh in self.group_members:
                    gkey = self.group_of.pop(nh, None)
                    if gkey is not None and self.groups.get(gkey) == nh:
                        del self.groups[gkey]
                    members = self.group_members.pop(nh)
                    for m in members:
                        self._deref(m)
                    freed_groups.append(nh)
                elif nh in self.nh_content:
                    entry = self.leaf_of.pop(nh, None)
                    if entry is not None and self.leaves.get(entry[0]) == nh:
                        del self.leaves[entry[0]]
                    del self.nh_content[nh]
                    freed_leaves.append(nh)
                else:
                    continue
                self._nh_set.pop(nh, None)
                self._nhg_set.pop(nh, None)
        freed = set(freed_groups) | set(freed_leaves)
        if freed:
            self.bindings = {t: nh for t, nh in self.bindings.items() if nh not in freed}
            for nh in freed:
                self.ids.free(nh)
        plan.nh_del = freed_groups + freed_leaves

    # ---- forwarder reconciliation --------------------------------------------------------------------

    def adopt(
        self,
        routes: dict[RouteKey, int] | list[tuple[RouteKey, int]],
        nexthops: list[NextHop],
        groups: list[NextHopGroup],
        *,
        mark_stale: bool = True,
    ) -> None:
        """Starts the forwarder view over from the forwarder's own dump (agent start, forwarder restart, a
        failed request). Existing next hops and groups whose content a new one needs are reused, so that
        after an agent restart the routes already installed mostly stay as they are; the rest is freed once
        no route uses it. Forwarding goes on with the forwarder's current FIB meanwhile."""
        self.fib = routes if isinstance(routes, dict) else dict(routes)
        self.ids = IdAllocator()
        self.leaves, self.leaf_of, self.nh_content = {}, {}, {}
        self.groups, self.group_of, self.group_members = {}, {}, {}
        self.refs, self.bindings = {}, {}
        self._nh_set, self._nhg_set = {}, {}
        self._adopt_nh, self._adopt_nhg = {}, {}
        for hop in nexthops:
            if hop.id in RESERVED:
                continue
            self.ids.reserve(hop.id)
            self.nh_content[hop.id] = hop
            if hop.kind == NextHopKind.FORWARD and hop.mac != ZERO_MAC:
                self._adopt_nh.setdefault((hop.port, hop.vlan, hop.mac), []).append(hop.id)
            elif hop.connected:
                self._adopt_nh.setdefault((hop.port, hop.vlan, b""), []).append(hop.id)
        for g in groups:
            self.ids.reserve(g.id)
            self.group_members[g.id] = g.members
            for m in g.members:
                self.refs[m] = self.refs.get(m, 0) + 1
            self._adopt_nhg.setdefault(g.members, []).append(g.id)
        for nh in self.fib.values():
            if nh not in RESERVED:
                self.refs[nh] = self.refs.get(nh, 0) + 1
        self._gc = set(self.nh_content) | set(self.group_members)
        self._rebind = False
        self.dirty = dict.fromkeys(self.routes)
        for extra in (self.local, self.neigh_hosts):
            self.dirty.update(dict.fromkeys(extra))
        if mark_stale:
            self.mark_stale()

    def mark_stale(self) -> None:
        """Marks the forwarder's routes for a look: those the sources do not have are removed by the next
        plan. With `adopt(mark_stale=False)` the agent can stream plans while a dump is still arriving (only
        adding and changing) and call this once the dump is complete."""
        self.dirty.update(dict.fromkeys(self.fib))

    def finish_adopt(self) -> None:
        self._adopt_nh, self._adopt_nhg = {}, {}

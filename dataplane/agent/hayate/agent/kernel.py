"""Decoders of the kernel objects other than routes: links, addresses and neighbours through pyroute2's
message classes (few messages, so its speed does not matter), nexthop objects with struct (pyroute2 0.9.7 has
no nhmsg class)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg  # type: ignore[import-untyped,unused-ignore]
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg  # type: ignore[import-untyped,unused-ignore]
from pyroute2.netlink.rtnl.ndmsg import ndmsg  # type: ignore[import-untyped,unused-ignore]

from hayate.agent import nlconst as nl

_FAMILY = {nl.AF_INET: 4, nl.AF_INET6: 6}


@dataclass(frozen=True, slots=True)
class Link:
    index: int
    name: str
    up: bool
    kind: str  # "vlan", "tun", "veth", ... or ""
    parent: int  # IFLA_LINK (the lower device of a VLAN), 0 if none
    vlan: int | None


@dataclass(frozen=True, slots=True)
class Addr:
    index: int
    family: int  # 4 or 6
    addr: bytes  # 4 or 16 bytes


@dataclass(frozen=True, slots=True)
class Neigh:
    index: int
    family: int
    addr: bytes
    mac: bytes | None  # None: not resolved (incomplete, failed, or no link-layer address)


@dataclass(frozen=True, slots=True)
class KNexthop:
    """A kernel nexthop object: a single next hop or a group of them (members with weights)."""

    id: int
    oif: int = 0
    gw_family: int = 0
    gw: bytes = b""
    blackhole: bool = False
    group: tuple[tuple[int, int], ...] = ()  # (member id, weight)


def _raw(buf: bytes, off: int, mlen: int) -> bytes:
    return bytes(buf[off : off + mlen])


def decode_link(buf: bytes, off: int, mlen: int) -> Link:
    msg = ifinfmsg(_raw(buf, off, mlen))
    msg.decode()
    kind = ""
    vlan = None
    info = msg.get_attr("IFLA_LINKINFO")
    if info is not None:
        kind = info.get_attr("IFLA_INFO_KIND") or ""
        data = info.get_attr("IFLA_INFO_DATA")
        if kind == "vlan" and data is not None and not isinstance(data, str | bytes):
            vlan = data.get_attr("IFLA_VLAN_ID")
    return Link(
        index=int(msg["index"]),
        name=str(msg.get_attr("IFLA_IFNAME") or ""),
        up=bool(int(msg["flags"]) & nl.IFF_UP),
        kind=str(kind),
        parent=int(msg.get_attr("IFLA_LINK") or 0),
        vlan=int(vlan) if vlan is not None else None,
    )


def decode_addr(buf: bytes, off: int, mlen: int) -> Addr | None:
    msg = ifaddrmsg(_raw(buf, off, mlen))
    msg.decode()
    fam = _FAMILY.get(int(msg["family"]))
    if fam is None:
        return None
    text = msg.get_attr("IFA_LOCAL") or msg.get_attr("IFA_ADDRESS")
    if not text:
        return None
    return Addr(int(msg["index"]), fam, ipaddress.ip_address(text).packed)


def decode_neigh(buf: bytes, off: int, mlen: int) -> Neigh | None:
    msg = ndmsg(_raw(buf, off, mlen))
    msg.decode()
    fam = _FAMILY.get(int(msg["family"]))
    dst = msg.get_attr("NDA_DST")
    if fam is None or not dst or int(msg["flags"]) & 0x08:  # NTF_PROXY entries are not neighbours
        return None
    lladdr = msg.get_attr("NDA_LLADDR")
    mac = None
    if lladdr and int(msg["state"]) & nl.NUD_VALID:
        raw = bytes.fromhex(str(lladdr).replace(":", ""))
        mac = raw if len(raw) == 6 and raw != b"\x00" * 6 else None
    return Neigh(int(msg["ifindex"]), fam, ipaddress.ip_address(dst).packed, mac)


def decode_nexthop(buf: bytes, off: int, mlen: int) -> KNexthop | None:
    family, _scope, _proto, _resvd, _flags = nl.NHMSG.unpack_from(buf, off + 16)
    nh_id = oif = 0
    gw = b""
    blackhole = False
    group: list[tuple[int, int]] = []
    a = off + 24
    end = off + mlen
    while a + 4 <= end:
        alen, atype = nl.RTA_HDR.unpack_from(buf, a)
        if alen < 4:
            break
        if atype == nl.NHA_ID:
            nh_id = int.from_bytes(buf[a + 4 : a + 8], "little")
        elif atype == nl.NHA_OIF:
            oif = int.from_bytes(buf[a + 4 : a + 8], "little")
        elif atype == nl.NHA_GATEWAY:
            gw = bytes(buf[a + 4 : a + alen])
        elif atype == nl.NHA_BLACKHOLE:
            blackhole = True
        elif atype == nl.NHA_GROUP:
            for g in range(a + 4, a + alen - nl.NEXTHOP_GRP.size + 1, nl.NEXTHOP_GRP.size):
                member, weight, _high, _r = nl.NEXTHOP_GRP.unpack_from(buf, g)
                group.append((member, weight + 1))
        a += (alen + 3) & ~3
    if not nh_id:
        return None
    gw_family = 4 if len(gw) == 4 else 6 if len(gw) == 16 else _FAMILY.get(family, 0)
    return KNexthop(nh_id, oif, gw_family if gw else 0, gw, blackhole, tuple(group))


def nexthop_id(buf: bytes, off: int, mlen: int) -> int:
    kn = decode_nexthop(buf, off, mlen)
    return kn.id if kn else 0

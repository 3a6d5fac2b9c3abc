"""Netlink (rtnetlink) constants the agent uses, named as in <linux/netlink.h>, <linux/rtnetlink.h>,
<linux/nexthop.h> and <linux/neighbour.h>."""

from __future__ import annotations

import struct

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_NO_ENOBUFS = 5
NETLINK_GET_STRICT_CHK = 12

# nlmsghdr
NLMSG_HDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4

NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE = 0x100  # on NEW requests

# rtnetlink message types
RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_DELROUTE = 25
RTM_GETROUTE = 26
RTM_NEWNEIGH = 28
RTM_DELNEIGH = 29
RTM_GETNEIGH = 30
RTM_NEWNEXTHOP = 104
RTM_DELNEXTHOP = 105
RTM_GETNEXTHOP = 106

# multicast groups (numbers, for NETLINK_ADD_MEMBERSHIP)
RTNLGRP_LINK = 1
RTNLGRP_NEIGH = 3
RTNLGRP_IPV4_IFADDR = 5
RTNLGRP_IPV4_ROUTE = 7
RTNLGRP_IPV6_IFADDR = 9
RTNLGRP_IPV6_ROUTE = 11
RTNLGRP_NEXTHOP = 32

AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10

# rtmsg
RTMSG = struct.Struct("=BBBBBBBBI")  # family, dst_len, src_len, tos, table, protocol, scope, type, flags
RTA_HDR = struct.Struct("=HH")
RTA_DST = 1
RTA_SRC = 2
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_MULTIPATH = 9
RTA_TABLE = 15
RTA_VIA = 18
RTA_NH_ID = 30
RTNH = struct.Struct("=HBBi")  # rtnexthop: len, flags, hops, ifindex

RTM_F_CLONED = 0x200

RT_TABLE_UNSPEC = 0
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
TABLE_NAMES = {"main": RT_TABLE_MAIN, "default": RT_TABLE_DEFAULT, "local": RT_TABLE_LOCAL}

RTN_UNSPEC = 0
RTN_UNICAST = 1
RTN_LOCAL = 2
RTN_BROADCAST = 3
RTN_ANYCAST = 4
RTN_MULTICAST = 5
RTN_BLACKHOLE = 6
RTN_UNREACHABLE = 7
RTN_PROHIBIT = 8
RTN_THROW = 9

RTPROT_NAMES = {
    0: "unspec",
    1: "redirect",
    2: "kernel",
    3: "boot",
    4: "static",
    8: "gated",
    9: "ra",
    11: "zebra",
    12: "bird",
    16: "dhcp",
    42: "babel",
    186: "bgp",
    187: "isis",
    188: "ospf",
    189: "rip",
    190: "ripng",
    191: "nhrp",
    192: "eigrp",
    193: "ldp",
    194: "sharp",
    195: "pbr",
    196: "frr-static",
    197: "openfabric",
}
RTPROT_KERNEL = 2

# nhmsg
NHMSG = struct.Struct("=BBBBI")  # family, scope, protocol, resvd, flags
NHA_ID = 1
NHA_GROUP = 2
NHA_GROUP_TYPE = 3
NHA_BLACKHOLE = 4
NHA_OIF = 5
NHA_GATEWAY = 6
NEXTHOP_GRP = struct.Struct("=IBBH")  # id, weight-1, weight_high, resvd

# ndmsg
NUD_INCOMPLETE = 0x01
NUD_REACHABLE = 0x02
NUD_STALE = 0x04
NUD_DELAY = 0x08
NUD_PROBE = 0x10
NUD_FAILED = 0x20
NUD_NOARP = 0x40
NUD_PERMANENT = 0x80
NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY

IFF_UP = 0x1

ENOBUFS = 105

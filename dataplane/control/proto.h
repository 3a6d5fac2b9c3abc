/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket protocol v1 (PROTOCOL.md beside this file): wire structures
 * and the pure decoders for them.  Everything here is free of DPDK and I/O so
 * that the fuzz target exercises exactly what the server runs.
 *
 * Contract: manager lcore (or any single thread); no global state.
 */
#ifndef HY_CTL_PROTO_H
#define HY_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define HY_CTL_VERSION 1
#define HY_CTL_HDR_LEN 16u
#define HY_CTL_MAX_LEN (64u << 20)

enum hy_ctl_type {
	HY_CTL_HELLO = 1,
	HY_CTL_ROUTE_ADD = 10,
	HY_CTL_ROUTE_DEL = 11,
	HY_CTL_ROUTE_DUMP = 12,
	HY_CTL_ROUTE_FLUSH = 13,
	HY_CTL_LOOKUP = 14,
	HY_CTL_NH_SET = 20,
	HY_CTL_NH_DEL = 21,
	HY_CTL_NH_DUMP = 22,
	HY_CTL_NHG_SET = 23,
	HY_CTL_NHG_DUMP = 24,
	HY_CTL_STATS = 30,
	HY_CTL_PORTS = 31,
	HY_CTL_MODULE_EEPROM = 32,
	HY_CTL_FIB_STATS = 33,
	HY_CTL_TYPE_MAX = 64,
};

struct hy_ctl_hdr {
	uint32_t len;
	uint16_t version;
	uint16_t type;
	uint32_t seq;
	int32_t status;
};

#define HY_CTL_ROUTE_LEN 24u
#define HY_CTL_NH_LEN 16u
#define HY_CTL_NHG_MAX_MEMBERS 64u

/* Next-hop kinds on the wire. */
enum hy_nh_kind {
	HY_NH_FORWARD = 1,
	HY_NH_PUNT = 2,
	HY_NH_BLACKHOLE = 3,
	HY_NH_LOCAL = 4,
};
#define HY_NH_FLAG_VLAN 0x01u
/* PUNT only: a subnet connected to `port` (and VLAN): punted through the ingress port's tap like id 3; its
 * port and VLAN are the route's interface for strict uRPF. */
#define HY_NH_FLAG_CONNECTED 0x02u
#define HY_NH_FLAGS (HY_NH_FLAG_VLAN | HY_NH_FLAG_CONNECTED)

/* Reserved next-hop ids present from the start. */
#define HY_NH_ID_LOCAL 1u
#define HY_NH_ID_BLACKHOLE 2u
#define HY_NH_ID_PUNT 3u
#define HY_NH_ID_FIRST_USER 16u
#define HY_NH_ID_MAX 65535u

struct hy_ctl_route {
	uint8_t family;
	uint8_t depth;
	uint32_t nh;
	uint8_t addr[16];
};

struct hy_ctl_nexthop {
	uint32_t id;
	uint8_t kind;
	uint8_t flags;
	uint16_t port;
	uint16_t vlan;
	uint8_t mac[6];
};

struct hy_ctl_nhgroup {
	uint32_t id;
	uint16_t n_members;
	const uint8_t *members; /* n_members little-endian u32 in the message */
};

/*
 * Frame the next message of buf[0..len).  Returns the message length (> 0)
 * with *hdr filled, 0 when more bytes are needed, or a negative errno when the
 * stream is broken: -EMSGSIZE (length under 16 or over the limit).  Version
 * and type are checked by the caller after framing, since the stream stays
 * framed in that case.
 */
long hy_ctl_frame(const uint8_t *buf, size_t len, struct hy_ctl_hdr *hdr);

/* Encode a header into out[16]. */
void hy_ctl_hdr_encode(uint8_t *out, const struct hy_ctl_hdr *hdr);

/*
 * Decode element i of a route array (payload length a multiple of 24).
 * Returns 0 or -EINVAL with a message naming the element and field.
 */
int hy_ctl_route_decode(const uint8_t *p, uint32_t i, struct hy_ctl_route *route, char *err, size_t errlen);
void hy_ctl_route_encode(uint8_t *out, const struct hy_ctl_route *route);

int hy_ctl_nexthop_decode(const uint8_t *p, uint32_t i, struct hy_ctl_nexthop *nh, char *err, size_t errlen);
void hy_ctl_nexthop_encode(uint8_t *out, const struct hy_ctl_nexthop *nh);

/*
 * Decode the next group record at *off of payload[0..len); advances *off.
 * Returns 0 or -EINVAL (truncated record, 0 or more than 64 members, a
 * member id out of range) with a message naming record i.
 */
int hy_ctl_nhgroup_decode(const uint8_t *payload, uint32_t len, uint32_t *off, uint32_t i,
			  struct hy_ctl_nhgroup *grp, char *err, size_t errlen);
uint32_t hy_ctl_nhgroup_member(const struct hy_ctl_nhgroup *grp, uint16_t k);

static inline uint32_t hy_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t hy_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void hy_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void hy_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

#endif

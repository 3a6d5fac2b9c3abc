/* SPDX-License-Identifier: BSD-3-Clause */
/* Control protocol v1: framing and element decoders (pure functions, fuzzed). */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

long hy_ctl_frame(const uint8_t *buf, size_t len, struct hy_ctl_hdr *hdr)
{
	if (len < 4)
		return 0;
	hdr->len = hy_le32(buf);
	if (hdr->len < HY_CTL_HDR_LEN || hdr->len > HY_CTL_MAX_LEN)
		return -EMSGSIZE;
	if (len < hdr->len)
		return 0;
	hdr->version = hy_le16(buf + 4);
	hdr->type = hy_le16(buf + 6);
	hdr->seq = hy_le32(buf + 8);
	hdr->status = (int32_t)hy_le32(buf + 12);
	return (long)hdr->len;
}

void hy_ctl_hdr_encode(uint8_t *out, const struct hy_ctl_hdr *hdr)
{
	hy_put_le32(out, hdr->len);
	hy_put_le16(out + 4, hdr->version);
	hy_put_le16(out + 6, hdr->type);
	hy_put_le32(out + 8, hdr->seq);
	hy_put_le32(out + 12, (uint32_t)hdr->status);
}

int hy_ctl_route_decode(const uint8_t *p, uint32_t i, struct hy_ctl_route *route, char *err, size_t errlen)
{
	p += (size_t)i * HY_CTL_ROUTE_LEN;
	route->family = p[0];
	route->depth = p[1];
	route->nh = hy_le32(p + 4);
	memcpy(route->addr, p + 8, 16);
	if (route->family != 4 && route->family != 6) {
		snprintf(err, errlen, "route[%u].family: must be 4 or 6, got %u", i, route->family);
		return -EINVAL;
	}
	if (route->depth > (route->family == 4 ? 32 : 128)) {
		snprintf(err, errlen, "route[%u].depth: must be 0..%u for IPv%u, got %u", i,
			 route->family == 4 ? 32 : 128, route->family, route->depth);
		return -EINVAL;
	}
	return 0;
}

void hy_ctl_route_encode(uint8_t *out, const struct hy_ctl_route *route)
{
	memset(out, 0, HY_CTL_ROUTE_LEN);
	out[0] = route->family;
	out[1] = route->depth;
	hy_put_le32(out + 4, route->nh);
	memcpy(out + 8, route->addr, route->family == 4 ? 4 : 16);
}

int hy_ctl_nexthop_decode(const uint8_t *p, uint32_t i, struct hy_ctl_nexthop *nh, char *err, size_t errlen)
{
	p += (size_t)i * HY_CTL_NH_LEN;
	nh->id = hy_le32(p);
	nh->kind = p[4];
	nh->flags = p[5];
	nh->port = hy_le16(p + 6);
	nh->vlan = hy_le16(p + 8);
	memcpy(nh->mac, p + 10, 6);
	if (nh->id < HY_NH_ID_FIRST_USER || nh->id > HY_NH_ID_MAX) {
		snprintf(err, errlen, "nexthop[%u].id: must be %u..%u, got %u", i, HY_NH_ID_FIRST_USER,
			 HY_NH_ID_MAX, nh->id);
		return -EINVAL;
	}
	if (nh->kind < HY_NH_FORWARD || nh->kind > HY_NH_LOCAL) {
		snprintf(err, errlen, "nexthop[%u].kind: must be 1..4, got %u", i, nh->kind);
		return -EINVAL;
	}
	if (nh->flags & ~HY_NH_FLAGS) {
		snprintf(err, errlen, "nexthop[%u].flags: unknown bits 0x%x", i, nh->flags & ~HY_NH_FLAGS);
		return -EINVAL;
	}
	if ((nh->flags & HY_NH_FLAG_CONNECTED) && nh->kind != HY_NH_PUNT) {
		snprintf(err, errlen, "nexthop[%u].flags: CONNECTED is for PUNT next hops, kind is %u", i, nh->kind);
		return -EINVAL;
	}
	if ((nh->flags & HY_NH_FLAG_VLAN) && (nh->vlan < 1 || nh->vlan > 4094)) {
		snprintf(err, errlen, "nexthop[%u].vlan: must be 1..4094, got %u", i, nh->vlan);
		return -EINVAL;
	}
	if (nh->kind == HY_NH_FORWARD && (nh->mac[0] & 1)) {
		snprintf(err, errlen, "nexthop[%u].mac: must be a unicast MAC", i);
		return -EINVAL;
	}
	return 0;
}

void hy_ctl_nexthop_encode(uint8_t *out, const struct hy_ctl_nexthop *nh)
{
	hy_put_le32(out, nh->id);
	out[4] = nh->kind;
	out[5] = nh->flags;
	hy_put_le16(out + 6, nh->port);
	hy_put_le16(out + 8, nh->vlan);
	memcpy(out + 10, nh->mac, 6);
}

int hy_ctl_nhgroup_decode(const uint8_t *payload, uint32_t len, uint32_t *off, uint32_t i,
			  struct hy_ctl_nhgroup *grp, char *err, size_t errlen)
{
	const uint8_t *p = payload + *off;
	uint32_t left = len - *off;

	if (left < 8) {
		snprintf(err, errlen, "nhgroup[%u]: truncated header (%u bytes left)", i, left);
		return -EINVAL;
	}
	grp->id = hy_le32(p);
	grp->n_members = hy_le16(p + 4);
	grp->members = p + 8;
	if (grp->id < HY_NH_ID_FIRST_USER || grp->id > HY_NH_ID_MAX) {
		snprintf(err, errlen, "nhgroup[%u].id: must be %u..%u, got %u", i, HY_NH_ID_FIRST_USER,
			 HY_NH_ID_MAX, grp->id);
		return -EINVAL;
	}
	if (grp->n_members < 1 || grp->n_members > HY_CTL_NHG_MAX_MEMBERS) {
		snprintf(err, errlen, "nhgroup[%u].n_members: must be 1..%u, got %u", i, HY_CTL_NHG_MAX_MEMBERS,
			 grp->n_members);
		return -EINVAL;
	}
	if (left - 8 < 4u * grp->n_members) {
		snprintf(err, errlen, "nhgroup[%u]: %u members announced, record truncated", i, grp->n_members);
		return -EINVAL;
	}
	for (uint16_t k = 0; k < grp->n_members; k++) {
		uint32_t m = hy_ctl_nhgroup_member(grp, k);
		if (m < 1 || m > HY_NH_ID_MAX || m == grp->id) {
			snprintf(err, errlen, "nhgroup[%u].member_id[%u]: invalid next-hop id %u", i, k, m);
			return -EINVAL;
		}
	}
	*off += 8 + 4u * grp->n_members;
	return 0;
}

uint32_t hy_ctl_nhgroup_member(const struct hy_ctl_nhgroup *grp, uint16_t k)
{
	return hy_le32(grp->members + 4u * k);
}

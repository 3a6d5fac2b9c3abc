/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the control-socket decoder.  The input is a byte stream as a
 * client would send it: messages are framed, dispatched (version, type and
 * payload-size checks) and their payloads run through the element decoders
 * of their type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_payload(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	char err[256];
	uint32_t off = 0, i = 0;

	(void)ctx;
	switch (req->type) {
	case HY_CTL_ROUTE_ADD:
		for (i = 0; i < req->len / HY_CTL_ROUTE_LEN; i++) {
			struct hy_ctl_route r;
			if (hy_ctl_route_decode(req->payload, i, &r, err, sizeof(err)) == 0) {
				uint8_t out[HY_CTL_ROUTE_LEN];
				hy_ctl_route_encode(out, &r);
			}
		}
		return hy_ctl_reply_batch(reply, i, 0, NULL);
	case HY_CTL_NH_SET:
		for (i = 0; i < req->len / HY_CTL_NH_LEN; i++) {
			struct hy_ctl_nexthop nh;
			if (hy_ctl_nexthop_decode(req->payload, i, &nh, err, sizeof(err)) < 0)
				return hy_ctl_reply_batch(reply, i, -22, err);
		}
		return hy_ctl_reply_batch(reply, i, 0, NULL);
	case HY_CTL_NHG_SET:
		while (off < req->len) {
			struct hy_ctl_nhgroup g;
			if (hy_ctl_nhgroup_decode(req->payload, req->len, &off, i, &g, err, sizeof(err)) < 0)
				return hy_ctl_reply_batch(reply, i, -22, err);
			i++;
		}
		return hy_ctl_reply_batch(reply, i, 0, NULL);
	default:
		return hy_ctl_reply_error(reply, -22, "type %u", req->type);
	}
}

static const struct hy_ctl_handler routes = {HY_CTL_ROUTE_ADD, "ROUTE_ADD", decode_payload, 0, HY_CTL_ROUTE_LEN,
					     false};
static const struct hy_ctl_handler nhs = {HY_CTL_NH_SET, "NH_SET", decode_payload, 0, HY_CTL_NH_LEN, false};
static const struct hy_ctl_handler groups = {HY_CTL_NHG_SET, "NHG_SET", decode_payload, 0, 0, true};
static const struct hy_ctl_handler lookup = {HY_CTL_LOOKUP, "LOOKUP", decode_payload, 20, 0, false};
HY_CTL_HANDLER(routes)
HY_CTL_HANDLER(nhs)
HY_CTL_HANDLER(groups)
HY_CTL_HANDLER(lookup)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hy_ctl_reply reply = {0};
	uint64_t errors = 0;
	size_t off = 0;

	while (off < size) {
		struct hy_ctl_hdr hdr;
		long n = hy_ctl_frame(data + off, size - off, &hdr);
		if (n <= 0)
			break;
		/* The dispatcher reads the message in place, like the server does from its buffer. */
		uint8_t *msg = malloc((size_t)n);
		if (msg == NULL)
			break;
		memcpy(msg, data + off, (size_t)n);
		hy_ctl_dispatch(NULL, &hdr, msg, &reply, &errors);
		free(msg);
		off += (size_t)n;
	}
	hy_ctl_reply_free(&reply);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for hayate-fib's text parsers: every line of the input goes
 * through hy_route_text_parse and hy_addr_text_parse.  A parsed route must be
 * in range and survive a round trip through its canonical text.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_route(const struct hy_fib_route *r)
{
	char text[96], addr[INET6_ADDRSTRLEN], err[160];
	struct hy_fib_route again;
	uint32_t be;

	if ((r->family != 4 && r->family != 6) || r->depth > (r->family == 4 ? 32 : 128) || r->nh == 0 ||
	    r->nh > HY_FIB_NH_MAX || r->op != HY_FIB_ADD)
		abort();
	if (r->family == 4) {
		be = htonl(r->addr.v4);
		inet_ntop(AF_INET, &be, addr, sizeof(addr));
	} else {
		inet_ntop(AF_INET6, r->addr.v6, addr, sizeof(addr));
	}
	snprintf(text, sizeof(text), "%s/%u %u\n", addr, r->depth, r->nh);
	if (hy_route_text_parse(text, strlen(text), &again, err, sizeof(err)) != 1 ||
	    memcmp(&again, r, sizeof(again)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl + 1 : end) - p);
		struct hy_fib_route r;
		struct hy_addr a;
		char err[160];
		int rc = hy_route_text_parse(p, len, &r, err, sizeof(err));

		if (rc == 1)
			check_route(&r);
		else if (rc < 0 && strlen(err) == 0)
			abort(); /* an error always says why */
		rc = hy_addr_text_parse(p, len, &a, err, sizeof(err));
		if (rc == 1 && a.family != 4 && a.family != 6)
			abort();
		p += len;
	}
	return 0;
}

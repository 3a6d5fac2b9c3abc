/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text forms read by hayate-fib: route-file lines ("PREFIX/LEN NEXTHOP") and
 * lookup lines (one address).  IPv4 and IPv6 may be mixed; '#' starts a
 * comment; blank lines are skipped.
 *
 * Pure functions (no allocation, no global state): callable from any thread.
 * They are the parsers fed by the fuzz target fuzz_route_text.c.
 */
#ifndef HY_ROUTE_TEXT_H
#define HY_ROUTE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"

/* Longest line accepted; longer lines are an error, not a silent cut. */
#define HY_ROUTE_TEXT_LINE_MAX 256

struct hy_addr {
	uint8_t family; /* 4 or 6 */
	union {
		uint32_t v4;	 /* host order, as fib.h wants */
		uint8_t v6[16]; /* network order */
	};
};

/*
 * Parse one route-file line of len bytes (no terminating NUL needed; a
 * trailing '\n' or "\r\n" is allowed).  Returns 1 with *route filled as an
 * HY_FIB_ADD operation, 0 for a blank or comment-only line, or -EINVAL with a
 * message naming the bad field in err.  The next hop must be 1..HY_FIB_NH_MAX.
 * Host bits beyond the prefix length are kept (the FIB ignores them).
 */
int hy_route_text_parse(const char *line, size_t len, struct hy_fib_route *route, char *err, size_t errlen);

/* Parse one lookup line: 1 with *addr filled, 0 blank/comment, -EINVAL with a message. */
int hy_addr_text_parse(const char *line, size_t len, struct hy_addr *addr, char *err, size_t errlen);

#endif

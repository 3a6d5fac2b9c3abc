/* SPDX-License-Identifier: BSD-3-Clause */
#include "route_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FIELD_MAX 64 /* longer than any address + "/128" */

struct cursor {
	const char *p, *end;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* The line without its comment and surrounding blanks. */
static struct cursor line_content(const char *line, size_t len)
{
	const char *hash = memchr(line, '#', len);
	struct cursor c = { line, hash ? hash : line + len };

	while (c.p < c.end && is_space(*c.p))
		c.p++;
	while (c.end > c.p && is_space(c.end[-1]))
		c.end--;
	return c;
}

/*
 * Next blank-separated field as a NUL-terminated copy; false at the end of the
 * line.  A field too long for any valid value is copied as "<first 40 bytes>..." so that it
 * cannot parse by accident of the cut.
 */
static bool next_field(struct cursor *c, char field[FIELD_MAX], size_t *flen)
{
	const char *start;

	while (c->p < c->end && is_space(*c->p))
		c->p++;
	if (c->p == c->end)
		return false;
	start = c->p;
	while (c->p < c->end && !is_space(*c->p))
		c->p++;
	*flen = (size_t)(c->p - start);
	if (*flen >= FIELD_MAX) {
		snprintf(field, FIELD_MAX, "%.40s...", start);
		return true;
	}
	memcpy(field, start, *flen);
	field[*flen] = '\0';
	return true;
}

/* Strict unsigned decimal: digits only, no sign, no blanks, at most max. */
static bool parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* An IPv4 or IPv6 address in field; family is 4 or 6 on success. */
static bool parse_addr(const char *field, struct hy_addr *addr)
{
	struct in_addr a4;

	if (strchr(field, ':') != NULL) {
		addr->family = 6;
		return inet_pton(AF_INET6, field, addr->v6) == 1;
	}
	if (inet_pton(AF_INET, field, &a4) != 1)
		return false;
	addr->family = 4;
	addr->v4 = ntohl(a4.s_addr);
	return true;
}

static int fail(char *err, size_t errlen, const char *what, const char *field)
{
	snprintf(err, errlen, "%s '%s'", what, field);
	return -EINVAL;
}

int hy_route_text_parse(const char *line, size_t len, struct hy_fib_route *route, char *err, size_t errlen)
{
	struct cursor c;
	char field[FIELD_MAX], *slash;
	struct hy_addr addr;
	uint32_t depth, nh;
	size_t flen;

	if (len > HY_ROUTE_TEXT_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", HY_ROUTE_TEXT_LINE_MAX);
		return -EINVAL;
	}
	c = line_content(line, len);
	if (!next_field(&c, field, &flen))
		return 0;

	slash = strchr(field, '/');
	if (slash == NULL)
		return fail(err, errlen, "prefix without /length", field);
	*slash = '\0';
	if (!parse_addr(field, &addr)) {
		*slash = '/';
		return fail(err, errlen, "bad prefix address in", field);
	}
	*slash = '/';
	if (!parse_uint(slash + 1, addr.family == 4 ? 32 : 128, &depth))
		return fail(err, errlen, addr.family == 4 ? "bad IPv4 prefix length (0..32) in"
							  : "bad IPv6 prefix length (0..128) in",
			    field);

	memset(route, 0, sizeof(*route));
	route->family = addr.family;
	route->depth = (uint8_t)depth;
	route->op = HY_FIB_ADD;
	if (addr.family == 4)
		route->addr.v4 = addr.v4;
	else
		memcpy(route->addr.v6, addr.v6, 16);

	if (!next_field(&c, field, &flen)) {
		snprintf(err, errlen, "missing next-hop index after the prefix");
		return -EINVAL;
	}
	if (!parse_uint(field, HY_FIB_NH_MAX, &nh) || nh == HY_FIB_NH_NONE) {
		snprintf(err, errlen, "bad next-hop index '%s' (1..%u)", field, HY_FIB_NH_MAX);
		return -EINVAL;
	}
	route->nh = nh;

	if (next_field(&c, field, &flen))
		return fail(err, errlen, "unexpected field after the next hop:", field);
	return 1;
}

int hy_addr_text_parse(const char *line, size_t len, struct hy_addr *addr, char *err, size_t errlen)
{
	struct cursor c;
	char field[FIELD_MAX];
	size_t flen;

	if (len > HY_ROUTE_TEXT_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", HY_ROUTE_TEXT_LINE_MAX);
		return -EINVAL;
	}
	c = line_content(line, len);
	if (!next_field(&c, field, &flen))
		return 0;
	if (!parse_addr(field, addr))
		return fail(err, errlen, "bad address", field);
	if (next_field(&c, field, &flen))
		return fail(err, errlen, "unexpected field after the address:", field);
	return 1;
}

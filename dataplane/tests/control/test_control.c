/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the control protocol codec and the non-blocking server (a real Unix socket, no DPDK). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../fwd/check.h"
#include "proto.h"
#include "server.h"

/* A test handler on the HELLO type: echoes its payload; payload "fail" returns -EINVAL. */
static int echo(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	(*(int *)ctx)++;
	if (req->len == 4 && memcmp(req->payload, "fail", 4) == 0)
		return hy_ctl_reply_error(reply, -EINVAL, "element[%d]: bad", 3);
	return hy_ctl_reply_append(reply, req->payload, req->len);
}
static const struct hy_ctl_handler echo_handler = {HY_CTL_HELLO, "HELLO", echo, 0, 0, true};
HY_CTL_HANDLER(echo_handler)

static const struct hy_ctl_handler routes_handler = {HY_CTL_ROUTE_ADD, "ROUTE_ADD", echo, 0, HY_CTL_ROUTE_LEN,
						     false};
HY_CTL_HANDLER(routes_handler)

static size_t request(uint8_t *out, uint16_t version, uint16_t type, uint32_t seq, const void *payload,
		      uint32_t len)
{
	struct hy_ctl_hdr h = {.len = HY_CTL_HDR_LEN + len, .version = version, .type = type, .seq = seq};

	hy_ctl_hdr_encode(out, &h);
	memcpy(out + HY_CTL_HDR_LEN, payload, len);
	return h.len;
}

static void test_framing(void)
{
	uint8_t buf[64];
	struct hy_ctl_hdr h;

	request(buf, 1, 10, 7, "abcd", 4);
	CHECK_EQ(hy_ctl_frame(buf, 3, &h), 0);
	CHECK_EQ(hy_ctl_frame(buf, 19, &h), 0);
	CHECK_EQ(hy_ctl_frame(buf, 20, &h), 20);
	CHECK_EQ(h.type, 10);
	CHECK_EQ(h.seq, 7);
	hy_put_le32(buf, 15);
	CHECK_EQ(hy_ctl_frame(buf, 20, &h), -EMSGSIZE);
	hy_put_le32(buf, HY_CTL_MAX_LEN + 1);
	CHECK_EQ(hy_ctl_frame(buf, 20, &h), -EMSGSIZE);
}

static void test_decoders(void)
{
	uint8_t p[64] = {0};
	struct hy_ctl_route r;
	struct hy_ctl_nexthop nh;
	struct hy_ctl_nhgroup g;
	char err[256];
	uint32_t off = 0;

	p[0] = 4, p[1] = 24;
	hy_put_le32(p + 4, 16);
	p[8] = 10;
	CHECK_EQ(hy_ctl_route_decode(p, 0, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.nh, 16);
	p[1] = 33;
	CHECK_EQ(hy_ctl_route_decode(p, 0, &r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "route[0].depth") != NULL);
	p[0] = 5;
	CHECK_EQ(hy_ctl_route_decode(p, 0, &r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "route[0].family") != NULL);

	memset(p, 0, sizeof(p));
	hy_put_le32(p, 3);
	p[4] = HY_NH_FORWARD;
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), -EINVAL); /* reserved id */
	hy_put_le32(p, 16);
	p[5] = HY_NH_FLAG_VLAN;
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), -EINVAL); /* VLAN 0 */
	CHECK(strstr(err, "nexthop[0].vlan") != NULL);
	hy_put_le16(p + 8, 100);
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), 0);
	uint8_t enc[16];
	hy_ctl_nexthop_encode(enc, &nh);
	CHECK(memcmp(enc, p, 16) == 0);
	p[5] = HY_NH_FLAG_VLAN | HY_NH_FLAG_CONNECTED; /* a FORWARD next hop cannot be a connected subnet */
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "nexthop[0].flags: CONNECTED is for PUNT") != NULL);
	p[4] = HY_NH_PUNT;
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), 0);
	p[5] = 0x04;
	CHECK_EQ(hy_ctl_nexthop_decode(p, 0, &nh, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "unknown bits 0x4") != NULL);

	memset(p, 0, sizeof(p));
	hy_put_le32(p, 100);
	hy_put_le16(p + 4, 2);
	hy_put_le32(p + 8, 16);
	hy_put_le32(p + 12, 17);
	CHECK_EQ(hy_ctl_nhgroup_decode(p, 16, &off, 0, &g, err, sizeof(err)), 0);
	CHECK_EQ(off, 16);
	CHECK_EQ(hy_ctl_nhgroup_member(&g, 1), 17);
	off = 0;
	CHECK_EQ(hy_ctl_nhgroup_decode(p, 15, &off, 0, &g, err, sizeof(err)), -EINVAL); /* truncated */
	hy_put_le16(p + 4, 0);
	CHECK_EQ(hy_ctl_nhgroup_decode(p, 16, &off, 0, &g, err, sizeof(err)), -EINVAL); /* no members */
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		close(fd);
		return -1;
	}
	return fd;
}

/* Poll the server until a whole reply is readable; returns its length (header + payload) or -1 on EOF. */
static long read_reply(struct hy_ctl_server *srv, int fd, uint8_t *buf, size_t cap, struct hy_ctl_hdr *h)
{
	size_t have = 0;

	for (int spins = 0; spins < 100000; spins++) {
		hy_ctl_server_poll(srv);
		ssize_t n = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (n == 0)
			return -1;
		if (n > 0)
			have += (size_t)n;
		long len = hy_ctl_frame(buf, have, h);
		if (len > 0)
			return len;
	}
	return -2;
}

static void test_server(void)
{
	char path[108];
	struct hy_ctl_server *srv;
	int calls = 0;
	char err[256];
	uint8_t buf[4096], req[256];
	struct hy_ctl_hdr h;
	struct stat st;
	size_t n = 0;
	long len;
	int fd;

	snprintf(path, sizeof(path), "/tmp/hy-ctl-test-%d/fwd.sock", getpid());
	struct hy_ctl_server_conf conf = {.path = path, .mode = 0600, .max_clients = 4, .ctx = &calls};
	CHECK_EQ(hy_ctl_server_create(&conf, &srv, err, sizeof(err)), 0);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	fd = connect_to(path);
	CHECK(fd >= 0);

	/* Three pipelined requests are answered in order. */
	n += request(req + n, 1, HY_CTL_HELLO, 1, "one", 3);
	n += request(req + n, 1, HY_CTL_HELLO, 2, "two!", 4);
	n += request(req + n, 1, HY_CTL_HELLO, 3, "", 0);
	CHECK_EQ(send(fd, req, n, 0), (ssize_t)n);
	size_t have = 0;
	for (uint32_t seq = 1; seq <= 3; seq++) {
		for (int spins = 0; spins < 100000 && hy_ctl_frame(buf, have, &h) <= 0; spins++) {
			hy_ctl_server_poll(srv);
			ssize_t got = recv(fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT);
			if (got > 0)
				have += (size_t)got;
		}
		len = hy_ctl_frame(buf, have, &h);
		CHECK(len > 0);
		CHECK_EQ(h.seq, seq);
		CHECK_EQ(h.status, 0);
		CHECK_EQ(h.type, HY_CTL_HELLO);
		memmove(buf, buf + len, have - (size_t)len);
		have -= (size_t)len;
	}
	CHECK_EQ(calls, 3);

	/* Handler error: JSON error payload, connection stays. */
	send(fd, req, request(req, 1, HY_CTL_HELLO, 9, "fail", 4), 0);
	len = read_reply(srv, fd, buf, sizeof(buf), &h);
	CHECK_EQ(h.status, -EINVAL);
	CHECK(len > 16 && memmem(buf + 16, (size_t)len - 16, "element[3]: bad", 15) != NULL);

	/* Unknown type and a payload that is not n x 24: -EPROTO, still open. */
	send(fd, req, request(req, 1, 999, 10, "", 0), 0);
	read_reply(srv, fd, buf, sizeof(buf), &h);
	CHECK_EQ(h.status, -EPROTO);
	send(fd, req, request(req, 1, HY_CTL_ROUTE_ADD, 11, "12345", 5), 0);
	read_reply(srv, fd, buf, sizeof(buf), &h);
	CHECK_EQ(h.status, -EPROTO);
	CHECK_EQ(h.seq, 11);

	/* Another version: -EPROTONOSUPPORT with our version in the JSON error. */
	send(fd, req, request(req, 2, HY_CTL_HELLO, 12, "", 0), 0);
	len = read_reply(srv, fd, buf, sizeof(buf), &h);
	CHECK_EQ(h.status, -EPROTONOSUPPORT);
	CHECK(len > 16 && memmem(buf + 16, (size_t)len - 16, "\"version\":1", 11) != NULL);

	/* A length under 16: -EMSGSIZE, then the connection is closed (framing lost). */
	request(req, 1, HY_CTL_HELLO, 13, "", 0);
	hy_put_le32(req, 8);
	send(fd, req, 16, 0);
	read_reply(srv, fd, buf, sizeof(buf), &h);
	CHECK_EQ(h.status, -EMSGSIZE);
	CHECK_EQ(read_reply(srv, fd, buf, sizeof(buf), &h), -1);
	close(fd);

	struct hy_ctl_counters c;
	hy_ctl_server_counters(srv, &c);
	CHECK_EQ(c.errors, 5);
	CHECK_EQ(c.requests, 8); /* 3 pipelined, 1 failing handler, 2 -EPROTO, 1 version, 1 length */
	hy_ctl_server_destroy(srv);
	CHECK(stat(path, &st) < 0 && errno == ENOENT); /* the socket file is removed */
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/* A client that does not read its replies stops being read: the server never buffers unboundedly. */
static void test_back_pressure(void)
{
	enum { PAYLOAD = 60000, REQUESTS = 64, MSG = HY_CTL_HDR_LEN + PAYLOAD };
	static uint8_t stream[REQUESTS * MSG], reply[MSG];
	char path[108], err[256];
	struct hy_ctl_server *srv;
	struct hy_ctl_counters c;
	size_t sent = 0, got = 0;
	int calls = 0, fd, replies = 0, small = 1 << 16;

	snprintf(path, sizeof(path), "/tmp/hy-ctl-bp-%d.sock", getpid());
	struct hy_ctl_server_conf conf = {.path = path, .mode = 0600, .max_clients = 2, .ctx = &calls};
	CHECK_EQ(hy_ctl_server_create(&conf, &srv, err, sizeof(err)), 0);
	fd = connect_to(path);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < REQUESTS; i++) {
		memset(stream + (size_t)i * MSG + HY_CTL_HDR_LEN, 'a' + i % 26, PAYLOAD);
		request(stream + (size_t)i * MSG, 1, HY_CTL_HELLO, (uint32_t)i, stream + (size_t)i * MSG + HY_CTL_HDR_LEN,
			PAYLOAD);
	}
	/* Phase 1: pipeline 3.8 MB of echo requests and read nothing, until neither side moves. */
	for (int idle = 0; idle < 2000 && sent < sizeof(stream);) {
		ssize_t n = send(fd, stream + sent, sizeof(stream) - sent, MSG_DONTWAIT);
		hy_ctl_server_poll(srv);
		if (n > 0) {
			sent += (size_t)n;
			idle = 0;
		} else {
			idle++;
		}
	}
	hy_ctl_server_counters(srv, &c);
	CHECK(sent < sizeof(stream));	/* the client is blocked too... */
	CHECK(c.requests < REQUESTS);	/* ...because the server stopped reading */
	/* Phase 2: read the replies one by one; the rest of the requests flow, answered in order. */
	while (replies < REQUESTS) {
		if (sent < sizeof(stream)) {
			ssize_t n = send(fd, stream + sent, sizeof(stream) - sent, MSG_DONTWAIT);
			if (n > 0)
				sent += (size_t)n;
		}
		hy_ctl_server_poll(srv);
		ssize_t n = recv(fd, reply + got, MSG - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		if (got == MSG) {
			struct hy_ctl_hdr h;
			CHECK_EQ(hy_ctl_frame(reply, got, &h), MSG);
			CHECK_EQ(h.seq, replies);
			CHECK_EQ(reply[MSG - 1], 'a' + replies % 26);
			replies++;
			got = 0;
		}
	}
	CHECK_EQ(replies, REQUESTS);
	hy_ctl_server_counters(srv, &c);
	CHECK_EQ(c.requests, REQUESTS);
	close(fd);
	hy_ctl_server_destroy(srv);
}

int main(void)
{
	test_framing();
	test_decoders();
	test_server();
	test_back_pressure();
	CHECK_DONE();
}

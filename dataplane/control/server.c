/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket server: non-blocking Unix socket polled by the manager lcore (no threads). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Work done for one connection per poll, so one busy client cannot starve the manager's other tasks. */
#define REQUESTS_PER_POLL 16
#define READ_CHUNK (256u << 10)

static const struct hy_ctl_handler *handlers[HY_CTL_TYPE_MAX];

void hy_ctl_register(const struct hy_ctl_handler *handler)
{
	if (handler->type < HY_CTL_TYPE_MAX)
		handlers[handler->type] = handler;
}

const struct hy_ctl_handler *hy_ctl_handler_get(uint16_t type)
{
	return type < HY_CTL_TYPE_MAX ? handlers[type] : NULL;
}

/* ---- replies ---- */

static int reply_grow(struct hy_ctl_reply *reply, size_t need)
{
	size_t cap = reply->cap ? reply->cap : 4096;
	uint8_t *buf;

	if (HY_CTL_HDR_LEN + reply->len + need <= reply->cap)
		return 0;
	if (HY_CTL_HDR_LEN + reply->len + need > HY_CTL_MAX_LEN)
		return -EMSGSIZE;
	while (cap < HY_CTL_HDR_LEN + reply->len + need)
		cap *= 2;
	buf = realloc(reply->buf, cap);
	if (buf == NULL)
		return -ENOMEM;
	reply->buf = buf;
	reply->cap = cap;
	return 0;
}

uint8_t *hy_ctl_reply_reserve(struct hy_ctl_reply *reply, size_t len)
{
	uint8_t *p;

	if (reply_grow(reply, len) < 0)
		return NULL;
	p = reply->buf + HY_CTL_HDR_LEN + reply->len;
	reply->len += len;
	return p;
}

int hy_ctl_reply_append(struct hy_ctl_reply *reply, const void *data, size_t len)
{
	uint8_t *p = hy_ctl_reply_reserve(reply, len);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, data, len);
	return 0;
}

void hy_ctl_reply_reset(struct hy_ctl_reply *reply)
{
	reply->status = 0;
	reply->len = 0;
}

void hy_ctl_reply_free(struct hy_ctl_reply *reply)
{
	free(reply->buf);
	memset(reply, 0, sizeof(*reply));
}

static int reply_error_json(struct hy_ctl_reply *reply, int status, const char *msg, int version)
{
	json_t *o = json_pack("{s:s}", "error", msg);

	reply->len = 0;
	if (o != NULL && version > 0)
		json_object_set_new(o, "version", json_integer(version));
	hy_ctl_reply_json(reply, o);
	reply->status = status;
	return status;
}

int hy_ctl_reply_error(struct hy_ctl_reply *reply, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_error_json(reply, status, msg, 0);
}

int hy_ctl_reply_batch(struct hy_ctl_reply *reply, uint32_t applied, int status, const char *msg)
{
	uint8_t head[8] = {0};

	reply->len = 0;
	hy_put_le32(head, applied);
	hy_ctl_reply_append(reply, head, sizeof(head));
	if (status < 0 && msg != NULL)
		hy_ctl_reply_append(reply, msg, strlen(msg));
	reply->status = status;
	return status;
}

int hy_ctl_reply_json(struct hy_ctl_reply *reply, void *json)
{
	char *text;
	int rc;

	if (json == NULL)
		return -ENOMEM;
	text = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	if (text == NULL)
		return -ENOMEM;
	rc = hy_ctl_reply_append(reply, text, strlen(text));
	free(text);
	return rc;
}

/* ---- dispatch ---- */

bool hy_ctl_dispatch(void *ctx, const struct hy_ctl_hdr *hdr, const uint8_t *msg, struct hy_ctl_reply *reply,
		     uint64_t *errors)
{
	const struct hy_ctl_handler *h;
	struct hy_ctl_request req = {
		.type = hdr->type,
		.seq = hdr->seq,
		.payload = msg + HY_CTL_HDR_LEN,
		.len = hdr->len - HY_CTL_HDR_LEN,
	};
	int rc;

	hy_ctl_reply_reset(reply);
	if (hdr->version != HY_CTL_VERSION) {
		(*errors)++;
		/* The header layout is common to all versions, so framing holds: the client may retry in v1. */
		reply_error_json(reply, -EPROTONOSUPPORT, "unsupported protocol version", HY_CTL_VERSION);
		return false;
	}
	h = hy_ctl_handler_get(hdr->type);
	if (h == NULL) {
		(*errors)++;
		hy_ctl_reply_error(reply, -EPROTO, "unknown request type %u", hdr->type);
		return false;
	}
	if (!h->any_len && (req.len < h->min_len ||
			    (h->elem_size == 0 ? req.len != h->min_len : (req.len - h->min_len) % h->elem_size))) {
		(*errors)++;
		if (h->elem_size)
			hy_ctl_reply_error(reply, -EPROTO, "%s: payload of %u bytes is not %u + n x %u", h->name,
					   req.len, h->min_len, h->elem_size);
		else
			hy_ctl_reply_error(reply, -EPROTO, "%s: payload of %u bytes, expected %u", h->name, req.len,
					   h->min_len);
		return false;
	}
	rc = h->fn(ctx, &req, reply);
	if (rc < 0) {
		(*errors)++;
		reply->status = rc;
		if (reply->len == 0)
			hy_ctl_reply_error(reply, rc, "%s: %s", h->name, strerror(-rc));
	} else {
		reply->status = 0;
	}
	return false;
}

/* ---- connections ---- */

struct conn {
	int fd;
	bool closing; /* close once the pending reply is written */
	uint8_t *rx;
	size_t rx_off, rx_len, rx_cap; /* unread bytes are rx[rx_off..rx_len) */
	struct hy_ctl_reply reply;
	size_t tx_off, tx_len; /* pending reply bytes (header included) */
};

struct hy_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	void *ctx;
	unsigned int max_clients, n_conns;
	struct conn *conns;
	struct hy_ctl_counters counters;
};

static void conn_close(struct hy_ctl_server *srv, struct conn *c)
{
	close(c->fd);
	free(c->rx);
	hy_ctl_reply_free(&c->reply);
	srv->counters.closed++;
	*c = srv->conns[--srv->n_conns];
	memset(&srv->conns[srv->n_conns], 0, sizeof(*c));
}

/* Write what is pending; returns -1 when the peer is gone. */
static int conn_flush(struct conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->reply.buf + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->tx_off += (size_t)n;
	}
	return 0;
}

/* Read more bytes; returns bytes read, 0 for EAGAIN, -1 when the peer closed or failed. */
static ssize_t conn_read(struct conn *c, size_t want)
{
	ssize_t n;

	if (c->rx_off > 0 && (c->rx_off == c->rx_len || c->rx_cap - c->rx_len < want)) {
		memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
		c->rx_len -= c->rx_off;
		c->rx_off = 0;
	}
	if (c->rx_cap - c->rx_len < want) {
		size_t cap = c->rx_cap ? c->rx_cap : 65536;
		while (cap - c->rx_len < want)
			cap *= 2;
		uint8_t *rx = realloc(c->rx, cap);
		if (rx == NULL)
			return -1;
		c->rx = rx;
		c->rx_cap = cap;
	}
	n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, MSG_DONTWAIT);
	if (n == 0)
		return -1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->rx_len += (size_t)n;
	return n;
}

/* Frame and answer buffered requests while no reply is pending (back-pressure). */
static int conn_process(struct hy_ctl_server *srv, struct conn *c)
{
	int handled = 0;

	for (int i = 0; i < REQUESTS_PER_POLL; i++) {
		struct hy_ctl_hdr hdr;
		long n;

		if (conn_flush(c) < 0)
			return -1;
		if (c->tx_off < c->tx_len)
			return handled; /* the client is not reading: stop reading its requests */
		if (c->closing)
			return -1;
		n = hy_ctl_frame(c->rx + c->rx_off, c->rx_len - c->rx_off, &hdr);
		if (n == 0) {
			size_t want = READ_CHUNK;
			if (c->rx_len - c->rx_off >= 4) {
				uint32_t len = hy_le32(c->rx + c->rx_off);
				want = len - (c->rx_len - c->rx_off);
			}
			ssize_t got = conn_read(c, want);
			if (got < 0)
				return -1;
			if (got == 0)
				return handled;
			continue;
		}
		bool close_after;
		if (n < 0) {
			/* Framing lost: answer once with the reason, then close. */
			uint32_t len = hy_le32(c->rx + c->rx_off);
			hdr.type = c->rx_len - c->rx_off >= 8 ? hy_le16(c->rx + c->rx_off + 6) : 0;
			hdr.seq = c->rx_len - c->rx_off >= 12 ? hy_le32(c->rx + c->rx_off + 8) : 0;
			hy_ctl_reply_reset(&c->reply);
			hy_ctl_reply_error(&c->reply, -EMSGSIZE, "message length %u outside %u..%u", len, HY_CTL_HDR_LEN,
					   HY_CTL_MAX_LEN);
			srv->counters.errors++;
			close_after = true;
		} else {
			close_after = hy_ctl_dispatch(srv->ctx, &hdr, c->rx + c->rx_off, &c->reply, &srv->counters.errors);
			c->rx_off += (size_t)n;
		}
		srv->counters.requests++;
		handled++;
		if (c->reply.buf == NULL && hy_ctl_reply_reserve(&c->reply, 0) == NULL)
			return -1;
		struct hy_ctl_hdr out = {
			.len = (uint32_t)(HY_CTL_HDR_LEN + c->reply.len),
			.version = HY_CTL_VERSION,
			.type = hdr.type,
			.seq = hdr.seq,
			.status = c->reply.status,
		};
		hy_ctl_hdr_encode(c->reply.buf, &out);
		c->tx_off = 0;
		c->tx_len = out.len;
		c->closing = close_after;
	}
	return handled;
}

static void accept_clients(struct hy_ctl_server *srv)
{
	for (;;) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (srv->n_conns >= srv->max_clients) {
			close(fd);
			srv->counters.errors++;
			continue;
		}
		struct conn *c = &srv->conns[srv->n_conns++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		srv->counters.accepted++;
	}
}

int hy_ctl_server_poll(struct hy_ctl_server *srv)
{
	int total = 0;

	accept_clients(srv);
	for (unsigned int i = 0; i < srv->n_conns;) {
		int n = conn_process(srv, &srv->conns[i]);
		if (n < 0) {
			conn_close(srv, &srv->conns[i]); /* the last connection moved into slot i */
			continue;
		}
		total += n;
		i++;
	}
	return total;
}

static int socket_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
	char buf[4096];
	struct group gr, *res = NULL;

	if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errlen, "control.group: no group named \"%s\"", group);
		return -ENOENT;
	}
	*gid = gr.gr_gid;
	return 0;
}

int hy_ctl_server_create(const struct hy_ctl_server_conf *conf, struct hy_ctl_server **out, char *err,
			 size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct hy_ctl_server *srv;
	struct stat st;
	gid_t gid = (gid_t)-1;
	mode_t old_umask;
	int rc;

	if (strlen(conf->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control.socket: path too long");
		return -ENAMETOOLONG;
	}
	if (conf->group != NULL && conf->group[0] && (rc = socket_group(conf->group, &gid, err, errlen)) < 0)
		return rc;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->fd = -1;
	srv->max_clients = conf->max_clients ? conf->max_clients : 16;
	srv->conns = calloc(srv->max_clients, sizeof(*srv->conns));
	srv->ctx = conf->ctx;
	snprintf(srv->path, sizeof(srv->path), "%s", conf->path);
	strcpy(sa.sun_path, conf->path);

	/* The parent directory (/run/hayate) may not exist yet on a fresh boot. */
	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", conf->path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "control.socket: cannot create %s: %s", dir, strerror(errno));
			goto fail;
		}
	}
	/* A socket file left by a crashed run is replaced; anything else is an error. */
	if (lstat(conf->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			rc = -EEXIST;
			snprintf(err, errlen, "control.socket: %s exists and is not a socket", conf->path);
			goto fail;
		}
		unlink(conf->path);
	}
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->conns == NULL || srv->fd < 0) {
		rc = srv->conns == NULL ? -ENOMEM : -errno;
		snprintf(err, errlen, "control.socket: socket: %s", strerror(-rc));
		goto fail;
	}
	/* Owner-only from the first instant; the configured mode is applied after bind. */
	old_umask = umask(0177);
	rc = bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (rc < 0 || (gid != (gid_t)-1 && chown(conf->path, (uid_t)-1, gid) < 0) ||
	    chmod(conf->path, conf->mode) < 0 || listen(srv->fd, 16) < 0) {
		rc = -errno;
		snprintf(err, errlen, "control.socket: %s: %s", conf->path, strerror(errno));
		unlink(conf->path);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv->conns);
	free(srv);
	return rc;
}

void hy_ctl_server_destroy(struct hy_ctl_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->n_conns > 0)
		conn_close(srv, &srv->conns[0]);
	close(srv->fd);
	unlink(srv->path);
	free(srv->conns);
	free(srv);
}

void hy_ctl_server_counters(const struct hy_ctl_server *srv, struct hy_ctl_counters *c)
{
	*c = srv->counters;
}

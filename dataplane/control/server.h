/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (PROTOCOL.md).  A Unix stream socket, non-blocking,
 * polled by the manager lcore: hy_ctl_server_poll() never blocks.  Requests
 * are dispatched through one table of handlers; each component registers its
 * own handlers beside the state they change (HY_CTL_HANDLER), grout style.
 *
 * Contract: everything here runs on the manager lcore only (handlers too).
 * Never called from forwarder lcores.
 */
#ifndef HY_CTL_SERVER_H
#define HY_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

/* A growable reply payload; handlers append to it. */
struct hy_ctl_reply {
	int32_t status;
	uint8_t *buf; /* HY_CTL_HDR_LEN bytes reserved in front for the header */
	size_t len, cap; /* len counts the payload only */
};

struct hy_ctl_request {
	uint16_t type;
	uint32_t seq;
	const uint8_t *payload;
	uint32_t len;
};

/* Returns 0 or a negative errno; the reply's status is set from it. */
typedef int (*hy_ctl_handler_fn)(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply);

struct hy_ctl_handler {
	uint16_t type;
	const char *name;
	hy_ctl_handler_fn fn;
	/* Payload size check done before the handler runs: size must be
	 * min_len + k * elem_size (elem_size 0: exactly min_len; or
	 * any_len set: the handler checks). */
	uint32_t min_len;
	uint32_t elem_size;
	bool any_len;
};

/* Register a handler (called from constructors, before main). */
void hy_ctl_register(const struct hy_ctl_handler *handler);
const struct hy_ctl_handler *hy_ctl_handler_get(uint16_t type);

#define HY_CTL_HANDLER(var)                                                                                  \
	static void __attribute__((constructor)) hy_ctl_register_##var(void)                                 \
	{                                                                                                     \
		hy_ctl_register(&(var));                                                                       \
	}

/* Reply builders (manager lcore; they allocate). Return 0 or -ENOMEM. */
int hy_ctl_reply_append(struct hy_ctl_reply *reply, const void *data, size_t len);
/* Reserve len bytes at the end and return a pointer to them, or NULL. */
uint8_t *hy_ctl_reply_reserve(struct hy_ctl_reply *reply, size_t len);
/* Set a negative status with the JSON error payload {"error": msg}; returns status. */
int hy_ctl_reply_error(struct hy_ctl_reply *reply, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Batch reply: u32 applied, u32 pad, then the error text when status < 0. */
int hy_ctl_reply_batch(struct hy_ctl_reply *reply, uint32_t applied, int status, const char *msg);
/* Serialize a jansson object as the payload and release it (json_t *). */
int hy_ctl_reply_json(struct hy_ctl_reply *reply, void *json);

struct hy_ctl_server_conf {
	const char *path;
	unsigned int mode;   /* file mode of the socket, e.g. 0600 */
	const char *group;   /* NULL or "": keep the owner's group */
	unsigned int max_clients;
	void *ctx;	     /* passed to handlers */
};

struct hy_ctl_counters {
	uint64_t requests, errors, accepted, closed;
};

struct hy_ctl_server;

/* Create the socket (an existing stale socket file is replaced). */
int hy_ctl_server_create(const struct hy_ctl_server_conf *conf, struct hy_ctl_server **srv, char *err,
			 size_t errlen);
/* Accept, read, dispatch and write whatever is ready; never blocks.
 * Returns the number of requests handled. */
int hy_ctl_server_poll(struct hy_ctl_server *srv);
/* Close every connection and remove the socket file. */
void hy_ctl_server_destroy(struct hy_ctl_server *srv);
void hy_ctl_server_counters(const struct hy_ctl_server *srv, struct hy_ctl_counters *c);

/*
 * Handle one complete request message msg[0..len) (framed by hy_ctl_frame)
 * and build its reply; also used by the fuzz target.  Returns true when the
 * connection must be closed after the reply (framing lost).
 */
bool hy_ctl_dispatch(void *ctx, const struct hy_ctl_hdr *hdr, const uint8_t *msg, struct hy_ctl_reply *reply,
		     uint64_t *errors);

void hy_ctl_reply_reset(struct hy_ctl_reply *reply);
void hy_ctl_reply_free(struct hy_ctl_reply *reply);

#endif

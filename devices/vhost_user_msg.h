/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_msg.h - the vhost-user protocol's messages (QEMU's
 * docs/interop/vhost-user.rst) as natd's vhost-user transport reads them:
 * a 12-byte header (request, flags, payload size, host byte order) and a
 * payload, file descriptors alongside in SCM_RIGHTS. Parsing only, no I/O:
 * vhost_user.c feeds it what the socket gave, unit tests and a fuzz target
 * call it directly.
 */
#ifndef NATD_VHOST_USER_MSG_H
#define NATD_VHOST_USER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "devices/vring.h"

#define VU_HDR_SIZE 12
#define VU_MAX_PAYLOAD 512
#define VU_MAX_FDS 8

#define VU_FLAG_VERSION 0x1u
#define VU_FLAG_REPLY 0x4u
#define VU_FLAG_NEED_REPLY 0x8u

/* SET_VRING_KICK/CALL/ERR: the queue index, and "no file descriptor". */
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD 0x100u

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
};

struct vu_msg_region {
	uint64_t gpa, size, uva, mmap_offset;
};

struct vu_msg {
	uint32_t req, flags, size;
	union {
		uint64_t u64;
		struct { uint32_t index, num; } state;
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} addr;
		struct {
			uint32_t nregions, padding;
			struct vu_msg_region r[VU_MAX_REGIONS];
		} mem;
		uint8_t raw[VU_MAX_PAYLOAD];
	} p;
};

/* Name of a request for log messages ("SET_MEM_TABLE", or "request 42"). */
const char *vu_request_name(uint32_t req, char *buf, size_t len);

/*
 * Looks for one whole message at buf[0..len) that came with nfds file
 * descriptors. Returns its length (VU_HDR_SIZE + size) with *m filled, 0
 * when more bytes are needed, or -EPROTO with *why set: a payload larger
 * than VU_MAX_PAYLOAD, a version other than 1, a payload too short for its
 * request, a memory table of more than VU_MAX_REGIONS regions, or a number
 * of descriptors the request does not take (the connection is then
 * unusable: messages have no resynchronisation point).
 */
int vu_msg_parse(const uint8_t *buf, size_t len, unsigned int nfds,
		 struct vu_msg *m, const char **why);

#endif

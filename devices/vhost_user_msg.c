/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_msg.c - parsing and checking vhost-user messages
 * (vhost_user_msg.h). Every length is checked against the request before
 * the payload is used; descriptors are counted, never interpreted here.
 */
#include "devices/vhost_user_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const vu_names[] = {
	[VU_GET_FEATURES] = "GET_FEATURES",
	[VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER",
	[VU_RESET_OWNER] = "RESET_OWNER",
	[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_LOG_BASE] = "SET_LOG_BASE",
	[VU_SET_LOG_FD] = "SET_LOG_FD",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_SET_VRING_ERR] = "SET_VRING_ERR",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
};

const char *vu_request_name(uint32_t req, char *buf, size_t len)
{
	if (req < sizeof(vu_names) / sizeof(vu_names[0]) && vu_names[req])
		return vu_names[req];
	snprintf(buf, len, "request %u", req);
	return buf;
}

int vu_msg_parse(const uint8_t *buf, size_t len, unsigned int nfds,
		 struct vu_msg *m, const char **why)
{
	uint32_t hdr[3];
	size_t need = 0;
	unsigned int want_fds = 0;

	if (len < VU_HDR_SIZE)
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	if ((hdr[1] & 0x3u) != VU_FLAG_VERSION) {
		*why = "not protocol version 1";
		return -EPROTO;
	}
	if (hdr[2] > VU_MAX_PAYLOAD) {
		*why = "payload too large";
		return -EPROTO;
	}
	if (len - VU_HDR_SIZE < hdr[2])
		return 0;
	memset(m, 0, sizeof(*m));
	m->req = hdr[0];
	m->flags = hdr[1];
	m->size = hdr[2];
	memcpy(m->p.raw, buf + VU_HDR_SIZE, m->size);
	switch (m->req) {
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		need = 8;
		break;
	case VU_SET_VRING_ADDR:
		need = 40;
		break;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		need = 8;
		if (m->size >= 8)
			want_fds = (m->p.u64 & VU_VRING_NOFD) ? 0 : 1;
		break;
	case VU_SET_MEM_TABLE:
		need = 8;
		if (m->size < 8)
			break;
		if (m->p.mem.nregions > VU_MAX_REGIONS) {
			*why = "more than 8 memory regions";
			return -EPROTO;
		}
		need = 8 + sizeof(struct vu_msg_region) * m->p.mem.nregions;
		want_fds = m->p.mem.nregions;
		break;
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
		want_fds = nfds; /* refused by the transport; fds closed there */
		break;
	default:
		break;
	}
	if (m->size < need) {
		*why = "payload too short for the request";
		return -EPROTO;
	}
	if (nfds != want_fds) {
		*why = "wrong number of file descriptors for the request";
		return -EPROTO;
	}
	return (int)(VU_HDR_SIZE + m->size);
}

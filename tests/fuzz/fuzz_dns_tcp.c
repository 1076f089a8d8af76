/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns_tcp.c - libFuzzer target for the DNS proxy's reading of a guest's
 * TCP stream (forwarders/dns_tcp.c: two-byte length prefixes, RFC 1035
 * 4.2.2) as dns_tcp_recv() does it: each segment appended to the
 * connection's buffer (refused, for lwIP to offer again, when it does not fit), then
 * dns_tcp_drain(). The input is a list of segments, each a control byte, a
 * two-byte length and that many bytes (fewer at the end of the input):
 * control bits 0-5 are answers that came back before the segment (queries
 * in flight go down by as many), bit 6 makes the next query kill the
 * connection, as a guest reset would. Checked:
 *   - the queries handed on are exactly the stream's length-prefixed
 *     messages, in order, each whole (partial prefixes, many queries in one
 *     segment, lengths pointing past the end);
 *   - what stays buffered is the rest of the stream, byte for byte;
 *   - after a drain with fewer than DNS_TCP_MAX_PENDING in flight no whole
 *     query is left waiting; never more than that in flight;
 *   - a segment is refused only when the buffer cannot hold it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forwarders/dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	uint8_t stream[1 << 20];  /* every byte the guest sent */
	size_t sent;
	size_t asked_to;          /* stream offset of the next query expected */
	bool kill_next;
} st;

static void ask(struct dns_tcp_conn *c, const uint8_t *q, size_t len)
{
	size_t at = st.asked_to;
	size_t want;

	if (st.sent - at < 2)
		abort();
	want = (size_t)st.stream[at] << 8 | st.stream[at + 1];
	if (len != want || st.sent - at - 2 < len || memcmp(q, st.stream + at + 2, len))
		abort();
	if (c->pending >= DNS_TCP_MAX_PENDING)
		abort();
	st.asked_to = at + 2 + len;
	c->pending++;
	if (st.kill_next)
		c->dead = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_tcp_conn *c = calloc(1, sizeof(*c));
	size_t off = 0;

	if (!c)
		return 0;
	st.sent = 0;
	st.asked_to = 0;
	st.kill_next = false;
	while (off + 3 <= size && !c->dead) {
		unsigned ctl = data[off], answers = ctl & 0x3f;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		if (st.sent + len > sizeof(st.stream))
			break;
		c->pending -= answers < c->pending ? answers : c->pending;
		st.kill_next = ctl & 0x40;
		if (c->have + len > sizeof(c->buf)) {
			/* dns_tcp_recv() refuses the segment: only when it is full */
			if (c->have + len <= DNS_TCP_BUF)
				abort();
			break;
		}
		memcpy(c->buf + c->have, data + off, len);
		memcpy(st.stream + st.sent, data + off, len);
		c->have += len;
		st.sent += len;
		off += len;
		dns_tcp_drain(c, ask);
		if (c->dead)
			break;
		if (c->pending > DNS_TCP_MAX_PENDING)
			abort();
		/* the buffer holds the stream from the first query not asked */
		if (c->have != st.sent - st.asked_to ||
		    memcmp(c->buf, st.stream + st.asked_to, c->have))
			abort();
		if (c->pending < DNS_TCP_MAX_PENDING) {
			size_t mlen;

			if (dns_tcp_next(c->buf, c->have, &mlen) != 0)
				abort();
		}
	}
	free(c);
	return 0;
}

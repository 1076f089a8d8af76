/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the TFTP request parser, option negotiation, the OACK
 * builder and the name confinement (tftp/tftp_server.c), then one transfer
 * of a fixed in-memory file driven by what the input says a client sends.
 *
 * Input: a 2-byte big-endian length n, n bytes of request (as sent to port
 * 69), then records for the transfer: kind, length, bytes. Kind % 3 == 0:
 * the retransmission timer fires; 1: the bytes arrive as a packet; 2: an ACK
 * of the block in the first two bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tftp/tftp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *opaque, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)pkt;
	(void)len;
	return 0;
}

/* A file of 3000 bytes with line ends to exercise netascii. */
static int file_fd(void)
{
	static int fd = -1;

	if (fd < 0) {
		uint8_t buf[3000];

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = i % 37 == 0 ? '\n' : i % 53 == 0 ? '\r' : (uint8_t)('a' + i % 26);
		fd = memfd_create("tftp-fuzz", 0);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	}
	return dup(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_request r;
	struct tftp_params p;
	struct tftp_xfer *x;
	uint8_t oack[600];
	char rel[TFTP_FILENAME_MAX];
	size_t n, off;
	uint64_t now = 0;
	int fd;

	if (size < 2)
		return 0;
	n = (size_t)(data[0] << 8 | data[1]);
	if (n > size - 2)
		n = size - 2;
	if (tftp_parse_request(data + 2, n, &r) < 0) {
		memset(&p, 0, sizeof(p));
		p.blksize = 16;
		p.windowsize = 4;
		p.timeout_ms = 1000;
	} else {
		tftp_path_normalize(r.filename, rel, sizeof(rel));
		tftp_negotiate(&r, data[1] * 8u + 8u, 3000, &p);
		tftp_build_oack(&p, oack, sizeof(oack));
		if (p.blksize > 512)
			p.blksize = (uint16_t)(p.blksize % 512 + 8); /* more blocks per byte of input */
	}

	fd = file_fd();
	if (fd < 0)
		return 0;
	x = tftp_xfer_new(fd, &p, sink, NULL);
	if (!x)
		return 0;
	off = 2 + n;
	if (tftp_xfer_start(x, now) != TFTP_XFER_RUNNING)
		goto out;
	while (off + 2 <= size) {
		uint8_t kind = data[off] % 3, len = data[off + 1];
		const uint8_t *b = data + off + 2;
		enum tftp_xfer_status st;

		if (len > size - off - 2)
			len = (uint8_t)(size - off - 2);
		off += 2 + (size_t)len;
		now += 10;
		if (kind == 0) {
			now = tftp_xfer_deadline(x);
			st = tftp_xfer_timeout(x, now);
		} else if (kind == 1) {
			st = tftp_xfer_input(x, b, len, now);
		} else {
			uint8_t ack[4] = { 0, TFTP_ACK, len > 0 ? b[0] : 0, len > 1 ? b[1] : 0 };

			st = tftp_xfer_input(x, ack, 4, now);
		}
		if (st != TFTP_XFER_RUNNING)
			break;
	}
out:
	tftp_xfer_free(x);
	return 0;
}

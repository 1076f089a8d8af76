/* SPDX-License-Identifier: MIT */
/*
 * capture.c - an adapter's frames into a pcap file through libpcap (see
 * capture.h).
 */
#include "devices/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/log.h"
#include "devices/device.h"

#define CAPTURE_FLUSH_MS 200
#define CAPTURE_SNAPLEN  262144   /* > DEVICE_MAX_FRAME: frames are never cut */
#define PCAP_FILE_HDR    24
#define PCAP_REC_HDR     16

struct capture {
	pcap_t *dead;             /* the link type and snap length for the file */
	pcap_dumper_t *dump;
	uv_timer_t flush;
	bool dirty, cap_logged;
	char *path;
	struct capture_stats st;
	uint8_t buf[DEVICE_MAX_FRAME];
};

static void capture_flush(uv_timer_t *t)
{
	struct capture *c = t->data;

	if (c->dirty && pcap_dump_flush(c->dump) < 0)
		log_warn("%s: cannot write the capture: %s", c->path, strerror(errno));
	c->dirty = false;
}

int capture_open(uv_loop_t *loop, const char *path, uint64_t max_bytes, struct capture **out,
		 char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));
	FILE *f;

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	}
	c->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAPTURE_SNAPLEN,
							PCAP_TSTAMP_PRECISION_MICRO);
	if (!c->dead) {
		free(c->path);
		free(c);
		return errfmt(err, errlen, -ENOMEM, "libpcap: out of memory");
	}
	/* fopen ourselves: libpcap's error text does not keep errno */
	f = fopen(path, "wbe");
	if (!f || !(c->dump = pcap_dump_fopen(c->dead, f))) {
		int e = f ? EIO : errno;

		if (f)
			fclose(f);
		pcap_close(c->dead);
		free(c->path);
		free(c);
		return errfmt(err, errlen, -e, "%s: %s", path, strerror(e));
	}
	c->st.max_bytes = max_bytes;
	c->st.bytes = PCAP_FILE_HDR;
	pcap_dump_flush(c->dump);
	uv_timer_init(loop, &c->flush);
	c->flush.data = c;
	uv_timer_start(&c->flush, capture_flush, CAPTURE_FLUSH_MS, CAPTURE_FLUSH_MS);
	*out = c;
	return 0;
}

void capture_frame(struct capture *c, const struct iovec *iov, int iovcnt, size_t len)
{
	struct pcap_pkthdr h;
	const uint8_t *data;
	struct timeval tv;

	if (c->st.max_bytes && c->st.bytes + PCAP_REC_HDR + len > c->st.max_bytes) {
		c->st.not_written++;
		if (!c->cap_logged)
			log_warn("%s: reached its size cap of %llu bytes: further frames are "
				 "counted, not written", c->path,
				 (unsigned long long)c->st.max_bytes);
		c->cap_logged = true;
		return;
	}
	if (iovcnt == 1) {
		data = iov[0].iov_base;
	} else {
		size_t off = 0;

		for (int i = 0; i < iovcnt && off < sizeof(c->buf); i++) {
			size_t n = iov[i].iov_len;

			if (n > sizeof(c->buf) - off)
				n = sizeof(c->buf) - off;
			memcpy(c->buf + off, iov[i].iov_base, n);
			off += n;
		}
		data = c->buf;
		if (len > off)
			len = off;
	}
	gettimeofday(&tv, NULL);
	h.ts = tv;
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)c->dump, &h, data);
	c->st.frames++;
	c->st.bytes += PCAP_REC_HDR + len;
	c->dirty = true;
}

void capture_get_stats(const struct capture *c, struct capture_stats *st)
{
	*st = c->st;
}

const char *capture_path(const struct capture *c)
{
	return c->path;
}

static void capture_timer_closed(uv_handle_t *h)
{
	struct capture *c = h->data;

	free(c->path);
	free(c);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	pcap_dump_close(c->dump); /* flushes and closes the file */
	pcap_close(c->dead);
	uv_timer_stop(&c->flush);
	uv_close((uv_handle_t *)&c->flush, capture_timer_closed);
}

/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp_buf.c - the TCP proxy's buffer for host data on its way to the
 * guest: reference-counted chunks that lwIP sends from without copying, one
 * global cap on their memory, and giving freed memory back to the system.
 * fwd_tcp_data.c reads host sockets into them (fwd_tcp_buf_room(),
 * fwd_tcp_buf_write()); lwIP holds them through the pbufs of patch 0007
 * (natd_hook_tcp_write_ref()).
 *
 * Theory of operation
 *
 * Chunks. A connection reads into its own "fill" chunk, appending until the
 * chunk is full, so a chunk holds one connection's stream in order and is
 * freed when the guest has acknowledged its last byte (or lwIP dropped it).
 * Every lwIP pbuf over a chunk holds a reference, and so does the
 * connection's fill pointer. The fill reference is dropped when everything
 * the connection wrote was acknowledged, so an idle connection holds no
 * chunk. Chunks come in two sizes: 4 KiB for connections whose reads are
 * small (a trickle must not pin 64 KiB per read) and 64 KiB once a read
 * filled what it was given. Memory per connection is therefore what lwIP
 * holds for it (fwd_tcp_data.c bounds that by the guest's window plus
 * FWD_TCP_FLOW_BUF) plus less than two chunks.
 *
 * The cap. Every chunk in use counts its full size in `mem`; a connection
 * that needs a new chunk while mem + its size would exceed the cap
 * (--max-tcp-buffer) waits: it goes on the waiting list and stops polling
 * its socket (the data waits in the kernel) until mem falls to 7/8 of the
 * cap, when every waiting connection is polled again. So that one guest
 * holding the whole cap cannot stall every other connection, a connection
 * that holds nothing at all in lwIP may always take one small chunk: the
 * cap can be exceeded by at most 4 KiB per connection (plus one 64 KiB
 * chunk), and every connection keeps moving.
 *
 * Freed memory. Free chunks are cached for reuse (a bounded number); the
 * rest goes back to the C library, and the one-second sweep calls
 * malloc_trim() once the heap's free memory has grown by FWD_TCP_TRIM_STEP
 * since its last low point, so RSS returns near its baseline after a burst
 * of buffered data.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "forwarders/fwd_tcp_internal.h"
#include "forwarders/nat_internal.h"
#include "lwip/tcp.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"

#define FWD_TCP_BIG_ALLOC (64 * 1024)    /* bytes malloc'd per big chunk */
#define FWD_TCP_SMALL_ALLOC 4096         /* ... per small chunk */
#define FWD_TCP_CHUNK_MIN 4096           /* less room left in a big chunk: a new one */
#define FWD_TCP_REF_CACHE 4096           /* idle reference pbufs kept */
/* Free chunks kept for reuse (2 MiB and 256 KiB): freeing and allocating
 * 64 KiB blocks in acknowledgement order made the C library trim and regrow
 * its heap, a page fault per 4 KiB (a fifth of natd's CPU time in a
 * transfer). */
#define FWD_TCP_BIG_CACHE 32
#define FWD_TCP_SMALL_CACHE 64
#define FWD_TCP_TRIM_STEP (1u * 1024 * 1024)

struct h2g_chunk {
	unsigned int refs;
	uint32_t size;                 /* bytes of data[] */
	size_t used;
	struct h2g_chunk *next_free;
	uint8_t data[];
};

#define BIG_DATA (FWD_TCP_BIG_ALLOC - sizeof(struct h2g_chunk))
#define SMALL_DATA (FWD_TCP_SMALL_ALLOC - sizeof(struct h2g_chunk))

struct h2g_ref {
	struct pbuf_custom pc; /* first: lwIP sees a struct pbuf */
	struct h2g_chunk *chunk;
	struct h2g_ref *next_free;
};

static struct {
	struct h2g_chunk *writing;    /* the chunk tcp_write() is given now */
	struct h2g_ref *ref_cache;
	unsigned ref_cached;
	struct h2g_chunk *cache[2];   /* free chunks: [0] small, [1] big */
	unsigned cached[2];
	size_t max;                   /* the cap on mem */
	size_t mem;                   /* bytes of chunks in use */
	size_t peak;
	uint64_t waits;               /* connections put on the waiting list */
	unsigned waiting;
	struct tcp_conn *wait_head;
	size_t heap_free_low;         /* the heap's free bytes at their last low */
	uint64_t trims;
	size_t g2h;                   /* guest data queued for host sockets */
} buf = { .max = NAT_TCP_BUFFER_DEFAULT, .heap_free_low = SIZE_MAX };

void fwd_tcp_buf_init(size_t max)
{
	buf.max = max ? max : NAT_TCP_BUFFER_DEFAULT;
}

static size_t chunk_alloc_size(const struct h2g_chunk *ch)
{
	return ch->size + sizeof(*ch);
}

/* A chunk with one reference (the caller's), or NULL. */
static struct h2g_chunk *chunk_get(bool big)
{
	struct h2g_chunk *ch = buf.cache[big];

	if (ch) {
		buf.cache[big] = ch->next_free;
		buf.cached[big]--;
	} else {
		ch = malloc(big ? FWD_TCP_BIG_ALLOC : FWD_TCP_SMALL_ALLOC);
		if (!ch)
			return NULL;
		ch->size = (uint32_t)(big ? BIG_DATA : SMALL_DATA);
	}
	ch->refs = 1;
	ch->used = 0;
	buf.mem += chunk_alloc_size(ch);
	if (buf.mem > buf.peak)
		buf.peak = buf.mem;
	return ch;
}

static void wait_unlink(struct tcp_conn *c)
{
	if (!c->buf_waiting)
		return;
	*c->wait_pprev = c->wait_next;
	if (c->wait_next)
		c->wait_next->wait_pprev = c->wait_pprev;
	c->wait_next = NULL;
	c->wait_pprev = NULL;
	c->buf_waiting = false;
	buf.waiting--;
}

/* Memory fell under the low-water mark: every waiting connection polls its
 * socket again (those that still find no room wait again). */
static void wake_waiting(void)
{
	while (buf.wait_head) {
		struct tcp_conn *c = buf.wait_head;

		wait_unlink(c);
		fwd_tcp_update_poll(c);
	}
}

static void chunk_put(struct h2g_chunk *ch)
{
	bool big;

	if (!ch || --ch->refs > 0)
		return;
	buf.mem -= chunk_alloc_size(ch);
	big = ch->size == BIG_DATA;
	if (buf.cached[big] < (big ? FWD_TCP_BIG_CACHE : FWD_TCP_SMALL_CACHE)) {
		ch->next_free = buf.cache[big];
		buf.cache[big] = ch;
		buf.cached[big]++;
	} else {
		free(ch);
	}
	if (buf.wait_head && buf.mem <= buf.max - buf.max / 8)
		wake_waiting();
}

/* lwIP freed a pbuf over a chunk. */
static void ref_free(struct pbuf *p)
{
	struct h2g_ref *r = (struct h2g_ref *)p;

	chunk_put(r->chunk);
	if (buf.ref_cached < FWD_TCP_REF_CACHE) {
		r->next_free = buf.ref_cache;
		buf.ref_cache = r;
		buf.ref_cached++;
	} else {
		free(r);
	}
}

struct pbuf *natd_hook_tcp_write_ref(const void *data, u16_t len)
{
	struct h2g_chunk *ch = buf.writing;
	uintptr_t d = (uintptr_t)data;
	struct h2g_ref *r;
	struct pbuf *p;

	if (!ch || d < (uintptr_t)ch->data || d + len > (uintptr_t)(ch->data + ch->size))
		return pbuf_alloc(PBUF_RAW, len, PBUF_ROM); /* lwIP's own way */
	r = buf.ref_cache;
	if (r) {
		buf.ref_cache = r->next_free;
		buf.ref_cached--;
	} else if (!(r = malloc(sizeof(*r)))) {
		return NULL;
	}
	r->chunk = ch;
	r->pc.custom_free_function = ref_free;
	p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_ROM, &r->pc, (void *)d, len);
	if (!p) {
		free(r);
		return NULL;
	}
	ch->refs++;
	return p;
}

/* Bytes c wrote into lwIP that the guest has not acknowledged. */
static u32_t conn_held(const struct tcp_conn *c)
{
	return c->pcb ? c->pcb->snd_lbb - c->pcb->lastack : 0;
}

uint8_t *fwd_tcp_buf_room(struct tcp_conn *c, size_t *room, int *rc)
{
	struct h2g_chunk *ch = c->fill;
	bool big = c->h2g_big;
	size_t need;

	*rc = 0;
	if (ch && ch->size - ch->used >= (ch->size == BIG_DATA ? FWD_TCP_CHUNK_MIN : 1)) {
		*room = ch->size - ch->used;
		return ch->data + ch->used;
	}
	fwd_tcp_buf_release(c, false);
	need = big ? FWD_TCP_BIG_ALLOC : FWD_TCP_SMALL_ALLOC;
	if (buf.mem + need > buf.max) {
		if (conn_held(c) != 0) {
			/* wait for memory: the data stays in the kernel meanwhile */
			if (!c->buf_waiting) {
				c->buf_waiting = true;
				c->wait_next = buf.wait_head;
				if (c->wait_next)
					c->wait_next->wait_pprev = &c->wait_next;
				c->wait_pprev = &buf.wait_head;
				buf.wait_head = c;
				buf.waiting++;
				buf.waits++;
			}
			return NULL;
		}
		big = false; /* holds nothing: one small chunk, to keep moving */
	}
	ch = chunk_get(big);
	if (!ch) {
		*rc = -ENOMEM;
		return NULL;
	}
	c->fill = ch;
	*room = ch->size;
	return ch->data;
}

err_t fwd_tcp_buf_write(struct tcp_conn *c, size_t n, bool filled)
{
	struct h2g_chunk *ch = c->fill;
	err_t e;

	buf.writing = ch;
	e = tcp_write(c->pcb, ch->data + ch->used, (u16_t)n, 0);
	buf.writing = NULL;
	ch->used += n;
	/* a read that took all it was given: more is coming, use big chunks */
	if (filled)
		c->h2g_big = true;
	else if (n < SMALL_DATA / 2)
		c->h2g_big = false;
	return e;
}

void fwd_tcp_buf_release(struct tcp_conn *c, bool leave_wait)
{
	if (c->fill) {
		struct h2g_chunk *ch = c->fill;

		c->fill = NULL;
		chunk_put(ch);
	}
	if (leave_wait)
		wait_unlink(c);
}

bool fwd_tcp_buf_idle(const struct tcp_conn *c)
{
	return conn_held(c) == 0;
}

void fwd_tcp_buf_sweep(void)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks < buf.heap_free_low)
		buf.heap_free_low = mi.fordblks;
	if (mi.fordblks >= buf.heap_free_low + FWD_TCP_TRIM_STEP) {
		malloc_trim(0);
		buf.trims++;
		buf.heap_free_low = mi.fordblks;
	}
}

void fwd_tcp_buf_g2h(size_t add, size_t sub)
{
	buf.g2h += add;
	buf.g2h -= sub <= buf.g2h ? sub : buf.g2h;
}

void fwd_tcp_buf_get_stats(struct nat_tcp_buffer *st)
{
	st->guest_bytes = buf.g2h;
	st->bytes = buf.mem;
	st->max = buf.max;
	st->peak = buf.peak;
	st->waits = buf.waits;
	st->waiting = buf.waiting;
	st->trims = buf.trims;
}

/* SPDX-License-Identifier: MIT */
/*
 * test_vring.c - the split-virtqueue walk of the vhost-user transport
 * (devices/vring.h) over a guest memory the test lays out as a virtio-net
 * driver would: chains taken in order with their buffers in place, used
 * entries published with or without an interrupt, and every broken rule
 * (buffer outside memory, chain loop, head or next out of range, available
 * index too far ahead, indirect descriptors not negotiated or malformed,
 * rings outside memory) marking the queue broken without touching anything
 * outside the memory. With the event index: the notify decision
 * (vq_need_event() across the 16-bit wrap), used_event read and
 * avail_event written; indirect tables walked in place.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/vring.h"

#define MEMSZ 65536
#define GPA 0x100000ull
#define UVA 0x7f0000000000ull
#define NUM 8

static uint8_t mem[MEMSZ];
static struct vu_mem m;
static struct vq vq;

static struct vring_desc *desc(unsigned int i)
{
	return (struct vring_desc *)(void *)(mem + 16 * i);
}

static uint16_t *avail(void)
{
	return (uint16_t *)(void *)(mem + 4096);
}

static uint8_t *used(void)
{
	return mem + 8192;
}

static void setup(void)
{
	memset(mem, 0, sizeof(mem));
	memset(&vq, 0, sizeof(vq));
	m = (struct vu_mem){ .n = 1, .r = { { .gpa = GPA, .size = MEMSZ, .uva = UVA, .host = mem } } };
	vq.num = NUM;
	cr_assert_eq(vq_setup(&vq, &m, UVA, UVA + 4096, UVA + 8192), 0);
}

/* Descriptor i: buffer at guest offset off, len bytes, flags, next. */
static void set_desc(unsigned int i, uint32_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	*desc(i) = (struct vring_desc){ .addr = GPA + off, .len = len, .flags = flags, .next = next };
}

static void make_avail(uint16_t head)
{
	uint16_t idx = avail()[1];

	avail()[2 + (idx % NUM)] = head;
	avail()[1] = (uint16_t)(idx + 1);
}

/* Takes the next chain into iov (8 entries): its head and buffer counts. */
static void pop_expect(struct iovec *iov, uint16_t head, unsigned int nout, unsigned int nin)
{
	unsigned int o, i;
	uint16_t h;

	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &o, &i, &h), 1);
	cr_assert_eq(h, head);
	cr_assert_eq(o, nout);
	cr_assert_eq(i, nin);
}

TestSuite(vring, .init = setup);

Test(vring, chains_in_order_in_place)
{
	struct iovec iov[8];
	unsigned int nout, nin;
	uint16_t head, uidx;
	uint32_t id, len;

	set_desc(0, 20000, 12, VRING_DESC_F_NEXT, 3);	/* header */
	set_desc(3, 21000, 1500, 0, 0);			/* frame */
	set_desc(5, 30000, 4096, VRING_DESC_F_WRITE, 0);	/* a receive buffer */
	make_avail(0);
	make_avail(5);
	pop_expect(iov, 0, 2, 0);
	cr_assert_eq(iov[0].iov_base, mem + 20000);
	cr_assert_eq(iov[1].iov_base, mem + 21000);
	cr_assert_eq(iov[1].iov_len, 1500);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(head, 5);
	cr_assert_eq(nin, 1);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0);
	vq_unpop(&vq, 1);	/* the receive chain was not used: again */
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(head, 5);

	vq_push(&vq, 0, 0);
	vq_push(&vq, 5, 1512);
	memcpy(&uidx, used() + 2, 2);
	cr_assert_eq(uidx, 0, "published before vq_publish()");
	cr_assert(vq_publish(&vq), "the guest wants interrupts");
	memcpy(&uidx, used() + 2, 2);
	cr_assert_eq(uidx, 2);
	memcpy(&id, used() + 4 + 8, 4);
	memcpy(&len, used() + 4 + 12, 4);
	cr_assert_eq(id, 5);
	cr_assert_eq(len, 1512);
	cr_assert(!vq_publish(&vq), "nothing new to publish");
	avail()[0] = VRING_AVAIL_F_NO_INTERRUPT;
	vq_push(&vq, 0, 0);
	cr_assert(!vq_publish(&vq), "the guest asked for no interrupt");
}

static void expect_broken(const char *what)
{
	struct iovec iov[8];
	unsigned int nout, nin;
	uint16_t head;

	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), -EIO, "%s", what);
	cr_assert(vq.broken);
	cr_assert_str_eq(vq.why, what);
	/* and it stays broken */
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), -EIO);
}

Test(vring, buffer_outside_memory)
{
	set_desc(0, MEMSZ - 100, 200, 0, 0);
	make_avail(0);
	expect_broken("descriptor outside guest memory");
}

Test(vring, buffer_address_wraps)
{
	*desc(0) = (struct vring_desc){ .addr = UINT64_MAX - 10, .len = 100 };
	make_avail(0);
	expect_broken("descriptor outside guest memory");
}

Test(vring, chain_loop)
{
	set_desc(0, 100, 10, VRING_DESC_F_NEXT, 1);
	set_desc(1, 200, 10, VRING_DESC_F_NEXT, 0);
	make_avail(0);
	expect_broken("descriptor chain loops");
}

Test(vring, head_and_next_out_of_range)
{
	make_avail(NUM);
	expect_broken("chain head out of range");
	setup();
	set_desc(0, 100, 10, VRING_DESC_F_NEXT, NUM);
	make_avail(0);
	expect_broken("next descriptor out of range");
}

Test(vring, avail_index_too_far)
{
	avail()[1] = NUM + 1;
	expect_broken("available index too far ahead");
}

Test(vring, indirect_and_order)
{
	set_desc(0, 100, 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(0);
	expect_broken("indirect descriptor (not negotiated)");
	setup();
	set_desc(0, 100, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(1, 200, 16, 0, 0);
	make_avail(0);
	expect_broken("readable descriptor after a writable one");
}

Test(vring, too_many_buffers_for_the_caller)
{
	struct iovec iov[2];
	unsigned int nout, nin;
	uint16_t head;

	set_desc(0, 100, 10, VRING_DESC_F_NEXT, 1);
	set_desc(1, 200, 10, VRING_DESC_F_NEXT, 2);
	set_desc(2, 300, 10, 0, 0);
	make_avail(0);
	cr_assert_eq(vq_pop(&vq, &m, iov, 2, &nout, &nin, &head), -ENOBUFS);
	cr_assert(!vq.broken);
	cr_assert_eq(vq.used_idx, 1, "the chain went back empty");
}

Test(vring, rings_outside_memory)
{
	struct vq q = { .num = NUM };

	cr_assert_eq(vq_setup(&q, &m, UVA + MEMSZ - 64, UVA, UVA + 8192), -EFAULT);
	cr_assert_str_eq(q.why, "ring outside guest memory");
	q.num = 6;
	cr_assert_eq(vq_setup(&q, &m, UVA, UVA + 4096, UVA + 8192), -EFAULT);
	q.num = NUM;
	cr_assert_eq(vq_setup(&q, &m, UVA + 8, UVA + 4096, UVA + 8192), -EFAULT);
	cr_assert_str_eq(q.why, "misaligned ring");
}

Test(vring, zero_length_buffers_left_out)
{
	struct iovec iov[8];
	unsigned int nout, nin;
	uint16_t head;

	*desc(0) = (struct vring_desc){ .addr = UINT64_MAX, .len = 0, .flags = VRING_DESC_F_NEXT, .next = 1 };
	set_desc(1, 100, 60, 0, 0);
	make_avail(0);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(nout, 1);
	cr_assert_eq(iov[0].iov_base, mem + 100);
	cr_assert(!vq.broken);
}

/* --- event index ---------------------------------------------------------- */

Test(vring, need_event_semantics)
{
	/* event in [old, new) modulo 2^16 */
	cr_assert(vq_need_event(0, 1, 0));
	cr_assert(!vq_need_event(1, 1, 0), "event not passed yet");
	cr_assert(vq_need_event(5, 10, 0));
	cr_assert(vq_need_event(9, 10, 0));
	cr_assert(!vq_need_event(10, 10, 0));
	cr_assert(!vq_need_event(4, 10, 5), "event before old: already signalled");
	cr_assert(!vq_need_event(3, 3, 3), "nothing moved");
	/* across the wrap */
	cr_assert(vq_need_event(65535, 2, 65534));
	cr_assert(vq_need_event(0, 2, 65534));
	cr_assert(vq_need_event(1, 2, 65534));
	cr_assert(!vq_need_event(2, 2, 65534));
	cr_assert(!vq_need_event(65533, 2, 65534));
	/* a full 2^16 - 1 step passes every event but new itself */
	cr_assert(vq_need_event(7, 6, 7));
	cr_assert(!vq_need_event(6, 6, 7));
}

static uint16_t *used_event(void)
{
	return &avail()[2 + NUM];
}

static uint16_t avail_event(void)
{
	uint16_t v;

	memcpy(&v, used() + 4 + 8 * NUM, 2);
	return v;
}

Test(vring, event_idx_interrupts)
{
	vq.event_idx = true;
	avail()[0] = VRING_AVAIL_F_NO_INTERRUPT; /* ignored with the event index */
	*used_event() = 0;
	vq_push(&vq, 0, 0);
	cr_assert(vq_publish(&vq), "used index 0 -> 1 passes used_event 0");
	vq_push(&vq, 0, 0);
	vq_push(&vq, 0, 0);
	cr_assert(!vq_publish(&vq), "1 -> 3 does not pass used_event 0 again");
	*used_event() = 4;
	vq_push(&vq, 0, 0);
	cr_assert(!vq_publish(&vq), "3 -> 4 does not pass 4");
	vq_push(&vq, 0, 0);
	cr_assert(vq_publish(&vq), "4 -> 5 passes 4");
	/* the used index wraps */
	vq.used_idx = vq.used_published = 65534;
	*used_event() = 65535;
	vq_push(&vq, 0, 0);
	vq_push(&vq, 0, 0);
	vq_push(&vq, 0, 0);
	cr_assert_eq(vq.used_idx, 1);
	cr_assert(vq_publish(&vq), "65534 -> 1 passes 65535");
	*used_event() = 65535;
	vq_push(&vq, 0, 0);
	cr_assert(!vq_publish(&vq), "1 -> 2 passes nothing the guest asked for");
}

Test(vring, event_idx_kicks)
{
	struct iovec iov[8];
	unsigned int nout, nin;
	uint16_t head;

	vq.event_idx = true;
	memset(used() + 4 + 8 * NUM, 0xff, 2);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0);
	cr_assert_eq(avail_event(), 0, "empty: a kick asked for at the next chain");
	set_desc(0, 100, 10, 0, 0);
	make_avail(0);
	make_avail(0);
	cr_assert(vq_need_event(avail_event(), avail()[1], 0), "the guest kicks");
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(avail_event(), 0, "not moved while chains are taken");
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0);
	cr_assert_eq(avail_event(), 2);
	/* the guest adds two more and reads avail_event 2: one kick at 2 -> 4 */
	make_avail(0);
	make_avail(0);
	cr_assert(vq_need_event(avail_event(), 4, 2));
	/* without the event index avail_event is never written */
	setup();
	memset(used() + 4 + 8 * NUM, 0xff, 2);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0);
	cr_assert_eq(avail_event(), 0xffff);
}

/* --- indirect descriptors -------------------------------------------------- */

/* Entry i of an indirect table at guest offset 40000. */
static struct vring_desc *itab(unsigned int i)
{
	return (struct vring_desc *)(void *)(mem + 40000 + 16 * i);
}

static void set_itab(unsigned int i, uint32_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	*itab(i) = (struct vring_desc){ .addr = GPA + off, .len = len, .flags = flags, .next = next };
}

Test(vring, indirect_in_place)
{
	struct iovec iov[8];

	vq.indirect = true;
	set_itab(0, 20000, 12, VRING_DESC_F_NEXT, 2);
	set_itab(2, 21000, 1500, VRING_DESC_F_NEXT, 1);
	set_itab(1, 30000, 4096, VRING_DESC_F_WRITE, 0);
	/* the write flag of the descriptor naming the table is ignored */
	set_desc(3, 40000, 3 * 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	make_avail(3);
	pop_expect(iov, 3, 2, 1);
	cr_assert_eq(iov[0].iov_base, mem + 20000);
	cr_assert_eq(iov[1].iov_base, mem + 21000);
	cr_assert_eq(iov[1].iov_len, 1500);
	cr_assert_eq(iov[2].iov_base, mem + 30000);
	/* after direct descriptors (virtio 1.x 2.7.5.3.2) */
	set_itab(0, 22000, 100, 0, 0);
	set_desc(4, 20000, 12, VRING_DESC_F_NEXT, 5);
	set_desc(5, 40000, 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(4);
	pop_expect(iov, 4, 2, 0);
	cr_assert_eq(iov[1].iov_base, mem + 22000);
	cr_assert_eq(iov[1].iov_len, 100);
	cr_assert(!vq.broken);
}

/* Chain 0 = an indirect descriptor for a table of len bytes at off. */
static void indirect_head(uint32_t off, uint32_t len, uint16_t flags)
{
	vq.indirect = true;
	set_desc(0, off, len, VRING_DESC_F_INDIRECT | flags, 1);
	set_desc(1, 100, 10, 0, 0);
	make_avail(0);
}

Test(vring, indirect_bad_tables)
{
	indirect_head(40000, 0, 0);
	expect_broken("indirect table of a bad length");
	setup();
	indirect_head(40000, 24, 0);
	expect_broken("indirect table of a bad length");
	setup();
	indirect_head(MEMSZ - 32, 64, 0);
	expect_broken("indirect table outside guest memory");
	setup();
	indirect_head(40000, 16 * (VRING_MAX_SIZE + 1), 0);
	expect_broken("indirect table of a bad length");
	setup();
	indirect_head(40000, 32, VRING_DESC_F_NEXT);
	expect_broken("indirect descriptor with a next one");
	setup();
	set_itab(0, 100, 10, VRING_DESC_F_INDIRECT, 0);
	indirect_head(40000, 16, 0);
	expect_broken("indirect descriptor in an indirect table");
	setup();
	set_itab(0, 100, 10, VRING_DESC_F_NEXT, 1);
	set_itab(1, 100, 10, VRING_DESC_F_NEXT, 0);
	indirect_head(40000, 32, 0);
	expect_broken("descriptor chain loops");
	setup();
	set_itab(0, 100, 10, VRING_DESC_F_NEXT, 2); /* the table has 2 entries */
	indirect_head(40000, 32, 0);
	expect_broken("next descriptor out of range");
	setup();
	set_itab(0, MEMSZ - 5, 10, 0, 0);
	indirect_head(40000, 16, 0);
	expect_broken("descriptor outside guest memory");
	setup();
	set_itab(0, 100, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_itab(1, 200, 10, 0, 0);
	indirect_head(40000, 32, 0);
	expect_broken("readable descriptor after a writable one");
}

Test(vring, base_set_near_the_wrap)
{
	struct iovec iov[8];
	unsigned int nout, nin;
	uint16_t head;

	set_desc(0, 100, 10, 0, 0);
	vq_set_base(&vq, 65530);
	avail()[1] = 65530;
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0, "nothing new at the base");
	make_avail(0);
	make_avail(0);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 0);
	cr_assert(!vq.broken);
}

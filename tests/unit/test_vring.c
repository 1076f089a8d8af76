/* SPDX-License-Identifier: MIT */
/*
 * test_vring.c - the split-virtqueue walk of the vhost-user transport
 * (devices/vring.h) over a guest memory the test lays out as a virtio-net
 * driver would: chains taken in order with their buffers in place, used
 * entries published with or without an interrupt, and every broken rule
 * (buffer outside memory, chain loop, head or next out of range, available
 * index too far ahead, indirect descriptors, rings outside memory) marking
 * the queue broken without touching anything outside the memory.
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
	cr_assert_eq(vq_pop(&vq, &m, iov, 8, &nout, &nin, &head), 1);
	cr_assert_eq(head, 0);
	cr_assert_eq(nout, 2);
	cr_assert_eq(nin, 0);
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

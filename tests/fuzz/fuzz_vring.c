/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vring.c - libFuzzer target for the split-virtqueue walk the
 * vhost-user transport does in guest memory (devices/vring.h). The input
 * becomes 64 KiB of "guest memory" (descriptor table, available ring and
 * buffers as the guest would write them); the first byte picks the queue
 * size, the per-chain iovec limit and whether the ring features (indirect
 * descriptor tables, the event index) are negotiated. Chains are taken until none is left
 * or the queue breaks; every buffer handed out must lie inside the memory
 * (it is written over, so ASan sees any escape), and the queue never hands
 * out more chains than the guest made available.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMSZ 65536
#define GPA 0x100000ull
#define UVA 0x7f0000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[MEMSZ];
	struct vu_mem m = { .n = 1, .r = { { .gpa = GPA, .size = MEMSZ, .uva = UVA, .host = mem } } };
	struct vq vq = { 0 };
	struct iovec iov[16];
	unsigned int max, nout, nin, taken = 0, i;
	uint16_t head;
	int r;

	if (size < 1)
		return 0;
	vq.num = 1u << (data[0] & 7);		/* 1 .. 128 */
	max = 1 + ((data[0] >> 3) & 15);	/* 1 .. 16 */
	vq.indirect = vq.event_idx = data[0] & 0x80;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 1, size - 1 < MEMSZ ? size - 1 : MEMSZ);
	/* desc at 0, avail at 4096, used at 8192 (as a guest lays them out) */
	if (vq_setup(&vq, &m, UVA, UVA + 4096, UVA + 8192) < 0)
		abort();
	vq_set_base(&vq, (uint16_t)(mem[4094] | mem[4095] << 8));
	for (;;) {
		r = vq_pop(&vq, &m, iov, max, &nout, &nin, &head);
		if (r == 0 || r == -EIO)
			break;
		if (++taken > vq.num)
			abort(); /* more chains than the available index allows */
		if (r == -ENOBUFS)
			continue;
		if (r != 1 || head >= vq.num || nout + nin > max)
			abort();
		for (i = 0; i < nout + nin; i++) {
			uint8_t *p = iov[i].iov_base;

			if (!iov[i].iov_len || p < mem || p + iov[i].iov_len > mem + MEMSZ)
				abort(); /* empty buffers are left out */
			if (i >= nout)
				memset(p, 0xa5, iov[i].iov_len);
		}
		vq_push(&vq, head, 0);
	}
	if (r == -EIO && (!vq.broken || !vq.why))
		abort();
	(void)vq_publish(&vq);
	if (vq.event_idx && !vq.broken && r == 0 &&
	    (mem[8192 + 4 + 8 * vq.num] | mem[8192 + 5 + 8 * vq.num] << 8) != vq.last_avail)
		abort(); /* an empty queue asks for a kick at the next chain */
	return 0;
}

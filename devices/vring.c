/* SPDX-License-Identifier: MIT */
/*
 * vring.c - split virtqueues in shared guest memory (vring.h): address
 * translation through the memory table, taking available chains with every
 * index and buffer checked, returning used ones. No I/O, no allocation.
 *
 * The guest writes these rings concurrently: every shared field is read
 * once (a relaxed atomic load into a local) and checked after reading. The
 * available index is read with acquire order before the ring entries it
 * covers; used entries are written before the used index is stored with
 * release order; a full fence separates that store from reading the
 * guest's NO_INTERRUPT flag or used_event, and natd's avail_event store
 * from reading the available index again (virtio 1.x, 2.7.7 and 2.7.10).
 */
#include "devices/vring.h"

#include <errno.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtio 1.x rings are little-endian; a big-endian host needs swaps");

static const struct vu_region *vu_find(const struct vu_mem *m, uint64_t a,
				       uint64_t len, bool uva)
{
	unsigned int i;

	for (i = 0; i < m->n && i < VU_MAX_REGIONS; i++) {
		const struct vu_region *r = &m->r[i];
		uint64_t start = uva ? r->uva : r->gpa;

		if (a >= start && a - start < r->size && len <= r->size - (a - start))
			return r;
	}
	return NULL;
}

void *vu_gpa_to_va(const struct vu_mem *m, uint64_t gpa, uint64_t len)
{
	const struct vu_region *r = vu_find(m, gpa, len, false);

	return r ? r->host + (gpa - r->gpa) : NULL;
}

void *vu_uva_to_va(const struct vu_mem *m, uint64_t uva, uint64_t len)
{
	const struct vu_region *r = vu_find(m, uva, len, true);

	return r ? r->host + (uva - r->uva) : NULL;
}

int vq_setup(struct vq *vq, const struct vu_mem *m, uint64_t desc_uva,
	     uint64_t avail_uva, uint64_t used_uva)
{
	uint64_t n = vq->num;

	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->avail_shadow = vq->last_avail;
	vq->broken = false;
	vq->why = NULL;
	if (n == 0 || n > VRING_MAX_SIZE || (n & (n - 1))) {
		vq->why = "queue size not a power of 2 up to 32768";
		return -EFAULT;
	}
	if ((desc_uva & 15) || (avail_uva & 1) || (used_uva & 3)) {
		vq->why = "misaligned ring";
		return -EFAULT;
	}
	vq->desc = vu_uva_to_va(m, desc_uva, 16 * n);
	vq->avail = vu_uva_to_va(m, avail_uva, 6 + 2 * n);
	vq->used = vu_uva_to_va(m, used_uva, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		vq->why = "ring outside guest memory";
		return -EFAULT;
	}
	return 0;
}

static int vq_break(struct vq *vq, const char *why)
{
	vq->broken = true;
	vq->why = why;
	return -EIO;
}

static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * The available index: the copy read last while chains up to it are left
 * (one read of the guest's cache line per batch, not per chain: its acquire
 * load covered them), else read again. With the event index, when it shows
 * nothing new, avail_event asks the guest to kick at its next chain and the
 * index is read once more after a full fence: a chain made available while
 * avail_event was stale is seen here, or the guest sees the new avail_event
 * and kicks.
 */
static uint16_t vq_avail_idx(struct vq *vq)
{
	uint16_t idx = vq->avail_shadow;

	if (idx != vq->last_avail && (uint16_t)(idx - vq->last_avail) <= vq->num)
		return idx;
	idx = __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
	if (idx == vq->last_avail && vq->event_idx) {
		__atomic_store_n((uint16_t *)(void *)(vq->used + 4 + 8 * (size_t)vq->num),
				 vq->last_avail, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		idx = __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
	}
	vq->avail_shadow = idx;
	return idx;
}

int vq_pop(struct vq *vq, const struct vu_mem *m, struct iovec *iov,
	   unsigned int max, unsigned int *n_out, unsigned int *n_in, uint16_t *head)
{
	const struct vring_desc *tab;
	uint16_t avail_idx, h;
	unsigned int count = 0, nout = 0, nin = 0, tabn, i;
	bool overflow = false, in_table = false;

	*n_out = *n_in = 0;
	if (vq->broken || !vq->desc)
		return vq->broken ? -EIO : 0;
	avail_idx = vq_avail_idx(vq);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return vq_break(vq, "available index too far ahead");
	h = load16(&vq->avail[2 + (vq->last_avail & (vq->num - 1))]);
	if (h >= vq->num)
		return vq_break(vq, "chain head out of range");
	tab = vq->desc;
	tabn = vq->num;
	i = h;
	for (;;) {
		struct vring_desc d;
		void *p;

		if (++count > tabn)
			return vq_break(vq, "descriptor chain loops");
		memcpy(&d, &tab[i], sizeof(d)); /* one read of shared memory */
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return vq_break(vq, "indirect descriptor (not negotiated)");
			if (in_table)
				return vq_break(vq, "indirect descriptor in an indirect table");
			if (d.flags & VRING_DESC_F_NEXT)
				return vq_break(vq, "indirect descriptor with a next one");
			if (d.len == 0 || d.len % sizeof(d) || d.len / sizeof(d) > VRING_MAX_SIZE)
				return vq_break(vq, "indirect table of a bad length");
			tab = vu_gpa_to_va(m, d.addr, d.len);
			if (!tab)
				return vq_break(vq, "indirect table outside guest memory");
			tabn = d.len / sizeof(d);
			in_table = true;
			count = 0;
			i = 0;
			continue;
		}
		p = vu_gpa_to_va(m, d.addr, d.len);
		if (!p && d.len)
			return vq_break(vq, "descriptor outside guest memory");
		if (d.len == 0) {
			/* nothing to read or write: not handed out */
		} else if (d.flags & VRING_DESC_F_WRITE) {
			nin++;
		} else {
			if (nin)
				return vq_break(vq, "readable descriptor after a writable one");
			nout++;
		}
		if (nout + nin > max)
			overflow = true;
		else if (d.len) {
			iov[nout + nin - 1].iov_base = p;
			iov[nout + nin - 1].iov_len = d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= tabn)
			return vq_break(vq, "next descriptor out of range");
		i = d.next;
	}
	vq->last_avail++;
	*head = h;
	if (overflow) {
		vq_push(vq, h, 0);
		return -ENOBUFS;
	}
	*n_out = nout;
	*n_in = nin;
	return 1;
}

void vq_unpop(struct vq *vq, unsigned int n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

void vq_push(struct vq *vq, uint16_t head, uint32_t len)
{
	uint8_t *e = vq->used + 4 + 8 * (size_t)(vq->used_idx & (vq->num - 1));
	uint32_t id = head;

	memcpy(e, &id, 4);
	memcpy(e + 4, &len, 4);
	vq->used_idx++;
}

bool vq_publish(struct vq *vq)
{
	uint16_t flags, old = vq->used_published;

	if (!vq->used || vq->used_idx == old)
		return false;
	__atomic_store_n((uint16_t *)(void *)(vq->used + 2), vq->used_idx, __ATOMIC_RELEASE);
	vq->used_published = vq->used_idx;
	/* the used index before the guest's request: a guest that re-enables
	 * interrupts and then looks at the ring sees the entries, or we see its
	 * request (virtio 1.x 2.7.10) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx)
		return vq_need_event(load16(&vq->avail[2 + vq->num]), vq->used_idx, old);
	flags = load16(&vq->avail[0]);
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

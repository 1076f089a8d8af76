/* SPDX-License-Identifier: MIT */
/*
 * vring.h - a guest's memory table and split virtqueues (virtio 1.x, 2.7)
 * as the vhost-user transport (vhost_user.c) walks them, without I/O: pure
 * functions over memory the guest shares and may change at any time, so
 * unit tests and a fuzz target drive them directly.
 *
 * Every descriptor is read once into a local copy and checked before use:
 * its buffer must lie wholly inside one region of the memory table, a
 * chain may not be longer than the queue (a loop), every index must be
 * below the queue size, the available index may not run more than the
 * queue size ahead. A queue that breaks one of these rules is marked broken
 * (vq->broken, with a reason) and not touched again until it is set up anew.
 *
 * Indirect descriptors (VIRTIO_RING_F_INDIRECT_DESC, vq->indirect): the
 * last descriptor of a chain (the head, or after direct ones: virtio 1.x
 * 2.7.5.3.2) may carry VRING_DESC_F_INDIRECT, without NEXT, and point at a
 * table of descriptors in guest memory: one region, a whole number of 16-byte
 * entries, at most VRING_MAX_SIZE. Its entries are walked as a direct chain
 * is (indices below the table's size, no loop, buffers in memory) and may not
 * be indirect themselves. Not negotiated, or any of these rules broken: the
 * queue breaks.
 *
 * Event index (VIRTIO_RING_F_EVENT_IDX, vq->event_idx): the guest asks for
 * an interrupt only once the used index passes used_event (the entry after
 * the available ring) and natd for a kick only once the available index
 * passes avail_event (the entry after the used ring): vq_pop() sets it when
 * it finds the queue empty, vq_publish() reads used_event.
 */
#ifndef NATD_VRING_H
#define NATD_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VU_MAX_REGIONS 8
#define VRING_MAX_SIZE 32768

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
/* feature bits (virtio 1.x, 6) */
#define VRING_F_INDIRECT_DESC 28
#define VRING_F_EVENT_IDX 29

struct vu_region {
	uint64_t gpa;		/* guest physical address */
	uint64_t size;
	uint64_t uva;		/* the address in QEMU's own process */
	uint8_t *host;		/* where it is mapped here (gpa's byte) */
};

struct vu_mem {
	unsigned int n;
	struct vu_region r[VU_MAX_REGIONS];
};

/* Host pointer for [gpa, gpa + len) (guest physical), or NULL unless it lies
 * wholly in one region. vu_uva_to_va() the same for QEMU's addresses. */
void *vu_gpa_to_va(const struct vu_mem *m, uint64_t gpa, uint64_t len);
void *vu_uva_to_va(const struct vu_mem *m, uint64_t uva, uint64_t len);

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq {
	unsigned int num;		/* size (power of 2), 0 = not set */
	struct vring_desc *desc;	/* in guest memory */
	uint16_t *avail;		/* flags, idx, ring[num] */
	uint8_t *used;			/* flags, idx, {id, len}[num] */
	uint16_t last_avail;		/* next available entry to take */
	uint16_t avail_shadow;		/* the available index as last read */
	uint16_t used_idx;		/* next used entry to fill */
	uint16_t used_published;	/* used_idx the guest has seen */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;
	const char *why;		/* ... and why */
};

/*
 * virtio 1.x 2.7.7.2 (Linux's vring_need_event()): true when moving an index
 * from old to new_idx passes event, i.e. event is in [old, new_idx) modulo
 * 2^16. The guest's rule for kicks (event = avail_event) and natd's for
 * interrupts (event = used_event).
 */
static inline bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* Points vq at its rings (QEMU addresses, vhost-user SET_VRING_ADDR) after
 * checking they lie in guest memory. 0 or -EFAULT (vq->why set). */
int vq_setup(struct vq *vq, const struct vu_mem *m, uint64_t desc_uva,
	     uint64_t avail_uva, uint64_t used_uva);

/*
 * Takes the next available chain: its buffers as iovecs in iov (at most
 * max), the device-readable ones first (*n_out of them), then the
 * device-writable ones (*n_in), and its head (for vq_push()); through its
 * indirect table when the head has one. Returns 1, 0 when the guest has made
 * nothing available (with the event index, avail_event then asks for a kick
 * at the next chain), or -EIO when the queue broke
 * (vq->broken, vq->why). Zero-length buffers are left out (every iovec
 * handed out points into guest memory). -ENOBUFS when the chain has more than max buffers
 * (the chain is skipped and returned with length 0, the queue is intact).
 */
int vq_pop(struct vq *vq, const struct vu_mem *m, struct iovec *iov,
	   unsigned int max, unsigned int *n_out, unsigned int *n_in, uint16_t *head);

/* Sets the next available entry to take (vhost-user SET_VRING_BASE). */
static inline void vq_set_base(struct vq *vq, uint16_t idx)
{
	vq->last_avail = vq->avail_shadow = idx;
}

/* Gives back the last n chains taken (not yet pushed). */
void vq_unpop(struct vq *vq, unsigned int n);

/* Returns chain head to the guest with len bytes written into it. */
void vq_push(struct vq *vq, uint16_t head, uint32_t len);

/* Publishes the used entries pushed so far; true when the guest wants an
 * interrupt for them (and there were some): with the event index when the
 * used index passed used_event since the last call, else unless the guest
 * set VRING_AVAIL_F_NO_INTERRUPT. */
bool vq_publish(struct vq *vq);

#endif

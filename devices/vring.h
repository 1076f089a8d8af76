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
 * Indirect descriptors are not offered (the feature is not negotiated) and
 * break the queue too.
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
	uint16_t used_idx;		/* next used entry to fill */
	uint16_t used_published;	/* used_idx the guest has seen */
	bool broken;
	const char *why;		/* ... and why */
};

/* Points vq at its rings (QEMU addresses, vhost-user SET_VRING_ADDR) after
 * checking they lie in guest memory. 0 or -EFAULT (vq->why set). */
int vq_setup(struct vq *vq, const struct vu_mem *m, uint64_t desc_uva,
	     uint64_t avail_uva, uint64_t used_uva);

/*
 * Takes the next available chain: its buffers as iovecs in iov (at most
 * max), the device-readable ones first (*n_out of them), then the
 * device-writable ones (*n_in), and its head (for vq_push()). Returns 1, 0
 * when the guest has made nothing available, or -EIO when the queue broke
 * (vq->broken, vq->why). Zero-length buffers are left out (every iovec
 * handed out points into guest memory). -ENOBUFS when the chain has more than max buffers
 * (the chain is skipped and returned with length 0, the queue is intact).
 */
int vq_pop(struct vq *vq, const struct vu_mem *m, struct iovec *iov,
	   unsigned int max, unsigned int *n_out, unsigned int *n_in, uint16_t *head);

/* Gives back the last n chains taken (not yet pushed). */
void vq_unpop(struct vq *vq, unsigned int n);

/* Returns chain head to the guest with len bytes written into it. */
void vq_push(struct vq *vq, uint16_t head, uint32_t len);

/* Publishes the used entries pushed so far; true when the guest wants an
 * interrupt for them (and there were some). */
bool vq_publish(struct vq *vq);

#endif

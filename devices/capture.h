/* SPDX-License-Identifier: MIT */
/*
 * capture.h - packet capture of an adapter's frames into a pcap file
 * (--nictrace<x>, VirtualBox manual 6.11's "full analysis with a third-party
 * tool"), written with libpcap's pcap_dump.
 *
 * A device with a capture (device_set_capture()) records every frame it
 * delivers from the VM and every frame it sends to the VM, as the transport
 * carries them: no reassembly. On a tap with TCP offloads a segment the VM
 * or natd left to the kernel is one frame of up to 64 KiB whose IP total
 * length covers the whole segment and whose TCP checksum may be the partial
 * (pseudo-header) sum, as tcpdump on a host with GSO shows it. The file is
 * flushed every 200 ms, so `tcpdump -r` reads a capture being written. With
 * a size cap, frames that would make the file larger are not written and
 * are counted. With no capture set, a device pays one pointer test per
 * frame.
 */
#ifndef NATD_DEVICES_CAPTURE_H
#define NATD_DEVICES_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <uv.h>

struct capture;

struct capture_stats {
	uint64_t frames, bytes;   /* written (bytes: the file's size) */
	uint64_t not_written;     /* frames left out: the cap was reached */
	uint64_t max_bytes;       /* the cap, 0 for none */
};

/*
 * Creates (truncates) path as a pcap file (Ethernet, microseconds) and
 * starts its flush timer on loop. max_bytes caps the file's size (0: no
 * cap). 0 and *out, or -errno with a one-line reason in err.
 */
int capture_open(uv_loop_t *loop, const char *path, uint64_t max_bytes, struct capture **out,
		 char *err, size_t errlen);

/* Records one frame given in pieces (len bytes in all). */
void capture_frame(struct capture *c, const struct iovec *iov, int iovcnt, size_t len);

void capture_get_stats(const struct capture *c, struct capture_stats *st);
const char *capture_path(const struct capture *c);

/* Flushes and closes the file; c is freed once its timer closed. */
void capture_close(struct capture *c);

#endif

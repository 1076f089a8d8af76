/* SPDX-License-Identifier: MIT */
/*
 * fuzz_srcpin.c - libFuzzer target for the source-address pins of a NAT
 * network's adapter (forwarders/srcpin.c), which read every frame a VM
 * sends. The input is a list of operations, each an opcode byte and its
 * bytes: a lease (address, MAC, port), an unlease (address), a frame from
 * a port (a length byte and that many bytes, the frame's source MAC and
 * address taken from the input as they fall). A model of the slots is kept
 * alongside. Checked:
 *   - srcpin_frame_source() reads within the frame and returns the bytes at
 *     IPv4's source or ARP's sender address;
 *   - a frame is refused (SRCPIN_SPOOFED) exactly when its source is pinned
 *     to another port with another MAC; the lease's MAC from another port
 *     moves the pin there (SRCPIN_MOVED); anything else passes;
 *   - srcpin_port() agrees with the model after every operation.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "forwarders/srcpin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	uint32_t addr, port;
	uint8_t mac[6];
} model[SRCPIN_SLOTS];

static unsigned slot_of(uint32_t addr)
{
	return ntohl(addr) & (SRCPIN_SLOTS - 1);
}

static uint32_t model_port(uint32_t addr)
{
	unsigned i = slot_of(addr);

	return addr && model[i].addr == addr ? model[i].port : SRCPIN_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srcpin *t = srcpin_new();
	size_t off = 0;

	if (!t)
		return 0;
	memset(model, 0, sizeof(model));
	while (off < size) {
		uint8_t op = data[off++] % 3;
		uint32_t addr = 0, src, owner;

		if (op == 0 && size - off >= 11) {          /* lease */
			memcpy(&addr, data + off, 4);
			srcpin_lease(t, addr, data + off + 4, data[off + 10]);
			if (addr) {
				unsigned i = slot_of(addr);

				model[i].addr = addr;
				model[i].port = data[off + 10];
				memcpy(model[i].mac, data + off + 4, 6);
			}
			off += 11;
		} else if (op == 1 && size - off >= 4) {    /* unlease */
			memcpy(&addr, data + off, 4);
			srcpin_unlease(t, addr);
			if (model[slot_of(addr)].addr == addr)
				model[slot_of(addr)].addr = 0;
			off += 4;
		} else if (op == 2 && size - off >= 2) {    /* a frame from a port */
			uint32_t port = data[off];
			size_t len = data[off + 1], want_off;
			uint8_t *f;
			int kind;
			enum srcpin_verdict v;

			off += 2;
			if (len > size - off)
				len = size - off;
			f = malloc(len ? len : 1); /* exactly len: ASan sees overreads */
			if (!f)
				break;
			memcpy(f, data + off, len);
			off += len;
			kind = srcpin_frame_source(f, len, &src);
			want_off = kind == 1 ? 14 + 12 : 14 + 14;
			if (kind && (want_off + 4 > len || memcmp(&src, f + want_off, 4)))
				abort();
			v = srcpin_check(t, f, len, port, &src, &owner);
			if (kind && src) {
				uint32_t mp = model_port(src);
				unsigned i = slot_of(src);

				if (owner != mp)
					abort();
				if (mp == SRCPIN_NONE || mp == port) {
					if (v != SRCPIN_PASS)
						abort();
				} else if (!memcmp(f + 6, model[i].mac, 6)) {
					if (v != SRCPIN_MOVED)
						abort();
					model[i].port = port;
				} else if (v != SRCPIN_SPOOFED) {
					abort();
				}
			} else if (v != SRCPIN_PASS) {
				abort();
			}
			free(f);
		} else {
			break;
		}
		if (srcpin_port(t, addr) != model_port(addr))
			abort();
	}
	srcpin_free(t);
	return 0;
}

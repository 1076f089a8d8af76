/* SPDX-License-Identifier: MIT */
/* Fuzz target: the DNS proxy's query checker, question parser and answer builders. */
#include <stddef.h>
#include <stdint.h>

#include "forwarders/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[512];
	char name[256];
	uint16_t qtype, qclass;
	size_t qend;
	static const uint8_t addrs[2][16] = { { 192, 0, 2, 1 }, { 0x20, 0x01, 0x0d, 0xb8 } };

	if (dns_query_check(data, size) == 0 &&
	    dns_first_question(data, size, name, sizeof(name), &qtype, &qclass, &qend) == 0)
		dns_address_answer(data, qend, qtype == 1 ? 1 : 28, 0, addrs, 2, 60, out,
				   sizeof(out));
	if (size >= DNS_HDR_LEN)
		dns_error_answer(data, size, DNS_RCODE_FORMERR, out, sizeof(out));
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz target: the DNS proxy's query checker and error-answer builder. */
#include <stddef.h>
#include <stdint.h>

#include "forwarders/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[512];

	dns_query_check(data, size);
	if (size >= DNS_HDR_LEN)
		dns_error_answer(data, size, DNS_RCODE_FORMERR, out, sizeof(out));
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pfrule.c - libFuzzer target for pfrule_parse() in both syntaxes and
 * pfrule_format(): a parsed rule must format and parse back to itself.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/pfrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[600], out[PFRULE_TEXT_MAX], err[256];
	struct pfrule r, back;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int syn = 0; syn < 2; syn++) {
		int fam = size && (data[0] & 1) ? AF_INET6 : AF_INET;

		if (pfrule_parse(text, (enum pfrule_syntax)syn, fam, &r, err, sizeof(err)) != 0) {
			if (!memchr(err, '\0', sizeof(err)) || !err[0])
				abort();
			continue;
		}
		if (pfrule_format(&r, (enum pfrule_syntax)syn, out, sizeof(out)) < 0)
			abort();
		if (pfrule_parse(out, (enum pfrule_syntax)syn, fam, &back, err, sizeof(err)) != 0)
			abort();
		if (memcmp(&r, &back, sizeof(r)) != 0)
			abort();
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * fuzz_natnet_store.c - libFuzzer target for the readers of natd's NAT
 * network files: natnet_store_parse() (natd.json) with the host-only
 * interfaces in it (hostonly_store_parse()), and natnet_leases_parse()
 * (natnet-NAME.leases.json), any bytes as file text. A store that parses
 * must hold only definitions that pass the checks, and must write back
 * (as JSON) to something that parses to the same networks and interfaces.
 */
#include "natd/hostonly_store.h"
#include "natd/natnet_leases.h"
#include "natd/natnet_store.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The host-only interfaces of a parsed natd.json: checked, and the same
 * after a write and a read. */
static void hostonly_fuzz(json_t *root, char *err, size_t errlen)
{
	struct hostonly_store hs = { 0 }, hs2 = { 0 };
	json_t *r2, *arr;

	if (hostonly_store_parse(&hs, root, "fuzz.json", err, errlen) < 0)
		return;
	arr = json_array();
	for (size_t i = 0; i < hs.n; i++) {
		if (hostonly_def_check(&hs.defs[i], err, errlen) != 0)
			abort();
		json_array_append_new(arr, hostonly_def_to_json(&hs.defs[i]));
	}
	r2 = json_pack("{s:o}", "hostonlyifs", arr);
	if (!r2 || hostonly_store_parse(&hs2, r2, "again", err, errlen) != 0 || hs2.n != hs.n ||
	    (hs.n && memcmp(hs.defs, hs2.defs, hs.n * sizeof(hs.defs[0]))))
		abort();
	json_decref(r2);
	hostonly_store_free(&hs);
	hostonly_store_free(&hs2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct natnet_lease leases[16];
	struct natnet_store st, st2;
	struct natnet_def d;
	char err[512];
	int n;

	memset(&st, 0, sizeof(st));
	st.lock_fd = -1;
	if (natnet_store_parse(&st, (const char *)data, size, "fuzz.json", err,
			       sizeof(err)) == 0) {
		json_t *arr = json_array();
		char *text;

		if (st.n > NATNET_MAX_NETWORKS)
			abort();
		for (size_t i = 0; i < st.n; i++) {
			if (natnet_def_check(&st.defs[i], err, sizeof(err)) != 0)
				abort();
			json_array_append_new(arr, natnet_def_to_json(&st.defs[i]));
		}
		json_object_set_new(st.root, "natnetworks", arr);
		text = json_dumps(st.root, 0);
		if (!text)
			abort();
		memset(&st2, 0, sizeof(st2));
		st2.lock_fd = -1;
		if (natnet_store_parse(&st2, text, strlen(text), "again", err, sizeof(err)) != 0 ||
		    st2.n != st.n)
			abort();
		for (size_t i = 0; i < st.n; i++)
			if (strcmp(st.defs[i].name, st2.defs[i].name) ||
			    st.defs[i].n_rules4 != st2.defs[i].n_rules4 ||
			    st.defs[i].network.s_addr != st2.defs[i].network.s_addr)
				abort();
		free(text);
		natnet_store_release(&st2);
		hostonly_fuzz(st.root, err, sizeof(err));
	}
	natnet_store_release(&st);

	natnet_def_init(&d, "fuzz");
	d.network.s_addr = htonl(0xc0a80f00);
	d.prefixlen = 24;
	n = natnet_leases_parse((const char *)data, size, &d, 1000, leases, 16, err,
				sizeof(err));
	if (n > 16)
		abort();
	for (int i = 0; i < n; i++) {
		uint32_t a = ntohl(leases[i].addr.s_addr);

		if (a < 0xc0a80f04 || a > 0xc0a80ffe || leases[i].expires <= 1000 ||
		    !memchr(leases[i].hostname, '\0', sizeof(leases[i].hostname)))
			abort();
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * dhcp6_server.c - stateless DHCPv6: Information-request -> Reply (see
 * dhcp6_server.h).
 *
 * A message is a type byte, a 3-byte transaction id and options, each a
 * 2-byte code, a 2-byte length and its data. Every option must lie inside
 * the message, or the message is malformed. RFC 8415 16.12: an
 * Information-request naming another server (option 2), or carrying an IA
 * option, is not answered. The reply echoes the transaction id and the
 * client identifier and always carries the options natd has (the Option
 * Request option is a wish list a server may exceed).
 */
#include "dhcp/dhcp6_server.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dhcp/dhcp_internal.h"
#include "base/bytes.h"



size_t dhcp6_duid_ll(const uint8_t mac[6], uint8_t out[10])
{
	put16(out, 3);      /* DUID-LL */
	put16(out + 2, 1);  /* Ethernet */
	memcpy(out + 4, mac, 6);
	return 10;
}

int dhcp6_domain_list_encode(const char *const *names, unsigned n, uint8_t *out, size_t cap)
{
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		int l = dhcp_dns_name_encode(names[i], out + len, cap - len);

		if (l == -ENOSPC)
			return -ENOSPC;
		if (l > 0)
			len += (size_t)l;
	}
	return (int)len;
}

/* Appends option code with len bytes of data; false when out is full. */
static bool put_opt(uint8_t *out, size_t outlen, size_t *n, uint16_t code, const void *data,
		    size_t len)
{
	if (len > 0xffff || *n + 4 + len > outlen)
		return false;
	put16(out + *n, code);
	put16(out + *n + 2, (uint16_t)len);
	if (len)
		memcpy(out + *n + 4, data, len);
	*n += 4 + len;
	return true;
}

int dhcp6_server_input(const struct dhcp6_server_config *c, const uint8_t *in, size_t len,
		       uint8_t *out, size_t outlen)
{
	const uint8_t *clientid = NULL, *serverid = NULL;
	size_t clientid_len = 0, serverid_len = 0, off, n;
	bool has_ia = false;

	if (len < 4)
		return -EBADMSG;
	for (off = 4; off < len;) {
		uint16_t code, olen;

		if (off + 4 > len)
			return -EBADMSG;
		code = get16(in + off);
		olen = get16(in + off + 2);
		if (off + 4 + olen > len)
			return -EBADMSG;
		switch (code) {
		case DHCP6_OPT_CLIENTID:
			if (clientid || olen < 2 || olen > DHCP6_DUID_MAX)
				return -EBADMSG;
			clientid = in + off + 4;
			clientid_len = olen;
			break;
		case DHCP6_OPT_SERVERID:
			if (serverid)
				return -EBADMSG;
			serverid = in + off + 4;
			serverid_len = olen;
			break;
		case DHCP6_OPT_IA_NA:
		case DHCP6_OPT_IA_TA:
		case DHCP6_OPT_IA_PD:
			has_ia = true;
			break;
		default:
			break;
		}
		off += 4 + (size_t)olen;
	}

	if (in[0] != DHCP6_INFORMATION_REQUEST)
		return 0; /* stateless: nothing to lease */
	if (has_ia)
		return 0;
	if (serverid && (serverid_len != c->duid_len || memcmp(serverid, c->duid, c->duid_len)))
		return 0; /* meant for another server */

	if (outlen < 4)
		return -ENOSPC;
	out[0] = DHCP6_REPLY;
	memcpy(out + 1, in + 1, 3);
	n = 4;
	if (!put_opt(out, outlen, &n, DHCP6_OPT_SERVERID, c->duid, c->duid_len))
		return -ENOSPC;
	if (clientid && !put_opt(out, outlen, &n, DHCP6_OPT_CLIENTID, clientid, clientid_len))
		return -ENOSPC;
	if (c->n_dns && !put_opt(out, outlen, &n, DHCP6_OPT_DNS_SERVERS, c->dns,
				 16 * (size_t)(c->n_dns > DHCP6_MAX_DNS ? DHCP6_MAX_DNS : c->n_dns)))
		return -ENOSPC;
	if (c->domains_len && !put_opt(out, outlen, &n, DHCP6_OPT_DOMAIN_LIST, c->domains,
				       c->domains_len))
		return -ENOSPC;
	if (c->info_refresh) {
		uint8_t t[4] = { (uint8_t)(c->info_refresh >> 24), (uint8_t)(c->info_refresh >> 16),
				 (uint8_t)(c->info_refresh >> 8), (uint8_t)c->info_refresh };

		if (!put_opt(out, outlen, &n, DHCP6_OPT_INFO_REFRESH_TIME, t, 4))
			return -ENOSPC;
	}
	return (int)n;
}

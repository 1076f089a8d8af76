/* SPDX-License-Identifier: MIT */
/*
 * dhcp_msg.c - the wire side of natd's DHCPv4 server (dhcp_server.h): parses
 * the message a client sent and builds the reply the lease logic decided on
 * (dhcp_lease.c), with the server's own options and the administrator's
 * custom ones; also the PXE architecture table.
 *
 * Reply size: the server's own options are checked at configuration time to
 * fit DHCP_REPLY_MAX (dhcp_msg_own_options_size()); custom options come
 * after them and each is added only while it and the end option still fit,
 * so a reply never grows past DHCP_REPLY_MAX whatever the administrator set.
 */
#include "dhcp/dhcp_internal.h"
#include "base/bytes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* ---- parsing ---------------------------------------------------------- */

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void set_hostname(char *dst, size_t size, const uint8_t *v, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < size; i++) {
		if (v[i] == '\0')
			break;
		dst[o++] = (v[i] >= 0x20 && v[i] < 0x7f) ? (char)v[i] : '_';
	}
	dst[o] = '\0';
}

/* See dhcp_internal.h. */
int dhcp_msg_parse(const uint8_t *pkt, size_t len, struct dhcp_req *r)
{
	static const uint8_t cookie[4] = {
		DHCP_COOKIE0, DHCP_COOKIE1, DHCP_COOKIE2, DHCP_COOKIE3
	};
	const uint8_t *p = pkt, *cid = NULL;
	size_t rem = len, cid_len = 0;
	int rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (!pkt || rem < BOOTP_OFF_OPTIONS)
		goto out;
	rc = -EPROTO;
	if (p[BOOTP_OFF_OP] != BOOTREQUEST || p[BOOTP_OFF_HTYPE] != 1 ||
	    p[BOOTP_OFF_HLEN] != 6)
		goto out;
	if (memcmp(p + BOOTP_OFF_COOKIE, cookie, sizeof(cookie)) != 0)
		goto out;
	memcpy(r->xid, p + BOOTP_OFF_XID, 4);
	r->flags = (uint16_t)(p[BOOTP_OFF_FLAGS] << 8 | p[BOOTP_OFF_FLAGS + 1]);
	memcpy(&r->ciaddr, p + BOOTP_OFF_CIADDR, 4);
	memcpy(&r->giaddr, p + BOOTP_OFF_GIADDR, 4);
	memcpy(r->chaddr, p + BOOTP_OFF_CHADDR, sizeof(r->chaddr));

	p += BOOTP_OFF_OPTIONS;
	rem -= BOOTP_OFF_OPTIONS;
	while (rem > 0) {
		uint8_t code = p[0], olen;
		const uint8_t *v;

		if (code == DHO_PAD) {
			p++;
			rem--;
			continue;
		}
		if (code == DHO_END)
			break;
		if (rem < 2)
			goto out;
		olen = p[1];
		if (rem - 2 < olen)
			goto out;
		v = p + 2;
		switch (code) {
		case DHO_MSG_TYPE:
			if (olen != 1 || v[0] == 0)
				goto out;
			r->type = v[0];
			break;
		case DHO_REQUESTED_ADDR:
			if (olen != 4)
				goto out;
			memcpy(&r->reqip, v, 4);
			r->has_reqip = true;
			break;
		case DHO_SERVER_ID:
			if (olen != 4)
				goto out;
			memcpy(&r->sid, v, 4);
			r->has_sid = true;
			break;
		case DHO_CLIENT_ID:
			if (olen < 2)
				goto out;
			cid = v;
			cid_len = olen;
			break;
		case DHO_HOSTNAME:
			set_hostname(r->hostname, sizeof(r->hostname), v, olen);
			break;
		/* PXE options are hints: malformed ones are ignored, not fatal. */
		case DHO_VENDOR_CLASS:
			r->pxe = olen >= strlen(PXE_VENDOR_CLASS) &&
				 memcmp(v, PXE_VENDOR_CLASS, strlen(PXE_VENDOR_CLASS)) == 0;
			break;
		case DHO_CLIENT_ARCH:
			if (olen >= 2 && olen % 2 == 0) {
				r->has_arch = true;
				r->arch = (uint16_t)(v[0] << 8 | v[1]);
			}
			break;
		case DHO_CLIENT_UUID:
			if (olen <= sizeof(r->uuid)) {
				memcpy(r->uuid, v, olen);
				r->uuid_len = olen;
			}
			break;
		default:
			/* 52 (overload) included: sname/file are not read. */
			break;
		}
		p += 2 + (size_t)olen;
		rem -= 2 + (size_t)olen;
	}
	if (r->type == 0)
		goto out;

	if (cid && cid_len <= DHCP_KEY_MAX) {
		r->key.kind = KEY_CLIENTID;
		r->key.len = (uint8_t)cid_len;
		memcpy(r->key.b, cid, cid_len);
	} else if (cid) {
		uint64_t h = fnv1a64(cid, cid_len);

		r->key.kind = KEY_CLIENTID_HASHED;
		r->key.len = DHCP_KEY_MAX;
		memcpy(r->key.b, cid, DHCP_KEY_MAX - 9);
		r->key.b[DHCP_KEY_MAX - 9] = (uint8_t)cid_len;
		memcpy(r->key.b + DHCP_KEY_MAX - 8, &h, 8);
	} else {
		r->key.kind = KEY_CHADDR;
		r->key.len = 6;
		memcpy(r->key.b, r->chaddr, 6);
	}
	rc = 0;
out:
	return rc;
}


/* ---- PXE ---------------------------------------------------------------- */

/* IANA "Processor Architecture Types" (RFC 4578, RFC 5970). */
static const struct {
	uint16_t arch;
	bool uefi;        /* UEFI firmware booting over TFTP */
	const char *name;
} dhcp_archs[] = {
	{ 0, false, "x86 BIOS" },         { 1, false, "NEC/PC98" },
	{ 2, true, "Itanium EFI" },       { 3, false, "DEC Alpha" },
	{ 4, false, "Arc x86" },          { 5, false, "Intel Lean Client" },
	{ 6, true, "x86 UEFI" },          { 7, true, "x64 UEFI" },
	{ 8, true, "Xscale EFI" },        { 9, true, "x64 UEFI" },
	{ 10, true, "ARM32 UEFI" },       { 11, true, "ARM64 UEFI" },
	{ 12, false, "PowerPC Open Firmware" }, { 13, false, "PowerPC ePAPR" },
	{ 14, false, "POWER OPAL" },      { 15, false, "x86 UEFI HTTP" },
	{ 16, false, "x64 UEFI HTTP" },   { 17, false, "EBC UEFI HTTP" },
	{ 18, false, "ARM32 UEFI HTTP" }, { 19, false, "ARM64 UEFI HTTP" },
	{ 20, false, "x86 BIOS HTTP" },   { 21, false, "ARM32 U-Boot" },
	{ 22, false, "ARM64 U-Boot" },    { 23, false, "ARM32 U-Boot HTTP" },
	{ 24, false, "ARM64 U-Boot HTTP" }, { 25, true, "RISC-V 32 UEFI" },
	{ 26, false, "RISC-V 32 UEFI HTTP" }, { 27, true, "RISC-V 64 UEFI" },
	{ 28, false, "RISC-V 64 UEFI HTTP" }, { 29, true, "RISC-V 128 UEFI" },
	{ 30, false, "RISC-V 128 UEFI HTTP" }, { 31, false, "s390 Basic" },
	{ 32, false, "s390 Extended" },   { 33, true, "MIPS32 UEFI" },
	{ 34, true, "MIPS64 UEFI" },      { 35, true, "Sunway 32 UEFI" },
	{ 36, true, "Sunway 64 UEFI" },   { 37, true, "LoongArch32 UEFI" },
	{ 38, false, "LoongArch32 UEFI HTTP" }, { 39, true, "LoongArch64 UEFI" },
	{ 40, false, "LoongArch64 UEFI HTTP" },
};

const char *dhcp_arch_name(uint16_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(dhcp_archs); i++)
		if (dhcp_archs[i].arch == arch)
			return dhcp_archs[i].name;
	return "unknown";
}

bool dhcp_arch_is_uefi(uint16_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(dhcp_archs); i++)
		if (dhcp_archs[i].arch == arch)
			return dhcp_archs[i].uefi;
	return false;
}

/* ---- configuration -------------------------------------------------------- */

static bool str_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

struct in_addr dhcp_msg_next_server(const struct dhcp_server_config *c)
{
	return c->next_server.s_addr ? c->next_server : c->server_id;
}

const struct dhcp_opt *dhcp_msg_custom(const struct dhcp_server_config *c, uint8_t code)
{
	for (unsigned i = 0; i < c->n_opts && i < DHCP_MAX_OPTS; i++)
		if (c->opts[i].code == code)
			return &c->opts[i];
	return NULL;
}

/*
 * Note that RFC 2131 only promises 548 bytes (a 576-byte IP datagram), which
 * a typical configuration (a few DNS servers and search domains) stays well
 * below.
 */
int dhcp_msg_own_options_size(const struct dhcp_server_config *c)
{
	uint8_t tmp[256];
	size_t opts = 0, search_len = 0;
	int rc = -EINVAL;
	unsigned i;

	if (c->n_dns > DHCP_MAX_DNS || c->n_search > DHCP_MAX_SEARCH)
		goto out;
	if (!str_terminated(c->domain, sizeof(c->domain)) ||
	    !str_terminated(c->boot_file, sizeof(c->boot_file)) ||
	    !str_terminated(c->boot_file_efi, sizeof(c->boot_file_efi)))
		goto out;
	for (i = 0; i < c->n_search; i++) {
		int n;

		if (!str_terminated(c->search[i], sizeof(c->search[i])))
			goto out;
		n = dhcp_dns_name_encode(c->search[i], tmp, sizeof(tmp));
		if (n < 0)
			goto out;
		search_len += (size_t)n;
	}

	/* 53, 54, 51, 58, 59, 1, 3, 28, 26, end */
	opts = 3 + 6 + 6 + 6 + 6 + 6 + 6 + 6 + 4 + 1;
	if (c->n_dns)
		opts += 2 + 4 * c->n_dns;
	if (c->domain[0])
		opts += 2 + strlen(c->domain);
	if (search_len)
		opts += search_len + 2 * ((search_len + 254) / 255);
	if (c->boot_file[0]) {
		size_t bf = strlen(c->boot_file), ef = strlen(c->boot_file_efi);

		/* 66, 67, and for PXE clients 60, 43 and 97 */
		opts += 2 + INET_ADDRSTRLEN + 2 + (ef > bf ? ef : bf);
		opts += 2 + strlen(PXE_VENDOR_CLASS) + 2 + 4 + 2 + 17;
	}
	if (BOOTP_OFF_OPTIONS + opts > DHCP_REPLY_MAX)
		goto out;
	rc = (int)opts;
out:
	return rc;
}

const char *dhcp_msg_boot_file(const struct dhcp_server_config *c, const struct dhcp_req *r)
{
	if (r->has_arch && dhcp_arch_is_uefi(r->arch) && c->boot_file_efi[0])
		return c->boot_file_efi;
	return c->boot_file;
}

/* ---- replies ------------------------------------------------------------ */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void put_opt(struct wbuf *w, uint8_t code, const void *d, size_t n)
{
	uint8_t hdr[2] = { code, (uint8_t)n };

	if (n > 255) {
		w->err = true;
		return;
	}
	put(w, hdr, 2);
	put(w, d, n);
}

/* The server's own option, unless a custom option of the same code replaces it. */
static void put_own(struct wbuf *w, const struct dhcp_server_config *c, uint8_t code,
		    const void *d, size_t n)
{
	if (!dhcp_msg_custom(c, code))
		put_opt(w, code, d, n);
}

static void put_own_u32(struct wbuf *w, const struct dhcp_server_config *c, uint8_t code,
			uint32_t v)
{
	uint8_t be[4];

	put32(be, v);
	put_own(w, c, code, be, 4);
}

/* Option 119, split into several instances of at most 255 bytes (RFC 3396). */
static void put_search(struct wbuf *w, const struct dhcp_server_config *c)
{
	uint8_t enc[DHCP_MAX_SEARCH * 255];
	size_t n = 0, off;
	unsigned i;

	if (dhcp_msg_custom(c, DHO_DOMAIN_SEARCH))
		return;
	for (i = 0; i < c->n_search; i++) {
		int l = dhcp_dns_name_encode(c->search[i], enc + n, sizeof(enc) - n);

		if (l < 0) {
			w->err = true;
			return;
		}
		n += (size_t)l;
	}
	for (off = 0; off < n; off += 255)
		put_opt(w, DHO_DOMAIN_SEARCH, enc + off, n - off > 255 ? 255 : n - off);
}

/* Codes of the options the server may send itself (custom ones replace them). */
static bool own_code(uint8_t code)
{
	static const uint8_t own[] = {
		DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_DOMAIN_NAME, DHO_MTU,
		DHO_BROADCAST, DHO_LEASE_TIME, DHO_T1, DHO_T2, DHO_TFTP_SERVER,
		DHO_BOOTFILE, DHO_DOMAIN_SEARCH, DHO_VENDOR_CLASS, DHO_VENDOR_OPTS,
		DHO_CLIENT_UUID,
	};

	return memchr(own, code, sizeof(own)) != NULL;
}

/*
 * Appends the custom options: replacements of the server's own first, then
 * the others, each in configured order and only while it and the end option
 * fit; the times (51, 58, 59) only with a lease. Returns how many were left out.
 */
static unsigned put_custom(struct wbuf *w, const struct dhcp_server_config *c, bool lease)
{
	unsigned dropped = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < c->n_opts && i < DHCP_MAX_OPTS; i++) {
			const struct dhcp_opt *o = &c->opts[i];

			if (own_code(o->code) != (pass == 0))
				continue;
			if (!lease && (o->code == DHO_LEASE_TIME || o->code == DHO_T1 ||
				       o->code == DHO_T2))
				continue;
			if (w->err || w->cap - w->len < 2 + (size_t)o->len + 1) {
				dropped++;
				continue;
			}
			put_opt(w, o->code, o->data, o->len);
		}
	}
	return dropped;
}

static void put_pxe(struct wbuf *w, const struct dhcp_server_config *c,
		    const struct dhcp_req *r)
{
	static const uint8_t pxe_opts[] = {
		PXE_DISCOVERY_CONTROL, 1, PXE_DISCOVERY_BOOTFILE_ONLY, DHO_END
	};

	put_own(w, c, DHO_VENDOR_CLASS, PXE_VENDOR_CLASS, strlen(PXE_VENDOR_CLASS));
	put_own(w, c, DHO_VENDOR_OPTS, pxe_opts, sizeof(pxe_opts));
	if (r->uuid_len)
		put_own(w, c, DHO_CLIENT_UUID, r->uuid, r->uuid_len);
}

static void put_header(struct wbuf *w, const struct dhcp_server_config *c,
		       const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
		       bool boot)
{
	uint8_t hdr[BOOTP_OFF_OPTIONS];

	memset(hdr, 0, sizeof(hdr));
	hdr[BOOTP_OFF_OP] = BOOTREPLY;
	hdr[BOOTP_OFF_HTYPE] = 1;
	hdr[BOOTP_OFF_HLEN] = 6;
	memcpy(hdr + BOOTP_OFF_XID, r->xid, 4);
	put16(hdr + BOOTP_OFF_FLAGS, r->flags);
	if (type == DHCPACK)
		memcpy(hdr + BOOTP_OFF_CIADDR, &r->ciaddr, 4);
	memcpy(hdr + BOOTP_OFF_YIADDR, &yiaddr, 4);
	if (boot) {
		struct in_addr ns = dhcp_msg_next_server(c);
		const char *file = dhcp_msg_boot_file(c, r);

		memcpy(hdr + BOOTP_OFF_SIADDR, &ns, 4);
		memcpy(hdr + BOOTP_OFF_FILE, file, strlen(file));
	}
	memcpy(hdr + BOOTP_OFF_GIADDR, &r->giaddr, 4);
	memcpy(hdr + BOOTP_OFF_CHADDR, r->chaddr, sizeof(r->chaddr));
	hdr[BOOTP_OFF_COOKIE] = DHCP_COOKIE0;
	hdr[BOOTP_OFF_COOKIE + 1] = DHCP_COOKIE1;
	hdr[BOOTP_OFF_COOKIE + 2] = DHCP_COOKIE2;
	hdr[BOOTP_OFF_COOKIE + 3] = DHCP_COOKIE3;
	put(w, hdr, sizeof(hdr));
}

int dhcp_msg_build(const struct dhcp_server_config *c, uint32_t lease_time,
		   const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
		   uint8_t *out, size_t outcap, uint64_t *dropped)
{
	struct wbuf w = { out, 0, outcap < DHCP_REPLY_MAX ? outcap : DHCP_REPLY_MAX, false };
	bool boot = c->boot_file[0] && type != DHCPNAK;
	int rc = -ENOSPC;

	put_header(&w, c, r, type, yiaddr, boot);
	put_opt(&w, DHO_MSG_TYPE, &type, 1);
	put_opt(&w, DHO_SERVER_ID, &c->server_id, 4);
	if (type != DHCPNAK) {
		struct in_addr bc = { c->network.s_addr | ~c->netmask.s_addr };

		if (yiaddr.s_addr != 0) { /* OFFER and ACK of a lease, not INFORM */
			put_own_u32(&w, c, DHO_LEASE_TIME, lease_time);
			put_own_u32(&w, c, DHO_T1, lease_time / 2);
			put_own_u32(&w, c, DHO_T2, (uint32_t)((uint64_t)lease_time * 7 / 8));
		}
		put_own(&w, c, DHO_SUBNET_MASK, &c->netmask, 4);
		if (c->router.s_addr)
			put_own(&w, c, DHO_ROUTER, &c->router, 4);
		if (c->n_dns)
			put_own(&w, c, DHO_DNS, c->dns, 4 * (size_t)c->n_dns);
		if (c->domain[0])
			put_own(&w, c, DHO_DOMAIN_NAME, c->domain, strlen(c->domain));
		if (c->n_search)
			put_search(&w, c);
		put_own(&w, c, DHO_BROADCAST, &bc, 4);
		if (c->mtu != 0 && c->mtu != 1500) {
			uint8_t mtu[2];

			put16(mtu, c->mtu);
			put_own(&w, c, DHO_MTU, mtu, 2);
		}
		if (boot) {
			char ns[INET_ADDRSTRLEN];
			struct in_addr nsa = dhcp_msg_next_server(c);
			const char *file = dhcp_msg_boot_file(c, r);

			inet_ntop(AF_INET, &nsa, ns, sizeof(ns));
			put_own(&w, c, DHO_TFTP_SERVER, ns, strlen(ns));
			put_own(&w, c, DHO_BOOTFILE, file, strlen(file));
		}
		if (boot && r->pxe)
			put_pxe(&w, c, r);
		*dropped += put_custom(&w, c, yiaddr.s_addr != 0);
	}
	put(&w, (const uint8_t[]){ DHO_END }, 1);
	while (!w.err && w.len < BOOTP_MIN_LEN)
		put(&w, (const uint8_t[]){ DHO_PAD }, 1);
	if (w.err)
		goto out;
	rc = (int)w.len;
out:
	return rc;
}

/* RFC 2131 4.1, with relays (giaddr) unsupported: answered by broadcast. */
void dhcp_msg_dest(const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
		   struct dhcp_reply_dest *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->mac, r->chaddr, sizeof(d->mac));
	if (type == DHCPNAK || r->giaddr.s_addr != 0) {
		d->broadcast = true;
	} else if (r->ciaddr.s_addr != 0) {
		d->ip = r->ciaddr;
		return;
	} else if ((r->flags & BOOTP_FLAG_BROADCAST) || yiaddr.s_addr == 0) {
		d->broadcast = true;
	} else {
		d->to_chaddr = true;
		d->ip = yiaddr;
		return;
	}
	d->ip.s_addr = INADDR_BROADCAST;
}

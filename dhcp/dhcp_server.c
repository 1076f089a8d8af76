/* SPDX-License-Identifier: MIT */
/*
 * dhcp_server.c - natd's DHCPv4 server for one subnet (see dhcp_server.h).
 *
 * Pure protocol logic: the glue hands us the UDP payload a guest sent to
 * port 67 and sends back whatever we build, where struct dhcp_reply_dest
 * says. No sockets, no lwIP, no allocation after dhcp_server_new().
 *
 * Theory of operation
 * -------------------
 * The lease table has one slot per address of [range_first, range_last].
 * A slot is FREE, OFFERED (held ~60 s for the client that was offered it),
 * BOUND (until the lease runs out) or DECLINED (unusable for 10 minutes).
 * A FREE slot may remember the client that last held it (released or
 * expired): that client gets it back first, and other clients only take it
 * once no never-used address is left (oldest first).
 *
 * Clients are keyed by option 61 (client identifier) when present, else by
 * chaddr. Expiry is noticed lazily: each input first scans the table and
 * moves run-out slots on, reporting DHCP_EV_EXPIRED for bound ones.
 *
 * Addresses inside the range that the server itself uses (server id,
 * router, DNS, next server) are never handed out.
 *
 * natd is the only DHCP server on the guest's virtual link, so it is
 * authoritative: an INIT-REBOOT request for an address in our network that
 * we cannot give the client gets a NAK (not silence), so the guest falls
 * back to DISCOVER at once.
 */
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DHCP_DEFAULT_LEASE   86400u
#define DHCP_OFFER_HOLD_MS   (60u * 1000u)
#define DHCP_DECLINE_HOLD_MS (10u * 60u * 1000u)
#define DHCP_MAX_SLOTS       65536u
#define DHCP_KEY_MAX         64

enum slot_state {
	SLOT_FREE,
	SLOT_OFFERED,
	SLOT_BOUND,
	SLOT_DECLINED,
};

enum key_kind {
	KEY_NONE,
	KEY_CHADDR,   /* chaddr[0..6) */
	KEY_CLIENTID, /* option 61 as sent */
	KEY_CLIENTID_HASHED, /* option 61 longer than DHCP_KEY_MAX: prefix + hash */
};

struct client_key {
	uint8_t kind;
	uint8_t len;
	uint8_t b[DHCP_KEY_MAX];
};

struct dhcp_slot {
	uint8_t state;            /* enum slot_state */
	struct client_key key;    /* KEY_NONE when FREE and never used */
	uint8_t mac[6];
	char hostname[64];
	uint64_t expires_ms;
	bool restored;            /* added by dhcp_server_add_lease(): keyed by MAC
				     until the client's first message */
};

struct dhcp_server {
	struct dhcp_server_config cfg;
	uint32_t lease_time;      /* seconds, never 0 */
	uint32_t net_h, mask_h;   /* host order */
	uint32_t first_h;
	uint32_t n_slots;
	dhcp_lease_cb cb;
	void *cb_opaque;
	struct dhcp_counters ctr;
	struct log_ratelimit rl, rl_pxe;
	uint32_t n_restored;      /* slots with restored set */
	struct dhcp_slot slots[];
};

/* One parsed client message; points into nothing after dhcp_parse returns. */
struct dhcp_req {
	uint8_t xid[4];
	uint16_t flags;           /* host order */
	struct in_addr ciaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t type;             /* option 53 */
	bool has_reqip, has_sid;
	struct in_addr reqip, sid;
	struct client_key key;
	char hostname[64];
	bool pxe;                 /* option 60 starts with "PXEClient" */
	bool has_arch;
	uint16_t arch;            /* option 93, first entry */
	uint8_t uuid_len;         /* option 97, echoed to PXE clients */
	uint8_t uuid[17];
};

/* ---- configuration ------------------------------------------------------ */

int dhcp_dns_name_encode(const char *name, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	const char *p = name;
	int rc = -EINVAL;

	if (!*p)
		goto out;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63)
			goto out;
		if (n + 1 + l + 1 > 255) /* + the root label still to come */
			goto out;
		if (n + 1 + l > cap) {
			rc = -ENOSPC;
			goto out;
		}
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, p, l);
		n += l;
		if (!dot)
			break;
		p = dot + 1; /* a trailing dot leaves *p == '\0' */
	}
	if (n + 1 > cap) {
		rc = -ENOSPC;
		goto out;
	}
	buf[n++] = 0;
	rc = (int)n;
out:
	return rc;
}

static bool str_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static struct in_addr dhcp_next_server(const struct dhcp_server_config *c)
{
	return c->next_server.s_addr ? c->next_server : c->server_id;
}

/*
 * Checks cfg and returns the worst-case size of the options of an ACK, or
 * -EINVAL. Whole replies must fit DHCP_REPLY_MAX (576) bytes; note that
 * RFC 2131 only promises 548 (a 576-byte IP datagram), which a typical
 * configuration (a few DNS servers and search domains) stays well below.
 */
static int cfg_validate(const struct dhcp_server_config *c)
{
	uint32_t net = ntohl(c->network.s_addr), mask = ntohl(c->netmask.s_addr);
	uint32_t first = ntohl(c->range_first.s_addr);
	uint32_t last = ntohl(c->range_last.s_addr);
	uint32_t bcast = net | ~mask;
	uint8_t tmp[256];
	size_t opts = 0, search_len = 0;
	int rc = -EINVAL;
	unsigned i;

	if (mask == 0 || ((~mask + 1) & ~mask) != 0 || (~mask) < 3)
		goto out; /* not contiguous, or shorter than /30 needs */
	if ((net & ~mask) != 0)
		goto out;
	if ((first & mask) != net || (last & mask) != net || first > last)
		goto out;
	if (first == net || last == bcast)
		goto out;
	if (last - first >= DHCP_MAX_SLOTS)
		goto out;
	if (c->server_id.s_addr == 0)
		goto out;
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

struct dhcp_server *dhcp_server_new(const struct dhcp_server_config *cfg)
{
	struct dhcp_server *s = NULL;
	uint32_t n;

	if (!cfg || cfg_validate(cfg) < 0)
		goto out;
	n = ntohl(cfg->range_last.s_addr) - ntohl(cfg->range_first.s_addr) + 1;
	s = calloc(1, sizeof(*s) + (size_t)n * sizeof(s->slots[0]));
	if (!s)
		goto out;
	s->cfg = *cfg;
	s->lease_time = cfg->lease_time ? cfg->lease_time : DHCP_DEFAULT_LEASE;
	s->net_h = ntohl(cfg->network.s_addr);
	s->mask_h = ntohl(cfg->netmask.s_addr);
	s->first_h = ntohl(cfg->range_first.s_addr);
	s->n_slots = n;
out:
	return s;
}

void dhcp_server_free(struct dhcp_server *s)
{
	free(s);
}

int dhcp_server_reconfigure(struct dhcp_server *s, const struct dhcp_server_config *cfg)
{
	int rc = -EINVAL;

	if (!s || !cfg || cfg_validate(cfg) < 0)
		goto out;
	if (cfg->network.s_addr != s->cfg.network.s_addr ||
	    cfg->netmask.s_addr != s->cfg.netmask.s_addr ||
	    cfg->range_first.s_addr != s->cfg.range_first.s_addr ||
	    cfg->range_last.s_addr != s->cfg.range_last.s_addr)
		goto out;
	s->cfg = *cfg;
	s->lease_time = cfg->lease_time ? cfg->lease_time : DHCP_DEFAULT_LEASE;
	rc = 0;
out:
	return rc;
}

void dhcp_server_set_lease_cb(struct dhcp_server *s, dhcp_lease_cb cb, void *opaque)
{
	s->cb = cb;
	s->cb_opaque = opaque;
}

void dhcp_server_get_counters(const struct dhcp_server *s, struct dhcp_counters *c)
{
	*c = s->ctr;
}

/* ---- lease table ---------------------------------------------------------- */

static uint32_t slot_addr_h(const struct dhcp_server *s, uint32_t idx)
{
	return s->first_h + idx;
}

/* Index of the slot for addr (network order), or -1 outside the range. */
static int slot_of(const struct dhcp_server *s, struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	if (a < s->first_h || a - s->first_h >= s->n_slots)
		return -1;
	return (int)(a - s->first_h);
}

static bool in_network(const struct dhcp_server *s, struct in_addr addr)
{
	return (ntohl(addr.s_addr) & s->mask_h) == s->net_h;
}

/* Addresses of the server itself that happen to lie in the range. */
static bool addr_reserved(const struct dhcp_server *s, uint32_t idx)
{
	uint32_t a = htonl(slot_addr_h(s, idx));
	unsigned i;

	if (a == s->cfg.server_id.s_addr || a == s->cfg.router.s_addr)
		return true;
	for (i = 0; i < s->cfg.n_dns; i++)
		if (a == s->cfg.dns[i].s_addr)
			return true;
	if (s->cfg.boot_file[0] && a == dhcp_next_server(&s->cfg).s_addr)
		return true;
	return false;
}

static bool key_eq(const struct client_key *a, const struct client_key *b)
{
	return a->kind != KEY_NONE && a->kind == b->kind && a->len == b->len &&
	       memcmp(a->b, b->b, a->len) == 0;
}

static void lease_info(const struct dhcp_server *s, uint32_t idx,
		       struct dhcp_lease_info *li)
{
	const struct dhcp_slot *sl = &s->slots[idx];

	memset(li, 0, sizeof(*li));
	li->addr.s_addr = htonl(slot_addr_h(s, idx));
	memcpy(li->mac, sl->mac, sizeof(li->mac));
	memcpy(li->hostname, sl->hostname, sizeof(li->hostname));
	li->hostname[sizeof(li->hostname) - 1] = '\0';
	li->expires_ms = sl->expires_ms;
	li->bound = sl->state == SLOT_BOUND;
}

static void emit(struct dhcp_server *s, enum dhcp_lease_event_kind ev, uint32_t idx)
{
	struct dhcp_lease_info li;

	if (!s->cb)
		return;
	lease_info(s, idx, &li);
	s->cb(s->cb_opaque, ev, &li);
}

/* Moves run-out offers, leases and declines on (see the top comment). */
static void expire_scan(struct dhcp_server *s, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		struct dhcp_slot *sl = &s->slots[i];

		if (sl->state == SLOT_FREE || now < sl->expires_ms)
			continue;
		switch (sl->state) {
		case SLOT_OFFERED:
			sl->state = SLOT_FREE; /* remembers the client */
			break;
		case SLOT_BOUND:
			emit(s, DHCP_EV_EXPIRED, i);
			sl->state = SLOT_FREE;
			break;
		case SLOT_DECLINED:
			sl->state = SLOT_FREE;
			sl->key.kind = KEY_NONE;
			break;
		}
	}
}

/*
 * The client's slot: its offered or bound one, else a free one it held last.
 * Returns the index or -1.
 */
static int find_client(const struct dhcp_server *s, const struct client_key *k)
{
	int remembered = -1;
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if (!key_eq(&sl->key, k))
			continue;
		if (sl->state == SLOT_OFFERED || sl->state == SLOT_BOUND)
			return (int)i;
		if (sl->state == SLOT_FREE && remembered < 0 && !addr_reserved(s, i))
			remembered = (int)i;
	}
	return remembered;
}

static bool slot_usable_by(const struct dhcp_server *s, int idx,
			   const struct client_key *k)
{
	const struct dhcp_slot *sl;

	if (idx < 0 || addr_reserved(s, (uint32_t)idx))
		return false;
	sl = &s->slots[idx];
	if (sl->state == SLOT_FREE)
		return true;
	return (sl->state == SLOT_OFFERED || sl->state == SLOT_BOUND) &&
	       key_eq(&sl->key, k);
}

/* Lowest never-used free address, else the free one released longest ago. */
static int alloc_free(const struct dhcp_server *s)
{
	int reclaim = -1;
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if (sl->state != SLOT_FREE || addr_reserved(s, i))
			continue;
		if (sl->key.kind == KEY_NONE)
			return (int)i;
		if (reclaim < 0 || sl->expires_ms < s->slots[reclaim].expires_ms)
			reclaim = (int)i;
	}
	return reclaim;
}

static void slot_take(struct dhcp_slot *sl, const struct dhcp_req *r)
{
	sl->key = r->key;
	memcpy(sl->mac, r->chaddr, sizeof(sl->mac));
	if (r->hostname[0] || sl->state == SLOT_FREE)
		memcpy(sl->hostname, r->hostname, sizeof(sl->hostname));
}

/* Binds slot idx to the client of r, dropping any other slot it held. */
static void bind_slot(struct dhcp_server *s, uint32_t idx, const struct dhcp_req *r,
		      uint64_t now)
{
	struct dhcp_slot *sl = &s->slots[idx];
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		struct dhcp_slot *o = &s->slots[i];

		if (i == idx || !key_eq(&o->key, &r->key))
			continue;
		if (o->state == SLOT_BOUND)
			emit(s, DHCP_EV_RELEASED, i);
		if (o->state == SLOT_OFFERED || o->state == SLOT_BOUND ||
		    o->state == SLOT_FREE) {
			o->state = SLOT_FREE;
			o->key.kind = KEY_NONE;
		}
	}
	slot_take(sl, r);
	sl->state = SLOT_BOUND;
	sl->expires_ms = now + (uint64_t)s->lease_time * 1000u;
	emit(s, DHCP_EV_BOUND, idx);
}

int dhcp_server_lease_by_mac(const struct dhcp_server *s, const uint8_t mac[6],
			     uint64_t now_ms, struct dhcp_lease_info *out)
{
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if (sl->state != SLOT_BOUND || now_ms >= sl->expires_ms ||
		    memcmp(sl->mac, mac, 6) != 0)
			continue;
		if (out)
			lease_info(s, i, out);
		return 1;
	}
	return 0;
}

int dhcp_server_foreach_lease(const struct dhcp_server *s,
			      int (*fn)(void *opaque, const struct dhcp_lease_info *l),
			      void *opaque)
{
	struct dhcp_lease_info li;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < s->n_slots; i++) {
		uint8_t st = s->slots[i].state;

		if (st != SLOT_OFFERED && st != SLOT_BOUND)
			continue;
		lease_info(s, i, &li);
		rc = fn(opaque, &li);
		if (rc)
			break;
	}
	return rc;
}

int dhcp_server_add_lease(struct dhcp_server *s, const struct dhcp_lease_info *l)
{
	struct dhcp_slot *sl;
	int idx = slot_of(s, l->addr);
	int rc = -ERANGE;
	uint32_t i;

	if (idx < 0 || addr_reserved(s, (uint32_t)idx))
		goto out;
	rc = -EEXIST;
	sl = &s->slots[idx];
	if (sl->state != SLOT_FREE)
		goto out;
	for (i = 0; i < s->n_slots; i++)
		if (s->slots[i].state == SLOT_BOUND &&
		    memcmp(s->slots[i].mac, l->mac, 6) == 0)
			goto out;
	sl->state = SLOT_BOUND;
	sl->key.kind = KEY_CHADDR;
	sl->key.len = 6;
	memcpy(sl->key.b, l->mac, 6);
	memcpy(sl->mac, l->mac, 6);
	memcpy(sl->hostname, l->hostname, sizeof(sl->hostname));
	sl->hostname[sizeof(sl->hostname) - 1] = '\0';
	sl->expires_ms = l->expires_ms;
	sl->restored = true;
	s->n_restored++;
	rc = 0;
out:
	return rc;
}

/*
 * A lease restored from disk knows only the client's MAC, but the client may
 * identify itself by option 61: the first message from that MAC tells which
 * key it really uses, and the slot takes it.
 */
static void adopt_restored(struct dhcp_server *s, const struct dhcp_req *r)
{
	for (uint32_t i = 0; s->n_restored && i < s->n_slots; i++) {
		struct dhcp_slot *sl = &s->slots[i];

		if (!sl->restored || memcmp(sl->mac, r->chaddr, 6) != 0)
			continue;
		sl->restored = false;
		s->n_restored--;
		sl->key = r->key;
	}
}

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

/*
 * Parses a client message: BOOTP header, cookie, options walked with a
 * cursor and the bytes remaining. Returns 0, -EINVAL when truncated or
 * -EPROTO when not a DHCP request we understand.
 */
static int dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_req *r)
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
	for (size_t i = 0; i < sizeof(dhcp_archs) / sizeof(dhcp_archs[0]); i++)
		if (dhcp_archs[i].arch == arch)
			return dhcp_archs[i].name;
	return "unknown";
}

bool dhcp_arch_is_uefi(uint16_t arch)
{
	for (size_t i = 0; i < sizeof(dhcp_archs) / sizeof(dhcp_archs[0]); i++)
		if (dhcp_archs[i].arch == arch)
			return dhcp_archs[i].uefi;
	return false;
}

/* The boot file for this client: the UEFI one when it is UEFI and one is set. */
static const char *boot_file_for(const struct dhcp_server_config *c, const struct dhcp_req *r)
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

static void put_opt_u32(struct wbuf *w, uint8_t code, uint32_t v)
{
	uint32_t be = htonl(v);

	put_opt(w, code, &be, 4);
}

static void put_opt_addr(struct wbuf *w, uint8_t code, struct in_addr a)
{
	put_opt(w, code, &a, 4);
}

/* Option 119, split into several instances of at most 255 bytes (RFC 3396). */
static void put_search(struct wbuf *w, const struct dhcp_server_config *c)
{
	uint8_t enc[DHCP_MAX_SEARCH * 255];
	size_t n = 0, off;
	unsigned i;

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

/*
 * Builds a reply of type `type` to r into out. yiaddr is the address given
 * (0 for NAK and INFORM). Returns the length or -ENOSPC.
 */
static int build_reply(const struct dhcp_server *s, const struct dhcp_req *r,
		       uint8_t type, struct in_addr yiaddr, uint8_t *out,
		       size_t outcap)
{
	const struct dhcp_server_config *c = &s->cfg;
	struct wbuf w = { out, 0, outcap < DHCP_REPLY_MAX ? outcap : DHCP_REPLY_MAX, false };
	uint8_t hdr[BOOTP_OFF_OPTIONS];
	bool boot = c->boot_file[0] && type != DHCPNAK;
	const char *file = boot_file_for(c, r);
	int rc = -ENOSPC;

	memset(hdr, 0, sizeof(hdr));
	hdr[BOOTP_OFF_OP] = BOOTREPLY;
	hdr[BOOTP_OFF_HTYPE] = 1;
	hdr[BOOTP_OFF_HLEN] = 6;
	memcpy(hdr + BOOTP_OFF_XID, r->xid, 4);
	hdr[BOOTP_OFF_FLAGS] = (uint8_t)(r->flags >> 8);
	hdr[BOOTP_OFF_FLAGS + 1] = (uint8_t)r->flags;
	if (type == DHCPACK)
		memcpy(hdr + BOOTP_OFF_CIADDR, &r->ciaddr, 4);
	memcpy(hdr + BOOTP_OFF_YIADDR, &yiaddr, 4);
	if (boot) {
		struct in_addr ns = dhcp_next_server(c);

		memcpy(hdr + BOOTP_OFF_SIADDR, &ns, 4);
		memcpy(hdr + BOOTP_OFF_FILE, file, strlen(file));
	}
	memcpy(hdr + BOOTP_OFF_GIADDR, &r->giaddr, 4);
	memcpy(hdr + BOOTP_OFF_CHADDR, r->chaddr, sizeof(r->chaddr));
	hdr[BOOTP_OFF_COOKIE] = DHCP_COOKIE0;
	hdr[BOOTP_OFF_COOKIE + 1] = DHCP_COOKIE1;
	hdr[BOOTP_OFF_COOKIE + 2] = DHCP_COOKIE2;
	hdr[BOOTP_OFF_COOKIE + 3] = DHCP_COOKIE3;
	put(&w, hdr, sizeof(hdr));

	put_opt(&w, DHO_MSG_TYPE, &type, 1);
	put_opt_addr(&w, DHO_SERVER_ID, c->server_id);
	if (type != DHCPNAK) {
		struct in_addr bc = { htonl(s->net_h | ~s->mask_h) };

		if (yiaddr.s_addr != 0) { /* OFFER and ACK of a lease, not INFORM */
			put_opt_u32(&w, DHO_LEASE_TIME, s->lease_time);
			put_opt_u32(&w, DHO_T1, s->lease_time / 2);
			put_opt_u32(&w, DHO_T2, (uint32_t)((uint64_t)s->lease_time * 7 / 8));
		}
		put_opt_addr(&w, DHO_SUBNET_MASK, c->netmask);
		if (c->router.s_addr)
			put_opt_addr(&w, DHO_ROUTER, c->router);
		if (c->n_dns)
			put_opt(&w, DHO_DNS, c->dns, 4 * (size_t)c->n_dns);
		if (c->domain[0])
			put_opt(&w, DHO_DOMAIN_NAME, c->domain, strlen(c->domain));
		if (c->n_search)
			put_search(&w, c);
		put_opt_addr(&w, DHO_BROADCAST, bc);
		if (c->mtu != 0 && c->mtu != 1500) {
			uint8_t mtu[2] = { (uint8_t)(c->mtu >> 8), (uint8_t)c->mtu };

			put_opt(&w, DHO_MTU, mtu, 2);
		}
		if (boot) {
			char ns[INET_ADDRSTRLEN];
			struct in_addr nsa = dhcp_next_server(c);

			inet_ntop(AF_INET, &nsa, ns, sizeof(ns));
			put_opt(&w, DHO_TFTP_SERVER, ns, strlen(ns));
			put_opt(&w, DHO_BOOTFILE, file, strlen(file));
		}
		if (boot && r->pxe) {
			static const uint8_t pxe_opts[] = {
				PXE_DISCOVERY_CONTROL, 1, PXE_DISCOVERY_BOOTFILE_ONLY, DHO_END
			};

			put_opt(&w, DHO_VENDOR_CLASS, PXE_VENDOR_CLASS, strlen(PXE_VENDOR_CLASS));
			put_opt(&w, DHO_VENDOR_OPTS, pxe_opts, sizeof(pxe_opts));
			if (r->uuid_len)
				put_opt(&w, DHO_CLIENT_UUID, r->uuid, r->uuid_len);
		}
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
static void set_dest(const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
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

/* ---- message handlers ----------------------------------------------- */

/* Result of a handler: what to send, if anything. */
struct verdict {
	uint8_t type;            /* 0: nothing */
	struct in_addr yiaddr;
};

static void handle_discover(struct dhcp_server *s, const struct dhcp_req *r,
			    uint64_t now, struct verdict *v)
{
	struct dhcp_slot *sl;
	int idx;

	s->ctr.discovers++;
	idx = find_client(s, &r->key);
	if (idx < 0 && r->has_reqip) {
		int want = slot_of(s, r->reqip);

		if (slot_usable_by(s, want, &r->key))
			idx = want;
	}
	if (idx < 0)
		idx = alloc_free(s);
	if (idx < 0) {
		s->ctr.pool_exhausted++;
		log_ratelimited(&s->rl, LOG_LVL_WARN, "dhcp: address pool exhausted");
		return;
	}
	sl = &s->slots[idx];
	if (sl->state != SLOT_BOUND) {
		slot_take(sl, r);
		sl->state = SLOT_OFFERED;
		sl->expires_ms = now + DHCP_OFFER_HOLD_MS;
	} else {
		slot_take(sl, r);
	}
	v->type = DHCPOFFER;
	v->yiaddr.s_addr = htonl(slot_addr_h(s, (uint32_t)idx));
}

static void handle_request(struct dhcp_server *s, const struct dhcp_req *r,
			   uint64_t now, struct verdict *v)
{
	struct in_addr want;
	int idx;

	s->ctr.requests++;
	if (r->has_sid) {
		/* SELECTING */
		if (r->sid.s_addr != s->cfg.server_id.s_addr) {
			idx = find_client(s, &r->key);
			if (idx >= 0 && s->slots[idx].state == SLOT_OFFERED) {
				s->slots[idx].state = SLOT_FREE;
				s->slots[idx].key.kind = KEY_NONE;
			}
			s->ctr.ignored++;
			return;
		}
		want = r->has_reqip ? r->reqip : r->ciaddr;
	} else if (r->ciaddr.s_addr != 0) {
		/* RENEWING / REBINDING: only the client's own lease */
		want = r->ciaddr;
		idx = slot_of(s, want);
		if (idx >= 0 && key_eq(&s->slots[idx].key, &r->key) &&
		    (s->slots[idx].state == SLOT_BOUND ||
		     s->slots[idx].state == SLOT_FREE) &&
		    !addr_reserved(s, (uint32_t)idx))
			goto ack;
		v->type = DHCPNAK;
		return;
	} else if (r->has_reqip) {
		/* INIT-REBOOT */
		want = r->reqip;
		if (!in_network(s, want)) {
			v->type = DHCPNAK;
			return;
		}
	} else {
		s->ctr.ignored++;
		return;
	}

	idx = slot_of(s, want);
	if (!slot_usable_by(s, idx, &r->key)) {
		v->type = DHCPNAK;
		return;
	}
ack:
	bind_slot(s, (uint32_t)idx, r, now);
	v->type = DHCPACK;
	v->yiaddr = want;
}

static void handle_decline(struct dhcp_server *s, const struct dhcp_req *r,
			   uint64_t now)
{
	struct dhcp_slot *sl;
	int idx;

	s->ctr.declines++;
	idx = r->has_reqip ? slot_of(s, r->reqip) : -1;
	if (idx < 0 || (r->has_sid && r->sid.s_addr != s->cfg.server_id.s_addr))
		goto ignore;
	sl = &s->slots[idx];
	if ((sl->state != SLOT_OFFERED && sl->state != SLOT_BOUND) ||
	    !key_eq(&sl->key, &r->key))
		goto ignore;
	sl->state = SLOT_DECLINED;
	sl->expires_ms = now + DHCP_DECLINE_HOLD_MS;
	emit(s, DHCP_EV_DECLINED, (uint32_t)idx);
	sl->key.kind = KEY_NONE;
	return;
ignore:
	s->ctr.ignored++;
}

static void handle_release(struct dhcp_server *s, const struct dhcp_req *r,
			   uint64_t now)
{
	struct dhcp_slot *sl;
	int idx;

	s->ctr.releases++;
	idx = slot_of(s, r->ciaddr);
	if (idx < 0)
		goto ignore;
	sl = &s->slots[idx];
	if (sl->state != SLOT_BOUND || !key_eq(&sl->key, &r->key))
		goto ignore;
	emit(s, DHCP_EV_RELEASED, (uint32_t)idx);
	sl->state = SLOT_FREE; /* remembers the client, see alloc_free() */
	sl->expires_ms = now;
	return;
ignore:
	s->ctr.ignored++;
}

int dhcp_server_input(struct dhcp_server *s, const uint8_t *pkt, size_t len,
		      uint64_t now_ms, uint8_t *out, size_t outcap,
		      struct dhcp_reply_dest *dest)
{
	struct dhcp_req r;
	struct verdict v = { 0, { 0 } };
	int rc;

	s->ctr.received++;
	rc = dhcp_parse(pkt, len, &r);
	if (rc < 0) {
		s->ctr.malformed++;
		log_ratelimited(&s->rl, LOG_LVL_DEBUG,
				"dhcp: malformed message (%zu bytes): %s", len,
				strerror(-rc));
		goto out;
	}
	expire_scan(s, now_ms);
	if (s->n_restored)
		adopt_restored(s, &r);
	if (r.pxe)
		s->ctr.pxe_clients++;

	switch (r.type) {
	case DHCPDISCOVER:
		handle_discover(s, &r, now_ms, &v);
		break;
	case DHCPREQUEST:
		handle_request(s, &r, now_ms, &v);
		break;
	case DHCPDECLINE:
		handle_decline(s, &r, now_ms);
		break;
	case DHCPRELEASE:
		handle_release(s, &r, now_ms);
		break;
	case DHCPINFORM:
		s->ctr.informs++;
		v.type = DHCPACK;
		break;
	default:
		s->ctr.ignored++;
		break;
	}
	rc = 0;
	if (v.type == 0)
		goto out;
	rc = build_reply(s, &r, v.type, v.yiaddr, out, outcap);
	if (rc < 0)
		goto out;
	set_dest(&r, v.type, v.yiaddr, dest);
	if (s->cfg.boot_file[0] && (r.pxe || r.has_arch) &&
	    (v.type == DHCPOFFER || v.type == DHCPACK)) {
		char sid[INET_ADDRSTRLEN], arch[48];

		inet_ntop(AF_INET, &s->cfg.server_id, sid, sizeof(sid));
		if (r.has_arch)
			snprintf(arch, sizeof(arch), "%u (%s)", r.arch, dhcp_arch_name(r.arch));
		else
			snprintf(arch, sizeof(arch), "not sent");
		log_ratelimited(&s->rl_pxe, LOG_LVL_INFO, "dhcp %s: %s to PXE client "
				"%02x:%02x:%02x:%02x:%02x:%02x, architecture %s: boot file %s",
				sid, v.type == DHCPOFFER ? "OFFER" : "ACK", r.chaddr[0],
				r.chaddr[1], r.chaddr[2], r.chaddr[3], r.chaddr[4], r.chaddr[5],
				arch, boot_file_for(&s->cfg, &r));
	}
	switch (v.type) {
	case DHCPOFFER:
		s->ctr.offers++;
		break;
	case DHCPACK:
		s->ctr.acks++;
		break;
	case DHCPNAK:
		s->ctr.naks++;
		break;
	}
out:
	return rc;
}

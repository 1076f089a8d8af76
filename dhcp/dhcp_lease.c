/* SPDX-License-Identifier: MIT */
/*
 * dhcp_lease.c - the lease table of natd's DHCPv4 server (dhcp_server.h)
 * and the message handlers that move leases in it; dhcp_server.c feeds them
 * parsed messages and dhcp_msg.c turns their verdicts into replies.
 *
 * Theory of operation
 * -------------------
 * The table has one slot per address of [range_first, range_last], then
 * DHCP_MAX_FIXED extra slots: one per fixed address outside the range
 * (extra_h[i] is the address of slot n_range + i, 0 for an unused one). An
 * extra slot keeps its index while its address stays fixed, so that
 * reconfiguring moves nothing. A slot whose address is fixed for a MAC
 * (inside or outside the range) has `fixed` set to 1 + the index of that
 * entry of cfg.fixed; only a client with that chaddr ever gets it, and the
 * pool never hands it out.
 *
 * A slot is FREE, OFFERED (held ~60 s for the client that was offered it),
 * BOUND (until the lease runs out) or DECLINED (unusable for 10 minutes).
 * A FREE slot may remember the client that last held it (released or
 * expired): that client gets it back first, and other clients only take it
 * once no never-used address is left (oldest first).
 *
 * Clients are keyed by option 61 (client identifier) when present, else by
 * chaddr (by chaddr alone with key_by_mac: dhcp_server_input() makes the
 * key); fixed addresses go by chaddr alone. Expiry is noticed lazily: each
 * input first scans the table and moves run-out slots on, reporting
 * DHCP_EV_EXPIRED for bound ones.
 *
 * Addresses inside the range that the server itself uses (server id,
 * router, DNS, next server) are never handed out from the pool (a fixed
 * entry may still name them).
 *
 * natd is the only DHCP server on the guest's virtual link, so it is
 * authoritative: an INIT-REBOOT request for an address in our network that
 * we cannot give the client gets a NAK (not silence), so the guest falls
 * back to DISCOVER at once.
 */
#include "dhcp/dhcp_internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <string.h>

#define DHCP_OFFER_HOLD_MS   (60u * 1000u)
#define DHCP_DECLINE_HOLD_MS (10u * 60u * 1000u)

/* ---- slots ---------------------------------------------------------------- */

static uint32_t slot_addr_h(const struct dhcp_server *s, uint32_t idx)
{
	return idx < s->n_range ? s->first_h + idx : s->extra_h[idx - s->n_range];
}

/* Index of the slot for addr (network order), or -1 when it has none. */
static int slot_of(const struct dhcp_server *s, struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	if (a >= s->first_h && a - s->first_h < s->n_range)
		return (int)(a - s->first_h);
	for (uint32_t i = 0; a != 0 && i < DHCP_MAX_FIXED; i++)
		if (s->extra_h[i] == a)
			return (int)(s->n_range + i);
	return -1;
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
	if (s->cfg.boot_file[0] && a == dhcp_msg_next_server(&s->cfg).s_addr)
		return true;
	return false;
}

/* Whether the pool may hand out slot idx: in the range, neither the
 * server's own address nor fixed for someone. */
static bool slot_pooled(const struct dhcp_server *s, uint32_t idx)
{
	return idx < s->n_range && !s->slots[idx].fixed && !addr_reserved(s, idx);
}

/* Whether slot idx is fixed for the MAC mac. */
static bool fixed_for(const struct dhcp_server *s, uint32_t idx, const uint8_t *mac)
{
	uint8_t f = s->slots[idx].fixed;

	return f && memcmp(s->cfg.fixed[f - 1].mac, mac, 6) == 0;
}

/* The slot of the address fixed for mac, or -1 when mac has none. */
static int fixed_slot(const struct dhcp_server *s, const uint8_t *mac)
{
	for (unsigned i = 0; i < s->cfg.n_fixed; i++)
		if (memcmp(s->cfg.fixed[i].mac, mac, 6) == 0)
			return slot_of(s, s->cfg.fixed[i].addr);
	return -1;
}

static bool key_eq(const struct dhcp_client_key *a, const struct dhcp_client_key *b)
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

/* Forgets slot idx's client; a bound lease is reported as released. */
static void slot_drop(struct dhcp_server *s, uint32_t idx)
{
	struct dhcp_slot *sl = &s->slots[idx];

	if (sl->state == SLOT_BOUND)
		emit(s, DHCP_EV_RELEASED, idx);
	if (sl->restored) {
		sl->restored = false;
		s->n_restored--;
	}
	if (sl->state != SLOT_DECLINED)
		sl->state = SLOT_FREE;
	sl->key.kind = KEY_NONE;
}

void dhcp_lease_map_fixed(struct dhcp_server *s)
{
	const struct dhcp_server_config *c = &s->cfg;
	uint32_t i, j;
	unsigned f;

	/* Extra slots whose address is no longer fixed go. */
	for (i = 0; i < DHCP_MAX_FIXED; i++) {
		struct in_addr a = { htonl(s->extra_h[i]) };

		if (!s->extra_h[i])
			continue;
		for (f = 0; f < c->n_fixed && c->fixed[f].addr.s_addr != a.s_addr; f++)
			;
		if (f < c->n_fixed)
			continue;
		slot_drop(s, s->n_range + i);
		memset(&s->slots[s->n_range + i], 0, sizeof(s->slots[0]));
		s->extra_h[i] = 0;
	}
	/* New fixed addresses outside the range get a free extra slot. */
	for (f = 0; f < c->n_fixed; f++) {
		if (slot_of(s, c->fixed[f].addr) >= 0)
			continue;
		for (j = 0; j < DHCP_MAX_FIXED && s->extra_h[j]; j++)
			;
		assert(j < DHCP_MAX_FIXED); /* n_fixed <= DHCP_MAX_FIXED, checked */
		memset(&s->slots[s->n_range + j], 0, sizeof(s->slots[0]));
		s->extra_h[j] = ntohl(c->fixed[f].addr.s_addr);
	}
	for (i = 0; i < s->n_slots; i++)
		s->slots[i].fixed = 0;
	for (f = 0; f < c->n_fixed; f++)
		s->slots[slot_of(s, c->fixed[f].addr)].fixed = (uint8_t)(f + 1);
	/* Another client's lease, offer or memory of a now fixed address goes. */
	for (i = 0; i < s->n_slots; i++) {
		struct dhcp_slot *sl = &s->slots[i];

		if (sl->fixed && sl->key.kind != KEY_NONE && !fixed_for(s, i, sl->mac))
			slot_drop(s, i);
	}
}

/* Moves run-out offers, leases and declines on (see the top comment). */
void dhcp_lease_expire(struct dhcp_server *s, uint64_t now)
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
 * The slot of r's client: its offered or bound one, else a free one it held
 * last. Never a slot fixed for another MAC. Returns the index or -1.
 */
static int find_client(const struct dhcp_server *s, const struct dhcp_req *r)
{
	int remembered = -1;
	uint32_t i;

	for (i = 0; i < s->n_slots; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if (!key_eq(&sl->key, &r->key))
			continue;
		if (sl->fixed && !fixed_for(s, i, r->chaddr))
			continue;
		if (sl->state == SLOT_OFFERED || sl->state == SLOT_BOUND)
			return (int)i;
		if (sl->state == SLOT_FREE && remembered < 0 && slot_pooled(s, i))
			remembered = (int)i;
	}
	return remembered;
}

/* Whether r's client may have slot idx (requested by it). */
static bool slot_usable_by(const struct dhcp_server *s, int idx, const struct dhcp_req *r)
{
	const struct dhcp_slot *sl;

	if (idx < 0)
		return false;
	sl = &s->slots[idx];
	if (sl->fixed) /* only its MAC ever holds it */
		return fixed_for(s, (uint32_t)idx, r->chaddr) && sl->state != SLOT_DECLINED;
	if (!slot_pooled(s, (uint32_t)idx))
		return false;
	if (sl->state == SLOT_FREE)
		return true;
	return (sl->state == SLOT_OFFERED || sl->state == SLOT_BOUND) &&
	       key_eq(&sl->key, &r->key);
}

/* Lowest never-used free address, else the free one released longest ago. */
static int alloc_free(const struct dhcp_server *s)
{
	int reclaim = -1;
	uint32_t i;

	for (i = 0; i < s->n_range; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if (sl->state != SLOT_FREE || !slot_pooled(s, i))
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
	sl->port = r->port;
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

	if (idx < 0)
		goto out;
	sl = &s->slots[idx];
	if (!sl->fixed && !slot_pooled(s, (uint32_t)idx))
		goto out;
	rc = -EEXIST;
	if (sl->fixed && !fixed_for(s, (uint32_t)idx, l->mac))
		goto out;
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
	sl->port = DHCP_PORT_ANY; /* counted for no port until its client asks */
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
void dhcp_lease_adopt_restored(struct dhcp_server *s, const struct dhcp_req *r)
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

/*
 * Whether r's port already holds its limit of offers and leases for other
 * clients, so that a new client of r's may have none (counted and logged).
 * Its declines count while held back: else DISCOVER + DECLINE from ever new
 * MACs would take the whole pool out of use. */
static bool port_full(struct dhcp_server *s, const struct dhcp_req *r)
{
	unsigned n = 0;

	if (!s->port_leases || r->port == DHCP_PORT_ANY)
		return false;
	for (uint32_t i = 0; i < s->n_slots && n < s->port_leases; i++) {
		const struct dhcp_slot *sl = &s->slots[i];

		if ((sl->state == SLOT_OFFERED || sl->state == SLOT_BOUND ||
		     sl->state == SLOT_DECLINED) &&
		    sl->port == r->port && !key_eq(&sl->key, &r->key))
			n++;
	}
	if (n < s->port_leases)
		return false;
	s->ctr.port_limit++;
	log_ratelimited(&s->rl, LOG_LVL_WARN, "dhcp: %02x:%02x:%02x:%02x:%02x:%02x refused: its "
			"port holds %u leases and offers already", r->chaddr[0], r->chaddr[1],
			r->chaddr[2], r->chaddr[3], r->chaddr[4], r->chaddr[5], s->port_leases);
	return true;
}

/* ---- message handlers ----------------------------------------------- */

void dhcp_lease_discover(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now,
			 struct dhcp_verdict *v)
{
	struct dhcp_slot *sl;
	int idx = fixed_slot(s, r->chaddr);

	s->ctr.discovers++;
	if (idx >= 0) {
		if (s->slots[idx].state == SLOT_DECLINED) {
			s->ctr.ignored++;
			log_ratelimited(&s->rl, LOG_LVL_WARN, "dhcp: the fixed address of "
					"%02x:%02x:%02x:%02x:%02x:%02x was declined (in use?)",
					r->chaddr[0], r->chaddr[1], r->chaddr[2],
					r->chaddr[3], r->chaddr[4], r->chaddr[5]);
			return;
		}
		goto offer;
	}
	idx = find_client(s, r);
	/* A client with nothing here yet: is its port at its limit? (One
	 * it held before, still remembered in a free slot, is new too.) */
	if ((idx < 0 || s->slots[idx].state == SLOT_FREE) && port_full(s, r))
		return;
	if (idx < 0 && r->has_reqip) {
		int want = slot_of(s, r->reqip);

		if (slot_usable_by(s, want, r))
			idx = want;
	}
	if (idx < 0)
		idx = alloc_free(s);
	if (idx < 0) {
		s->ctr.pool_exhausted++;
		log_ratelimited(&s->rl, LOG_LVL_WARN, "dhcp: address pool exhausted");
		return;
	}
offer:
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

void dhcp_lease_request(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now,
			struct dhcp_verdict *v)
{
	int fixed = fixed_slot(s, r->chaddr);
	struct in_addr want;
	int idx;

	s->ctr.requests++;
	if (r->has_sid) {
		/* SELECTING */
		if (r->sid.s_addr != s->cfg.server_id.s_addr) {
			idx = find_client(s, r);
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
		if (fixed >= 0 ? idx == fixed && slot_usable_by(s, idx, r) :
		    idx >= 0 && key_eq(&s->slots[idx].key, &r->key) &&
		    (s->slots[idx].state == SLOT_BOUND ||
		     s->slots[idx].state == SLOT_FREE) &&
		    slot_pooled(s, (uint32_t)idx))
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
	if ((fixed >= 0 && idx != fixed) || !slot_usable_by(s, idx, r)) {
		v->type = DHCPNAK;
		return;
	}
	/* Binding an address the client does not hold (INIT-REBOOT, an offer
	 * that ran out) makes a new lease: its port's limit applies. */
	if (fixed < 0 && s->slots[idx].state == SLOT_FREE) {
		int held = find_client(s, r);

		if ((held < 0 || s->slots[held].state == SLOT_FREE) && port_full(s, r)) {
			v->type = DHCPNAK;
			return;
		}
	}
ack:
	bind_slot(s, (uint32_t)idx, r, now);
	v->type = DHCPACK;
	v->yiaddr = want;
}

void dhcp_lease_decline(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now)
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

void dhcp_lease_release(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now)
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

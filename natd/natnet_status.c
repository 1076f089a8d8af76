/* SPDX-License-Identifier: MIT */
/*
 * natnet_status.c - printing a running NAT network's status (see
 * natnet_status.h) for `natd natnetwork list`.
 */
#include "natd/natnet_status.h"

#include <stdio.h>

static long long num(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* Limits per VM and what each VM with flows uses of them. */
static void print_limits(json_t *status)
{
	json_t *fc = json_object_get(status, "flow_counters"), *guests, *g;
	size_t i;

	if (!json_is_object(fc))
		return;
	printf("Limits per VM: %lld TCP, %lld UDP, %lld ICMP flows; %lld TCP connects under "
	       "way; %lld DHCP leases per switch port\n",
	       num(fc, "tcp", "max_per_guest"), num(fc, "udp", "max_per_guest"),
	       num(fc, "icmp", "max_per_guest"), num(fc, "connecting_max_per_guest", NULL),
	       num(status, "dhcp", "leases_per_port"));
	guests = json_object_get(status, "guests");
	if (json_array_size(guests)) {
		printf("Flows per VM (switch port: TCP UDP ICMP, connecting, refused)\n");
		json_array_foreach(guests, i, g)
			printf("        port %lld: %lld %lld %lld, %lld, %lld\n", num(g, "port", NULL),
			       num(g, "tcp", NULL), num(g, "udp", NULL), num(g, "icmp", NULL),
			       num(g, "connecting", NULL), num(g, "refused", NULL));
	}
	printf("Refused:      %lld flows (a VM's share), %lld DHCP clients (a port's leases), "
	       "%lld flows (descriptors)\n", num(status, "drops", "guest_quota"),
	       num(status, "dhcp", "refused_port_limit"),
	       num(status, "drops", "descriptor_limit"));
	printf("Dropped:      %lld frames with another VM's leased address as source\n",
	       num(status, "source_spoofed", NULL));
}

void natnet_status_print(json_t *status)
{
	if (!status)
		return;
	json_t *leases = json_object_get(status, "leases");
	if (json_array_size(leases)) {
		size_t i;
		json_t *l;

		printf("DHCP leases\n");
		json_array_foreach(leases, i, l)
			printf("        %s %s%s%s\n",
			       json_string_value(json_object_get(l, "ip")) ?: "?",
			       json_string_value(json_object_get(l, "mac")) ?: "?",
			       json_string_value(json_object_get(l, "hostname")) &&
			       *json_string_value(json_object_get(l, "hostname")) ? " " : "",
			       json_string_value(json_object_get(l, "hostname")) ?: "");
		if (json_integer_value(json_object_get(status, "leases_total")) >
		    (json_int_t)json_array_size(leases))
			printf("        ... %lld in all\n", (long long)json_integer_value(
			       json_object_get(status, "leases_total")));
	}
	if (json_array_size(json_object_get(status, "ipv6_guests"))) {
		size_t i;
		json_t *g;

		printf("IPv6 guest addresses (most recently seen first)\n");
		json_array_foreach(json_object_get(status, "ipv6_guests"), i, g)
			printf("        %s\n", json_string_value(g) ?: "?");
	}
	print_limits(status);
}

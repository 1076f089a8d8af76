/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif_list.c - `natd list hostonlyifs`: host-only interfaces as
 * VBoxManage list hostonlyifs shows them (definition, the kernel's view of
 * the interface, the DHCP server, the uplink, the VMs on its switch), and
 * the same as data for `--json` / `--machinereadable`.
 */
#include "natd/cmd_hostonlyif.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "devices/hostif.h"
#include "natd/config.h"
#include "natd/hostonly.h"
#include "natd/hostonly_store.h"

static int load(struct hostonly_db *db, char *err, size_t errlen)
{
	char home[PATH_MAX];

	config_default_home(home, sizeof(home));
	return hostonly_db_load(db, home, false, err, errlen);
}

/* The DHCP server definition of interface name in db, or -1. */
static int find_dhcp(const struct hostonly_db *db, const char *name, struct dhcpsrv_def *probe)
{
	char err[256];

	if (dhcpsrv_def_init(probe, DHCPSRV_KIND_INTERFACE, name, err, sizeof(err)) < 0)
		return -1;
	return dhcpsrv_store_find(&db->ds, probe->network);
}

static void list_vms(const char *home, const char *name)
{
	json_t *st = NULL, *port;
	char err[512];
	size_t i;
	int n = 0;

	printf("VMs:             ");
	if (hostonly_status(home, name, &st, err, sizeof(err)) == 0) {
		json_array_foreach(json_object_get(st, "ports"), i, port) {
			const char *vm = json_string_value(json_object_get(port, "vm"));

			if (json_is_true(json_object_get(port, "host")) ||
			    json_is_true(json_object_get(port, "uplink")))
				continue;
			if (vm && vm[0])
				printf("%s%s (adapter %lld)", n++ ? ", " : "", vm, (long long)
				       json_integer_value(json_object_get(port, "adapter")));
			else
				printf("%sa VM connected directly", n++ ? ", " : "");
		}
	}
	json_decref(st);
	printf("%s\n", n ? "" : "none");
}

/* The uplink (natd hostonlyif modify --uplink) and, while the switch runs,
 * its state. */
static void list_uplink(const char *home, const struct hostonly_def *d)
{
	json_t *st = NULL, *u;
	char err[512];

	printf("Uplink:          %s", d->uplink[0] ? d->uplink : "none");
	if (d->uplink[0] && hostonly_status(home, d->name, &st, err, sizeof(err)) == 0 &&
	    json_is_object(u = json_object_get(st, "uplink")))
		printf(" (%s, via %s)", json_is_true(json_object_get(u, "up")) ? "up" : "down",
		       json_string_value(json_object_get(u, "transport")));
	printf("\n");
	json_decref(st);
}

static void list_one(const struct hostonly_db *db, const struct hostonly_def *d)
{
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN], err[512];
	struct dhcpsrv_def probe;
	struct hostif_state st;
	int k = hostif_query(d->name, &st, err, sizeof(err)), s = find_dhcp(db, d->name, &probe);
	uint8_t mac[6];
	unsigned len6 = d->prefixlen6;

	hostonly_mac(d, mac);
	if (k == 1)
		memcpy(mac, st.mac, 6);
	printf("Name:            %s\n", d->name);
	printf("IPAddress:       %s\n", inet_ntop(AF_INET, &d->ip, a, sizeof(a)));
	printf("NetworkMask:     %s\n", inet_ntop(AF_INET, &d->netmask, a, sizeof(a)));
	a[0] = '\0';
	if (d->has_ip6) {
		inet_ntop(AF_INET6, &d->ip6, a, sizeof(a));
	} else {
		for (unsigned j = 0; k == 1 && j < st.n_v6 && !a[0]; j++) {
			inet_ntop(AF_INET6, &st.v6[j].addr, a, sizeof(a));
			len6 = st.v6[j].prefixlen;
		}
	}
	printf("IPV6Address:     %s\n", a);
	printf("IPV6NetworkMaskPrefixLength: %u\n", a[0] ? len6 : 0);
	printf("HardwareAddress: %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2],
	       mac[3], mac[4], mac[5]);
	printf("MediumType:      Ethernet\n");
	printf("Wireless:        No\n");
	printf("Status:          %s\n", k < 0 ? err : k == 0 ? "Absent (recreated by natd "
	       "hostonlyif create or ipconfig, or at a VM's start)" : !st.is_tap ? "Not natd's "
	       "(an interface of that name that is not a tap)" : st.up ? "Up" : "Down");
	printf("VBoxNetworkName: %s%s\n", DHCPSRV_HOSTONLY_PREFIX, d->name);
	if (s < 0) {
		printf("DHCPServer:      none\n");
	} else {
		const struct dhcpsrv_def *sd = &db->ds.defs[s];

		printf("DHCPServer:      %s, addresses %s to %s, %s\n",
		       inet_ntop(AF_INET, &sd->server_ip, a, sizeof(a)),
		       inet_ntop(AF_INET, &sd->lower_ip, b, sizeof(b)),
		       inet_ntop(AF_INET, &sd->upper_ip, c, sizeof(c)),
		       sd->enabled ? "enabled" : "disabled");
	}
	list_uplink(db->st.home, d);
	list_vms(db->st.home, d->name);
}

int hostonlyif_list(void)
{
	struct hostonly_db db;
	char err[1024];

	if (load(&db, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd list hostonlyifs: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < db.hs.n; i++) {
		if (i)
			printf("\n");
		list_one(&db, &db.hs.defs[i]);
	}
	hostonly_db_release(&db);
	return 0;
}

/* One interface as data: its definition, and what list_one shows. */
static json_t *one_json(const struct hostonly_db *db, const struct hostonly_def *d)
{
	char a[INET6_ADDRSTRLEN], err[512];
	struct dhcpsrv_def probe;
	struct hostif_state hst;
	json_t *o = hostonly_def_to_json(d), *vms = json_array(), *st = NULL, *port;
	int k = hostif_query(d->name, &hst, err, sizeof(err)), s = find_dhcp(db, d->name, &probe);
	uint8_t mac[6];
	size_t i;

	if (!o || !vms) {
		json_decref(o);
		json_decref(vms);
		return NULL;
	}
	hostonly_mac(d, mac);
	if (k == 1)
		memcpy(mac, hst.mac, 6);
	snprintf(a, sizeof(a), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	json_object_set_new(o, "hardware_address", json_string(a));
	json_object_set_new(o, "status", json_string(k < 0 ? "unknown" : k == 0 ? "absent" :
						      !hst.is_tap ? "not natd's" :
						      hst.up ? "up" : "down"));
	json_object_set_new(o, "network_name", json_sprintf("%s%s", DHCPSRV_HOSTONLY_PREFIX,
							    d->name));
	json_object_set_new(o, "dhcp_server", s < 0 ? json_null() :
			    dhcpsrv_def_to_json(&db->ds.defs[s]));
	if (hostonly_status(db->st.home, d->name, &st, err, sizeof(err)) == 0) {
		json_array_foreach(json_object_get(st, "ports"), i, port) {
			if (json_is_true(json_object_get(port, "host")) ||
			    json_is_true(json_object_get(port, "uplink")))
				continue;
			json_array_append_new(vms, json_pack("{s:O?, s:O?}", "vm",
				json_object_get(port, "vm"), "adapter", json_object_get(port, "adapter")));
		}
		if (json_is_object(json_object_get(st, "uplink")))
			json_object_set(o, "uplink_state", json_object_get(st, "uplink"));
	}
	json_decref(st);
	json_object_set_new(o, "vms", vms);
	return o;
}

json_t *hostonlyif_list_json(char *err, size_t errlen)
{
	struct hostonly_db db;
	json_t *arr;

	if (load(&db, err, errlen) < 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; arr && i < db.hs.n; i++)
		json_array_append_new(arr, one_json(&db, &db.hs.defs[i]));
	hostonly_db_release(&db);
	return arr;
}

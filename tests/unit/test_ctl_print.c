/* SPDX-License-Identifier: MIT */
/*
 * test_ctl_print.c - ctl_print_result() (natd/ctl_client.c), checked byte
 * for byte against a fixed object, in the human and the machine-readable
 * form.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "natd/ctl_client.h"

static const char sample[] =
	"{\"name\":\"vm1\",\"running\":true,\"uptime\":12,"
	"\"nics\":[{\"slot\":1,\"mac\":\"08:00:27:00:00:01\","
	"\"flows\":[{\"proto\":\"tcp\",\"state\":\"established\"},"
	"{\"proto\":\"udp\",\"state\":\"open\"}]}],"
	"\"leases\":[],\"dns\":[\"10.0.2.3\",\"1.1.1.1\"],"
	"\"counters\":{\"drops\":3,\"ratio\":0.5,\"none\":null},"
	"\"note\":\"say \\\"hi\\\" C:\\\\x\\nline2\"}";

static char *print_to_string(json_t *v, int machine)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ctl_print_result(f, v, machine);
	fclose(f);
	return buf;
}

Test(ctl_print, human)
{
	json_error_t jerr;
	json_t *v = json_loads(sample, 0, &jerr);
	char *out;

	cr_assert_not_null(v, "%s", jerr.text);
	out = print_to_string(v, 0);
	cr_assert_str_eq(out,
		"name: vm1\n"
		"running: true\n"
		"uptime: 12\n"
		"nics[1]:\n"
		"  slot: 1\n"
		"  mac: 08:00:27:00:00:01\n"
		"  flows[1]:\n"
		"    proto: tcp\n"
		"    state: established\n"
		"  flows[2]:\n"
		"    proto: udp\n"
		"    state: open\n"
		"leases: (none)\n"
		"dns[1]: 10.0.2.3\n"
		"dns[2]: 1.1.1.1\n"
		"counters:\n"
		"  drops: 3\n"
		"  ratio: 0.5\n"
		"  none: null\n"
		"note: say \"hi\" C:\\x\\nline2\n");
	free(out);
	json_decref(v);
}

Test(ctl_print, machine_readable)
{
	json_error_t jerr;
	json_t *v = json_loads(sample, 0, &jerr);
	char *out;

	cr_assert_not_null(v, "%s", jerr.text);
	out = print_to_string(v, 1);
	cr_assert_str_eq(out,
		"name=\"vm1\"\n"
		"running=\"true\"\n"
		"uptime=12\n"
		"nics_1_slot=1\n"
		"nics_1_mac=\"08:00:27:00:00:01\"\n"
		"nics_1_flows_1_proto=\"tcp\"\n"
		"nics_1_flows_1_state=\"established\"\n"
		"nics_1_flows_2_proto=\"udp\"\n"
		"nics_1_flows_2_state=\"open\"\n"
		"dns_1=\"10.0.2.3\"\n"
		"dns_2=\"1.1.1.1\"\n"
		"counters_drops=3\n"
		"counters_ratio=0.5\n"
		"counters_none=\"\"\n"
		"note=\"say \\\"hi\\\" C:\\\\x\\nline2\"\n");
	free(out);
	json_decref(v);
}

Test(ctl_print, scalars_and_empty)
{
	json_t *v = json_string("just text");
	char *out;

	out = print_to_string(v, 0);
	cr_assert_str_eq(out, "just text\n");
	free(out);
	out = print_to_string(v, 1);
	cr_assert_str_eq(out, "value=\"just text\"\n");
	free(out);
	json_decref(v);
	v = json_object();
	out = print_to_string(v, 0);
	cr_assert_str_eq(out, "");
	free(out);
	json_decref(v);
}

/* SPDX-License-Identifier: MIT */
/*
 * ctl_client.h - the client side of natd's control socket (protocol and
 * server in natd/ctl.h): one blocking request/response call, and the
 * printing of a result for people or, like VBoxManage --machinereadable,
 * for scripts.
 */
#ifndef NATD_CTL_CLIENT_H
#define NATD_CTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Client: connects to path, sends {"version":1,"command":command,"args":args}
 * (args may be NULL; the reference is not stolen) and waits (timeout_ms) for
 * the response. Returns 0 and *result (new reference) when ok is true;
 * -EREMOTEIO with the server's error in err when ok is false; another
 * negative errno with a reason in err (e.g. "no natd runs VM 'x' (no
 * /path/x.ctl)") on connection or protocol failure.
 */
int ctl_call(const char *path, const char *command, json_t *args, int timeout_ms,
	     json_t **result, char *err, size_t errlen);

/*
 * Prints a result for people (nested "Key: value" lines, arrays numbered)
 * or, with machine_readable, as VBoxManage --machinereadable does: one
 * key="value" per line, nested keys joined with '_' and array items
 * numbered from 1 (nics_1_flows_2_state="established"). Strings are
 * escaped so that every line stays one line.
 */
void ctl_print_result(FILE *out, json_t *result, int machine_readable);

#endif

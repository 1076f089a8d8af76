/* SPDX-License-Identifier: MIT */
/*
 * natnet_json.h - a NAT network definition (natd/natnet_def.h) as JSON, the
 * form natd.json (natd/natnet_store.h) and the service's "apply" and
 * "status" messages use.
 */
#ifndef NATD_NATNET_JSON_H
#define NATD_NATNET_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "natd/natnet_def.h"

/* JSON form of a definition (a new reference) and back; errors name the
 * field ("network: ..."). natnet_def_from_json also runs natnet_def_check. */
json_t *natnet_def_to_json(const struct natnet_def *d);
int natnet_def_from_json(json_t *o, struct natnet_def *d, char *err, size_t errlen);

#endif

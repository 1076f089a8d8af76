/* SPDX-License-Identifier: MIT */
/*
 * mode.c - the mode table (see mode.h).
 */
#include "modes/mode.h"

#include "base/bytes.h"
#include "modes/bridged.h"
#include "modes/generic.h"
#include "modes/link_modes.h"
#include "modes/nat_mode.h"

const struct mode_ops *const mode_table[] = {
	&null_mode_ops, &nat_mode_ops, &natnetwork_mode_ops, &intnet_mode_ops,
	&hostonly_mode_ops, &bridged_mode_ops,
	&generic_mode_ops,
};
const size_t mode_table_len = ARRAY_SIZE(mode_table);

const struct mode_ops *mode_ops(enum nic_mode m)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_table); i++)
		if (mode_table[i]->mode == m)
			return mode_table[i];
	return NULL;
}

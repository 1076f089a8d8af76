/* SPDX-License-Identifier: MIT */
/*
 * privport.c - the privileged-port check (see privport.h).
 */
#include "base/privport.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

unsigned privport_start(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	unsigned v = 1024;

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

bool privport_may_bind(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return (data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective &
		CAP_TO_MASK(CAP_NET_BIND_SERVICE)) != 0;
}

bool privport_allowed(unsigned port)
{
	return port >= privport_start() || privport_may_bind();
}

/* SPDX-License-Identifier: MIT */
/*
 * hostaddr.c - is an address one of this host's (see hostaddr.h)? Asked
 * the kernel's way: bind() a UDP socket to it, port 0, and close it.
 */
#include "base/hostaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"

int hostaddr_check4(struct in_addr a, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = a };
	char text[INET_ADDRSTRLEN];
	int fd, rc = 0;

	inet_ntop(AF_INET, &a, text, sizeof(text));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = -errno;
	close(fd);
	if (rc == -EADDRNOTAVAIL)
		return errfmt(err, errlen, rc, "%s is not an address of this host", text);
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: bind: %s", text, strerror(-rc));
	return 0;
}

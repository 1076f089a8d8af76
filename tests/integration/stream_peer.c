/* SPDX-License-Identifier: MIT */
/*
 * stream_peer.c - a minimal QEMU "-netdev stream" peer for natd's tests.
 *
 * Connects to a UNIX socket, and for each IPv4 address given sends a framed
 * (4-byte big-endian length) ARP request "who-has ADDR tell 10.0.2.99" from
 * 52:54:00:12:34:56, then waits up to 5 s for the framed ARP reply and
 * prints "ADDR is-at MAC". Exits 0 when every address was answered, 1 on
 * timeout or a protocol error (bad frame length), 2 on usage/connect errors.
 * The word "oversize" in place of an address sends one 65540-byte frame
 * (legal in the framing, larger than any IP packet) and prints "oversize
 * sent". The word "hangup" sends an ARP request for 10.0.2.2, waits (5 s at
 * most) until natd's answer is there, reads nothing and closes the
 * connection, leaving natd's frames unread (as a QEMU that quits may), and
 * prints "hung up".
 *   stream_peer SOCKET ADDR|oversize|hangup...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const uint8_t my_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int send_arp(int fd, struct in_addr target)
{
	uint8_t buf[4 + 42];
	uint8_t *f = buf + 4;
	struct in_addr me;

	inet_pton(AF_INET, "10.0.2.99", &me);
	buf[0] = 0; buf[1] = 0; buf[2] = 0; buf[3] = 42;
	memset(f, 0xff, 6);
	memcpy(f + 6, my_mac, 6);
	f[12] = 0x08; f[13] = 0x06;
	f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4;
	f[20] = 0; f[21] = 1;
	memcpy(f + 22, my_mac, 6);
	memcpy(f + 28, &me, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &target, 4);
	return send(fd, buf, sizeof(buf), MSG_NOSIGNAL) == (ssize_t)sizeof(buf) ? 0 : -1;
}

static int send_oversize(int fd)
{
	static uint8_t buf[4 + 65540];
	uint32_t len = sizeof(buf) - 4;

	buf[0] = (uint8_t)(len >> 24); buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8); buf[3] = (uint8_t)len;
	memset(buf + 4, 0xff, 6);
	memcpy(buf + 10, my_mac, 6);
	buf[16] = 0x08; buf[17] = 0x00;
	for (size_t off = 0; off < sizeof(buf);) {
		ssize_t w = send(fd, buf + off, sizeof(buf) - off, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int read_full(int fd, uint8_t *p, size_t n, int deadline_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, deadline_ms) <= 0)
			return -1;
		r = read(fd, p + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Waits for the ARP reply about target; other frames are skipped. */
static int wait_reply(int fd, struct in_addr target, uint8_t mac[6])
{
	static uint8_t frame[70000];
	time_t end = time(NULL) + 5;

	while (time(NULL) < end) {
		uint8_t hdr[4];
		uint32_t len;

		if (read_full(fd, hdr, 4, 5000) < 0)
			return -1;
		len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
		if (len < 14 || len > sizeof(frame)) {
			fprintf(stderr, "stream_peer: bad frame length %u\n", len);
			return -2;
		}
		if (read_full(fd, frame, len, 5000) < 0)
			return -1;
		if (len >= 42 && frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 2 &&
		    !memcmp(frame + 28, &target, 4) && !memcmp(frame + 32, my_mac, 6)) {
			memcpy(mac, frame + 22, 6);
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: stream_peer SOCKET ADDR|oversize|hangup...\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "stream_peer: connect %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		struct in_addr target;
		uint8_t mac[6];
		int rc;

		if (!strcmp(argv[i], "hangup")) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			inet_pton(AF_INET, "10.0.2.2", &target);
			if (send_arp(fd, target) < 0 || poll(&pfd, 1, 5000) <= 0) {
				fprintf(stderr, "stream_peer: natd sent nothing within 5 s\n");
				return 1;
			}
			close(fd);
			printf("hung up\n");
			return 0;
		}
		if (!strcmp(argv[i], "oversize")) {
			if (send_oversize(fd) < 0) {
				fprintf(stderr, "stream_peer: send: %s\n", strerror(errno));
				return 1;
			}
			printf("oversize sent\n");
			continue;
		}
		if (inet_pton(AF_INET, argv[i], &target) != 1)
			return 2;
		if (send_arp(fd, target) < 0) {
			fprintf(stderr, "stream_peer: send: %s\n", strerror(errno));
			return 1;
		}
		rc = wait_reply(fd, target, mac);
		if (rc < 0) {
			fprintf(stderr, "stream_peer: no ARP reply for %s\n", argv[i]);
			return 1;
		}
		printf("%s is-at %02x:%02x:%02x:%02x:%02x:%02x\n", argv[i], mac[0], mac[1],
		       mac[2], mac[3], mac[4], mac[5]);
	}
	close(fd);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * test_device_io_dgram.c - dgram: devices on a real libuv loop
 * (device_io_fixture.h) against UDP peers on loopback, IPv4 and IPv6, and
 * the error of an address that cannot be bound.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device_io_fixture.h"

TestSuite(device_io, .init = setup, .fini = teardown, .timeout = 30);

static int udp_bind(const char *ip, int family, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		sl = sizeof(*a);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		      ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void dgram_case(const char *ip, int family, const char *fmt)
{
	struct sockaddr_storage to = { 0 };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t f[1514], back[2000];
	struct device_stats st;
	uint16_t tport, dport;
	int t, tmp;
	char s[128];

	t = udp_bind(ip, family, &tport);
	if (t < 0)
		cr_skip_test("no %s", ip);
	tmp = udp_bind(ip, family, &dport); /* find a free port for the device */
	cr_assert_geq(tmp, 0);
	close(tmp);
	snprintf(s, sizeof(s), fmt, dport, tport);
	open_dev(s);
	WAIT_UPS(1);
	cr_assert(device_connected(C->dev));

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&to;

		a->sin_family = AF_INET;
		a->sin_port = htons(dport);
		inet_pton(AF_INET, ip, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(dport);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
	}
	fill(f, sizeof(f), 5);
	cr_assert_eq(sendto(t, f, 5, 0, (struct sockaddr *)&to, sizeof(to)), 5); /* runt */
	cr_assert_eq(sendto(t, f, 60, 0, (struct sockaddr *)&to, sizeof(to)), 60);
	cr_assert_eq(sendto(t, f, 1514, 0, (struct sockaddr *)&to, sizeof(to)), 1514);
	WAIT_FRAMES(2);
	cr_assert_eq(C->frame_lens[0], 60);
	cr_assert_eq(C->frame_lens[1], 1514);
	cr_assert_arr_eq(C->rx + 60, f, 1514);

	fill(f, 100, 9);
	cr_assert_eq(device_send(C->dev, f, 100), 0);
	WAIT_SENT(1); /* frames leave at the next turn of the loop */
	setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(recv(t, back, sizeof(back), 0), 100);
	cr_assert_arr_eq(back, f, 100);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_errors, 1);
	cr_assert_eq(st.rx_frames, 2);
	cr_assert_eq(st.tx_frames, 1);

	/* Batches: ten frames sent in one turn leave in one sendmmsg(); ten
	 * datagrams waiting are read by one recvmmsg(). */
	for (int i = 0; i < 10; i++) {
		fill(f, 200, (uint8_t)i);
		cr_assert_eq(device_send(C->dev, f, 200), 0);
	}
	WAIT_SENT(2);
	for (int i = 0; i < 10; i++) {
		fill(f, 200, (uint8_t)i);
		cr_assert_eq(recv(t, back, sizeof(back), 0), 200);
		cr_assert_arr_eq(back, f, 200, "frame %d in order", i);
	}
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.tx_calls, 2);
	cr_assert_eq(st.tx_frames, 11);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(sendto(t, f, 64, 0, (struct sockaddr *)&to, sizeof(to)), 64);
	usleep(50 * 1000); /* all ten queued on the socket before the loop looks */
	WAIT_FRAMES(12);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_frames, 12);
	cr_assert_lt(st.rx_calls, 12, "recvmmsg took several at once (%llu calls)",
		     (unsigned long long)st.rx_calls);
	{
		struct device_peer p[DEVICE_MAX_PEERS];
		char want[64];

		cr_assert_eq(device_peers(C->dev, p, DEVICE_MAX_PEERS), 1);
		snprintf(want, sizeof(want), family == AF_INET ? "%s:%u" : "[%s]:%u", ip, tport);
		cr_assert_str_eq(p[0].addr, want);
		cr_assert_eq(p[0].frames, 12);
	}
	close(t);
	close_dev();
}

Test(device_io, dgram_ipv4)
{
	dgram_case("127.0.0.1", AF_INET, "dgram:127.0.0.1:%u,127.0.0.1:%u");
}

Test(device_io, dgram_ipv6)
{
	dgram_case("::1", AF_INET6, "dgram:[::1]:%u,[::1]:%u");
}

Test(device_io, dgram_bind_error)
{
	struct device *d = NULL;
	char err[256];

	cr_assert_lt(device_open(&C->loop, "dgram:192.0.2.77:5555,127.0.0.1:5556",
				 &handler, &d, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "dgram:192.0.2.77:5555,127.0.0.1:5556: bind: "
			 "Cannot assign requested address");
}

/* SPDX-License-Identifier: MIT */
/*
 * tcp_hold.c - many TCP connections at once, for natd's tests of its limits.
 *
 *   tcp_hold connect ADDR PORT N WAIT_S
 *       starts N non-blocking connect()s to ADDR:PORT (IPv4) at once, waits
 *       up to WAIT_S seconds for them to finish, prints one line
 *       "connected=C refused=R unreachable=U timedout=T other=O" and then
 *       keeps the connected ones open (never reading or writing) and the
 *       unfinished ones pending until it is killed. With N connections
 *       still unfinished after WAIT_S they count as timedout.
 *   tcp_hold listen ADDR PORT
 *       accepts every connection on ADDR:PORT and keeps it open until the
 *       client closes it (what the client sends is discarded); prints
 *       "listening" once it listens; runs until killed.
 *   tcp_hold listen-idle ADDR PORT
 *       the same, but never reads: what clients send fills the socket
 *       buffers and stays there.
 *   tcp_hold unix PATH N
 *       connects to the UNIX stream socket PATH until N connections are
 *       made or 5 s passed (non-blocking: a full backlog is retried after
 *       10 ms and counted as other), prints "connected=C other=O" and keeps
 *       the connections open until killed.
 * Exit status 2 on usage or setup errors (as a line on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: tcp_hold connect ADDR PORT N WAIT_S | tcp_hold listen[-idle] ADDR "
		"PORT | tcp_hold unix PATH N\n");
	return 2;
}

static int parse_addr(const char *a, const char *p, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(p));
	return inet_pton(AF_INET, a, &sa->sin_addr) == 1 ? 0 : -1;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int do_listen(const struct sockaddr_in *sa, bool reads)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0), n = 1, cap = 64;
	struct pollfd *pf = malloc((size_t)cap * sizeof(*pf));

	if (!pf || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 1024) < 0) {
		fprintf(stderr, "tcp_hold: listen: %s\n", strerror(errno));
		return 2;
	}
	pf[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(pf, (nfds_t)n, -1) < 0)
			continue;
		for (int i = n - 1; i > 0; i--) {
			char buf[4096];

			if (!pf[i].revents)
				continue;
			if (!reads)
				continue; /* idle: neither reads nor notices a close */
			if (read(pf[i].fd, buf, sizeof(buf)) > 0)
				continue; /* data is discarded */
			close(pf[i].fd); /* EOF or error: the client went */
			pf[i] = pf[--n];
		}
		if (pf[0].revents & POLLIN) {
			int c = accept(fd, NULL, NULL);

			if (c < 0) {
				if (errno == EMFILE || errno == ENFILE)
					sleep(1); /* wait rather than spin */
				continue;
			}
			if (n == cap) {
				struct pollfd *np = realloc(pf, (size_t)cap * 2 * sizeof(*pf));

				if (!np) {
					close(c);
					continue;
				}
				pf = np;
				cap *= 2;
			}
			pf[n++] = (struct pollfd){ .fd = c, .events = reads ? POLLIN : 0 };
		}
	}
}

static int do_connect(const struct sockaddr_in *sa, int n, int wait_s)
{
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	int connected = 0, refused = 0, unreachable = 0, other = 0, pending = 0;
	long long deadline = now_ms() + (long long)wait_s * 1000;

	if (!pf)
		return 2;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		pf[i].fd = -1;
		if (fd < 0) {
			other++;
			continue;
		}
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
			connected++;
		} else if (errno == EINPROGRESS) {
			pf[i].fd = fd;
			pf[i].events = POLLOUT;
			pending++;
		} else {
			if (errno == ECONNREFUSED)
				refused++;
			else if (errno == EHOSTUNREACH || errno == ENETUNREACH)
				unreachable++;
			else
				other++;
			close(fd);
		}
	}
	while (pending > 0) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			break;
		r = poll(pf, (nfds_t)n, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; r > 0 && i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			pending--;
			if (err == 0) {
				connected++;
			} else {
				if (err == ECONNREFUSED)
					refused++;
				else if (err == EHOSTUNREACH || err == ENETUNREACH)
					unreachable++;
				else
					other++;
				close(pf[i].fd);
			}
			pf[i].fd = -1; /* done: kept open when connected, not polled */
		}
	}
	printf("connected=%d refused=%d unreachable=%d timedout=%d other=%d\n", connected, refused,
	       unreachable, pending, other);
	fflush(stdout);
	for (;;)
		pause();
}

static int do_unix(const char *path, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + 5000;
	int connected = 0, other = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return usage();
	memcpy(sa.sun_path, path, strlen(path) + 1);
	while (connected < n && now_ms() < deadline) {
		/* non-blocking: a full backlog fails (EAGAIN) instead of waiting */
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			connected++;
			continue;
		}
		other++;
		if (fd >= 0)
			close(fd);
		usleep(10000); /* the backlog is full: let the server accept */
	}
	printf("connected=%d other=%d\n", connected, other);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	raise_nofile();
	if (argc == 4 && !strcmp(argv[1], "unix"))
		return do_unix(argv[2], atoi(argv[3]));
	if (argc < 4 || parse_addr(argv[2], argv[3], &sa) < 0)
		return usage();
	if (!strcmp(argv[1], "listen") && argc == 4)
		return do_listen(&sa, true);
	if (!strcmp(argv[1], "listen-idle") && argc == 4)
		return do_listen(&sa, false);
	if (!strcmp(argv[1], "connect") && argc == 6)
		return do_connect(&sa, atoi(argv[4]), atoi(argv[5]));
	return usage();
}

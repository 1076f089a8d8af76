/* SPDX-License-Identifier: MIT */
/*
 * sandbox_syscalls.c - the one list of system calls a sandboxed natd process
 * may make (natd/sandbox.h). Everything else kills it.
 *
 * The list covers what natd calls after start-up on every path: the libuv
 * loop (epoll, eventfd, signal pipe, timers, the thread pool behind
 * uv_fs_poll), lwIP's timers, host sockets of the NAT engine and port
 * forwards (TCP, UDP, ICMP "ping" sockets, IPv6), the control socket and
 * its descriptor passing, the stream, datagram, VDE, tap and vhost-user
 * transports (shared memory mapped from passed descriptors, eventfds), the
 * switch daemons (rtnetlink, recreating a host-only tap), c-ares and the
 * resolver file, DHCP lease files and natd.json (written atomically:
 * temporary file, fsync, rename, locks), TFTP, pcap captures (libpcap,
 * stdio), and bridged mode's AF_PACKET sockets (setsockopt for the ring,
 * mmap, poll/ppoll, sendmmsg/recvmmsg).
 *
 * A new feature that calls something else adds it here, in the group it
 * belongs to, and says why in a comment if it is not obvious. To find what
 * is missing: run with --sandbox trap (natd names the call in its log and
 * stops) or --sandbox log (the kernel logs it and natd goes on).
 *
 * Not allowed, on purpose: creating processes or threads (fork, clone,
 * execve), ptrace, changing identity (setuid and friends, capset), mount
 * and namespaces, module and kexec calls, bpf, keyrings, userfaultfd,
 * perf_event_open, process_vm_*, io_uring, personality, reboot.
 */
#include "natd/sandbox.h"

const char *const sandbox_syscalls[] = {
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore",
	/* descriptors and files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "open", "openat", "openat2" /* TFTP: RESOLVE_BENEATH */,
	"close", "close_range", "dup", "dup2",
	"dup3", "pipe", "pipe2", "fcntl", "flock", "lseek", "fstat", "stat", "lstat",
	"newfstatat", "statx", "statfs", "fstatfs", "fsync", "fdatasync", "ftruncate",
	"fallocate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
	"mkdirat", "rmdir", "chmod", "fchmod", "fchmodat", "fchown", "getdents64",
	"readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd", "umask",
	"utimensat", "ioctl", /* FIONBIO, FIONREAD, TUNSETCARRIER, TUNSETIFF, SIOC* */
	"memfd_create", "sendfile",
	/* files followed live: the resolver file (uv_fs_poll), interfaces */
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	/* waiting */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "poll", "ppoll", "select", "pselect6", "eventfd", "eventfd2",
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	/* sockets: host flows, port forwards, control socket (SCM_RIGHTS),
	 * transports, netlink, AF_PACKET */
	"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect",
	"getsockname", "getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	/* time */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep",
	/* signals */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
	"kill", "tgkill", "tkill", "restart_syscall",
	/* the process itself (the thread pool exists before the filter) */
	"exit", "exit_group", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "getgroups", "getresuid", "getresgid", "capget", "getrlimit",
	"prlimit64", "setrlimit", "uname", "sysinfo", "getrandom", "sched_yield",
	"sched_getaffinity", "futex", "set_robust_list", "get_robust_list", "rseq",
	"set_tid_address", "membarrier", "getpriority", "getrusage", "times",
	NULL,
};

const char *const sandbox_syscalls_sanitizer[] = {
	"clone", "clone3", "ptrace", "wait4", "waitid", "prctl", "arch_prctl", "getdents",
	"personality", "sched_setaffinity", "process_vm_readv", "fork", "vfork",
	NULL,
};

/* SPDX-License-Identifier: MIT */
/*
 * tftp_server.h - natd's read-only TFTP server, protocol engine only.
 *
 * Pure of lwIP and libuv: it parses the bytes of a request (RFC 1350 RRQ,
 * RFC 2347 options), negotiates blksize (RFC 2348), tsize and timeout
 * (RFC 2349) and windowsize (RFC 7440), confines file names to the TFTP
 * root, and runs one transfer as a state machine that is fed packets and
 * clock ticks and hands the packets it wants sent to a callback. The glue
 * (tftp/tftp_service.c) owns the UDP sockets and timers.
 *
 * Files are read block by block with pread(), never whole into memory; a
 * transfer holds an open file and a few hundred bytes of state.
 */
#ifndef NATD_TFTP_SERVER_H
#define NATD_TFTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT          69
#define TFTP_SEGSIZE       512      /* RFC 1350 block size */
#define TFTP_BLKSIZE_MIN   8        /* RFC 2348 range */
#define TFTP_BLKSIZE_MAX   65464
#define TFTP_WINDOW_MAX    64       /* largest windowsize natd agrees to */
#define TFTP_TIMEOUT_MAX   255      /* RFC 2349: seconds, 1..255 */
#define TFTP_FILENAME_MAX  256      /* bytes of a file name, with its NUL */
#define TFTP_PKT_MAX       (4 + TFTP_BLKSIZE_MAX)
#define TFTP_RTO_MS        1000     /* first retransmission timeout */
#define TFTP_RTO_CAP_MS    8000     /* backoff stops doubling here... */
#define TFTP_MAX_RETRIES   5        /* ...and gives up after this many resends */
/* Packet overhead below a DATA payload: IPv4 20, UDP 8, TFTP 4. */
#define TFTP_DATA_OVERHEAD 32

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

enum tftp_errcode {
	TFTP_EUNDEF = 0,      /* not defined, see message */
	TFTP_ENOTFOUND = 1,   /* file not found */
	TFTP_EACCESS = 2,     /* access violation */
	TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4,      /* illegal TFTP operation */
	TFTP_EBADID = 5,      /* unknown transfer ID */
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTNEG = 8,     /* option negotiation refused (RFC 2347) */
};

enum tftp_mode {
	TFTP_MODE_OCTET,
	TFTP_MODE_NETASCII,
};

/* A parsed RRQ or WRQ. Option fields are meaningful when has_* is set. */
struct tftp_request {
	uint16_t opcode;                  /* TFTP_RRQ or TFTP_WRQ */
	char filename[TFTP_FILENAME_MAX]; /* as sent (checked: no control bytes) */
	enum tftp_mode mode;
	bool has_blksize, has_tsize, has_timeout, has_windowsize;
	uint64_t blksize, tsize, timeout, windowsize;
	/* On failure: the ERROR packet to answer with. */
	uint16_t err_code;
	const char *err_msg;
};

/*
 * Parses a request sent to port 69: opcode, file name, mode, then
 * "name\0value\0" option pairs (names case-insensitive; unknown options,
 * values that are not decimal numbers and a trailing incomplete pair are
 * ignored, as RFC 2347 lets a server do). Returns 0, or a negative errno
 * with r->err_code/err_msg set for the ERROR reply:
 *   -EPROTO       not a request (opcode other than RRQ/WRQ) or malformed;
 *   -ENOTSUP      mode other than netascii/octet ("mail");
 *   -ENAMETOOLONG file name of TFTP_FILENAME_MAX bytes or more;
 *   -EILSEQ       file name empty or with control bytes (< 0x20, 0x7f).
 * r->filename holds the name (escaped as base/esc.h does, cut to fit) whenever the
 * packet got that far, for the log. Never reads outside pkt[0..len).
 */
int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *r);

/* What the server agreed to for one transfer. */
struct tftp_params {
	enum tftp_mode mode;
	uint16_t blksize;          /* 512 unless negotiated */
	uint16_t windowsize;       /* 1 unless negotiated */
	uint32_t timeout_ms;       /* first retransmission timeout */
	uint64_t tsize;            /* file size, when ack_tsize */
	bool ack_blksize, ack_tsize, ack_timeout, ack_windowsize;
	bool oack;                 /* an OACK starts the transfer (any ack_*) */
};

/*
 * Decides the options of a read request: blksize is capped at max_blksize
 * (the NIC's MTU less 32) and TFTP_BLKSIZE_MAX, windowsize at
 * TFTP_WINDOW_MAX; timeout is accepted as asked (1..255 s); tsize is
 * answered with file_size (octet mode only: a netascii size would need a
 * pass over the file). Out-of-range values leave their option out of the
 * OACK, so the client falls back to the RFC 1350 default.
 */
void tftp_negotiate(const struct tftp_request *r, unsigned max_blksize, uint64_t file_size,
		    struct tftp_params *p);

/* Builds an ERROR packet. Returns its length, or -ENOSPC. */
int tftp_build_error(uint16_t code, const char *msg, uint8_t *out, size_t cap);
/* Builds the OACK for p. Returns its length, or -ENOSPC. */
int tftp_build_oack(const struct tftp_params *p, uint8_t *out, size_t cap);

/*
 * Turns a requested file name into a path relative to the TFTP root: leading
 * slashes are dropped (an absolute name means "from the root", as in
 * VirtualBox and tftpd -s), repeated slashes and "." components folded.
 * Returns 0, or -EACCES when a component is ".." or the name has control
 * bytes, -ENOENT when no file name is left ("", "/", "a/"), -ENAMETOOLONG
 * when rel is too small.
 */
int tftp_path_normalize(const char *name, char *rel, size_t cap);

/*
 * Opens rel (from tftp_path_normalize) for reading beneath the directory
 * root, so that nothing outside root is ever opened: openat2() with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, or where the kernel lacks it an
 * open followed by a check of where the descriptor really points. Symbolic
 * links that stay inside the root are followed. Only regular files are
 * served. Returns the descriptor (O_RDONLY | O_CLOEXEC) and *size, or:
 *   -ENOENT / -ENOTDIR  no such file (also: root missing);
 *   -EXDEV              the name leads outside the root (a symlink);
 *   -EACCES             permission denied, or not a regular file;
 *   other -errno        as open(2) said.
 */
int tftp_open_beneath(const char *root, const char *rel, uint64_t *size);

/* The TFTP error answering a failed tftp_open_beneath()/normalize. */
void tftp_open_error(int rc, uint16_t *code, const char **msg);

#define TFTP_BOOT_FILE_MAX 128      /* DHCP's file field, with its NUL */

/*
 * The PXE boot files DHCP should offer, decided now: none (both "") unless
 * the directory root exists or `always`; then `file`, and for UEFI clients
 * in efi the same name with ".efi" for ".pxe" (or ".efi" appended) when that
 * file can be served from the root.
 */
void tftp_boot_files(const char *root, const char *file, bool always,
		     char out[TFTP_BOOT_FILE_MAX], char efi[TFTP_BOOT_FILE_MAX]);

/* ---- one read transfer ---------------------------------------------------- */

/*
 * Sends one packet to the client of the transfer. Returns 0 or a negative
 * errno; a failed send counts as a lost packet (retransmitted on timeout).
 */
typedef int (*tftp_send_fn)(void *opaque, const uint8_t *pkt, size_t len);

enum tftp_xfer_status {
	TFTP_XFER_RUNNING,
	TFTP_XFER_DONE,     /* the last block was acknowledged */
	TFTP_XFER_FAILED,   /* gave up: see tftp_xfer_stats.why */
};

struct tftp_xfer_stats {
	uint64_t bytes_acked;      /* file data the client acknowledged */
	uint64_t bytes_sent;       /* DATA payload sent, retransmissions included */
	uint64_t blocks_sent, retransmits, dup_acks;
	const char *why;           /* reason of a failure, else NULL */
	bool ended_at_oack;        /* the client answered the OACK with an ERROR:
				      a size query (EDK2 asks tsize, then aborts)
				      or options it refuses, not a failed transfer */
	char client_err[96];       /* an ERROR the client sent, printable */
};

struct tftp_xfer;

/*
 * A transfer of the open file fd (ownership passes to the transfer, closed
 * by tftp_xfer_free) with the agreed parameters. NULL when out of memory
 * (fd is then closed too).
 */
struct tftp_xfer *tftp_xfer_new(int fd, const struct tftp_params *p, tftp_send_fn send,
				void *opaque);
/* Sends the OACK or the first window. */
enum tftp_xfer_status tftp_xfer_start(struct tftp_xfer *x, uint64_t now_ms);
/* A packet from the client's transfer ID (its address and port). */
enum tftp_xfer_status tftp_xfer_input(struct tftp_xfer *x, const uint8_t *pkt, size_t len,
				      uint64_t now_ms);
/* Call when now_ms >= tftp_xfer_deadline(): retransmits or gives up. */
enum tftp_xfer_status tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now_ms);
/* When tftp_xfer_timeout is next due (monotonic ms). */
uint64_t tftp_xfer_deadline(const struct tftp_xfer *x);
void tftp_xfer_get_stats(const struct tftp_xfer *x, struct tftp_xfer_stats *s);
void tftp_xfer_free(struct tftp_xfer *x);

#endif

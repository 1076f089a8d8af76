/* SPDX-License-Identifier: MIT */
/*
 * device_internal.h - what device.c (with device_io.c, device_peers.c and
 * device_vnet.c) shares with its backends (tap.c, stream.c, dgram.c...):
 * the ops table every backend implements, the device structure, and the
 * common libuv plumbing (one uv_poll_t for the data fd, one for a listening
 * socket, one timer).
 *
 * Theory of operation
 * -------------------
 * device_open() checks the spec, picks the ops (device.c, one table), lets
 * ops->open() do the system calls (no libuv handle yet, so a failure just
 * closes fds and frees), then starts the polls and a 0 ms timer whose
 * ops->timer() reports link up (tap, fd, dgram) or makes the first connect
 * attempt (stream-connect).
 *
 * The data fd (io_fd) is watched by dev->io. A stream connection that goes
 * away is released with device_io_release(): the poll is stopped, the fd
 * closed, the handle closed; when its close_cb runs, ops->io_closed() lets
 * the backend accept or reconnect (the uv_poll_t is only re-initialised
 * after that close_cb). device_close() closes every initialised handle and
 * counts them in closes_pending; the last close_cb frees the device and calls
 * the user's closed callback.
 */
#ifndef NATD_DEVICE_INTERNAL_H
#define NATD_DEVICE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <uv.h>

#include "devices/device.h"
#include "base/log.h"

/* Frames drained per wake-up before going back to the loop. */
#define DEVICE_BATCH 256
/* Most iovec pieces device_sendv() accepts. */
#define DEVICE_IOV_MAX 64
/* stream: bytes queued towards the VM before frames are dropped. */
#define DEVICE_STREAM_OBUF (4u << 20)
/* stream: reassembly buffer. */
#define DEVICE_STREAM_RXBUF (2u * DEVICE_MAX_FRAME + 4u + 4096u)

struct device_ops {
	const char *type; /* "tap", before the ':' in the spec */
	/* Checks the part after "type:"; -EINVAL and err ("type: reason"). */
	int (*check)(const char *arg, char *err, size_t errlen);
	/* System calls only: set dev->io_fd and/or dev->listen_fd. */
	int (*open)(struct device *dev, const char *arg, char *err, size_t errlen);
	/* The 0 ms start timer (and later retry timers) fired. */
	void (*timer)(struct device *dev);
	/* dev->io reported readable / writable / hung up, or status < 0. */
	void (*io)(struct device *dev, int status, int events);
	/* dev->listen reported readable. May be NULL. */
	void (*listen)(struct device *dev, int status);
	/* dev->io's close_cb ran (and the device is not closing). May be NULL. */
	void (*io_closed)(struct device *dev);
	/* Sends one frame of len bytes (0 < len <= DEVICE_MAX_FRAME). */
	int (*send)(struct device *dev, const struct iovec *iov, int iovcnt, size_t len);
	/* device_close(): release backend state; handles are closed by device.c. */
	void (*close)(struct device *dev);
	/* The guest's link (carrier) up or down; NULL where the transport has
	 * no way to tell the guest. 0 or -errno. */
	int (*set_carrier)(struct device *dev, bool up);
	/* The guest's interface's MAC; NULL where the guest's card is not the
	 * transport's own interface. 0 or -errno. */
	int (*set_mac)(struct device *dev, const uint8_t mac[6]);
	/* Sends what send() queued (stream's output ring, dgram's sendmmsg()
	 * batch, vhost-user's used entries and call). May be NULL: device.c then
	 * has no flush handle. Called once from the flush idle handle at the
	 * loop's next turn after device_flush_arm(). */
	void (*flush)(struct device *dev);
	/* The bandwidth group's pause (device_rx_throttled()) ended: read the
	 * VM's frames again. NULL where they come through dev->io, which is
	 * then polled again (level-triggered: waiting frames wake it). */
	void (*rx_resume)(struct device *dev);
};

/* A peer of device_peers(): its raw key, formatted when asked. */
enum device_peer_kind { DEVICE_PEER_SOCKADDR, DEVICE_PEER_MAC };
struct device_peer_slot {
	uint8_t key[sizeof(struct sockaddr_in6)];
	uint8_t keylen;
	uint8_t kind;
	uint64_t frames, last_ms;
};

struct device {
	uv_loop_t *loop;
	const struct device_ops *ops;
	struct device_handler h;
	struct device_stats st;
	char *spec;		/* copy of the spec */
	const char *arg;	/* inside spec, after "type:" */
	bool connected;
	bool closing;
	unsigned int closes_pending;
	void (*closed_cb)(void *opaque);
	void *closed_opaque;

	uv_timer_t timer;	/* always initialised */
	uv_poll_t io;		/* watches io_fd while io_init */
	int io_fd;
	int io_events;
	bool io_init;
	bool io_closing;
	uv_poll_t listen;	/* stream: the listening socket */
	int listen_fd;
	bool listen_init;

	int sotype;		/* fd: SO_TYPE, 0 for a character device */
	size_t vnet_hdr_len;	/* tap/fd: virtio-net header before each frame, or 0 */
	bool offload;		/* ... and TCP offloads on (h.offload asked for them) */
	unsigned int mtu;	/* device_offload(): the link MTU (GSO size) */
	unsigned int tx_seg;	/* device_sendv_seg(): the frame's segment size, or 0 */
	size_t max_frame;	/* device_set_max_frame(); DEVICE_MAX_FRAME by default */
	uint8_t *rxbuf;		/* allocated once at open */
	size_t rxcap, rxlen;
	uint8_t *obuf;		/* stream: output ring, allocated once */
	size_t ocap, ohead, olen;
	bool oblocked;		/* stream: the socket is full: wait for writable */
	struct sockaddr_storage raddr; /* dgram: where frames go */
	socklen_t raddrlen;
	bool retry_logged;	/* stream-connect: failure already logged */
	bool sock_created;	/* stream: we bound the socket file */
	dev_t sock_dev;
	ino_t sock_ino;
	struct log_ratelimit rl;
	struct capture *capture; /* device_set_capture(), not owned */
	struct shaper *shaper;	/* device_set_shaper(), not owned */
	bool rx_paused;		/* ... in debt: not reading the VM's frames */
	bool shaped_read;	/* ... read a frame since its last pause */
	int io_want;		/* the events asked for (io_events: those polled) */
	uv_timer_t shape_timer;	/* ends the pause; always initialised */
	bool carrier_set;	/* device_set_carrier() was called ... */
	bool carrier_up;	/* ... last with this, */
	bool carrier_warned;
	int carrier_rc;		/* ... and returned this */
	void *priv;		/* inproc: its endpoint; dgram, vde: their state */
	uint32_t rx_port;	/* inproc: the sender's port during a delivery */
	uint8_t rx_pkttype;	/* packet: the packet type during a delivery */
	const struct virtio_net_hdr *rx_vnet; /* device_rx_vnet() during a delivery */
	const struct virtio_net_hdr *tx_vnet; /* device_send_vnet(): the frame's header,
					       * for a transport with vnet_pass */
	bool vnet_pass;		/* packet: takes frames with their headers (tx_vnet) */
	uint8_t *vnet_buf;	/* device_send_vnet(): a frame cut or completed,
				 * allocated at its first use */
	uv_idle_t flush;	/* ops->flush: runs the flush at the next turn */
	bool flush_init;
	struct device_peer_slot peers[DEVICE_MAX_PEERS];
	unsigned n_peers, peer_next;
};

/* True when the device's bandwidth group is in debt: the caller stops
 * reading frames from the VM. The one place of the pause: dev->io is not
 * polled for reading until it ends, then polled again or ops->rx_resume()
 * called. Every reader (device_pkt_io, stream_read, dgram_io, vu_tx) asks
 * before taking a frame. */
bool device_rx_throttled(struct device *dev);

/* Backends (one ops table each). */
extern const struct device_ops tap_ops;
extern const struct device_ops tap_fd_ops;
extern const struct device_ops stream_listen_ops;
extern const struct device_ops stream_connect_ops;
extern const struct device_ops dgram_ops;
extern const struct device_ops vde_ops;
extern const struct device_ops stream_fd_ops;
extern const struct device_ops inproc_ops;
extern const struct device_ops vhost_user_ops;
extern const struct device_ops packet_ops;

/* snprintf into err (if any); returns err for convenience. */
void device_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports the link state to the handler (only on a change). */
void device_link(struct device *dev, bool up);
/*
 * Hands one received frame to the handler after the sanity check (14 bytes
 * to DEVICE_MAX_FRAME, else rx_errors). Returns true when it was delivered.
 */
bool device_deliver(struct device *dev, const uint8_t *frame, size_t len);
/* The same for a transport with offloads: gso says the frame is a TCP
 * segment the transport carries whole (a GSO frame: not held to the NIC
 * model's frame size). */
bool device_deliver_frame(struct device *dev, const uint8_t *frame, size_t len, bool gso);
/* The same with the frame's virtio-net header (device_rx_vnet()): a GSO
 * frame is held to the NIC model's frame size per wire frame (headers plus
 * gso_size, vnet_wire_len()). */
bool device_deliver_vnet(struct device *dev, const uint8_t *frame, size_t len,
			 const struct virtio_net_hdr *vh);

/* Closes a handle of dev the two-phase way (counted in closes_pending). */
void device_handle_close(struct device *dev, uv_handle_t *handle);

/* Starts watching fd (owned by dev from now on) with events. 0 or -errno;
 * on failure fd is closed. */
int device_io_start(struct device *dev, int fd, int events);
/* Changes the watched events of dev->io. */
void device_io_events(struct device *dev, int events);
/* Stops watching and closes io_fd; ops->io_closed() follows from the loop. */
void device_io_release(struct device *dev);

/*
 * tap and fd: drains up to DEVICE_BATCH frames, one per read(), then calls
 * batch_end. A read error other than EAGAIN/EINTR/ENOBUFS stops the device
 * (link down); so does EOF on a SEQPACKET socket. With vnet_hdr_len, each
 * read starts with a virtio-net header; with offload, the frame is checked
 * with vnet_rx_prepare() (a bad checksum drops it).
 */
void device_pkt_io(struct device *dev, int status, int events);
/* unix_sock.c, for stream and vhost-user: a UNIX socket path fits sockaddr_un (0 or -EINVAL,
 * "type: reason" in err); listening on it (dev->listen_fd, mode 0600, a
 * stale socket file replaced; 0 or -errno); removing it at close if it is
 * still the one bound. */
int device_unix_path_check(const char *type, const char *arg, char *err,
			   size_t errlen);
int device_unix_listen(struct device *dev, const char *path, char *err,
		       size_t errlen);
void device_unix_unlink(struct device *dev, const char *path);
/* The next connection on dev->listen_fd while no VM is attached (a second
 * one is closed with a warning); -1 when there is none (or the device
 * closes). Call until -1: the listening socket is level-triggered. */
int device_unix_accept(struct device *dev);
/* Fills sa with path (checked by device_unix_path_check()); its length. */
struct sockaddr_un;
socklen_t device_unix_addr(const char *path, struct sockaddr_un *sa);
/* stream: stop / restart accepting on dev->listen. */
void device_listen_pause(struct device *dev);
void device_listen_resume(struct device *dev);
/* (Re)starts dev->timer: ops->timer() runs in ms milliseconds. */
void device_timer_arm(struct device *dev, uint64_t ms);
/* tap, fd, dgram: the 0 ms start timer reports link up. */
void device_timer_link_up(struct device *dev);
/* libuv stopped dev->io after POLLERR: watch it again. */
void device_io_restart(struct device *dev);
/* Something was queued: ops->flush() runs at the next turn of the loop. */
void device_flush_arm(struct device *dev);
/* Nothing to flush any more (or waiting for writable): no call. */
void device_flush_disarm(struct device *dev);
/* A frame came from this peer (key: its sockaddr or MAC). */
void device_peer_seen(struct device *dev, enum device_peer_kind kind, const void *key,
		      size_t keylen);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * packet_gso.h - what a packet socket hands over, made into frames a wire
 * would carry, as pure functions (devices/packet.c calls them; a unit test
 * and a fuzz target too).
 *
 * A packet socket sees frames as the host's kernel holds them: TCP
 * segments the host sends out of IF, or that cross a veth, still whole
 * (GSO, up to 64 KiB) and with a partial checksum (TP_STATUS_CSUMNOTREADY:
 * only the pseudo-header sum is in), and TCP segments a real NIC's receive
 * path merged (GRO) longer than the MTU. A VM's card takes neither:
 *   - packet_csum_complete() completes the TCP or UDP checksum of an
 *     unfragmented IPv4 or IPv6 packet (no extension headers);
 *   - packet_tcp_segment() cuts a TCP segment longer than the MTU into
 *     MTU-sized frames (IPv4: total length, identification and header
 *     checksum per frame; IPv6: payload length; TCP: sequence numbers,
 *     FIN and PSH on the last frame only, CWR on the first only), each
 *     with a complete TCP checksum.
 */
#ifndef NATD_PACKET_GSO_H
#define NATD_PACKET_GSO_H

#include <stddef.h>
#include <stdint.h>

/* Completes the L4 checksum of frame[0..len) in place: 0, or -EINVAL when
 * it is no TCP or UDP packet this understands (left unchanged). */
int packet_csum_complete(uint8_t *frame, size_t len);

/*
 * Cuts the TCP segment in frame[0..len) into frames of at most mtu bytes of
 * IP packet, calling emit(opaque, f, flen) for each (f valid during the
 * call, built in buf of bufcap bytes: mtu + 14 at least). Returns the
 * number of frames, or -EINVAL when frame is no TCP segment over IPv4 or
 * IPv6 without options that would not fit or with nothing to cut.
 */
int packet_tcp_segment(const uint8_t *frame, size_t len, unsigned mtu, uint8_t *buf,
		       size_t bufcap, void (*emit)(void *opaque, const uint8_t *f, size_t flen),
		       void *opaque);

#endif

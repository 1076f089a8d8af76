/* SPDX-License-Identifier: MIT */
/*
 * dhcp_options.h - DHCPv4 options an administrator sets by hand, as
 * `VBoxManage dhcpserver --set-opt=N VALUE` and `--set-opt-hex=N HEX` do:
 * the text of a value is turned into the bytes of the option on the wire,
 * typed by the option's code (RFC 2132, RFC 3397 for 119, RFC 3442 for 121).
 * The CLI calls these to check and store what the user typed; the DHCP
 * server (dhcp_server.h) appends the stored bytes to its replies.
 */
#ifndef NATD_DHCP_OPTIONS_H
#define NATD_DHCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One option as sent on the wire: code, length and data. */
struct dhcp_opt {
	uint8_t code;
	uint8_t len;
	uint8_t data[255];
};

/*
 * Whether an administrator may set option `code`: false for pad (0), end
 * (255) and the options the protocol machinery owns: 50 requested address,
 * 52 overload, 53 message type, 54 server identifier, 55 parameter request
 * list, 57 maximum message size, 61 client identifier.
 */
bool dhcp_opt_settable(uint8_t code);

/*
 * Encodes text as option `code` into *out, by the option's type:
 *   IPv4 address lists (commas or spaces between): 3-11, 41, 42, 44, 45, 48,
 *     49, 65, 68-76; one address: 1, 16, 28, 32; address pairs: 21, 33;
 *   numbers: 32-bit unsigned 24, 35, 38, 51, 58, 59; 32-bit signed 2;
 *     16-bit 13, 22, 26; 8-bit 23, 37;
 *   booleans (0/1, true/false, on/off): 19, 20, 27, 29, 30, 31, 34, 36, 39;
 *   strings of 1..255 bytes: 12, 14, 15, 17, 18, 40, 47, 56, 60, 62, 64, 66,
 *     67, 100, 101;
 *   119 domain search list ("example.com, corp.example.net"), RFC 1035 names;
 *   121 classless static routes ("10.0.0.0/8 10.0.2.1, 0.0.0.0/0 10.0.2.2").
 * Returns 0, or -EINVAL with a one-line reason naming the option in err
 * (a code with no known text form, or one not settable, is refused too).
 */
int dhcp_opt_from_text(uint8_t code, const char *text, struct dhcp_opt *out,
		       char *err, size_t errlen);

/*
 * Encodes hex bytes ("01:02:ff" or "0102ff", 1..255 bytes) as option `code`.
 * Returns 0 or -EINVAL with a reason in err (also for a non-settable code).
 */
int dhcp_opt_from_hex(uint8_t code, const char *text, struct dhcp_opt *out,
		      char *err, size_t errlen);

#endif

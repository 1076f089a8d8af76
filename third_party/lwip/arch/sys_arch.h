/* SPDX-License-Identifier: MIT */
/* arch/sys_arch.h - nothing: natd runs lwIP with NO_SYS=1 (no threads). */
#ifndef NATD_LWIP_ARCH_SYS_ARCH_H
#define NATD_LWIP_ARCH_SYS_ARCH_H
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-only fault injection. Compiled in only with -DNSISO_FAULT_INJECTION
 * (build/fault/, used by the fault tests); in the real module every point is
 * the constant 0 and disappears.
 *
 * NSISO_FAULT=<point>:kill   the process at that point dies with SIGKILL
 * NSISO_FAULT=<point>:error  the point fails as if a system call had (EIO)
 * NSISO_FAULT=<point>:pause  the point waits 500 ms, then goes on (race tests)
 */
#ifndef NSISO_FAULT_H
#define NSISO_FAULT_H

#ifdef NSISO_FAULT_INJECTION
int nsiso_fault(const char *point);
#define NSISO_FAULT(point) nsiso_fault(point)
#else
#define NSISO_FAULT(point) 0
#endif

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The namespaces pam_nsiso manages: one table, name <-> CLONE flag <-> /proc
 * file <-> pidfd ioctl <-> bit of a set record's mask. Adding a kind is one
 * enum value and one row (lib/nstable.c); nothing else lists them.
 */
#ifndef NSISO_NSTABLE_H
#define NSISO_NSTABLE_H

#include <stdbool.h>
#include <stdint.h>

enum nsiso_ns {
	NSISO_NS_MNT,
	NSISO_NS_IPC,
	NSISO_NS_UTS,
	NSISO_NS_NET,
	NSISO_NS__MAX,
};

struct nsiso_nsinfo {
	enum nsiso_ns id;
	const char *name;	 /* policy word and file name under /proc/PID/ns */
	int clone_flag;		 /* CLONE_NEW* */
	unsigned long pidfd_get; /* PIDFD_GET_*_NAMESPACE (Linux 6.11) */
	/*
	 * The kind's bit in the "mask=" line of a set record (registry format
	 * v2, on disk across upgrades): fixed per kind, never reused, and
	 * independent of the enum's order, which may change.
	 */
	unsigned record_bit;
	bool supported; /* accepted in `namespaces =` by this version */
};

extern const struct nsiso_nsinfo nsiso_ns_table[NSISO_NS__MAX];

/* Row for a policy word, or NULL. */
const struct nsiso_nsinfo *nsiso_ns_by_name(const char *name);

/* In-memory masks (settings, records) have one bit per enum value. */
#define NSISO_NS_BIT(id) (1u << (id))
_Static_assert(NSISO_NS__MAX <= 32, "an unsigned mask holds one bit per namespace kind");

/* A set's mask (NSISO_NS_BIT per kind) as a record writes it. */
unsigned nsiso_ns_mask_to_record(unsigned mask);

/* A record's mask as a set's mask; -1 when it has a bit no kind owns (or none at all). */
int nsiso_ns_mask_from_record(uint64_t record_mask, unsigned *mask);

/*
 * The kinds of @mask by name, in table order, joined by @sep ("mnt,ipc,uts"
 * for the log and apply's plan, "mnt, ipc, uts" for nsisoctl explain). A name
 * that does not fit is left out with everything after it; @buf is always a
 * string. Returns @buf.
 */
const char *nsiso_ns_mask_format(unsigned mask, const char *sep, char *buf, size_t len);

#endif

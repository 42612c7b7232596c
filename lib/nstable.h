/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The namespaces pam_nsiso manages: one table, name <-> CLONE flag <-> /proc
 * file <-> pidfd ioctl.
 */
#ifndef NSISO_NSTABLE_H
#define NSISO_NSTABLE_H

#include <stdbool.h>

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
	bool supported;		 /* accepted in `namespaces =` by this version */
};

extern const struct nsiso_nsinfo nsiso_ns_table[NSISO_NS__MAX];

/* Row for a policy word, or NULL. */
const struct nsiso_nsinfo *nsiso_ns_by_name(const char *name);

#define NSISO_NS_BIT(id) (1u << (id))

#endif

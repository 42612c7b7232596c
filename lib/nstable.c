/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nstable.h"
#include "util.h"

/*
 * Order matters: creation unshares them all at once, but joining walks this
 * table and must do mnt last (after setns(CLONE_NEWNS) the registry, where
 * the other pins live, is no longer reachable by path; see nsset.c).
 */
/* <linux/pidfd.h> of Linux 6.11; the build's headers may be older than the kernel. */
#define PIDFS_IOCTL_MAGIC 0xFF

const struct nsiso_nsinfo nsiso_ns_table[NSISO_NS__MAX] = {
    [NSISO_NS_MNT] = {NSISO_NS_MNT, "mnt", CLONE_NEWNS, _IO(PIDFS_IOCTL_MAGIC, 3), true},
    [NSISO_NS_IPC] = {NSISO_NS_IPC, "ipc", CLONE_NEWIPC, _IO(PIDFS_IOCTL_MAGIC, 2), true},
    [NSISO_NS_UTS] = {NSISO_NS_UTS, "uts", CLONE_NEWUTS, _IO(PIDFS_IOCTL_MAGIC, 10), true},
    [NSISO_NS_NET] = {NSISO_NS_NET, "net", CLONE_NEWNET, _IO(PIDFS_IOCTL_MAGIC, 4), true},
};

const struct nsiso_nsinfo *nsiso_ns_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table); i++)
		if (strcmp(nsiso_ns_table[i].name, name) == 0)
			return &nsiso_ns_table[i];
	return NULL;
}

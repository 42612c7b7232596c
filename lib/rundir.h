/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /run/user/<uid> inside a set follows the host's.
 *
 * logind mounts a tmpfs on /run/user/<uid> when a user's first session
 * starts (user-runtime-dir@<uid>.service) and, when the user manager stops,
 * empties it, unmounts it and removes the directory. A set made with
 * propagation = private sees neither: a set kept alive (lifetime = boot, a
 * tmux) keeps the mount it was made with, or, once logind has removed the
 * directory under it, the empty directory logind makes next; the next user
 * manager then fails ("Failed to allocate manager object: Permission
 * denied") and XDG_RUNTIME_DIR is useless. With slave propagation the
 * host's mounts and unmounts reach the set, but a mount put there by this
 * code is no propagated copy and would not follow: so every login checks.
 *
 * Before the join, the host's /run/user/<uid> is noted (one openat2 and one
 * fstat); after it, the set's is compared with it by st_dev (one file
 * system, one device). Only when they differ: whatever is mounted there in
 * the set is detached and, when the host has a mount there, a clone of it
 * (open_tree, with its submounts, taken in the host's namespace by fd) is
 * mounted instead; when the host has none, the set shows the directory
 * beneath, as the host does.
 */
#ifndef NSISO_RUNDIR_H
#define NSISO_RUNDIR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum nsiso_rundir_state {
	NSISO_RUNDIR_UNKNOWN, /* could not be looked at: nothing is done */
	NSISO_RUNDIR_NONE,    /* no /run/user/<uid> on the host */
	NSISO_RUNDIR_DIR,     /* a directory, nothing mounted on it */
	NSISO_RUNDIR_MOUNT,   /* a mount point (logind's tmpfs) */
};

struct nsiso_rundir {
	uid_t uid;
	enum nsiso_rundir_state state;
	int fd;	      /* O_PATH of the host's /run/user/<uid>, -1 */
	uint64_t dev; /* its st_dev */
};

#define NSISO_RUNDIR_INIT                                                                          \
	{                                                                                          \
		.uid = (uid_t)-1, .state = NSISO_RUNDIR_UNKNOWN, .fd = -1, .dev = 0                \
	}

/* In the host's (the registry's) mount namespace, before the join: note its /run/user/@uid. */
void nsiso_rundir_note(uid_t uid, struct nsiso_rundir *h);

/*
 * In the set, after the join: make its /run/user/<uid> the host's as @h
 * noted it. @host_mnt_fd: the host's mount namespace, visited for the clone.
 * *@refreshed: something had to change. 0; -1 (the set is as it was, or
 * without its stale mount); -2: the caller could not come back from the
 * host's namespace and is not in the set any more.
 */
int nsiso_rundir_sync(const struct nsiso_rundir *h, int host_mnt_fd, bool *refreshed,
		      struct nsiso_error *err);

void nsiso_rundir_close(struct nsiso_rundir *h);

#endif

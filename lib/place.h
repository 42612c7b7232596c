/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the caller stands in the file system: its mount namespace, root and
 * working directory. setns(CLONE_NEWNS) resets root and cwd to the new
 * namespace's root, so code that visits another mount namespace (the keeper,
 * the host, a set under construction) saves its place first and is put back
 * exactly: the PAM caller (sshd, su, login) never notices the trip.
 */
#ifndef NSISO_PLACE_H
#define NSISO_PLACE_H

#include "error.h"

struct nsiso_place {
	int mnt_fd;  /* the mount namespace (owned unless borrowed) */
	int root_fd; /* O_PATH of "/" */
	int cwd_fd;  /* O_PATH of "." */
	int borrowed_mnt;
};

#define NSISO_PLACE_INIT                                                                           \
	{                                                                                          \
		.mnt_fd = -1, .root_fd = -1, .cwd_fd = -1, .borrowed_mnt = 0                       \
	}

/*
 * Note where the caller is. @mnt_fd: the caller's own mount namespace when
 * already open (borrowed, not closed), -1 to open it here.
 */
int nsiso_place_save(struct nsiso_place *p, int mnt_fd, struct nsiso_error *err);

/* Go back there: the mount namespace, then root, then cwd. */
int nsiso_place_restore(const struct nsiso_place *p, struct nsiso_error *err);

void nsiso_place_close(struct nsiso_place *p);
#define _cleanup_place_ __attribute__((cleanup(nsiso_place_close)))

/*
 * Save the caller's place and setns() into @target_mnt_fd: the start of a
 * visit. On failure the caller has not moved and *@p is closed.
 */
int nsiso_place_visit(struct nsiso_place *p, int own_mnt_fd, int target_mnt_fd,
		      struct nsiso_error *err);

/*
 * The same, for a caller that may share its fs_struct (a multithreaded
 * process): 1 when setns() refuses for that reason (EINVAL), nothing changed
 * and @err untouched, so that the caller can hand the work to a child.
 */
int nsiso_place_try_visit(struct nsiso_place *p, int own_mnt_fd, int target_mnt_fd,
			  struct nsiso_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "fsutil.h"
#include "place.h"
#include "rundir.h"
#include "util.h"

/* Mounts stacked on one /run/user/<uid> that a set may hold: a bound, not a loop. */
#define MAX_STACK 16

static int open_beneath(int dirfd, const char *path)
{
	int fd = nsiso_openat2(dirfd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);

	return fd < 0 ? -errno : fd;
}

/* /run/user (*@parent) and /run/user/<uid> (*@fd), symlinks refused on the way. 0 or -errno. */
static int open_rundir(uid_t uid, int *parent, int *fd)
{
	char name[16];

	*parent = *fd = -1;
	if ((*parent = open_beneath(AT_FDCWD, "/run/user")) < 0)
		return *parent;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if ((*fd = open_beneath(*parent, name)) < 0)
		return *fd;
	return 0;
}

void nsiso_rundir_note(uid_t uid, struct nsiso_rundir *h)
{
	_cleanup_close_ int parent = -1;
	struct stat st;
	int r;

	*h = (struct nsiso_rundir)NSISO_RUNDIR_INIT;
	h->uid = uid;
	r = open_rundir(uid, &parent, &h->fd);
	if (r == -ENOENT) {
		h->state = NSISO_RUNDIR_NONE;
		return;
	}
	if (r < 0 || fstat(h->fd, &st) < 0 || (r = nsiso_is_mountpoint(h->fd, parent)) < 0) {
		nsiso_rundir_close(h);
		return;
	}
	h->dev = (uint64_t)st.st_dev;
	h->state = r ? NSISO_RUNDIR_MOUNT : NSISO_RUNDIR_DIR;
}

void nsiso_rundir_close(struct nsiso_rundir *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->state = NSISO_RUNDIR_UNKNOWN;
}

/*
 * A clone of the host's mount, with its submounts: open_tree() clones only
 * mounts of the caller's namespace, so the caller visits the host's. -1, or
 * -2 when it could not come back (it is not in the set any more).
 */
static int clone_host(const struct nsiso_rundir *h, int host_mnt_fd, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int tree, e;

	if (nsiso_place_visit(&p, -1, host_mnt_fd, err) < 0)
		return -1;
	tree = open_tree(h->fd, "",
			 OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	e = errno;
	if (nsiso_place_restore(&p, err) < 0) {
		if (tree >= 0)
			close(tree);
		return -2;
	}
	if (tree < 0)
		return nsiso_syserr(err, e, "cannot clone the host's /run/user/%u",
				    (unsigned)h->uid);
	return tree;
}

/* Detach every mount stacked on the set's /run/user/<uid>; *@fd ends on the directory beneath. */
static int detach_all(uid_t uid, int parent, int *fd, struct nsiso_error *err)
{
	char path[64], name[16];

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	for (int i = 0; i < MAX_STACK && nsiso_is_mountpoint(*fd, parent) == 1; i++) {
		/* On the fd: the magic link leads to exactly this mount, nothing is looked up
		 * again. */
		nsiso_fd_path(*fd, path, sizeof(path));
		if (umount2(path, MNT_DETACH) < 0)
			return nsiso_syserr(err, errno,
					    "cannot detach the set's stale /run/user/%u",
					    (unsigned)uid);
		close(*fd);
		if ((*fd = open_beneath(parent, name)) < 0)
			return nsiso_syserr(err, -*fd, "cannot open /run/user/%u in the set",
					    (unsigned)uid);
	}
	return 0;
}

int nsiso_rundir_sync(const struct nsiso_rundir *h, int host_mnt_fd, bool *refreshed,
		      struct nsiso_error *err)
{
	_cleanup_close_ int parent = -1, fd = -1, tree = -1;
	struct stat st;
	int r;

	*refreshed = false;
	if (h->state == NSISO_RUNDIR_UNKNOWN)
		return 0;
	r = open_rundir(h->uid, &parent, &fd);
	if (r == -ENOENT && h->state != NSISO_RUNDIR_MOUNT)
		return 0;
	if (r < 0 || fstat(fd, &st) < 0)
		return nsiso_syserr(err, r < 0 ? -r : errno, "cannot open /run/user/%u in the set",
				    (unsigned)h->uid);
	/* One file system, one device: the host's own, a propagated copy or a clone of it. */
	if (h->state != NSISO_RUNDIR_NONE && (uint64_t)st.st_dev == h->dev)
		return 0;
	if (h->state == NSISO_RUNDIR_NONE && nsiso_is_mountpoint(fd, parent) != 1)
		return 0;
	/* Stale. The clone first: if it cannot be had, the set stays as it was. */
	if (h->state == NSISO_RUNDIR_MOUNT && (tree = clone_host(h, host_mnt_fd, err)) < 0)
		return tree;
	if (detach_all(h->uid, parent, &fd, err) < 0)
		return -1;
	*refreshed = true;
	if (tree >= 0 &&
	    move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot mount the host's /run/user/%u in the set",
				    (unsigned)h->uid);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "fsutil.h"
#include "place.h"
#include "tmpshare.h"
#include "util.h"

#define TMP "/tmp"

/* Tries to get a directory in the private /tmp while something there keeps getting in the way. */
#define MOUNTPOINT_TRIES 4

void nsiso_tmpshare_init(struct nsiso_tmpshare *ts)
{
	*ts = (struct nsiso_tmpshare){0};
	for (unsigned i = 0; i < NSISO_MAX_TMP_SHARE; i++)
		ts->fd[i] = -1;
}

void nsiso_tmpshare_close(struct nsiso_tmpshare *ts)
{
	for (unsigned i = 0; i < NSISO_MAX_TMP_SHARE; i++) {
		nsiso_closep(&ts->fd[i]);
		ts->fd[i] = -1;
	}
	ts->n = 0;
}

/* Does the set have a private /tmp at all? Without one the host's entries are in view. */
static bool private_tmp(const struct nsiso_settings *s)
{
	if (s->tmp == NSISO_TMP_OFF)
		return false;
	for (unsigned i = 0; i < s->n_tmp_dirs; i++)
		if (strcmp(s->tmp_dirs[i], TMP) == 0)
			return true;
	return false;
}

__attribute__((format(printf, 2, 3))) static void note(struct nsiso_tmpshare *ts, const char *fmt,
						       ...)
{
	size_t used = strlen(ts->note);
	va_list ap;

	if (used + 3 >= sizeof(ts->note))
		return;
	if (used) {
		memcpy(ts->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(ts->note + used, sizeof(ts->note) - used, fmt, ap);
	va_end(ap);
}

/*
 * The host's /tmp/@name does not exist: make it as systemd-tmpfiles' x11.conf
 * makes /tmp/.X11-unix, root 1777, so that an X server started later (on the
 * host or in any set sharing it) puts its socket where every set sees it.
 * The mode is set on the fd (umask); the sticky, root-owned /tmp keeps
 * anybody else from swapping the new directory.
 */
static int create_entry(int tmp, const char *name, struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (mkdirat(tmp, name, 0700) < 0)
		return errno == EEXIST ? 0
				       : nsiso_syserr(err, errno, "cannot create " TMP "/%s", name);
	fd = openat(tmp, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "cannot open the new " TMP "/%s", name);
	if (st.st_uid == 0 && fchmod(fd, 01777) < 0)
		return nsiso_syserr(err, errno, "cannot chmod the new " TMP "/%s", name);
	return 0;
}

/*
 * Open the host's /tmp/@name: an O_PATH fd, or -1 and a note on why it is
 * left out (a state any user can bring about), or -2 on a system error.
 */
static int open_entry(int tmp, const char *name, struct nsiso_tmpshare *ts, struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char esc[96];
	struct stat st;

	nsiso_escape(esc, sizeof(esc), name);
	fd = openat(tmp, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (create_entry(tmp, name, err) < 0)
			return -2;
		fd = openat(tmp, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "tmp_share: cannot open " TMP "/%s", esc), -2;
	if (S_ISLNK(st.st_mode))
		return note(ts, "tmp_share: " TMP "/%s is a symlink: not shared", esc), -1;
	if (!S_ISDIR(st.st_mode))
		return note(ts, "tmp_share: " TMP "/%s is not a directory: not shared", esc), -1;
	if (st.st_uid != 0)
		return note(ts,
			    "tmp_share: " TMP "/%s is owned by uid %u, not root: not shared (an "
			    "administrator should remove it)",
			    esc, (unsigned)st.st_uid),
		       -1;
	return nsiso_steal_fd(&fd);
}

int nsiso_tmpshare_open(const struct nsiso_settings *s, struct nsiso_tmpshare *ts,
			struct nsiso_error *err)
{
	_cleanup_close_ int tmp = -1;
	struct stat st;

	nsiso_tmpshare_init(ts);
	if (s->n_tmp_share == 0 || !private_tmp(s))
		return 0;
	tmp = open(TMP, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp < 0 || fstat(tmp, &st) < 0)
		return nsiso_syserr(err, errno, "tmp_share: cannot open the host's " TMP);
	if (st.st_uid != 0) {
		note(ts,
		     "tmp_share: the host's " TMP " is owned by uid %u, not root: nothing shared",
		     (unsigned)st.st_uid);
		return 0;
	}
	for (unsigned i = 0; i < s->n_tmp_share; i++) {
		int fd = open_entry(tmp, s->tmp_share[i], ts, err);

		if (fd == -2) {
			nsiso_tmpshare_close(ts);
			return -1;
		}
		ts->name[i] = s->tmp_share[i];
		ts->rw[i] = s->tmp_share_rw & (1u << i);
		ts->fd[i] = fd;
		ts->n = i + 1;
	}
	return 0;
}

/* The private /tmp of the new mount namespace, no symlink followed. */
static int open_private_tmp(struct nsiso_error *err)
{
	_cleanup_close_ int fd =
	    nsiso_openat2(AT_FDCWD, TMP, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "tmp_share: cannot open the private " TMP);
	if (st.st_uid != 0)
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "tmp_share: the private " TMP " is owned by uid %u, not root",
				  (unsigned)st.st_uid);
	return nsiso_steal_fd(&fd);
}

/*
 * A directory @name in the private /tmp to mount on. The private /tmp is
 * the user's (its tmpfs outlives a set): whatever the user left there under
 * that name is theirs to play with, so nothing is followed. A symlink or
 * file in the way is removed (the name is reserved for the host's entry);
 * a directory of the user's is mounted over, which hides nothing of anybody
 * else's.
 */
static int open_mountpoint(int tmp, const char *name, struct nsiso_error *err)
{
	for (int i = 0; i < MOUNTPOINT_TRIES; i++) {
		int fd = nsiso_openat2(tmp, name, O_PATH | O_DIRECTORY | O_NOFOLLOW,
				       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);

		if (fd >= 0)
			return fd;
		if (errno == ENOENT) {
			if (mkdirat(tmp, name, 0755) < 0 && errno != EEXIST)
				break;
		} else if (errno == ENOTDIR || errno == ELOOP) {
			if (unlinkat(tmp, name, 0) < 0 && errno != ENOENT)
				break;
		} else {
			break;
		}
	}
	return nsiso_syserr(err, errno, "tmp_share: cannot make a mount point " TMP "/%s", name);
}

/* A detached clone of the host's entry @fd: open_tree() clones only in its own namespace. */
static int clone_entry(int fd, int host_mnt_fd, const char *name, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int tree, e;

	if (nsiso_place_visit(&p, -1, host_mnt_fd, err) < 0)
		return -1;
	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	e = errno;
	if (nsiso_place_restore(&p, err) < 0) {
		nsiso_closep(&tree);
		return -1;
	}
	if (tree < 0)
		return nsiso_syserr(err, e, "tmp_share: cannot clone the host's " TMP "/%s", name);
	return tree;
}

static int share_one(const struct nsiso_tmpshare *ts, unsigned i, int tmp, int host_mnt_fd,
		     struct nsiso_error *err)
{
	struct mount_attr attr = {
	    .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			(ts->rw[i] ? 0 : MOUNT_ATTR_RDONLY),
	};
	_cleanup_close_ int tree = -1, dst = -1;
	const char *name = ts->name[i];

	if ((tree = clone_entry(ts->fd[i], host_mnt_fd, name, err)) < 0)
		return -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return nsiso_syserr(err, errno, "tmp_share: cannot set the flags of " TMP "/%s",
				    name);
	if ((dst = open_mountpoint(tmp, name, err)) < 0)
		return -1;
	if (move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "tmp_share: cannot mount the host's " TMP "/%s",
				    name);
	return 0;
}

int nsiso_tmpshare_mount(const struct nsiso_tmpshare *ts, int host_mnt_fd, struct nsiso_error *err)
{
	_cleanup_close_ int tmp = -1;
	bool any = false;

	for (unsigned i = 0; i < ts->n; i++)
		any |= ts->fd[i] >= 0;
	if (!any)
		return 0;
	if ((tmp = open_private_tmp(err)) < 0)
		return -1;
	for (unsigned i = 0; i < ts->n; i++)
		if (ts->fd[i] >= 0 && share_one(ts, i, tmp, host_mnt_fd, err) < 0)
			return -1;
	return 0;
}

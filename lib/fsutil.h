/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fd-based file-system helpers: no path is ever resolved twice. */
#ifndef NSISO_FSUTIL_H
#define NSISO_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* "/proc/self/fd/N": lets path-only system calls (mount, umount2) act on an fd. */
void nsiso_fd_path(int fd, char *buf, size_t len);

/*
 * openat2(2) with @flags (O_CLOEXEC added) and @resolve, never through a
 * magic link: the one way paths under a directory a user can write are
 * opened. -1 with errno.
 */
int nsiso_openat2(int dirfd, const char *path, int flags, unsigned long long resolve);

/* 1 when @fd is the root of a mount different from @parent_fd's, 0 when not, <0 (-errno). */
int nsiso_is_mountpoint(int fd, int parent_fd);

/* flock(LOCK_EX), giving up after @timeout_ms (errno ETIMEDOUT). 0 or -1 with errno set. */
int nsiso_flock_timeout(int fd, int timeout_ms);

/*
 * Open directory @name under @dirfd (creating it 0700 when @create), refusing a
 * symlink, a non-directory, or anything not owned by root or accessible by
 * group/others (kind NSISO_ERR_UNSAFE). @what names it in messages.
 */
int nsiso_open_root_dir(int dirfd, const char *name, const char *what, bool create,
			struct nsiso_error *err);

/*
 * The same without creating it, for a directory that may well not be there:
 * 0 and its fd in *@fd; NSISO_ABSENT when nothing is at @name (*@fd -1, @err
 * untouched); -1 for anything else, as nsiso_open_root_dir().
 */
int nsiso_find_root_dir(int dirfd, const char *name, const char *what, int *fd,
			struct nsiso_error *err);

/*
 * Open @path (absolute) for something we will trust (the policy, a hook):
 * walked from / with O_NOFOLLOW at every step, every directory and the file
 * itself root-owned and not group/world writable. The file is opened with
 * @oflags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY (a FIFO cannot hang
 * us). *@st (may be NULL) gets the file's fstat, which the check already made.
 * Failures are of @kind and name the path and the reason.
 */
struct stat;
int nsiso_open_trusted(const char *path, int oflags, enum nsiso_errkind kind, struct stat *st,
		       struct nsiso_error *err);

/*
 * The walk of nsiso_open_trusted() up to the directory that holds @path's
 * last component, checked the same way: an O_PATH fd of it, and *@leaf
 * pointing at that last component inside @path. For opening several names
 * next to each other (a policy file and its drop-in directory) from one walk.
 */
int nsiso_open_trusted_dir_of(const char *path, const char **leaf, enum nsiso_errkind kind,
			      struct nsiso_error *err);

/*
 * The last step of nsiso_open_trusted(): @name in @dfd, a directory the
 * caller has already walked and checked (a policy drop-in directory), with
 * the same flags and checks. @path is @name's whole path, for messages. With
 * O_DIRECTORY in @oflags the messages say "the directory". A failed open
 * keeps its errno in @err.
 */
int nsiso_openat_trusted(int dfd, const char *name, const char *path, int oflags,
			 enum nsiso_errkind kind, struct stat *st, struct nsiso_error *err);

/*
 * The same for a name that may be missing (a policy's drop-in directory):
 * 0 and the fd in *@out, NSISO_ABSENT when there is nothing at @name (@err
 * untouched), or -1 with @err.
 */
int nsiso_findat_trusted(int dfd, const char *name, const char *path, int oflags,
			 enum nsiso_errkind kind, int *out, struct nsiso_error *err);

/*
 * Unmount everything stacked on @name under @dirfd (MNT_DETACH, at most 16:
 * a tampered pin may hold several). Errors are ignored: what cannot be
 * unmounted is found by the caller's next check.
 */
void nsiso_unmount_all(int dirfd, const char *name);

/*
 * Remove @name under @dirfd and everything below it, for trees a user has
 * written to (persistent tmp dirs, a set's tmp dirs): every step is relative
 * to a directory fd, a symlink is removed and never followed, a mount point
 * (another file system, or a bind mount) is never entered and makes it
 * fail, and the depth of the walk is bounded (a deeper directory is moved
 * up under @name and taken in a later pass), so a deep tree costs passes,
 * not file descriptors. A @name that is not a directory is unlinked.
 * 0 removed (or absent), -1 with what was left in the way.
 */
int nsiso_remove_tree(int dirfd, const char *name, struct nsiso_error *err);

#endif

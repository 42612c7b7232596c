/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "fsutil.h"
#include "util.h"

void nsiso_fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int mnt_id(int fd, uint64_t *id)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -ENOSYS;
	*id = stx.stx_mnt_id;
	return 0;
}

int nsiso_is_mountpoint(int fd, int parent_fd)
{
	uint64_t a, b;
	int r;

	if ((r = mnt_id(fd, &a)) < 0 || (r = mnt_id(parent_fd, &b)) < 0)
		return r;
	return a != b;
}

int nsiso_flock_timeout(int fd, int timeout_ms)
{
	/*
	 * Not a blocking flock(): a login must never hang forever behind another
	 * one that is stuck. Back off from 1 ms to 50 ms between tries.
	 */
	long waited_ms = 0, step_ms = 1;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (waited_ms >= timeout_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = step_ms * 1000000L};
		nanosleep(&ts, NULL);
		waited_ms += step_ms;
		if (step_ms < 50)
			step_ms *= 2;
	}
}

/*
 * A directory of ours (registry, instance dirs) must be a real directory, owned by root, with no
 * access for anyone else: a user who could create or swap entries here could
 * make us bind a namespace or directory of their choosing into someone
 * else's login.
 */
/* The checks of nsiso_open_root_dir() on @fd, the result of an open that set errno when < 0. */
static int checked_root_dir(int fd, const char *what, struct nsiso_error *err)
{
	_cleanup_close_ int owned = fd;
	struct stat st;

	if (owned < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
					  "%s is not a directory (symlink?): refusing to use it",
					  what);
		return nsiso_syserr(err, errno, "cannot open %s", what);
	}
	if (fstat(owned, &st) < 0)
		return nsiso_syserr(err, errno, "cannot stat %s", what);
	if (st.st_uid != 0 || (st.st_mode & 0077))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "%s is unsafe (owner uid %u, mode %04o; want root, 0700): "
				  "refusing to use it",
				  what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return nsiso_steal_fd(&owned);
}

static int open_dir_nofollow(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int nsiso_open_root_dir(int dirfd, const char *name, const char *what, bool create,
			struct nsiso_error *err)
{
	/* Open first: the directory nearly always exists, and a login pays per syscall. */
	int fd = open_dir_nofollow(dirfd, name);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
			return nsiso_syserr(err, errno, "cannot create %s", what);
		fd = open_dir_nofollow(dirfd, name);
	}
	return checked_root_dir(fd, what, err);
}

int nsiso_find_root_dir(int dirfd, const char *name, const char *what, int *fd,
			struct nsiso_error *err)
{
	int r = open_dir_nofollow(dirfd, name);

	*fd = -1;
	if (r < 0 && errno == ENOENT)
		return NSISO_ABSENT;
	if ((r = checked_root_dir(r, what, err)) < 0)
		return -1;
	*fd = r;
	return 0;
}

/* ---- trusted paths: policy file, hooks ---- */

static int check_owner_mode(const struct stat *st, const char *what, const char *path, size_t plen,
			    enum nsiso_errkind kind, struct nsiso_error *err)
{
	char ep[256];

	nsiso_escape_mem(ep, sizeof(ep), path, plen);
	if (st->st_uid != 0)
		return nsiso_fail(err, kind, 0, "%s: %s is owned by uid %u, not root", ep, what,
				  (unsigned)st->st_uid);
	if (st->st_mode & 022)
		return nsiso_fail(err, kind, 0, "%s: %s is group or world writable (mode %04o)", ep,
				  what, (unsigned)(st->st_mode & 07777));
	return 0;
}

static int check_dir(int dfd, const char *path, size_t plen, enum nsiso_errkind kind,
		     struct nsiso_error *err)
{
	struct stat st;
	char ep[256];

	if (fstat(dfd, &st) < 0)
		return nsiso_fail(err, kind, errno, "%s: cannot stat",
				  nsiso_escape_mem(ep, sizeof(ep), path, plen));
	return check_owner_mode(&st, "directory", path, plen, kind, err);
}

/* Why openat(O_NOFOLLOW) of @name failed, in words. */
static int open_failed(int dfd, const char *name, int errnum, const char *path, size_t plen,
		       const char *what, enum nsiso_errkind kind, struct nsiso_error *err)
{
	struct stat st;
	char ep[256];

	nsiso_escape_mem(ep, sizeof(ep), path, plen);
	if ((errnum == ELOOP || errnum == ENOTDIR) &&
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return nsiso_fail(err, kind, 0, "%s: is a symbolic link (refusing to follow it)",
				  ep);
	return nsiso_fail(err, kind, errnum, "%s: cannot open %s", ep, what);
}

/* The checks of nsiso_openat_trusted() on @fd, the result of its openat() (errno intact). */
static int trusted_fd(int fd, int dfd, const char *name, const char *path, int oflags,
		      enum nsiso_errkind kind, struct stat *st, struct nsiso_error *err)
{
	_cleanup_close_ int own = fd;
	const char *what = (oflags & O_DIRECTORY) ? "the directory" : "the file";
	struct stat leaf;
	char ep[256];

	if (!st)
		st = &leaf;
	if (own < 0)
		return open_failed(dfd, name, errno, path, strlen(path), what, kind, err);
	if (fstat(own, st) < 0)
		return nsiso_fail(err, kind, errno, "%s: cannot stat",
				  nsiso_escape(ep, sizeof(ep), path));
	if (check_owner_mode(st, what, path, strlen(path), kind, err) < 0)
		return -1;
	return nsiso_steal_fd(&own);
}

/* O_NONBLOCK|O_NOCTTY: a FIFO or tty planted here must not hang or grab a login. */
static int open_leaf(int dfd, const char *name, int oflags)
{
	return openat(dfd, name, oflags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
}

int nsiso_openat_trusted(int dfd, const char *name, const char *path, int oflags,
			 enum nsiso_errkind kind, struct stat *st, struct nsiso_error *err)
{
	return trusted_fd(open_leaf(dfd, name, oflags), dfd, name, path, oflags, kind, st, err);
}

int nsiso_findat_trusted(int dfd, const char *name, const char *path, int oflags,
			 enum nsiso_errkind kind, int *out, struct nsiso_error *err)
{
	int fd = open_leaf(dfd, name, oflags);

	*out = -1;
	if (fd < 0 && errno == ENOENT)
		return NSISO_ABSENT;
	fd = trusted_fd(fd, dfd, name, path, oflags, kind, NULL, err);
	if (fd < 0)
		return -1;
	*out = fd;
	return 0;
}

/* The next path component of *@p: a malloc'ed name, *@end its end in the path. */
static char *next_component(const char **p, const char **end)
{
	const char *comp;

	while (**p == '/')
		(*p)++;
	comp = *p;
	*end = strchrnul(*p, '/');
	*p = *end;
	while (**p == '/')
		(*p)++;
	return *end == comp ? NULL : strndup(comp, (size_t)(*end - comp));
}

int nsiso_open_trusted_dir_of(const char *path, const char **leaf, enum nsiso_errkind kind,
			      struct nsiso_error *err)
{
	_cleanup_close_ int dfd = -1;
	const char *p = path;
	char ep[256];

	nsiso_escape(ep, sizeof(ep), path);
	if (path[0] != '/')
		return nsiso_fail(err, kind, 0, "%s: not an absolute path", ep);
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return nsiso_fail(err, kind, errno, "%s: cannot open /", ep);
	if (check_dir(dfd, "/", 1, kind, err) < 0)
		return -1;
	for (;;) {
		const char *end;
		_cleanup_free_ char *name = next_component(&p, &end);
		int nfd;

		if (!name)
			return nsiso_fail(err, kind, 0, "%s: not a file name", ep);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return nsiso_fail(err, kind, 0,
					  "%s: '.' and '..' are not allowed in the path", ep);
		if (!*p) {
			if (*end == '/')
				return nsiso_fail(err, kind, 0, "%s: not a file name", ep);
			*leaf = end - strlen(name); /* the end of @path: NUL-terminated */
			return nsiso_steal_fd(&dfd);
		}
		nfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return open_failed(dfd, name, errno, path, (size_t)(end - path),
					   "the directory", kind, err);
		close(dfd);
		dfd = nfd;
		if (check_dir(dfd, path, (size_t)(end - path), kind, err) < 0)
			return -1;
	}
}

int nsiso_open_trusted(const char *path, int oflags, enum nsiso_errkind kind, struct stat *st,
		       struct nsiso_error *err)
{
	const char *leaf;
	_cleanup_close_ int dfd = nsiso_open_trusted_dir_of(path, &leaf, kind, err);

	if (dfd < 0)
		return -1;
	return nsiso_openat_trusted(dfd, leaf, path, oflags, kind, st, err);
}

void nsiso_unmount_all(int dirfd, const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	for (int i = 0; i < 16; i++)
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			break;
}

/* ---- removing a tree a user has written to ---- */

#define REMOVE_DEPTH  32 /* directory levels held open at once */
#define REMOVE_PASSES 64 /* passes over the tree before giving up */

struct remove_walk {
	int top;	/* the tree's top: a directory too deep is moved up here */
	unsigned moved; /* names for those */
	bool progress;	/* this pass removed or moved something */
};

int nsiso_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Directory @name of @dirfd, neither through a symlink nor across a mount point. */
static int open_subdir(int dirfd, const char *name)
{
	return nsiso_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
			     RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS);
}

/* A directory too deep to descend into now: up to the top, for the next pass. */
static void move_up(struct remove_walk *w, int dirfd, const char *name)
{
	char to[32];

	for (int tries = 0; tries < 64; tries++) {
		snprintf(to, sizeof(to), ".nsiso-deep-%u", w->moved++);
		if (renameat2(dirfd, name, w->top, to, RENAME_NOREPLACE) == 0) {
			w->progress = true;
			return;
		}
		if (errno != EEXIST)
			return;
	}
}

static void empty_dir(struct remove_walk *w, int fd, unsigned depth);

static void remove_entry(struct remove_walk *w, int dirfd, const char *name, unsigned depth)
{
	_cleanup_close_ int sub = -1;
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		/* A symlink goes itself: its target is never looked at. */
		if (unlinkat(dirfd, name, 0) == 0)
			w->progress = true;
		return;
	}
	/*
	 * A mount point (EXDEV) stays, and so the tree cannot go; a directory
	 * swapped for a symlink meanwhile (ELOOP) is unlinked in the next pass.
	 */
	if ((sub = open_subdir(dirfd, name)) < 0)
		return;
	if (depth >= REMOVE_DEPTH) {
		move_up(w, dirfd, name);
		return;
	}
	empty_dir(w, sub, depth + 1);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		w->progress = true;
}

static void empty_dir(struct remove_walk *w, int fd, unsigned depth)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;

	if (dup_fd < 0)
		return;
	if (!(d = fdopendir(dup_fd))) {
		close(dup_fd);
		return;
	}
	rewinddir(d); /* the dup shares the offset of an earlier pass */
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_entry(w, fd, de->d_name, depth);
	closedir(d);
}

int nsiso_remove_tree(int dirfd, const char *name, struct nsiso_error *err)
{
	_cleanup_close_ int top = -1;
	struct remove_walk w = {0};
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : nsiso_syserr(err, errno, "cannot stat %s", name);
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT
			   ? 0
			   : nsiso_syserr(err, errno, "cannot remove %s", name);
	if ((top = open_subdir(dirfd, name)) < 0)
		return nsiso_syserr(err, errno, "cannot open %s", name);
	w.top = top;
	for (int pass = 0; pass < REMOVE_PASSES; pass++) {
		w.progress = false;
		empty_dir(&w, top, 1);
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (!w.progress)
			break;
	}
	return nsiso_syserr(err, errno,
			    "cannot remove everything in %s (a mount point inside, or a tree that "
			    "keeps changing)",
			    name);
}

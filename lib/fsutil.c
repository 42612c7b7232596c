/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <unistd.h>

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
int nsiso_open_root_dir(int dirfd, const char *name, const char *what, bool create,
			struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return nsiso_syserr(err, errno, "cannot create %s", what);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
					  "%s is not a directory (symlink?): refusing to use it",
					  what);
		return nsiso_syserr(err, errno, "cannot open %s", what);
	}
	if (fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "cannot stat %s", what);
	if (st.st_uid != 0 || (st.st_mode & 0077))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "%s is unsafe (owner uid %u, mode %04o; want root, 0700): "
				  "refusing to use it",
				  what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return nsiso_steal_fd(&fd);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nstable.h"
#include "place.h"
#include "util.h"

/* The caller's mount namespace without procfs: the keeper has no /proc. */
static int own_mnt_fd(void)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int fd;

	if (pidfd >= 0 && (fd = ioctl(pidfd, nsiso_ns_table[NSISO_NS_MNT].pidfd_get, 0)) >= 0)
		return fd;
	return open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
}

int nsiso_place_save(struct nsiso_place *p, int mnt_fd, struct nsiso_error *err)
{
	*p = (struct nsiso_place)NSISO_PLACE_INIT;
	p->borrowed_mnt = mnt_fd >= 0;
	p->mnt_fd = mnt_fd >= 0 ? mnt_fd : own_mnt_fd();
	if (p->mnt_fd < 0)
		return nsiso_syserr(err, errno, "cannot open the caller's mount namespace");
	p->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	p->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->root_fd < 0 || p->cwd_fd < 0) {
		int e = errno;

		nsiso_place_close(p);
		return nsiso_syserr(err, e, "cannot note the caller's root and working directory");
	}
	return 0;
}

int nsiso_place_restore(const struct nsiso_place *p, struct nsiso_error *err)
{
	if (setns(p->mnt_fd, CLONE_NEWNS) < 0)
		return nsiso_syserr(err, errno, "cannot return to the caller's mount namespace");
	/*
	 * setns() put root and cwd at that namespace's root. A caller that was
	 * chrooted (or just elsewhere) gets its own back: fchdir + chroot(".")
	 * re-establishes the root by fd, with no path looked up again.
	 */
	if (fchdir(p->root_fd) < 0 || chroot(".") < 0 || fchdir(p->cwd_fd) < 0)
		return nsiso_syserr(err, errno,
				    "cannot restore the caller's root and working "
				    "directory");
	return 0;
}

void nsiso_place_close(struct nsiso_place *p)
{
	if (p->mnt_fd >= 0 && !p->borrowed_mnt)
		close(p->mnt_fd);
	if (p->root_fd >= 0)
		close(p->root_fd);
	if (p->cwd_fd >= 0)
		close(p->cwd_fd);
	*p = (struct nsiso_place)NSISO_PLACE_INIT;
}

int nsiso_place_try_visit(struct nsiso_place *p, int own_mnt_fd, int target_mnt_fd,
			  struct nsiso_error *err)
{
	if (nsiso_place_save(p, own_mnt_fd, err) < 0)
		return -1;
	if (setns(target_mnt_fd, CLONE_NEWNS) < 0) {
		int e = errno;

		nsiso_place_close(p);
		/* The kernel's answer to a task whose fs_struct is shared (CLONE_FS threads). */
		if (e == EINVAL)
			return 1;
		return nsiso_syserr(err, e, "cannot enter a mount namespace of the registry");
	}
	return 0;
}

int nsiso_place_visit(struct nsiso_place *p, int own_mnt_fd, int target_mnt_fd,
		      struct nsiso_error *err)
{
	int ret = nsiso_place_try_visit(p, own_mnt_fd, target_mnt_fd, err);

	if (ret == 1)
		return nsiso_syserr(err, EINVAL, "cannot enter a mount namespace of the registry");
	return ret;
}

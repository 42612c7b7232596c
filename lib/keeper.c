/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "fault.h"
#include "fsutil.h"
#include "keeper.h"
#include "place.h"
#include "registry.h"
#include "util.h"

/* <linux/nsfs.h> of Linux 6.x; the build's headers may be older than the kernel. */
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(NSIO, 0x5, __u64)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, __u64)
#endif

int nsiso_nsfile_open(int dirfd, const char *name, enum nsiso_ns ns, bool follow, struct stat *st)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	/* O_NONBLOCK|O_NOCTTY: a FIFO or tty put in place of a pin must not hang or grab us. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return -EINVAL;
	if (ioctl(fd, NS_GET_NSTYPE) != nsiso_ns_table[ns].clone_flag)
		return -EINVAL;
	if (fstat(fd, st) < 0)
		return -errno;
	return nsiso_steal_fd(&fd);
}

uint64_t nsiso_mntns_id(int fd)
{
	uint64_t id = 0;

	if (fd < 0 || ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
		return 0;
	return id;
}

int nsiso_bind_nsfd(int ns_fd, int dirfd, const char *name, struct nsiso_error *err)
{
	_cleanup_close_ int file = -1, tree = -1;
	int e;

	file = openat(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (file < 0)
		return nsiso_syserr(err, errno, "cannot create the pin %s", name);
	/*
	 * The kernel checks a mount-namespace file against the caller's own
	 * namespace twice (open_tree: EINVAL; move_mount: ELOOP): both mean
	 * "not newer than the binder", the per-CPU id quirk.
	 */
	tree = open_tree(ns_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0 && move_mount(tree, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		return 0;
	e = errno;
	unlinkat(dirfd, name, 0);
	if (e == EINVAL || e == ELOOP)
		return 1;
	return nsiso_syserr(err, e, "cannot pin a namespace at %s", name);
}

int nsiso_keeper_open(int root_fd, int *fd, uint64_t *id, bool *lost)
{
	struct stat st;
	int k;

	*fd = -1;
	*id = 0;
	*lost = false;
	k = nsiso_nsfile_open(root_fd, NSISO_KEEPER_NAME, NSISO_NS_MNT, false, &st);
	if (k == -ENOENT)
		return 1;
	if (k == -EINVAL) {
		/* The file is there but holds no mount namespace: the pin was unmounted. */
		*lost = true;
		return 1;
	}
	if (k < 0)
		return k;
	*id = nsiso_mntns_id(k);
	*fd = k;
	return 0;
}

void nsiso_keeper_unmount_all(const char *path)
{
	/* A tampered pin may have several mounts stacked on it. */
	for (int i = 0; i < 16; i++)
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			break;
}

/* ---- making the keeper ---- */

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((size_t)cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Where the next namespace id of @cpu stands: unshare a UTS namespace there
 * (cheap: nothing to copy), read its id, go back. Ids come from one
 * allocator for every kind of namespace, in per-CPU batches (kernel 6.18).
 */
static uint64_t probe_cpu(int cpu, int home_uts)
{
	_cleanup_close_ int pidfd = -1, uts = -1;
	uint64_t id = 0;

	if (pin_to_cpu(cpu) < 0 || unshare(CLONE_NEWUTS) < 0)
		return UINT64_MAX;
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd >= 0)
		uts = ioctl(pidfd, nsiso_ns_table[NSISO_NS_UTS].pidfd_get, 0);
	if (uts < 0 || ioctl(uts, NS_GET_ID, &id) < 0)
		id = UINT64_MAX;
	(void)setns(home_uts, CLONE_NEWUTS);
	return id;
}

struct cpu_rank {
	int cpu;
	uint64_t next_id;
};

static int by_next_id(const void *a, const void *b)
{
	const struct cpu_rank *x = a, *y = b;

	return x->next_id < y->next_id ? -1 : x->next_id > y->next_id;
}

/* The allowed CPUs, oldest id batch first. */
static int rank_cpus(const cpu_set_t *allowed, struct cpu_rank *out, int max)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	_cleanup_close_ int home_uts = -1;
	int n = 0;

	if (pidfd >= 0)
		home_uts = ioctl(pidfd, nsiso_ns_table[NSISO_NS_UTS].pidfd_get, 0);
	/*
	 * A probe moves the caller to a new UTS namespace and back: only when it
	 * can come back (setns() needs CAP_SYS_ADMIN over the namespace's owner,
	 * which a caller in a child user namespace may lack). Otherwise the CPUs
	 * stay in their order, and set creations retry where they must.
	 */
	if (home_uts >= 0 && setns(home_uts, CLONE_NEWUTS) < 0) {
		close(home_uts);
		home_uts = -1;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++) {
		if (!CPU_ISSET((size_t)cpu, allowed))
			continue;
		out[n].cpu = cpu;
		out[n].next_id = home_uts >= 0 ? probe_cpu(cpu, home_uts) : 0;
		n++;
	}
	qsort(out, (size_t)n, sizeof(*out), by_next_id);
	return n;
}

/*
 * Inside a fresh mount namespace (the caller's own, after unshare): make a
 * new tmpfs its whole tree. Nothing of the host stays referenced by it: a
 * keeper that copied the host's tree would hold every file system mounted
 * at the time busy for as long as it lives.
 */
static int become_keeper_tree(struct nsiso_error *err)
{
	_cleanup_close_ int fs = -1, mnt = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return nsiso_syserr(err, errno, "keeper: cannot make its mounts private");
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "nsiso-keeper", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "1m", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return nsiso_syserr(err, errno, "keeper: cannot make its tmpfs");
	mnt =
	    fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return nsiso_syserr(err, errno, "keeper: cannot mount its tmpfs");
	/* pivot_root(".", ".") stacks the old root under the new one; detach it. */
	if (move_mount(mnt, "", AT_FDCWD, NSISO_RUNDIR, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    chdir(NSISO_RUNDIR) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return nsiso_syserr(err, errno, "keeper: cannot make the tmpfs its root");
	return 0;
}

/* A keeper made on the CPU the caller runs on now: its mount-namespace fd, or -1. */
static int make_keeper(struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place home = NSISO_PLACE_INIT;
	_cleanup_close_ int pidfd = -1;
	int fd = -1, ret;

	if (nsiso_place_save(&home, -1, err) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0)
		return nsiso_syserr(err, errno, "keeper: cannot create a mount namespace");
	ret = become_keeper_tree(err);
	if (ret == 0) {
		pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		fd = pidfd < 0 ? -1 : ioctl(pidfd, nsiso_ns_table[NSISO_NS_MNT].pidfd_get, 0);
		if (fd < 0)
			ret = nsiso_syserr(err, errno, "keeper: cannot open its mount namespace");
	}
	/* Back home whatever happened: a half-made keeper dies with its last fd. */
	if (nsiso_place_restore(&home, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = -1;
	if (ret < 0 && fd >= 0)
		close(fd);
	return ret < 0 ? -1 : fd;
}

/* Pin @keeper at root_fd/keeper, replacing a lost pin's leftover file. 0, 1 (too old), -1. */
static int pin_keeper(int root_fd, int keeper, struct nsiso_error *err)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/" NSISO_KEEPER_NAME, root_fd);
	nsiso_keeper_unmount_all(path);
	if (unlinkat(root_fd, NSISO_KEEPER_NAME, 0) < 0 && errno != ENOENT)
		return nsiso_syserr(err, errno, "cannot remove " NSISO_RUNDIR "/keeper");
	if (NSISO_FAULT("keeper.pin") < 0)
		return nsiso_syserr(err, errno, "fault keeper.pin");
	return nsiso_bind_nsfd(keeper, root_fd, NSISO_KEEPER_NAME, err);
}

int nsiso_keeper_create(int root_fd, struct nsiso_error *err)
{
	struct cpu_rank rank[CPU_SETSIZE];
	cpu_set_t saved;
	int n, ret = 1;

	if (sched_getaffinity(0, sizeof(saved), &saved) < 0)
		return nsiso_syserr(err, errno, "cannot read the CPU affinity");
	/*
	 * Sets are pinned from inside the keeper, and the kernel pins a mount
	 * namespace only into an older one (smaller id). Ids come from per-CPU
	 * batches, so a keeper made on the CPU whose batch is the oldest is older
	 * than every namespace any CPU hands out from now on. The host must in
	 * turn be older than the keeper to pin it: when it is not (the host is
	 * itself a namespace made on a newer batch: a container, a test sandbox),
	 * the next CPU is tried, and sets made on older CPUs take one retry.
	 */
	n = rank_cpus(&saved, rank, (int)ARRAY_SIZE(rank));
	for (int i = 0; i < n && ret == 1; i++) {
		_cleanup_close_ int keeper = -1;

		if (pin_to_cpu(rank[i].cpu) < 0)
			continue;
		keeper = make_keeper(err);
		ret = keeper < 0 ? -1 : pin_keeper(root_fd, keeper, err);
	}
	(void)sched_setaffinity(0, sizeof(saved), &saved);
	if (ret == 1)
		return nsiso_fail(
		    err, NSISO_ERR_SYSTEM, EINVAL,
		    "cannot pin the keeper namespace: the kernel's namespace ordering "
		    "check refused it on every CPU");
	return ret;
}

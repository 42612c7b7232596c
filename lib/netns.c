/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fsutil.h"
#include "hook.h"
#include "netns.h"
#include "util.h"

int nsiso_netns_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* ---- inside the new set (creation child) ---- */

static int loopback_up(struct nsiso_error *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};

	if (s < 0)
		return nsiso_syserr(err, errno, "cannot open a socket in the new net namespace");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return nsiso_syserr(err, errno, "cannot read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return nsiso_syserr(err, errno, "cannot bring lo up");
	return 0;
}

/*
 * sysfs shows the network devices of the namespace that mounted it, so the
 * set needs a sysfs of its own for /sys/class/net to be right. The host's
 * cgroup tree is carried over (a user manager needs it); other /sys submounts
 * (debugfs, securityfs, ...) are left behind, as `ip netns exec` does.
 */
static int remount_sys(struct nsiso_error *err)
{
	struct statvfs sv;
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_close_ int cg = -1;

	if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		flags |= MS_RDONLY;
	cg = open_tree(AT_FDCWD, "/sys/fs/cgroup",
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (umount2("/sys", MNT_DETACH) < 0)
		return nsiso_syserr(err, errno, "cannot detach /sys in the new set");
	if (mount("sysfs", "/sys", "sysfs", flags, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot mount a sysfs for the new net namespace");
	if (cg >= 0 && move_mount(cg, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot put /sys/fs/cgroup back");
	return 0;
}

/* One /etc/netns/NAME/ENTRY over /etc/ENTRY; a missing target is skipped, as iproute2 does. */
static int bind_etc_entry(int srcdir, int etc, const char *entry, struct nsiso_error *err)
{
	_cleanup_close_ int src = -1, dst = -1;

	dst = openat(etc, entry, O_PATH | O_CLOEXEC);
	if (dst < 0)
		return errno == ENOENT ? 0 : nsiso_syserr(err, errno, "cannot open /etc/%s", entry);
	src = open_tree(srcdir, entry, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	if (src < 0)
		return nsiso_syserr(err, errno, "cannot clone /etc/netns/.../%s", entry);
	if (move_mount(src, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot bind over /etc/%s", entry);
	return 0;
}

static int bind_etc_netns(const char *name, struct nsiso_error *err)
{
	_cleanup_close_ int etc = -1, base = -1, dir = -1;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	etc = open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (etc < 0)
		return nsiso_syserr(err, errno, "cannot open /etc");
	base = openat(etc, "netns", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (base >= 0)
		dir = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return 0; /* nothing configured for this name */
	/* These files replace /etc/resolv.conf and friends for the user: root's only. */
	if (fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "/etc/netns/%s is not root-owned or is writable by others", name);
	d = fdopendir(dir);
	if (!d)
		return nsiso_syserr(err, errno, "cannot list /etc/netns/%s", name);
	dir = -1;
	while (ret == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			ret = bind_etc_entry(dirfd(d), etc, de->d_name, err);
	closedir(d);
	return ret;
}

int nsiso_netns_child_setup(const char *name, struct nsiso_error *err)
{
	if (loopback_up(err) < 0 || remount_sys(err) < 0)
		return -1;
	return name ? bind_etc_netns(name, err) : 0;
}

int nsiso_netns_hide(struct nsiso_error *err)
{
	_cleanup_close_ int run = open("/run", O_PATH | O_DIRECTORY | O_CLOEXEC), dir = -1;

	if (run < 0)
		return nsiso_syserr(err, errno, "cannot open /run");
	dir = openat(run, "netns", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return 0;
	if (nsiso_is_mountpoint(dir, run) == 1 && umount2(NSISO_NETNS_DIR, MNT_DETACH) < 0)
		return nsiso_syserr(err, errno, "cannot hide " NSISO_NETNS_DIR " in the new set");
	/* The directory of /run shows through with the names of the pins: cover it. */
	if (mount("nsiso-set", NSISO_NETNS_DIR, "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=4k,nr_inodes=8") < 0)
		return nsiso_syserr(err, errno, "cannot cover " NSISO_NETNS_DIR " in the new set");
	return 0;
}

/* ---- /run/netns/NAME (host side) ---- */

/* /run/netns as iproute2 keeps it: root-owned, a shared mount of its own. */
static int open_netns_dir(struct nsiso_error *err)
{
	_cleanup_close_ int run = -1, dir = -1;
	struct stat st;
	char path[64];

	run = open("/run", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return nsiso_syserr(err, errno, "cannot open /run");
	if (mkdirat(run, "netns", 0755) < 0 && errno != EEXIST)
		return nsiso_syserr(err, errno, "cannot create " NSISO_NETNS_DIR);
	dir = openat(run, "netns", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return nsiso_syserr(err, errno, "cannot open " NSISO_NETNS_DIR);
	if (fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  NSISO_NETNS_DIR " is not root-owned or is writable by others");
	nsiso_fd_path(dir, path, sizeof(path));
	if (nsiso_is_mountpoint(dir, run) != 1) {
		if (mount(path, path, NULL, MS_BIND, NULL) < 0)
			return nsiso_syserr(err, errno, "cannot bind " NSISO_NETNS_DIR);
		close(dir);
		dir = openat(run, "netns", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dir < 0)
			return nsiso_syserr(err, errno, "cannot open " NSISO_NETNS_DIR);
		nsiso_fd_path(dir, path, sizeof(path));
	}
	/* Shared, so that removing a name also removes copies other namespaces took. */
	if (mount(NULL, path, NULL, MS_SHARED, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot make " NSISO_NETNS_DIR " shared");
	return nsiso_steal_fd(&dir);
}

int nsiso_netns_unpin_name(const char *name, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;

	if (!name)
		return 0;
	if ((dir = open_netns_dir(err)) < 0)
		return -1;
	nsiso_unmount_all(dir, name);
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return nsiso_syserr(err, errno, "cannot remove " NSISO_NETNS_DIR "/%s", name);
	return 0;
}

int nsiso_netns_pin_name(const char *name, int net_fd, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1, fd = -1;
	char src[64], dst[64];

	/* The name belongs to this user's set by policy: a stale pin of it goes. */
	if (nsiso_netns_unpin_name(name, err) < 0 || (dir = open_netns_dir(err)) < 0)
		return -1;
	fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot create " NSISO_NETNS_DIR "/%s", name);
	nsiso_fd_path(net_fd, src, sizeof(src));
	nsiso_fd_path(fd, dst, sizeof(dst));
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		int e = errno;
		unlinkat(dir, name, 0);
		return nsiso_syserr(err, e, "cannot pin " NSISO_NETNS_DIR "/%s", name);
	}
	return 0;
}

/* ---- the administrator's hook ---- */

int nsiso_netns_run_hook(const char *path, const struct nsiso_user *u, const char *pin,
			 int timeout_ms, struct nsiso_error *err)
{
	_cleanup_close_ int exe = nsiso_hook_open("net_hook", path, err);
	char uid[16];
	const char *args[] = {u->name, uid, pin, NULL};

	if (exe < 0)
		return -1;
	snprintf(uid, sizeof(uid), "%u", (unsigned)u->uid);
	return nsiso_hook_run(exe, "net_hook", path, args, timeout_ms, 0, err);
}

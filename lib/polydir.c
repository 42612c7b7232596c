/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "fsutil.h"
#include "nstable.h"
#include "polydir.h"
#include "util.h"

/* A new IPC namespace's defaults: bytes per message queue, and queues. */
#define SYSV_MSGMNB 16384
#define SYSV_MSGMNI 32000

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/*
 * Open a mount target without following any symlink on the way: a tmp dir
 * replaced by a symlink (CVE-2025-6020 in pam_namespace) must not move our
 * mount somewhere else. The mount then goes on the fd, never on the name.
 */
static int open_target(const char *path, struct nsiso_error *err)
{
	struct stat st;
	_cleanup_close_ int fd =
	    nsiso_openat2(AT_FDCWD, path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);

	if (fd < 0) {
		if (errno == ELOOP)
			return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
					  "%s: a symlink is in the way: refusing to mount there",
					  path);
		return nsiso_syserr(err, errno, "cannot open %s", path);
	}
	if (fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "cannot stat %s", path);
	if (st.st_uid != 0)
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "%s is owned by uid %u, not root: refusing to mount there", path,
				  (unsigned)st.st_uid);
	return nsiso_steal_fd(&fd);
}

int nsiso_instance_name(const char *path, char *buf, size_t len)
{
	size_t o = 0;

	while (*path == '/')
		path++;
	if (!*path)
		return -1;
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char tmp[5];
		size_t n;

		if (c == '/')
			n = (size_t)snprintf(tmp, sizeof(tmp), "-");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == ':' || (c == '.' && p != path))
			n = (size_t)snprintf(tmp, sizeof(tmp), "%c", c);
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		if (o + n >= len)
			return -1;
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o] = '\0';
	return 0;
}

/*
 * Whose files these are: /var/lib/nsiso/<uid>/.owner holds the account name
 * (an instance name never starts with '.': nsiso_instance_name escapes it).
 * A uid given to a new account must not hand it the old one's files: refuse
 * until an administrator removes them. A directory from before this record
 * existed is adopted by the account that has the uid now.
 */
static int check_owner(int userdir, const struct nsiso_user *u, struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	char esc[96], esc2[96];
	size_t len = 0;
	int e;

	fd = openat(userdir, ".owner", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(userdir, ".owner", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 || (e = nsiso_write_all(fd, u->name, strlen(u->name))) < 0)
			return nsiso_syserr(err, errno,
					    "cannot record the owner of " NSISO_STATEDIR "/%u",
					    (unsigned)u->uid);
		return 0;
	}
	if (fd < 0 || (e = nsiso_read_fd(fd, 512, &text, &len)) < 0)
		return nsiso_syserr(err, fd < 0 ? errno : -e,
				    "cannot read the owner of " NSISO_STATEDIR "/%u",
				    (unsigned)u->uid);
	if (len == strlen(u->name) && memcmp(text, u->name, len) == 0)
		return 0;
	return nsiso_fail(err, NSISO_ERR_USER, 0,
			  "the persistent tmp directories " NSISO_STATEDIR
			  "/%u belong to account '%s', not '%s' (a reused uid): an administrator "
			  "must remove them (nsisoctl release --purge %u) before this account can "
			  "have a set",
			  (unsigned)u->uid, nsiso_escape(esc, sizeof(esc), text),
			  nsiso_escape(esc2, sizeof(esc2), u->name), (unsigned)u->uid);
}

/* /var/lib/nsiso, created when @create; -1, or -2 when it does not exist. */
static int open_statedir(bool create, struct nsiso_error *err)
{
	_cleanup_close_ int varlib = -1;
	struct stat st;

	varlib = open("/var/lib", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (varlib < 0)
		return nsiso_syserr(err, errno, "cannot open /var/lib");
	if (fstat(varlib, &st) < 0)
		return nsiso_syserr(err, errno, "cannot stat /var/lib");
	if (st.st_uid != 0 || (st.st_mode & 022))
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "/var/lib is not root-owned or is writable by others");
	if (!create && faccessat(varlib, "nsiso", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return -2;
	return nsiso_open_root_dir(varlib, "nsiso", NSISO_STATEDIR, create, err);
}

/* /var/lib/nsiso/<uid>: created and checked fd by fd, never through a name twice. */
static int open_user_statedir(const struct nsiso_user *u, struct nsiso_error *err)
{
	_cleanup_close_ int state = -1, user = -1;
	char name[16], what[64];

	if ((state = open_statedir(true, err)) < 0)
		return -1;
	snprintf(name, sizeof(name), "%u", (unsigned)u->uid);
	snprintf(what, sizeof(what), NSISO_STATEDIR "/%u", (unsigned)u->uid);
	user = nsiso_open_root_dir(state, name, what, true, err);
	if (user < 0 || check_owner(user, u, err) < 0)
		return -1;
	return nsiso_steal_fd(&user);
}

static int open_instance(int userdir, const char *path, struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char name[256];
	struct stat st;

	if (nsiso_instance_name(path, name, sizeof(name)) < 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, ENAMETOOLONG, "tmp dir %s", path);
	if (mkdirat(userdir, name, 0700) < 0 && errno != EEXIST)
		return nsiso_syserr(err, errno, "cannot create instance of %s", path);
	fd = openat(userdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot open instance of %s", path);
	if (fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "cannot stat instance of %s", path);
	if (st.st_uid != 0)
		return nsiso_fail(err, NSISO_ERR_UNSAFE, 0,
				  "instance of %s is owned by uid %u: refusing to use it", path,
				  (unsigned)st.st_uid);
	/* On the fd, so a swapped name cannot redirect the chmod. */
	if ((st.st_mode & 07777) != 01777 && fchmod(fd, 01777) < 0)
		return nsiso_syserr(err, errno, "cannot chmod instance of %s", path);
	return nsiso_steal_fd(&fd);
}

static int bind_instance(int userdir, const char *path, struct nsiso_error *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	_cleanup_close_ int src = -1, dst = -1, tree = -1;

	if ((src = open_instance(userdir, path, err)) < 0)
		return -1;
	if ((dst = open_target(path, err)) < 0)
		return -1;
	/* The new mount API: clone, set flags and attach, all on fds, no name resolved twice. */
	tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return nsiso_syserr(err, errno, "cannot clone the instance of %s", path);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return nsiso_syserr(err, errno, "cannot make the instance of %s nosuid,nodev",
				    path);
	if (move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot mount the instance of %s", path);
	return 0;
}

/* Mount the store's directory @i onto its place (opened without following symlinks). */
static int mount_store_dir(struct nsiso_store *st, unsigned i, struct nsiso_error *err)
{
	_cleanup_close_ int dst = -1;

	if ((dst = open_target(st->path[i], err)) < 0)
		return -1;
	if (move_mount(st->tree[i], "", dst, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot mount a private %s", st->path[i]);
	return 0;
}

static int setup_persistent(const struct nsiso_user *u, const struct nsiso_settings *s,
			    struct nsiso_error *err)
{
	_cleanup_close_ int userdir = -1;

	if (s->tmp != NSISO_TMP_PERSISTENT)
		return 0;
	if ((userdir = open_user_statedir(u, err)) < 0)
		return -1;
	for (unsigned i = 0; i < s->n_tmp_dirs; i++)
		if (bind_instance(userdir, s->tmp_dirs[i], err) < 0)
			return -1;
	return 0;
}

static void plan_add(struct nsiso_store *st, const char *sub, const char *path)
{
	snprintf(st->sub[st->n], sizeof(st->sub[st->n]), "%s", sub);
	st->path[st->n++] = path;
}

int nsiso_polydir_plan(const struct nsiso_settings *s, struct nsiso_store *st,
		       struct nsiso_error *err)
{
	st->n = 0;
	for (unsigned i = 0; s->tmp == NSISO_TMP_TMPFS && i < s->n_tmp_dirs; i++) {
		char sub[NAME_MAX + 1] = "t.";

		if (nsiso_instance_name(s->tmp_dirs[i], sub + 2, sizeof(sub) - 2) < 0)
			return nsiso_fail(err, NSISO_ERR_POLICY, 0,
					  "tmp_dirs: %s has no usable name", s->tmp_dirs[i]);
		plan_add(st, sub, s->tmp_dirs[i]);
	}
	/*
	 * POSIX shared memory is files in /dev/shm: private whenever IPC is.
	 * "shm": an instance name is never that short without the "t." of a tmp dir.
	 */
	if (s->ns_mask & NSISO_NS_BIT(NSISO_NS_IPC))
		plan_add(st, "shm", "/dev/shm");
	return 0;
}

static int write_sysctl(int dir, const char *name, uint64_t value, struct nsiso_error *err)
{
	char text[32];
	_cleanup_close_ int fd = -1;
	int n;

	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", value);
	fd = openat(dir, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || nsiso_write_all(fd, text, (size_t)n) < 0)
		return nsiso_syserr(err, errno, "cannot set kernel.%s of the set's IPC namespace",
				    name);
	return 0;
}

/*
 * kernel/ of a private procfs instance, made detached (fsopen/fsmount: never
 * attached anywhere, gone with its fd), or -1 with errno.
 *
 * Why not /proc/sys/kernel: every IPC namespace has its own shmmax, shmall
 * and msgmni, and procfs keeps one dentry per namespace that opened one of
 * them, all under the same name in one superblock's dcache; a lookup
 * compares them one by one (~0.7-1 us each, measured: 960, 806 and 630 us for
 * the three first opens with 1000 live sets, 32, 9 and 8 us in a fresh
 * instance), so a creation cost O(live sets). A private instance holds only
 * this set's dentries. It also reaches the files where a container manager
 * (systemd-nspawn, LXC, the systemd test sandbox) mounts /proc/sys
 * read-only, without touching that mount.
 */
static int open_private_sysctl(void)
{
	_cleanup_close_ int fs = -1, mnt = -1;

	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	mnt =
	    fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -1;
	return openat(mnt, "sys/kernel", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A writable kernel/ sysctl directory: a private procfs's, else /proc/sys/kernel if writable. */
static int open_sysctl_kernel(struct nsiso_error *err)
{
	struct statvfs sv;
	int dir, e;

	dir = open_private_sysctl();
	if (dir >= 0)
		return dir;
	e = errno;
	/* A kernel or seccomp filter without the new mount API: the shared instance. */
	dir = open("/proc/sys/kernel", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir >= 0 && fstatvfs(dir, &sv) == 0 && !(sv.f_flag & ST_RDONLY))
		return dir;
	if (dir >= 0)
		close(dir);
	return nsiso_syserr(err, e,
			    "/proc/sys is read-only and a private procfs cannot be made "
			    "to set the set's IPC limits");
}

/*
 * SysV shared memory segments and message queues live as long as their IPC
 * namespace, with no process at all (a segment nobody attaches, a queue
 * nobody reads): for a set, as long as the set. A new IPC namespace allows
 * them without bound (kernel.shmall is 2^64 - 2^24 pages, 32000 queues of
 * 16 KiB): tmp_size bounds each, written to the new namespace's own
 * sysctls (the caller is in it now).
 */
int nsiso_polydir_bound_sysv(const struct nsiso_size *size, bool fresh, struct nsiso_error *err)
{
	uint64_t bytes = nsiso_size_bytes(size), page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t queues = bytes / SYSV_MSGMNB;

	if (!bytes)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, 0,
				  "cannot tell the RAM size for tmp_size");
	queues = queues < 1 ? 1 : queues > SYSV_MSGMNI ? SYSV_MSGMNI : queues;
	_cleanup_close_ int dir = open_sysctl_kernel(err);
	if (dir < 0 || write_sysctl(dir, "shmmax", bytes, err) < 0 ||
	    write_sysctl(dir, "shmall", bytes / page, err) < 0)
		return -1;
	/*
	 * A new IPC namespace starts at SYSV_MSGMNI (msg_init_ns()), the bound
	 * of any tmp_size >= 500 MiB. A live set (nsisoctl apply) may hold a
	 * lower one from an earlier tmp_size: always written there.
	 */
	if ((!fresh || queues < SYSV_MSGMNI) && write_sysctl(dir, "msgmni", queues, err) < 0)
		return -1;
	return 0;
}

/*
 * A new IPC namespace covers SysV IPC and the mqueue filesystem; only where
 * the host has one: a fresh mqueue instance belongs to the new IPC ns.
 */
static int setup_ipc(const struct nsiso_settings *s, struct nsiso_error *err)
{
	struct statfs sfs;

	if (!(s->ns_mask & NSISO_NS_BIT(NSISO_NS_IPC)))
		return 0;
	if (nsiso_polydir_bound_sysv(&s->tmp_size, true, err) < 0)
		return -1;
	if (statfs("/dev/mqueue", &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC &&
	    mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot mount a private /dev/mqueue");
	return 0;
}

int nsiso_polydir_setup(const struct nsiso_user *u, const struct nsiso_settings *s,
			struct nsiso_store *st, struct nsiso_error *err)
{
	if (setup_persistent(u, s, err) < 0 || nsiso_store_clone(st, err) < 0)
		return -1;
	for (unsigned i = 0; i < st->n; i++)
		if (mount_store_dir(st, i, err) < 0)
			return -1;
	return setup_ipc(s, err);
}

int nsiso_polydir_purge(uid_t uid, bool *removed, struct nsiso_error *err)
{
	_cleanup_close_ int state = -1;
	char name[16];

	*removed = false;
	state = open_statedir(false, err);
	if (state == -2)
		return 0;
	if (state < 0)
		return -1;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (faccessat(state, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			   ? 0
			   : nsiso_syserr(err, errno, "cannot look at " NSISO_STATEDIR "/%s", name);
	if (nsiso_remove_tree(state, name, NULL) < 0) {
		return nsiso_fail(err, NSISO_ERR_SYSTEM, 0,
				  "cannot remove all of " NSISO_STATEDIR "/%s: a mount point (or a "
				  "tree that keeps changing) is in the way; the rest is removed",
				  name);
	}
	*removed = true;
	return 0;
}

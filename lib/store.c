/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "fsutil.h"
#include "place.h"
#include "store.h"

#define STORE_NAME "tmp" /* under the keeper's /<uid> */
/*
 * The account a store was made for: an xattr of its root, not a file, which
 * would take a page of the user's tmp_size. trusted.*: root's alone.
 */
#define OWNER_XATTR "trusted.nsiso.owner"
/* Inodes in use (as statfs counts them) of a store nothing holds: its root, and the xattr. */
#define STORE_IDLE  2
#define INODE_BYTES 4096 /* one inode allowed per this much of the size */
#define INODES_MIN  1024

void nsiso_store_init(struct nsiso_store *st)
{
	memset(st, 0, sizeof(*st));
	st->keeper_fd = st->root_fd = st->here_mnt_fd = -1;
	for (unsigned i = 0; i < NSISO_STORE_DIRS_MAX; i++)
		st->dir_fd[i] = st->tree[i] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_trees(struct nsiso_store *st)
{
	for (unsigned i = 0; i < st->n; i++)
		close_fd(&st->tree[i]);
}

void nsiso_store_close(struct nsiso_store *st)
{
	close_trees(st);
	for (unsigned i = 0; i < st->n; i++)
		close_fd(&st->dir_fd[i]);
	close_fd(&st->root_fd);
}

static void gen_name(uint64_t gen, char *buf, size_t len)
{
	snprintf(buf, len, "g%" PRIu64, gen);
}

/* "g<N>" (a directory of the store's root) or a mount root "/g<N>[/...]": N, else 0. */
static uint64_t parse_gen(const char *s)
{
	uint64_t v = 0;

	if (s[0] != 'g' || s[1] < '0' || s[1] > '9')
		return 0;
	for (s++; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return *s == '\0' || *s == '/' ? v : 0;
}

/* ---- inside the keeper ---- */

/* The keeper's /<uid>: 0700, no symlink followed. -errno. */
static int open_uid_dir(uid_t uid, bool create)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/%u", (unsigned)uid);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * A store without a record (below) cannot tell: it is taken as the account's
 * that has the uid now, as persistent tmp dirs from before their .owner are.
 */
static bool owned_by(int root, const char *owner)
{
	char text[257]; /* a user name is at most 256 bytes (user.h) */
	ssize_t len = fgetxattr(root, OWNER_XATTR, text, sizeof(text));

	if (len < 0)
		return true;
	return (size_t)len == strlen(owner) && memcmp(text, owner, (size_t)len) == 0;
}

/*
 * The store under @dir (the keeper's /<uid>): its root, or -ENOENT when none
 * is mounted there. With @owner, a store of another account (a reused uid)
 * is detached from the keeper and counts as none.
 */
static int find_store(int dir, uid_t uid, const char *owner)
{
	_cleanup_close_ int fd =
	    openat(dir, STORE_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	char path[48];

	if (fd < 0)
		return -errno;
	if (nsiso_is_mountpoint(fd, dir) != 1 || fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)
		return -ENOENT;
	if (owner && !owned_by(fd, owner)) {
		close_fd(&fd);
		snprintf(path, sizeof(path), "/%u/" STORE_NAME, (unsigned)uid);
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return -errno;
		return -ENOENT;
	}
	return nsiso_steal_fd(&fd);
}

uint64_t nsiso_size_bytes(const struct nsiso_size *size)
{
	struct sysinfo si;

	if (!size->percent)
		return size->value;
	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit / 100 * size->value : 0;
}

/* tmpfs options for @size: the size, and a bound on inodes (each costs ~1 KiB beyond the size). */
static void store_options(const struct nsiso_size *size, char *sz, size_t szlen, char *ino,
			  size_t inolen)
{
	uint64_t bytes = nsiso_size_bytes(size);

	nsiso_format_size(size, sz, szlen);
	snprintf(ino, inolen, "%" PRIu64,
		 bytes / INODE_BYTES > INODES_MIN ? bytes / INODE_BYTES : INODES_MIN);
}

static int configure(int fs, const struct nsiso_size *size)
{
	char sz[32], ino[32];

	store_options(size, sz, sizeof(sz), ino, sizeof(ino));
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", sz, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", ino, 0) < 0)
		return -1;
	return 0;
}

/* A new store mounted at @dir/tmp, recorded as @owner's: its root, or -1. */
static int make_store(int dir, const char *owner, const struct nsiso_size *size,
		      struct nsiso_error *err)
{
	_cleanup_close_ int fs = -1, mnt = -1, root = -1;
	char sz[32];

	nsiso_format_size(size, sz, sizeof(sz));
	if (mkdirat(dir, STORE_NAME, 0700) < 0 && errno != EEXIST)
		return nsiso_syserr(err, errno, "cannot make the place of the user's tmpfs");
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "nsiso-tmp", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 || configure(fs, size) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return nsiso_syserr(err, errno, "cannot make the user's tmpfs (size %s)", sz);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0 || move_mount(mnt, "", dir, STORE_NAME, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return nsiso_syserr(err, errno, "cannot mount the user's tmpfs in the keeper");
	root = openat(dir, STORE_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return nsiso_syserr(err, errno, "cannot open the user's tmpfs");
	/*
	 * Best effort: trusted.* needs CAP_SYS_ADMIN in the initial user
	 * namespace (a caller in a child one may lack it), and tmpfs xattrs a
	 * kernel built with them.
	 */
	(void)fsetxattr(root, OWNER_XATTR, owner, strlen(owner), XATTR_CREATE);
	return nsiso_steal_fd(&root);
}

/*
 * An existing store takes the policy's size now in force. Shrinking below
 * what is in use fails (the kernel refuses): it keeps its size, which is
 * the size it was made with, until it is made again.
 */
static void resize(int dir, const struct nsiso_size *size)
{
	_cleanup_close_ int fs =
	    fspick(dir, STORE_NAME, FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT);

	if (fs >= 0 && configure(fs, size) == 0)
		(void)fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
}

/* The new generation and its directories, root-owned 1777 like the real /tmp. */
static int make_gen(struct nsiso_store *st, struct nsiso_error *err)
{
	_cleanup_close_ int gen = -1;
	struct timespec ts;
	char name[32];

	clock_gettime(CLOCK_BOOTTIME, &ts);
	st->gen = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (;; st->gen++) {
		gen_name(st->gen, name, sizeof(name));
		if (mkdirat(st->root_fd, name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return nsiso_syserr(err, errno,
					    "cannot make a generation in the user's tmpfs");
	}
	gen = openat(st->root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gen < 0)
		return nsiso_syserr(err, errno, "cannot open a generation of the user's tmpfs");
	for (unsigned i = 0; i < st->n; i++) {
		if (mkdirat(gen, st->sub[i], 0700) < 0)
			return nsiso_syserr(err, errno, "cannot make the directory for %s",
					    st->path[i]);
		st->dir_fd[i] =
		    openat(gen, st->sub[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (st->dir_fd[i] < 0 || fchmod(st->dir_fd[i], 01777) < 0)
			return nsiso_syserr(err, errno, "cannot set up the directory for %s",
					    st->path[i]);
	}
	return 0;
}

/* open_tree() clones only mounts of the caller's namespace: the caller is in the keeper. */
static int clone_here(struct nsiso_store *st, struct nsiso_error *err)
{
	for (unsigned i = 0; i < st->n; i++) {
		close_fd(&st->tree[i]);
		st->tree[i] = open_tree(st->dir_fd[i], "",
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (st->tree[i] < 0)
			return nsiso_syserr(err, errno, "cannot clone the directory for %s",
					    st->path[i]);
	}
	return 0;
}

static int prepare_here(const struct nsiso_user *u, const struct nsiso_size *size,
			struct nsiso_store *st, struct nsiso_error *err)
{
	_cleanup_close_ int dir = open_uid_dir(u->uid, true);
	struct stat sb;
	int root;

	if (dir < 0)
		return nsiso_syserr(err, -dir, "cannot open the keeper's directory of uid %u",
				    (unsigned)u->uid);
	root = find_store(dir, u->uid, u->name);
	if (root >= 0)
		resize(dir, size);
	else if (root == -ENOENT)
		root = make_store(dir, u->name, size, err);
	else
		return nsiso_syserr(err, -root, "cannot open the user's tmpfs");
	if (root < 0)
		return -1;
	st->root_fd = root;
	if (fstat(root, &sb) < 0)
		return nsiso_syserr(err, errno, "cannot stat the user's tmpfs");
	st->dev = (uint64_t)sb.st_dev;
	return make_gen(st, err);
}

/* ---- from anywhere: each keeper visit saves the caller's place and restores it ---- */

int nsiso_store_prepare(const struct nsiso_registry *r, const struct nsiso_user *u,
			const struct nsiso_size *size, struct nsiso_store *st,
			struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int ret;

	if (st->n == 0)
		return 0;
	st->keeper_fd = r->keeper_fd;
	if (nsiso_place_visit(&p, st->here_mnt_fd, r->keeper_fd, err) < 0)
		return -1;
	ret = prepare_here(u, size, st, err);
	if (nsiso_place_restore(&p, ret < 0 ? NULL : err) < 0)
		ret = -1;
	if (ret < 0)
		nsiso_store_discard(st);
	return ret;
}

int nsiso_store_clone(struct nsiso_store *st, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int ret;

	if (st->n == 0)
		return 0;
	if (nsiso_place_visit(&p, st->here_mnt_fd, st->keeper_fd, err) < 0)
		return -1;
	ret = clone_here(st, err);
	if (nsiso_place_restore(&p, ret < 0 ? NULL : err) < 0)
		ret = -1;
	return ret;
}

void nsiso_store_discard(struct nsiso_store *st)
{
	char name[32];

	close_trees(st);
	for (unsigned i = 0; i < st->n; i++)
		close_fd(&st->dir_fd[i]);
	if (st->root_fd >= 0 && st->gen) {
		gen_name(st->gen, name, sizeof(name));
		(void)nsiso_remove_tree(st->root_fd, name, NULL);
	}
	close_fd(&st->root_fd);
}

/* In the keeper (the caller is there): nsiso_store_resize. */
static int resize_here(uid_t uid, uint64_t dev, const struct nsiso_size *size, bool apply,
		       struct nsiso_store_use *use, struct nsiso_error *err)
{
	_cleanup_close_ int dir = open_uid_dir(uid, false), root = -1, fs = -1;
	uint64_t bytes = nsiso_size_bytes(size), inodes;
	char sz[32], ino[32];
	struct statfs sfs;
	struct stat sb;

	root = dir < 0 ? dir : find_store(dir, uid, NULL);
	if (root < 0)
		return nsiso_syserr(err, -root, "cannot open the user's tmpfs in the keeper");
	if (fstat(root, &sb) < 0 || fstatfs(root, &sfs) < 0)
		return nsiso_syserr(err, errno, "cannot stat the user's tmpfs");
	if ((uint64_t)sb.st_dev != dev)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, ESTALE,
				  "the user's tmpfs in the keeper is not the one of the set");
	store_options(size, sz, sizeof(sz), ino, sizeof(ino));
	(void)nsiso_parse_u64(ino, &inodes);
	use->bytes = (uint64_t)(sfs.f_blocks - sfs.f_bfree) * (uint64_t)sfs.f_bsize;
	use->inodes = (uint64_t)(sfs.f_files - sfs.f_ffree);
	/* The kernel refuses such a shrink too; saying so first changes nothing anywhere. */
	if (!bytes || use->bytes > bytes || use->inodes > inodes)
		return 1;
	if (!apply)
		return 0;
	fs =
	    fspick(dir, STORE_NAME, FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT);
	if (fs < 0 || configure(fs, size) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
		return nsiso_syserr(err, errno, "cannot resize the user's tmpfs to %s", sz);
	return 0;
}

int nsiso_store_resize(const struct nsiso_registry *r, uid_t uid, uint64_t dev,
		       const struct nsiso_size *size, bool apply, struct nsiso_store_use *use,
		       struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int ret;

	memset(use, 0, sizeof(*use));
	if (nsiso_place_visit(&p, -1, r->keeper_fd, err) < 0)
		return -1;
	ret = resize_here(uid, dev, size, apply, use, err);
	if (nsiso_place_restore(&p, ret < 0 ? NULL : err) < 0)
		ret = -1;
	return ret;
}

int nsiso_store_open_here(uid_t uid)
{
	int dir = open_uid_dir(uid, false), root;

	root = dir < 0 ? dir : find_store(dir, uid, NULL);
	if (dir >= 0)
		close(dir);
	return root;
}

/* @uid's store, looked up in the keeper: its root fd, -ENOENT when none, or -errno. */
static int open_store(const struct nsiso_registry *r, uid_t uid, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int root;

	if (nsiso_place_visit(&p, -1, r->keeper_fd, err) < 0)
		return -EIO;
	root = nsiso_store_open_here(uid);
	if (nsiso_place_restore(&p, err) < 0) {
		if (root >= 0)
			close(root);
		return -EIO;
	}
	return root;
}

/* Unmount the store from the keeper; it must be idle (not lazily: busy means kept). 1, 0, -1. */
static int drop_store(const struct nsiso_registry *r, uid_t uid, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	char path[48];
	int ret = 1;

	if (nsiso_place_visit(&p, -1, r->keeper_fd, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/%u/" STORE_NAME, (unsigned)uid);
	if (umount2(path, UMOUNT_NOFOLLOW) < 0) {
		ret = 0;
	} else {
		(void)rmdir(path);
		snprintf(path, sizeof(path), "/%u", (unsigned)uid);
		(void)rmdir(path); /* only when no pin is left there */
	}
	if (nsiso_place_restore(&p, err) < 0)
		return -1;
	return ret;
}

int nsiso_store_table_gens(int procfd, const char *pid, uint64_t dev, struct nsiso_u64s *gens)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[300], want[48];
	size_t cap = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/mountinfo", pid);
	snprintf(want, sizeof(want), "%u:%u", major((dev_t)dev), minor((dev_t)dev));
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return -ESRCH;
	}
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": a whole line each (getline), never a piece. */
	while (getline(&line, &cap, f) > 0) {
		char field[48], root[64];

		if (sscanf(line, "%*s %*s %47s %63s", field, root) != 2 || strcmp(field, want) != 0)
			continue;
		if (nsiso_u64s_add(gens, root[0] == '/' ? parse_gen(root + 1) : 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The generations of the store on @dev that any mount table on the machine holds. */
static int held_gens(uint64_t dev, pid_t self, const uint64_t skip[2], struct nsiso_u64s *held,
		     struct nsiso_error *err)
{
	struct nsiso_u64s seen = {0};
	struct dirent *de;
	int procfd, ret = 0;
	DIR *d;

	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0 || !(d = fdopendir(procfd))) {
		if (procfd >= 0)
			close(procfd);
		return nsiso_syserr(err, errno, "cannot list /proc");
	}
	while (ret == 0 && (de = readdir(d))) {
		char path[300];
		struct stat st;
		uint64_t pid;

		if (nsiso_parse_u64(de->d_name, &pid) < 0 || pid == (uint64_t)self)
			continue;
		snprintf(path, sizeof(path), "%s/ns/mnt", de->d_name);
		/*
		 * The registry's namespace never holds a store, and the keeper holds
		 * only stores' roots, never a generation: reading its table (four
		 * mounts per live set, when a process sits there) made every
		 * tear-down cost O(live sets). Every other table is read once.
		 */
		if (fstatat(dirfd(d), path, &st, 0) < 0 || (uint64_t)st.st_ino == skip[0] ||
		    (uint64_t)st.st_ino == skip[1] || nsiso_u64s_has(&seen, (uint64_t)st.st_ino))
			continue;
		if (nsiso_u64s_add(&seen, (uint64_t)st.st_ino) < 0)
			ret = nsiso_syserr(err, ENOMEM, "out of memory");
		/* A table that cannot be read belongs to a process that is gone. */
		else if (nsiso_store_table_gens(dirfd(d), de->d_name, dev, held) == -ENOMEM)
			ret = nsiso_syserr(err, ENOMEM, "out of memory");
	}
	closedir(d);
	nsiso_u64s_free(&seen);
	return ret;
}

/* The generations in the store's root. */
static int list_gens(int root, struct nsiso_u64s *gens, struct nsiso_error *err)
{
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return nsiso_syserr(err, errno, "cannot list the user's tmpfs");
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		uint64_t g = parse_gen(de->d_name);

		if (g && nsiso_u64s_add(gens, g) < 0) {
			closedir(d);
			return nsiso_syserr(err, ENOMEM, "out of memory");
		}
	}
	closedir(d);
	return 0;
}

/* Only the root and the owner record in use: no file, no directory held by anything. */
static bool idle(int root)
{
	struct statfs sfs;

	return fstatfs(root, &sfs) == 0 && sfs.f_files - sfs.f_ffree <= STORE_IDLE;
}

/* Remove the generations nothing holds; *@left: how many remain. */
static int remove_unused(int root, uint64_t keep, pid_t self, const uint64_t skip[2],
			 unsigned *left, struct nsiso_error *err)
{
	struct nsiso_u64s have = {0}, held = {0};
	struct stat sb;
	int ret = 0;

	*left = 0;
	if (fstat(root, &sb) < 0)
		return nsiso_syserr(err, errno, "cannot stat the user's tmpfs");
	if (list_gens(root, &have, err) < 0)
		return -1;
	if (have.n > (nsiso_u64s_has(&have, keep) ? 1u : 0u))
		ret = held_gens((uint64_t)sb.st_dev, self, skip, &held, err);
	for (size_t i = 0; ret == 0 && i < have.n; i++) {
		char name[32];

		gen_name(have.v[i], name, sizeof(name));
		if (have.v[i] == keep || nsiso_u64s_has(&held, have.v[i]) ||
		    nsiso_remove_tree(root, name, NULL) < 0)
			(*left)++;
	}
	nsiso_u64s_free(&have);
	nsiso_u64s_free(&held);
	return ret;
}

int nsiso_store_reap_at(const struct nsiso_registry *r, uid_t uid, int store_root, uint64_t keep,
			pid_t self, uint64_t host_ino, bool drop, struct nsiso_error *err)
{
	_cleanup_close_ int root = store_root;
	uint64_t skip[2] = {host_ino, 0};
	struct stat ks;
	unsigned left = 0;

	if (fstat(r->keeper_fd, &ks) == 0)
		skip[1] = (uint64_t)ks.st_ino;
	if (root == -ENOENT || root == -ENOTDIR || root == -ELOOP)
		return 1;
	if (root < 0)
		return root == -EIO ? -1 : nsiso_syserr(err, -root, "cannot open the user's tmpfs");
	if (remove_unused(root, keep, self, skip, &left, err) < 0)
		return -1;
	if (!drop || keep || left || !idle(root))
		return 0;
	close_fd(&root);
	return drop_store(r, uid, err);
}

int nsiso_store_reap(const struct nsiso_registry *r, uid_t uid, uint64_t keep, pid_t self,
		     uint64_t host_ino, bool drop, struct nsiso_error *err)
{
	return nsiso_store_reap_at(r, uid, open_store(r, uid, err), keep, self, host_ino, drop,
				   err);
}

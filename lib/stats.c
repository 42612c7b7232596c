/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "registry.h"
#include "stats.h"
#include "util.h"

#define STATS_PATH NSISO_RUNDIR "/" NSISO_STATS_FILE

/*
 * The record lock is tried this many times, 50 µs apart: a few milliseconds
 * at most. Holding it is a pread and a pwrite; a holder that keeps it longer
 * is stuck or hostile, and the decision goes uncounted rather than late.
 */
#define LOCK_TRIES    100
#define LOCK_PAUSE_NS 50000L

_Static_assert(offsetof(struct nsiso_stats_file, counter) == 64, "the header is 64 bytes");
_Static_assert(sizeof(struct nsiso_stats_file) == 64 + 8 * NSISO_STATS_SLOTS, "no padding");
_Static_assert(NSISO_DECISION__MAX <= NSISO_STATS_SLOTS, "a slot per decision");

static const char *const decision_words[NSISO_DECISION__MAX] = {
    [NSISO_DECISION_CREATE] = "create", [NSISO_DECISION_JOIN] = "join",
    [NSISO_DECISION_DENY] = "deny",	[NSISO_DECISION_EXEMPT] = "exempt",
    [NSISO_DECISION_HOST] = "host",	[NSISO_DECISION_ALLOW] = "allow",
    [NSISO_DECISION_DEFER] = "defer",	[NSISO_DECISION_TEARDOWN] = "teardown",
    [NSISO_DECISION_KEEP] = "keep",
};

const char *nsiso_decision_word(enum nsiso_decision d)
{
	return (unsigned)d < NSISO_DECISION__MAX ? decision_words[d] : "?";
}

/* ---- checks ---- */

static int why_not(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_not(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int check_size(uint64_t len, char *why, size_t whylen)
{
	if (len == 0)
		return why_not(why, whylen, "is empty");
	if (len != sizeof(struct nsiso_stats_file))
		return why_not(why, whylen, "is %llu bytes long, not %zu", (unsigned long long)len,
			       sizeof(struct nsiso_stats_file));
	return 0;
}

int nsiso_stats_check_bytes(const void *buf, size_t len, char *why, size_t whylen)
{
	static const uint8_t zero[sizeof(((struct nsiso_stats_file *)0)->zero1)];
	struct nsiso_stats_file f;

	if (check_size(len, why, whylen) < 0)
		return -1;
	memcpy(&f, buf, sizeof(f));
	if (memcmp(f.magic, NSISO_STATS_MAGIC, sizeof(f.magic)) != 0)
		return why_not(why, whylen,
			       "does not start with " NSISO_STATS_MAGIC " (not a counters file)");
	if (f.version != NSISO_STATS_VERSION)
		return why_not(why, whylen, "has version %u, this build knows %u", f.version,
			       NSISO_STATS_VERSION);
	if (f.header_size != offsetof(struct nsiso_stats_file, counter) ||
	    f.slots != NSISO_STATS_SLOTS || f.zero0 != 0 || memcmp(f.zero1, zero, sizeof(zero)))
		return why_not(why, whylen, "has a header of another layout");
	return 0;
}

int nsiso_stats_check_stat(const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode))
		return why_not(why, whylen, "is not a regular file");
	if (st->st_uid != 0)
		return why_not(why, whylen, "is owned by uid %u, not root", (unsigned)st->st_uid);
	if (st->st_mode & 0077)
		return why_not(why, whylen, "has mode %04o, not 0600",
			       (unsigned)(st->st_mode & 07777));
	/* Another name could be written through (or be the thing replaced): one name, ours. */
	if (st->st_nlink != 1)
		return why_not(why, whylen, "has %lu links, not 1", (unsigned long)st->st_nlink);
	return check_size((uint64_t)st->st_size, why, whylen);
}

void nsiso_stats_init(struct nsiso_stats_file *f, int64_t created)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->magic, NSISO_STATS_MAGIC, sizeof(f->magic));
	f->version = NSISO_STATS_VERSION;
	f->header_size = offsetof(struct nsiso_stats_file, counter);
	f->slots = NSISO_STATS_SLOTS;
	f->created = created;
}

/* ---- the registry's directory and the file ---- */

/*
 * /run of PID 1's mount namespace, where the registry lives (lib/session.c
 * goes there for every login). Reached through /proc/1/root, so that a
 * caller inside a set, whose /run/nsiso is an empty read-only placeholder,
 * still finds the real one. Without /proc/1 (no /proc, or not allowed):
 * the caller's own /run.
 */
static int open_run(void)
{
	_cleanup_close_ int root = open("/proc/1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = -1;

	if (root >= 0)
		fd = openat(root, "run", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = open("/run", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

/*
 * /run/nsiso, root's 0700 directory, never created here: a decision that
 * makes no set (a refusal, an exempt login) changes nothing on the machine,
 * and before the first set since boot there is no registry to count in.
 */
static int open_regdir(int *fd, struct nsiso_error *err)
{
	_cleanup_close_ int run = open_run();

	*fd = -1;
	if (run < 0 && errno == ENOENT)
		return NSISO_ABSENT;
	if (run < 0)
		return nsiso_syserr(err, errno, "cannot open /run");
	return nsiso_find_root_dir(run, "nsiso", NSISO_RUNDIR, fd, err);
}

/* O_NONBLOCK: a FIFO in the file's place cannot hang us; O_NOFOLLOW: nor can a symlink lead us. */
static int open_file(int dir, int flags)
{
	return openat(dir, NSISO_STATS_FILE,
		      flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
}

/* Write a zeroed file to @fd. */
static int fill(int fd)
{
	struct nsiso_stats_file f;

	nsiso_stats_init(&f, (int64_t)time(NULL));
	return nsiso_write_all(fd, &f, sizeof(f));
}

/*
 * Make the file when there is none: written whole while it has no name,
 * then linked into place, so that nobody ever reads half of one; linkat()
 * does not replace, so of two first decisions one makes it and the other
 * uses it.
 */
static int create_file(int dir)
{
	_cleanup_close_ int fd = openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char path[64];

	if (fd < 0 || fill(fd) < 0)
		return -1;
	nsiso_fd_path(fd, path, sizeof(path));
	return linkat(AT_FDCWD, path, dir, NSISO_STATS_FILE, AT_SYMLINK_FOLLOW);
}

/* The module's descriptor in the registry @dir: read-write, checked; -1 when none to use. */
static int open_store_in(int dir, struct stat *st)
{
	_cleanup_close_ int fd = -1;

	fd = open_file(dir, O_RDWR);
	if (fd < 0 && errno == ENOENT && (create_file(dir) == 0 || errno == EEXIST))
		fd = open_file(dir, O_RDWR);
	if (fd < 0 || fstat(fd, st) < 0 || nsiso_stats_check_stat(st, NULL, 0) < 0)
		return -1;
	return nsiso_steal_fd(&fd);
}

/* The same, the registry found as the counters' readers find it. */
static int open_store(struct stat *st)
{
	_cleanup_close_ int dir = -1;

	return open_regdir(&dir, NULL) != 0 ? -1 : open_store_in(dir, st);
}

/* A POSIX record lock on the whole file: per process, so a forked child sharing the fd is out. */
static int lock_file(int fd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
	struct timespec pause = {.tv_nsec = LOCK_PAUSE_NS};

	for (int i = 0; i < LOCK_TRIES; i++) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

static void unlock_file(int fd)
{
	struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};

	(void)fcntl(fd, F_SETLK, &fl);
}

/* +1 in slot @d, under the lock, into a file whose bytes still check out. */
static int bump(int fd, enum nsiso_decision d)
{
	struct nsiso_stats_file f;
	off_t at =
	    (off_t)(offsetof(struct nsiso_stats_file, counter) + (size_t)d * sizeof(uint64_t));
	uint64_t v;
	int ret = -1;

	if (lock_file(fd, F_WRLCK) < 0)
		return -1;
	if (pread(fd, &f, sizeof(f), 0) == (ssize_t)sizeof(f) &&
	    nsiso_stats_check_bytes(&f, sizeof(f), NULL, 0) == 0) {
		v = f.counter[d] + 1;
		ret = pwrite(fd, &v, sizeof(v), at) == (ssize_t)sizeof(v) ? 0 : -1;
	}
	unlock_file(fd);
	return ret;
}

/* ---- counting, from the module ---- */

/*
 * The descriptor is kept for the life of the process: a session's close
 * counts through it after the open, even from a process that has given up
 * root since ((sd-pam) closes the systemd-user session as the user). It is
 * O_CLOEXEC: nothing a login execs inherits it.
 */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
} cache = {.fd = -1};

/* Threads of one process: the second one in skips its count; it never waits (nor deadlocks). */
static bool cache_busy;

static void cache_drop(bool ours)
{
	if (ours && cache.fd >= 0)
		close(cache.fd);
	cache.fd = -1;
}

/* The cached descriptor when it is still ours and the file it names still checks out. */
static int cache_get(void)
{
	struct stat st;

	if (cache.fd < 0)
		return -1;
	/* The program closed our number and reused it (closefrom() after a fork): not ours. */
	if (fstat(cache.fd, &st) < 0 || st.st_dev != cache.dev || st.st_ino != cache.ino) {
		cache_drop(false);
		return -1;
	}
	/* Replaced (nlink 0) or spoiled since: open again, the new file may be fine. */
	if (nsiso_stats_check_stat(&st, NULL, 0) < 0) {
		cache_drop(true);
		return -1;
	}
	return cache.fd;
}

static int cache_set(int fd, const struct stat *st)
{
	cache.fd = fd;
	cache.dev = st->st_dev;
	cache.ino = st->st_ino;
	return fd;
}

void nsiso_stats_count(enum nsiso_decision d)
{
	int saved = errno, fd;
	struct stat st;

	if ((unsigned)d >= NSISO_DECISION__MAX ||
	    __atomic_test_and_set(&cache_busy, __ATOMIC_ACQUIRE))
		return;
	fd = cache_get();
	if (fd < 0 && (fd = open_store(&st)) >= 0)
		cache_set(fd, &st);
	if (fd >= 0 && bump(fd, d) < 0)
		cache_drop(true);
	__atomic_clear(&cache_busy, __ATOMIC_RELEASE);
	errno = saved;
}

void nsiso_stats_open_at(int regdir)
{
	int saved = errno, fd;
	struct stat st;

	if (regdir < 0 || __atomic_test_and_set(&cache_busy, __ATOMIC_ACQUIRE))
		return;
	if (cache_get() < 0 && (fd = open_store_in(regdir, &st)) >= 0)
		cache_set(fd, &st);
	__atomic_clear(&cache_busy, __ATOMIC_RELEASE);
	errno = saved;
}

/* The module unloaded (pam_end() of a long-lived program): do not leak the descriptor. */
__attribute__((destructor)) static void stats_unload(void)
{
	if (cache_get() >= 0)
		cache_drop(true);
}

/* ---- reading and resetting, from nsisoctl ---- */

static int unusable(struct nsiso_error *err, const char *why)
{
	return nsiso_fail(err, NSISO_ERR_UNSAFE, 0, STATS_PATH " %s", why);
}

int nsiso_stats_read(struct nsiso_stats *out, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1, fd = -1;
	struct nsiso_stats_file f;
	struct stat st;
	char why[96];
	bool locked;
	ssize_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = open_regdir(&dir, err)) != 0)
		return r;
	fd = open_file(dir, O_RDONLY);
	if (fd < 0 && errno == ENOENT)
		return NSISO_ABSENT;
	if (fd < 0 && errno == ELOOP)
		return unusable(err, "is a symlink");
	if (fd < 0 || fstat(fd, &st) < 0)
		return nsiso_syserr(err, errno, "cannot open " STATS_PATH);
	if (nsiso_stats_check_stat(&st, why, sizeof(why)) < 0)
		return unusable(err, why);
	/* Read under the lock when it can be had (no torn counter); never wait long for it. */
	locked = lock_file(fd, F_RDLCK) == 0;
	n = pread(fd, &f, sizeof(f), 0);
	if (locked)
		unlock_file(fd);
	if (n < 0)
		return nsiso_syserr(err, errno, "cannot read " STATS_PATH);
	if (nsiso_stats_check_bytes(&f, (size_t)n, why, sizeof(why)) < 0)
		return unusable(err, why);
	out->created = f.created;
	for (int i = 0; i < NSISO_DECISION__MAX; i++)
		out->count[i] = f.counter[i];
	return 0;
}

int nsiso_stats_reset(struct nsiso_error *err)
{
	static const char tmp[] = NSISO_STATS_FILE ".new";
	_cleanup_close_ int dir = -1, fd = -1;
	int e;

	/* No registry: nothing counts yet, and this never makes one. */
	if ((e = open_regdir(&dir, err)) == NSISO_ABSENT)
		return nsiso_syserr(err, ENOENT, "cannot open " NSISO_RUNDIR);
	if (e < 0)
		return -1;
	(void)unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot create " NSISO_RUNDIR "/%s", tmp);
	if ((e = fill(fd)) < 0) {
		(void)unlinkat(dir, tmp, 0);
		return nsiso_syserr(err, -e, "cannot write " NSISO_RUNDIR "/%s", tmp);
	}
	/* rename() replaces a symlink itself, never what it points to. */
	if (renameat(dir, tmp, dir, NSISO_STATS_FILE) < 0) {
		e = errno;
		(void)unlinkat(dir, tmp, 0);
		return nsiso_syserr(err, e, "cannot replace " STATS_PATH);
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "nsset.h"
#include "polydir.h"
#include "session.h"
#include "store.h"
#include "util.h"

int nsiso_admin_open(struct nsiso_registry *reg, struct nsiso_error *err)
{
	return nsiso_registry_open_host(reg, false, err);
}

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

int nsiso_admin_uids(const struct nsiso_registry *reg, uid_t **uids, size_t *n,
		     struct nsiso_error *err)
{
	_cleanup_free_ uid_t *list = NULL;
	size_t used = 0, cap = 0;
	struct dirent *de;
	int fd;
	DIR *d;

	fd = openat(reg->users_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return nsiso_syserr(err, errno, "cannot list " NSISO_RUNDIR "/users");
	}
	while ((de = readdir(d))) {
		uint64_t v;

		if (nsiso_parse_u64(de->d_name, &v) < 0 || v >= (uid_t)-1)
			continue;
		if (used == cap) {
			uid_t *grown = reallocarray(list, cap ? cap * 2 : 16, sizeof(*list));
			if (!grown) {
				closedir(d);
				return nsiso_syserr(err, ENOMEM, "out of memory");
			}
			list = grown;
			cap = cap ? cap * 2 : 16;
		}
		list[used++] = (uid_t)v;
	}
	closedir(d);
	if (used)
		qsort(list, used, sizeof(*list), cmp_uid);
	*uids = nsiso_steal_ptr(&list);
	*n = used;
	return 0;
}

void nsiso_setinfo_free(struct nsiso_setinfo *info)
{
	free(info->sessions);
	info->sessions = NULL;
	info->n_sessions = 0;
}

static int host_mnt_fd(struct nsiso_error *err)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot open /proc/self/ns/mnt");
	return fd;
}

/* nsisoctl runs in the registry's mount namespace (nsiso_admin_open checks): its inode. */
static int own_mnt_ino(uint64_t *ino, struct nsiso_error *err)
{
	struct stat host;

	*ino = 0;
	if (stat("/proc/self/ns/mnt", &host) < 0)
		return nsiso_syserr(err, errno, "cannot stat /proc/self/ns/mnt");
	*ino = (uint64_t)host.st_ino;
	return 0;
}

static int count_processes(const struct nsiso_setrec *rec, unsigned *count, struct nsiso_error *err)
{
	uint64_t host;

	if (own_mnt_ino(&host, err) < 0)
		return -1;
	return nsiso_nsset_count_processes(rec, host, 0, 0, count, err);
}

/*
 * The user's tmpfs (store.h): the generations nothing uses go, but never
 * the live set's (@live: its record); with no set, the tmpfs too once idle.
 */
static int reap_store(const struct nsiso_registry *reg, uid_t uid, const struct nsiso_setrec *live,
		      struct nsiso_error *err)
{
	uint64_t host;

	if (own_mnt_ino(&host, err) < 0)
		return -1;
	if (live && !live->tmp_gen)
		return 0; /* a set without a generation (made before them): nothing to tell apart */
	return nsiso_store_reap(reg, uid, live ? live->tmp_gen : 0, 0, host, !live, err) < 0 ? -1
											     : 0;
}

static int info_locked(const struct nsiso_registry *reg, const struct nsiso_userdir *ud,
		       struct nsiso_setinfo *info, struct nsiso_error *err)
{
	struct nsiso_nsfds fds = NSISO_NSFDS_INIT;
	int r;

	if (nsiso_registry_sessions(ud, &info->sessions, &info->n_sessions, err) < 0)
		return -1;
	r = nsiso_registry_read_set(ud, &info->rec, err);
	if (r < 0)
		return -1;
	info->has_set = r == 0;
	if (!info->has_set)
		return 0;
	r = nsiso_nsset_open(reg, ud->uid, &info->rec, &fds, err);
	nsiso_nsfds_close(&fds);
	if (r < 0)
		return -1;
	info->valid = r == 0;
	return count_processes(&info->rec, &info->processes, err);
}

int nsiso_admin_info(const struct nsiso_registry *reg, uid_t uid, struct nsiso_setinfo *info,
		     struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	int r;

	memset(info, 0, sizeof(*info));
	info->uid = uid;
	/* Looking never creates anything: a uid without a directory has no set. */
	r = nsiso_registry_lock_user(reg, uid, false, &ud, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = info_locked(reg, &ud, info, err);
	if (r < 0)
		nsiso_setinfo_free(info);
	return r;
}

static int teardown_locked(const struct nsiso_registry *reg, const struct nsiso_userdir *ud,
			   struct nsiso_error *err)
{
	_cleanup_close_ int host = host_mnt_fd(err);

	if (host < 0)
		return -1;
	struct nsiso_setrec rec;
	int r = nsiso_registry_read_set(ud, &rec, err);

	if (r < 0)
		return -1;
	if (nsiso_registry_remove_set(ud, err) < 0)
		return -1;
	const char *netns = r == 0 && rec.netns[0] ? rec.netns : NULL;

	if (nsiso_nsset_remove_pins(reg, host, ud->uid, netns, err) < 0)
		return -1;
	nsiso_registry_release_name(reg, ud->uid, netns);
	/* Released: what is left of the user's tmpfs is for gc to finish if this cannot. */
	(void)reap_store(reg, ud->uid, NULL, NULL);
	return 0;
}

/* Take @uid's lock (kept in *@ud) and look at its set, for a decision under that lock. */
static int inspect_locked(const struct nsiso_registry *reg, uid_t uid, struct nsiso_userdir *ud,
			  struct nsiso_setinfo *info, struct nsiso_error *err)
{
	int r;

	memset(info, 0, sizeof(*info));
	r = nsiso_registry_lock_user(reg, uid, false, ud, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = info_locked(reg, ud, info, err);
	/* Only the counts are needed: drop the list, keep n_sessions. */
	free(info->sessions);
	info->sessions = NULL;
	return r;
}

/* Under @uid's lock, as nsiso_admin_release. */
static int release_locked(const struct nsiso_registry *reg, uid_t uid,
			  const struct nsiso_userdir *ud, const struct nsiso_setinfo *info,
			  bool force, struct nsiso_error *err)
{
	/* No record: clear stale pins (under the lock), report "no set". */
	if (!info->has_set)
		return ud->lock_fd < 0 || teardown_locked(reg, ud, err) == 0 ? 1 : -1;
	if (!force && (info->n_sessions > 0 || info->processes > 0))
		return nsiso_fail(err, NSISO_ERR_CALLER, 0,
				  "the set of uid %u still has %zu open session(s) and %u "
				  "process(es): not released (use --force)",
				  (unsigned)uid, info->n_sessions, info->processes);
	return teardown_locked(reg, ud, err);
}

int nsiso_admin_release(const struct nsiso_registry *reg, uid_t uid, bool force,
			struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setinfo info;

	if (inspect_locked(reg, uid, &ud, &info, err) < 0)
		return -1;
	return release_locked(reg, uid, &ud, &info, force, err);
}

int nsiso_admin_purge(const struct nsiso_registry *reg, uid_t uid, bool force,
		      struct nsiso_purge_result *res, struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setinfo info = {0};
	int r;

	memset(res, 0, sizeof(*res));
	/*
	 * The lock even for a uid the registry has never seen: a login must not
	 * make a set, and the directories with it, while they are removed.
	 * Without a registry (none since boot) no session is open, no set exists.
	 */
	if (reg) {
		size_t n;

		r = nsiso_registry_lock_user(reg, uid, true, &ud, err);
		if (r == 0)
			r = info_locked(reg, &ud, &info, err);
		n = info.n_sessions; /* only the count is needed */
		nsiso_setinfo_free(&info);
		info.n_sessions = n;
		if (r < 0)
			return -1;
	}
	/* Not even --force: a session works in those files now. */
	if (info.n_sessions > 0)
		return nsiso_fail(err, NSISO_ERR_CALLER, 0,
				  "uid %u still has %zu open session(s): not purged (its tmp "
				  "directories are in use; end them first)",
				  (unsigned)uid, info.n_sessions);
	if (reg && ud.lock_fd >= 0) {
		r = release_locked(reg, uid, &ud, &info, force, err);
		if (r < 0)
			return -1;
		res->released = r == 0;
	}
	/* Still under the user's lock: no login makes a set (and the directories) meanwhile. */
	return nsiso_polydir_purge(uid, &res->removed, err);
}

int nsiso_admin_gc_one(const struct nsiso_registry *reg, uid_t uid, struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setinfo info;

	if (inspect_locked(reg, uid, &ud, &info, err) < 0)
		return -1;
	/*
	 * Each lifetime's own rule, as at a close: boot keeps its set until
	 * release; session ends with the last session, whatever still runs;
	 * processes also waits for the last process.
	 */
	if (ud.lock_fd < 0)
		return 0;
	if (!info.has_set)
		return reap_store(reg, uid, NULL, err);
	if (info.rec.lifetime == NSISO_LIFE_BOOT || info.n_sessions > 0 ||
	    (info.rec.lifetime == NSISO_LIFE_PROCESSES && info.processes > 0))
		return reap_store(reg, uid, &info.rec, err);
	return teardown_locked(reg, &ud, err) < 0 ? -1 : 1;
}

int nsiso_admin_enter(const struct nsiso_registry *reg, uid_t uid, struct nsiso_error *err)
{
	struct nsiso_nsfds fds = NSISO_NSFDS_INIT;
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setrec rec;
	int r;

	if (nsiso_caller_check(NULL, err) < 0)
		return -1;
	r = nsiso_registry_lock_user(reg, uid, false, &ud, err);
	if (r == 0)
		r = nsiso_registry_read_set(&ud, &rec, err);
	if (r != 0)
		return r < 0 ? -1 : NSISO_ABSENT;
	r = nsiso_nsset_open(reg, uid, &rec, &fds, err);
	if (r != 0) {
		nsiso_nsfds_close(&fds);
		return r < 0 ? -1
			     : nsiso_fail(err, NSISO_ERR_CALLER, 0,
					  "the set of uid %u is invalid (a pin does not check out)",
					  (unsigned)uid);
	}
	r = nsiso_nsset_join(&fds, NULL, err);
	nsiso_nsfds_close(&fds);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "fault.h"
#include "fsutil.h"
#include "keeper.h"
#include "netns.h"
#include "registry.h"
#include "user.h"
#include "util.h"

/* How long a login waits for another login of the same user (or the first-time setup). */
#define LOCK_TIMEOUT_MS 60000

/* ---- pure record helpers ---- */

/* Append @str to @buf (*@used bytes so far), each '%', blank or control byte as %XX. */
static int append_escaped(char *buf, size_t len, size_t *used, const char *str)
{
	for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
		bool plain = *c > ' ' && *c != '%' && *c != 0x7f;
		int n = plain ? snprintf(buf + *used, len - *used, "%c", *c)
			      : snprintf(buf + *used, len - *used, "%%%02X", *c);

		if (n < 0 || (size_t)n >= len - *used)
			return -1;
		*used += (size_t)n;
	}
	return 0;
}

/* @n items, escaped, blank-separated; @suffix(i, @arg) (may be NULL) after item i. */
static int join_escaped(char *const *items, unsigned n, const char *(*suffix)(unsigned, unsigned),
			unsigned arg, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return -1;
	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (i && used + 1 >= len)
			return -1;
		if (i) {
			buf[used++] = ' ';
			buf[used] = '\0';
		}
		if (append_escaped(buf, len, &used, items[i]) < 0 ||
		    (suffix && append_escaped(buf, len, &used, suffix(i, arg)) < 0))
			return -1;
	}
	return 0;
}

static const char *share_mode(unsigned i, unsigned rw)
{
	return rw & (1u << i) ? ":rw" : ":ro";
}

int nsiso_setrec_tmp_dirs(const struct nsiso_settings *s, char *buf, size_t len)
{
	unsigned n = s->n_tmp_dirs < NSISO_MAX_TMP_DIRS ? s->n_tmp_dirs : NSISO_MAX_TMP_DIRS;

	return join_escaped(s->tmp_dirs, n, NULL, 0, buf, len);
}

/* Is /tmp private in a set made with @s? Only then is anything shared (tmpshare.c). */
static bool tmp_private(const struct nsiso_settings *s)
{
	for (unsigned i = 0; s->tmp != NSISO_TMP_OFF && i < s->n_tmp_dirs; i++)
		if (strcmp(s->tmp_dirs[i], "/tmp") == 0)
			return true;
	return false;
}

int nsiso_setrec_tmp_share(const struct nsiso_settings *s, char *buf, size_t len)
{
	unsigned n = s->n_tmp_share < NSISO_MAX_TMP_SHARE ? s->n_tmp_share : NSISO_MAX_TMP_SHARE;

	/* What the set gets: nothing while its /tmp is the host's. */
	if (!tmp_private(s))
		n = 0;

	return join_escaped(s->tmp_share, n, share_mode, s->tmp_share_rw, buf, len);
}

int nsiso_setrec_note_settings(struct nsiso_setrec *rec, const struct nsiso_settings *s,
			       const char *hostname)
{
	rec->settings_known = false;
	if (nsiso_setrec_tmp_dirs(s, rec->tmp_dirs, sizeof(rec->tmp_dirs)) < 0 ||
	    nsiso_setrec_tmp_share(s, rec->tmp_share, sizeof(rec->tmp_share)) < 0 ||
	    (hostname && strlen(hostname) >= sizeof(rec->hostname)))
		return -1;
	rec->tmp = s->tmp;
	rec->propagation = s->propagation;
	rec->net = s->net;
	rec->tmp_size = s->tmp_size;
	snprintf(rec->hostname, sizeof(rec->hostname), "%s", hostname ? hostname : "");
	rec->settings_known = true;
	return 0;
}

/* The settings lines of a record that has them: "settings=1" first, then each. */
static int format_settings(const struct nsiso_setrec *rec, char *buf, size_t len)
{
	char size[32];
	int n;

	if (!rec->settings_known)
		return 0;
	/* The words of the policy file (the enums' tables in policy_keys.c). */
	if (!nsiso_enum_has(&nsiso_enum_tmp, rec->tmp) ||
	    !nsiso_enum_has(&nsiso_enum_propagation, rec->propagation) ||
	    !nsiso_enum_has(&nsiso_enum_net, rec->net) || strchr(rec->hostname, '\n') ||
	    strchr(rec->tmp_dirs, '\n') || strchr(rec->tmp_share, '\n'))
		return -1;
	nsiso_format_size(&rec->tmp_size, size, sizeof(size));
	n = snprintf(buf, len,
		     "settings=1\ntmp=%s\npropagation=%s\nnetmode=%s\ntmpsize=%s\nhostname=%s\n"
		     "tmpdirs=%s\ntmpshare=%s\n",
		     nsiso_enum_name(&nsiso_enum_tmp, rec->tmp),
		     nsiso_enum_name(&nsiso_enum_propagation, rec->propagation),
		     nsiso_enum_name(&nsiso_enum_net, rec->net), size, rec->hostname, rec->tmp_dirs,
		     rec->tmp_share);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* An enum of the record by its name in @names: 0, or -1 when none. */
/* A settings line (format_settings): 0 taken, 1 not one, -1 bad. */
static int parse_settings_line(const char *key, const char *val, struct nsiso_setrec *rec)
{
	unsigned v;

	if (strcmp(key, "settings") == 0) {
		rec->settings_known = strcmp(val, "1") == 0;
		return rec->settings_known ? 0 : -1;
	}
	if (strcmp(key, "tmp") == 0) {
		if (nsiso_enum_parse(&nsiso_enum_tmp, val, &v) < 0)
			return -1;
		rec->tmp = (enum nsiso_tmp_mode)v;
		return 0;
	}
	if (strcmp(key, "propagation") == 0) {
		if (nsiso_enum_parse(&nsiso_enum_propagation, val, &v) < 0)
			return -1;
		rec->propagation = (enum nsiso_propagation)v;
		return 0;
	}
	if (strcmp(key, "netmode") == 0) {
		if (nsiso_enum_parse(&nsiso_enum_net, val, &v) < 0)
			return -1;
		rec->net = (enum nsiso_net_mode)v;
		return 0;
	}
	if (strcmp(key, "tmpsize") == 0)
		return nsiso_parse_size(val, &rec->tmp_size) < 0 ? -1 : 0;
	const struct {
		const char *key;
		char *field;
		size_t size;
	} texts[] = {
	    {"hostname", rec->hostname, sizeof(rec->hostname)},
	    {"tmpdirs", rec->tmp_dirs, sizeof(rec->tmp_dirs)},
	    {"tmpshare", rec->tmp_share, sizeof(rec->tmp_share)},
	};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		if (strcmp(key, texts[i].key) != 0)
			continue;
		if (strlen(val) >= texts[i].size)
			return -1;
		snprintf(texts[i].field, texts[i].size, "%s", val);
		return 0;
	}
	return 1;
}

int nsiso_setrec_format(const struct nsiso_setrec *rec, char *buf, size_t len)
{
	size_t used;
	int n;

	if (!nsiso_enum_has(&nsiso_enum_lifetime, rec->lifetime))
		return -1;
	n = snprintf(buf, len,
		     "version=2\nmask=%u\ndev=%" PRIu64 "\nkeeper=%" PRIu64 "\ncreated=%" PRId64
		     "\nlifetime=%s\n",
		     nsiso_ns_mask_to_record(rec->ns_mask), rec->dev, rec->keeper, rec->created,
		     nsiso_enum_name(&nsiso_enum_lifetime, rec->lifetime));
	if (n < 0 || (size_t)n >= len)
		return -1;
	used = (size_t)n;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		n = snprintf(buf + used, len - used, "%s=%" PRIu64 "\n", nsiso_ns_table[i].name,
			     rec->ino[i]);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	if (rec->tmp_dev) {
		n = snprintf(buf + used, len - used, "tmpdev=%" PRIu64 "\n", rec->tmp_dev);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	if (rec->tmp_gen) {
		n = snprintf(buf + used, len - used, "tmpgen=%" PRIu64 "\n", rec->tmp_gen);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	if (rec->netns[0]) {
		if (!nsiso_netns_name_ok(rec->netns))
			return -1;
		n = snprintf(buf + used, len - used, "netns=%s\n", rec->netns);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	/* Names have no newline (nsiso_user_name_ok) but may hold '=': the key is before the first.
	 */
	for (unsigned i = 0; i < rec->unresolved.n && i < NSISO_UNRESOLVED_MAX; i++) {
		if (!nsiso_user_name_ok(rec->unresolved.name[i]))
			return -1;
		n = snprintf(buf + used, len - used, "unresolved=%s\n", rec->unresolved.name[i]);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	if (rec->unresolved.more) {
		n = snprintf(buf + used, len - used, "unresolved_more=1\n");
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	if ((n = format_settings(rec, buf + used, len - used)) < 0)
		return -1;
	used += (size_t)n;
	if (!rec->user[0] || !nsiso_user_name_ok(rec->user))
		return -1;
	n = snprintf(buf + used, len - used, "user=%s\n", rec->user);
	return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

static int parse_setrec_line(const char *key, const char *val, struct nsiso_setrec *rec,
			     unsigned *seen)
{
	uint64_t v;
	int r = parse_settings_line(key, val, rec);

	if (r <= 0)
		return r;
	if (strcmp(key, "user") == 0) {
		if (!nsiso_user_name_ok(val) || strlen(val) >= sizeof(rec->user))
			return -1;
		snprintf(rec->user, sizeof(rec->user), "%s", val);
		*seen |= 1u << 6;
		return 0;
	}
	if (strcmp(key, "unresolved") == 0) {
		if (!nsiso_user_name_ok(val) || strlen(val) > NSISO_NAME_MAX)
			return -1;
		nsiso_unresolved_add(&rec->unresolved, val, 0);
		return 0;
	}
	if (strcmp(key, "unresolved_more") == 0) {
		if (strcmp(val, "1") != 0)
			return -1;
		rec->unresolved.more = true;
		return 0;
	}
	if (strcmp(key, "netns") == 0) {
		if (!nsiso_netns_name_ok(val))
			return -1;
		snprintf(rec->netns, sizeof(rec->netns), "%s", val);
		return 0;
	}
	if (strcmp(key, "lifetime") == 0) {
		unsigned life;

		if (nsiso_enum_parse(&nsiso_enum_lifetime, val, &life) < 0)
			return -1;
		rec->lifetime = (enum nsiso_lifetime)life;
		*seen |= 1u << 4;
		return 0;
	}
	if (nsiso_parse_u64(val, &v) < 0)
		return -1;
	if (strcmp(key, "version") == 0) {
		/* Version 1 pinned in the host's table: such a record names no live pin. */
		*seen |= 1u << 0;
		return v == 2 ? 0 : -1;
	}
	if (strcmp(key, "tmpdev") == 0 || strcmp(key, "tmpgen") == 0) {
		uint64_t *field = strcmp(key, "tmpdev") == 0 ? &rec->tmp_dev : &rec->tmp_gen;

		if (v == 0)
			return -1;
		*field = v;
		return 0;
	}
	if (strcmp(key, "keeper") == 0) {
		if (v == 0)
			return -1;
		rec->keeper = v;
		*seen |= 1u << 5;
		return 0;
	}
	if (strcmp(key, "mask") == 0) {
		if (nsiso_ns_mask_from_record(v, &rec->ns_mask) < 0)
			return -1;
		*seen |= 1u << 1;
		return 0;
	}
	if (strcmp(key, "dev") == 0) {
		rec->dev = v;
		*seen |= 1u << 2;
		return 0;
	}
	if (strcmp(key, "created") == 0) {
		if (v > INT64_MAX)
			return -1;
		rec->created = (int64_t)v;
		*seen |= 1u << 3;
		return 0;
	}
	const struct nsiso_nsinfo *ns = nsiso_ns_by_name(key);
	if (!ns || v == 0)
		return -1;
	rec->ino[ns->id] = v;
	*seen |= 1u << (8 + ns->id);
	return 0;
}

int nsiso_setrec_parse(const char *text, struct nsiso_setrec *rec)
{
	_cleanup_free_ char *copy = strdup(text);
	unsigned seen = 0, need = 0x7f;
	char *save = NULL;

	if (!copy)
		return -1;
	memset(rec, 0, sizeof(*rec));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		if (parse_setrec_line(line, eq + 1, rec, &seen) < 0)
			return -1;
	}
	if ((seen & need) != need)
		return -1;
	/* Exactly the namespaces of the mask must have an inode. */
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		bool want = rec->ns_mask & NSISO_NS_BIT(i);
		bool have = seen & (1u << (8 + i));
		if (want != have)
			return -1;
	}
	if (!(rec->ns_mask & NSISO_NS_BIT(NSISO_NS_MNT)))
		return -1;
	/* A /run/netns name only ever belongs to a set with a net namespace. */
	if (rec->netns[0] && !(rec->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)))
		return -1;
	return 0;
}

int nsiso_sessrec_name(pid_t pid, uint64_t start, char *buf, size_t len)
{
	int n;

	if (pid <= 0)
		return -1;
	n = snprintf(buf, len, "%d-%" PRIu64, (int)pid, start);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int nsiso_sessrec_parse(const char *name, pid_t *pid, uint64_t *start)
{
	char head[24];
	const char *dash = strchr(name, '-');
	uint64_t p;

	if (!dash || dash == name || (size_t)(dash - name) >= sizeof(head))
		return -1;
	memcpy(head, name, (size_t)(dash - name));
	head[dash - name] = '\0';
	if (nsiso_parse_u64(head, &p) < 0 || p == 0 || p > INT32_MAX)
		return -1;
	if (nsiso_parse_u64(dash + 1, start) < 0)
		return -1;
	*pid = (pid_t)p;
	return 0;
}

/* ---- opening and first-time setup ---- */

static void close_fds(int *const *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void nsiso_registry_close(struct nsiso_registry *r)
{
	int *const fds[] = {&r->root_fd, &r->users_fd, &r->keeper_fd};

	close_fds(fds, ARRAY_SIZE(fds));
	r->keeper_id = 0;
}

/* Bind-mount a directory onto itself. */
static int self_bind(int fd, const char *what, struct nsiso_error *err)
{
	char path[64];

	nsiso_fd_path(fd, path, sizeof(path));
	if (mount(path, path, NULL, MS_BIND, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot bind-mount %s onto itself", what);
	return 0;
}

static int set_propagation(const char *path, unsigned long flag, const char *what,
			   struct nsiso_error *err)
{
	if (mount(NULL, path, NULL, flag, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot set propagation of %s", what);
	return 0;
}

/*
 * The inside of every set has an empty read-only tmpfs on /run/nsiso (see
 * nsset.c). Recognising it lets a login started from inside a set (su from a
 * user's shell) go back to the host instead of building a registry in there.
 */
static bool is_set_placeholder(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC && (sfs.f_flags & ST_RDONLY);
}

bool nsiso_registry_inside_set(void)
{
	_cleanup_close_ int fd = open(NSISO_RUNDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && is_set_placeholder(fd);
}

/* The keeper, opened through its pin: 0, 1 when absent or lost (*lost says which), -1. */
static int open_keeper(struct nsiso_registry *r, bool *lost, struct nsiso_error *err)
{
	int ret = nsiso_keeper_open(r->root_fd, &r->keeper_fd, &r->keeper_id, lost);

	if (ret < 0)
		return nsiso_syserr(err, -ret, "cannot open " NSISO_RUNDIR "/" NSISO_KEEPER_NAME);
	if (ret == 0 && r->keeper_id == 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, ENOTTY,
				  "the kernel does not tell mount namespace ids (NS_GET_MNTNS_ID)");
	return ret;
}

/*
 * Version 1 of the registry pinned every set in the host's table, under
 * mnt/ and ns/ self-bind mounts. Detach them whole: their pins go (the
 * processes still inside such a set keep it), and their records (version 1)
 * read as no set, so each user's next login builds a set in the keeper.
 */
static void sweep_v1(int root_fd)
{
	static const char *const old[] = {"mnt", "ns"};

	/* MNT_DETACH takes each mount with everything below it; the files left are inert. */
	for (size_t i = 0; i < ARRAY_SIZE(old); i++)
		nsiso_unmount_all(root_fd, old[i]);
}

static int setup_locked(struct nsiso_registry *r, int run_fd, struct nsiso_error *err)
{
	char path[64];
	bool lost = false;
	int ret;

	if (nsiso_is_mountpoint(r->root_fd, run_fd) != 1) {
		if (self_bind(r->root_fd, NSISO_RUNDIR, err) < 0)
			return -1;
		close(r->root_fd);
		r->root_fd = nsiso_open_root_dir(run_fd, "nsiso", NSISO_RUNDIR, false, err);
		if (r->root_fd < 0)
			return -1;
		nsiso_fd_path(r->root_fd, path, sizeof(path));
		if (set_propagation(path, MS_PRIVATE, NSISO_RUNDIR, err) < 0)
			return -1;
	}
	if ((r->users_fd =
		 nsiso_open_root_dir(r->root_fd, "users", NSISO_RUNDIR "/users", true, err)) < 0)
		return -1;
	sweep_v1(r->root_fd);
	if ((ret = open_keeper(r, &lost, err)) <= 0)
		return ret;
	/* Every set recorded the keeper's id: a new keeper makes them all invalid, as they are. */
	r->keeper_rebuilt = lost;
	if (nsiso_keeper_create(r->root_fd, err) < 0)
		return -1;
	if ((ret = open_keeper(r, &lost, err)) != 0)
		return ret < 0 ? -1
			       : nsiso_fail(err, NSISO_ERR_SYSTEM, EIO,
					    "the new keeper namespace does not check out");
	return 0;
}

static int setup(struct nsiso_registry *r, int run_fd, struct nsiso_error *err)
{
	_cleanup_close_ int lock = -1;

	if (NSISO_FAULT("registry.setup") < 0)
		return nsiso_syserr(err, errno, "fault registry.setup");
	lock = openat(r->root_fd, "registry.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return nsiso_syserr(err, errno, "cannot open " NSISO_RUNDIR "/registry.lock");
	if (nsiso_flock_timeout(lock, LOCK_TIMEOUT_MS) < 0)
		return nsiso_syserr(err, errno, "cannot lock " NSISO_RUNDIR "/registry.lock");
	/*
	 * Look everything up again under the lock: a login that set the registry
	 * up while we waited has bind-mounted over the directory our fds still
	 * point into, and we would stack a second set of mounts on the first.
	 */
	nsiso_registry_close(r);
	r->root_fd = nsiso_open_root_dir(run_fd, "nsiso", NSISO_RUNDIR, false, err);
	if (r->root_fd < 0)
		return -1;
	return setup_locked(r, run_fd, err);
}

/* The everyday case: everything is in place. */
static bool open_ready(struct nsiso_registry *r, int run_fd)
{
	bool lost;

	if (nsiso_is_mountpoint(r->root_fd, run_fd) != 1)
		return false;
	r->users_fd = nsiso_open_root_dir(r->root_fd, "users", NSISO_RUNDIR "/users", false, NULL);
	return r->users_fd >= 0 && open_keeper(r, &lost, NULL) == 0;
}

/* /run/nsiso: 0 and r->root_fd, NSISO_ABSENT (only without @create), -1. */
static int open_root(struct nsiso_registry *r, int run_fd, bool create, struct nsiso_error *err)
{
	if (!create)
		return nsiso_find_root_dir(run_fd, "nsiso", NSISO_RUNDIR, &r->root_fd, err);
	r->root_fd = nsiso_open_root_dir(run_fd, "nsiso", NSISO_RUNDIR, true, err);
	return r->root_fd < 0 ? -1 : 0;
}

int nsiso_registry_open(struct nsiso_registry *r, bool create, struct nsiso_error *err)
{
	_cleanup_close_ int run_fd = -1;
	int ret;

	*r = (struct nsiso_registry)NSISO_REGISTRY_INIT;
	run_fd = open("/run", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (run_fd < 0 && errno == ENOENT && !create)
		return NSISO_ABSENT;
	if (run_fd < 0)
		return nsiso_syserr(err, errno, "cannot open /run");
	ret = open_root(r, run_fd, create, err);
	if (ret == 0 && is_set_placeholder(r->root_fd))
		ret = NSISO_INSIDE_SET;
	else if (ret == 0 && open_ready(r, run_fd))
		return 0;
	else if (ret == 0 && !create)
		ret = NSISO_ABSENT; /* a directory, but not the registry's mount */
	else if (ret == 0)
		ret = setup(r, run_fd, err) == 0 ? 0 : -1;
	if (ret != 0)
		nsiso_registry_close(r);
	return ret;
}

int nsiso_registry_open_host(struct nsiso_registry *r, bool create, struct nsiso_error *err)
{
	int ret = nsiso_registry_open(r, create, err);

	if (ret != NSISO_INSIDE_SET)
		return ret;
	return nsiso_fail(
	    err, NSISO_ERR_SYSTEM, EXDEV,
	    "this process is inside a namespace set, not in the host's mount namespace");
}

/* ---- per-user state ---- */

int nsiso_registry_lock_user(const struct nsiso_registry *r, uid_t uid, bool create,
			     struct nsiso_userdir *out, struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir u = NSISO_USERDIR_INIT;
	char name[16], what[64];

	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	snprintf(what, sizeof(what), NSISO_RUNDIR "/users/%u", (unsigned)uid);
	u.uid = uid;
	if (!create) {
		int ret = nsiso_find_root_dir(r->users_fd, name, what, &u.fd, err);

		if (ret != 0)
			return ret;
	} else if ((u.fd = nsiso_open_root_dir(r->users_fd, name, what, true, err)) < 0) {
		return -1;
	}
	u.lock_fd = openat(u.fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (u.lock_fd < 0)
		return nsiso_syserr(err, errno, "cannot open the lock of uid %u", (unsigned)uid);
	if (nsiso_flock_timeout(u.lock_fd, LOCK_TIMEOUT_MS) < 0)
		return nsiso_syserr(err, errno, "cannot lock the set of uid %u", (unsigned)uid);
	*out = u;
	u = (struct nsiso_userdir)NSISO_USERDIR_INIT;
	return 0;
}

void nsiso_userdir_close(struct nsiso_userdir *u)
{
	int *const fds[] = {&u->lock_fd, &u->fd};

	close_fds(fds, ARRAY_SIZE(fds));
}

int nsiso_registry_read_set(const struct nsiso_userdir *u, struct nsiso_setrec *rec,
			    struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	int e;

	fd = openat(u->fd, "set", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT
			   ? NSISO_ABSENT
			   : nsiso_syserr(err, errno, "cannot open set record of uid %u",
					  (unsigned)u->uid);
	if ((e = nsiso_read_fd(fd, NSISO_SETREC_MAX, &text, NULL)) < 0)
		return nsiso_syserr(err, -e, "cannot read set record of uid %u", (unsigned)u->uid);
	/* A torn or foreign record is treated as no set: the caller rebuilds. */
	if (nsiso_setrec_parse(text, rec) < 0)
		return NSISO_ABSENT;
	return 0;
}

int nsiso_registry_write_set(const struct nsiso_userdir *u, const struct nsiso_setrec *rec,
			     struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char text[NSISO_SETREC_MAX];
	int e;

	if (nsiso_setrec_format(rec, text, sizeof(text)) < 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, EINVAL, "cannot format set record");
	fd = openat(u->fd, "set.new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot write set record of uid %u",
				    (unsigned)u->uid);
	if ((e = nsiso_write_all(fd, text, strlen(text))) < 0)
		return nsiso_syserr(err, -e, "cannot write set record of uid %u", (unsigned)u->uid);
	/* The rename is the commit point of a new set. */
	if (NSISO_FAULT("create.commit") < 0 || renameat(u->fd, "set.new", u->fd, "set") < 0)
		return nsiso_syserr(err, errno, "cannot commit set record of uid %u",
				    (unsigned)u->uid);
	return 0;
}

int nsiso_registry_remove_set(const struct nsiso_userdir *u, struct nsiso_error *err)
{
	if (unlinkat(u->fd, "set", 0) < 0 && errno != ENOENT)
		return nsiso_syserr(err, errno, "cannot remove set record of uid %u",
				    (unsigned)u->uid);
	return 0;
}

/* ---- /run/netns names ---- */

/* The uid recorded in a claim, or (uid_t)-1 when there is none or it is unreadable. */
static uid_t claim_owner(int dir, const char *name)
{
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	_cleanup_free_ char *text = NULL;
	uint64_t v;

	if (fd < 0 || nsiso_read_fd(fd, 32, &text, NULL) < 0)
		return (uid_t)-1;
	text[strcspn(text, "\n")] = '\0';
	if (nsiso_parse_u64(text, &v) < 0 || v >= (uid_t)-1)
		return (uid_t)-1;
	return (uid_t)v;
}

/* Does @uid's recorded set name @name? (Read without its lock: records are renamed whole.) */
static bool set_holds_name(const struct nsiso_registry *r, uid_t uid, const char *name)
{
	struct nsiso_userdir ud = {.uid = uid, .fd = -1, .lock_fd = -1};
	struct nsiso_setrec rec;
	char d[16];
	bool held;

	snprintf(d, sizeof(d), "%u", (unsigned)uid);
	ud.fd = nsiso_open_root_dir(r->users_fd, d, "a user directory", false, NULL);
	if (ud.fd < 0)
		return false;
	held = nsiso_registry_read_set(&ud, &rec, NULL) == 0 && strcmp(rec.netns, name) == 0;
	close(ud.fd);
	return held;
}

static int open_names_dir(const struct nsiso_registry *r, struct nsiso_error *err)
{
	return nsiso_open_root_dir(r->root_fd, "names", NSISO_RUNDIR "/names", true, err);
}

int nsiso_registry_claim_name(const struct nsiso_registry *r, uid_t uid, const char *name,
			      struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1, fd = -1;
	char text[24];
	uid_t owner;
	int e;

	if (!nsiso_netns_name_ok(name))
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "netns_name gives an unusable name");
	if ((dir = open_names_dir(r, err)) < 0)
		return -1;
	if (nsiso_flock_timeout(dir, LOCK_TIMEOUT_MS) < 0)
		return nsiso_syserr(err, errno, "cannot lock " NSISO_RUNDIR "/names");
	owner = claim_owner(dir, name);
	if (owner == uid)
		return 0;
	if (owner != (uid_t)-1 && set_holds_name(r, owner, name))
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "netns_name gives " NSISO_NETNS_DIR
				  "/%s, which the set of uid %u holds: no set is made (make the "
				  "template tell these accounts apart, e.g. with %%U)",
				  name, (unsigned)owner);
	/* Free, or a stale claim: write ours under a temporary name, then rename over it. */
	snprintf(text, sizeof(text), "%u\n", (unsigned)uid);
	(void)unlinkat(dir, "+claim", 0);
	fd = openat(dir, "+claim", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (e = nsiso_write_all(fd, text, strlen(text))) < 0 ||
	    renameat(dir, "+claim", dir, name) < 0)
		return nsiso_syserr(err, errno, "cannot claim " NSISO_NETNS_DIR "/%s", name);
	return 0;
}

void nsiso_registry_release_name(const struct nsiso_registry *r, uid_t uid, const char *name)
{
	_cleanup_close_ int dir = -1;

	if (!name || !nsiso_netns_name_ok(name) || (dir = open_names_dir(r, NULL)) < 0 ||
	    nsiso_flock_timeout(dir, LOCK_TIMEOUT_MS) < 0)
		return;
	if (claim_owner(dir, name) == uid)
		(void)unlinkat(dir, name, 0);
}

/* users/<uid>/sessions: 0 and *@fd; NSISO_ABSENT when there is none (only without @create); -1. */
static int open_sessions_dir(const struct nsiso_userdir *u, bool create, int *fd,
			     struct nsiso_error *err)
{
	char what[80];

	snprintf(what, sizeof(what), NSISO_RUNDIR "/users/%u/sessions", (unsigned)u->uid);
	if (!create)
		return nsiso_find_root_dir(u->fd, "sessions", what, fd, err);
	*fd = nsiso_open_root_dir(u->fd, "sessions", what, true, err);
	return *fd < 0 ? -1 : 0;
}

int nsiso_registry_add_session(const struct nsiso_userdir *u, pid_t pid, uint64_t start,
			       struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1, fd = -1;
	char name[48];

	if (nsiso_sessrec_name(pid, start, name, sizeof(name)) < 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, EINVAL, "bad session record");
	if (open_sessions_dir(u, true, &dir, err) < 0)
		return -1;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot record session of uid %u",
				    (unsigned)u->uid);
	return 0;
}

int nsiso_registry_remove_session(const struct nsiso_userdir *u, pid_t pid, uint64_t start,
				  struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;
	char name[48];
	int r;

	if (nsiso_sessrec_name(pid, start, name, sizeof(name)) < 0)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, EINVAL, "bad session record");
	/* No sessions directory: no record to remove. */
	if ((r = open_sessions_dir(u, false, &dir, err)) != 0)
		return r < 0 ? -1 : 0;
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return nsiso_syserr(err, errno, "cannot remove session record of uid %u",
				    (unsigned)u->uid);
	return 0;
}

static bool session_alive(pid_t pid, uint64_t start)
{
	uint64_t now;

	/* A recycled pid has another start time: the session it stood for is gone. */
	return nsiso_proc_starttime(pid, &now) == 0 && now == start;
}

static int append_session(struct nsiso_sessinfo **list, size_t *n, pid_t pid, uint64_t start)
{
	struct nsiso_sessinfo *grown = reallocarray(*list, *n + 1, sizeof(**list));

	if (!grown)
		return -1;
	grown[*n] = (struct nsiso_sessinfo){.pid = pid, .start = start};
	*list = grown;
	(*n)++;
	return 0;
}

int nsiso_registry_sessions(const struct nsiso_userdir *u, struct nsiso_sessinfo **list, size_t *n,
			    struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;
	struct dirent *de;
	DIR *d;
	int r;

	*n = 0;
	if (list)
		*list = NULL;
	/* No sessions directory: no sessions. */
	if ((r = open_sessions_dir(u, false, &dir, err)) != 0)
		return r < 0 ? -1 : 0;
	d = fdopendir(dir);
	if (!d)
		return nsiso_syserr(err, errno, "cannot list sessions of uid %u", (unsigned)u->uid);
	dir = -1; /* owned by d now */
	while ((de = readdir(d))) {
		pid_t pid;
		uint64_t start;

		if (de->d_name[0] == '.')
			continue;
		if (nsiso_sessrec_parse(de->d_name, &pid, &start) < 0 ||
		    !session_alive(pid, start)) {
			unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (list && append_session(list, n, pid, start) < 0) {
			closedir(d);
			free(*list);
			*list = NULL;
			return nsiso_syserr(err, ENOMEM, "out of memory");
		}
		if (!list)
			(*n)++;
	}
	closedir(d);
	return 0;
}

int nsiso_registry_live_sessions(const struct nsiso_userdir *u, unsigned *count,
				 struct nsiso_error *err)
{
	size_t n = 0;
	int ret = nsiso_registry_sessions(u, NULL, &n, err);

	*count = (unsigned)n;
	return ret;
}

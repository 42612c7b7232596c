/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fault.h"
#include "netns.h"
#include "nsset.h"
#include "rundir.h"
#include "session.h"
#include "stats.h"
#include "store.h"
#include "util.h"

struct nsiso_session {
	struct nsiso_registry reg; /* fds into the host's registry: valid from inside the set */
	int host_mnt_fd;	   /* the registry's mount namespace, for tear-down */
	uid_t uid;
	pid_t pid;
	uint64_t start;
};

/* The namespaces a set can hold: a caller coming from a set is moved out of all of them. */
static unsigned managed_mask(void)
{
	unsigned m = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (nsiso_ns_table[i].supported)
			m |= NSISO_NS_BIT(i);
	return m;
}

/* Note a step of the open for the front-end's debug lines (a full trace keeps its first steps). */
static void step(struct nsiso_open_result *res, enum nsiso_step s)
{
	if (res->nsteps < NSISO_STEPS_MAX)
		res->steps[res->nsteps++] = (unsigned char)s;
}

void nsiso_caller_inodes(uint64_t ino[NSISO_NS__MAX], unsigned *mask)
{
	unsigned want = managed_mask();

	*mask = 0;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		char path[64];
		struct stat st;

		ino[i] = 0;
		if (!(want & NSISO_NS_BIT(i)))
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", nsiso_ns_table[i].name);
		if (stat(path, &st) == 0) {
			ino[i] = (uint64_t)st.st_ino;
			*mask |= NSISO_NS_BIT(i);
		}
	}
}

/* Can this process switch namespaces and unmount? CAP_SYS_ADMIN and CAP_SYS_CHROOT. */
static int check_caps(struct nsiso_error *err)
{
	static const cap_value_t need[] = {CAP_SYS_ADMIN, CAP_SYS_CHROOT};
	cap_t caps = cap_get_proc();

	if (!caps)
		return nsiso_syserr(err, errno, "cannot read the process capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(caps, need[i], CAP_EFFECTIVE, &v) < 0 || v != CAP_SET) {
			char *name = cap_to_name(need[i]);
			nsiso_fail(err, NSISO_ERR_CALLER, 0,
				   "the calling process lacks %s: it cannot switch namespaces",
				   name ? name : "a capability");
			cap_free(name);
			cap_free(caps);
			return -1;
		}
	}
	cap_free(caps);
	return 0;
}

int nsiso_caller_check(uint64_t *start, struct nsiso_error *err)
{
	struct nsiso_procstat st;
	int e;

	if (check_caps(err) < 0)
		return -1;
	/* One read of /proc/self/stat: the thread count now, the start time for the record. */
	if ((e = nsiso_proc_stat(0, &st)) < 0)
		return nsiso_syserr(err, -e, "cannot read /proc/self/stat");
	if (st.threads != 1)
		return nsiso_fail(
		    err, NSISO_ERR_CALLER, 0,
		    "the calling process has %d threads: the kernel refuses to move a "
		    "multithreaded process to another mount namespace",
		    st.threads);
	if (start)
		*start = st.start;
	return 0;
}

void nsiso_session_free(struct nsiso_session *sess)
{
	if (!sess)
		return;
	nsiso_registry_close(&sess->reg);
	if (sess->host_mnt_fd >= 0)
		close(sess->host_mnt_fd);
	free(sess);
}

/*
 * Move the caller into PID 1's namespaces, all that a set can hold, so a set
 * built next is made from the host's and not from the one the caller was in.
 * With @origin, first note where the caller is, to come back on failure.
 */
static int join_host(struct nsiso_nsfds *origin, struct nsiso_error *err)
{
	struct nsiso_nsfds host = NSISO_NSFDS_INIT;
	int ret;

	if (origin && nsiso_nsset_open_pid(0, managed_mask(), origin, err) < 0)
		return -1;
	/* All of PID 1's namespaces are opened before the first setns(): never half-switched. */
	if (nsiso_nsset_open_pid(1, managed_mask(), &host, err) < 0) {
		int e = err && err->errnum ? err->errnum : EPERM;

		nsiso_nsfds_close(&host);
		nsiso_error_clear(err);
		return nsiso_fail(err, NSISO_ERR_SYSTEM, e,
				  "this login starts inside a namespace set and the way back to "
				  "the host, /proc/1/ns, cannot be opened");
	}
	ret = nsiso_nsset_join(&host, origin, err);
	nsiso_nsfds_close(&host);
	return ret;
}

/*
 * Reach the registry. A process that sits in some user's set (alice's shell
 * running `su - bob`) sees a placeholder there: it goes back to the host
 * through PID 1's namespaces first. *@origin (its mount namespace open on
 * entry) keeps where it came from.
 *
 * Is the caller in a mount namespace other than PID 1's (when that can be
 * seen)? A login service under systemd sandboxing (PrivateTmp=) is: its view
 * of /run/nsiso lacks the registry's submounts, and building a second
 * registry there would give the user one set for ssh and another for login.
 * The registry lives in PID 1's namespace; from elsewhere, go there first.
 */
static bool foreign_mount_ns(const struct nsiso_nsfds *origin)
{
	struct stat host;

	if (stat("/proc/1/ns/mnt", &host) < 0)
		return false; /* PID 1 not visible: the caller's namespace is the host */
	return (uint64_t)host.st_ino != nsiso_nsfds_ino(origin, NSISO_NS_MNT);
}

static int reach_registry(struct nsiso_registry *reg, struct nsiso_nsfds *origin, bool *moved,
			  struct nsiso_error *err)
{
	*moved = false;
	if (!foreign_mount_ns(origin)) {
		int r = nsiso_registry_open(reg, true, err);

		if (r != NSISO_INSIDE_SET)
			return r; /* open (in the host's mount namespace), or an error */
	}
	if (join_host(origin, err) < 0)
		return -1;
	*moved = true;
	if (nsiso_registry_open_host(reg, true, err) < 0) {
		(void)nsiso_nsset_join(origin, NULL, NULL);
		*moved = false;
		return -1;
	}
	return 0;
}

int nsiso_return_to_host(bool *moved, struct nsiso_error *err)
{
	*moved = false;
	if (!nsiso_registry_inside_set())
		return 0;
	if (nsiso_caller_check(NULL, err) < 0 || join_host(NULL, err) < 0)
		return -1;
	*moved = true;
	return 0;
}

/* A template of the policy for this user, or NULL when empty or unusable. */
static const char *expand(const char *tmpl, const struct nsiso_user *u, char *buf, size_t len)
{
	struct utsname un;

	if (!tmpl || !*tmpl || uname(&un) < 0)
		return NULL;
	if (nsiso_template_expand(tmpl, u->name, u->uid, un.nodename, buf, len) < 0)
		return NULL;
	return buf;
}

static const char *expand_hostname(const struct nsiso_user *u, const struct nsiso_settings *s,
				   char *buf, size_t len)
{
	if (!(s->ns_mask & NSISO_NS_BIT(NSISO_NS_UTS)))
		return NULL;
	return expand(s->hostname, u, buf, len);
}

static int expand_netns_name(const struct nsiso_user *u, const struct nsiso_settings *s, char *buf,
			     size_t len, const char **out, struct nsiso_error *err)
{
	*out = NULL;
	if (!(s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)) || !s->netns_name || !*s->netns_name)
		return 0;
	*out = expand(s->netns_name, u, buf, len);
	if (!*out || !nsiso_netns_name_ok(*out))
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "netns_name gives no usable name for this user");
	return 0;
}

/* The registry's mount namespace (kept from open), whose table is never read. */
static uint64_t host_ino(const struct nsiso_session *sess)
{
	struct stat st;

	return sess->host_mnt_fd >= 0 && fstat(sess->host_mnt_fd, &st) == 0 ? (uint64_t)st.st_ino
									    : 0;
}

/*
 * Tear down the user's set: the record first (the commit point), then the
 * pins; then the generations of the user's tmpfs nothing uses any more go
 * (the closing process, still inside, does not count), and with them, at a
 * close, the tmpfs itself when nothing at all holds it (store.h): best
 * effort, `nsisoctl gc` finishes what is left. @at_registry: the caller is
 * known to sit in the registry's mount namespace (open, before the join:
 * a set is made next, which takes the tmpfs as it is).
 */
static int teardown(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		    const char *netns_name, bool at_registry, struct nsiso_error *err)
{
	int root;

	if (nsiso_registry_remove_set(ud, err) < 0)
		return -1;
	if (NSISO_FAULT("teardown.unrecorded") < 0)
		return nsiso_syserr(err, errno, "fault teardown.unrecorded");
	/* One keeper visit removes the pins and finds the store for the reap below. */
	if (nsiso_nsset_unpin(&sess->reg, sess->host_mnt_fd, at_registry, ud->uid, netns_name,
			      &root, err) < 0)
		return -1;
	nsiso_registry_release_name(&sess->reg, ud->uid, netns_name);
	if (root == -EAGAIN)
		(void)nsiso_store_reap(&sess->reg, ud->uid, 0, sess->pid, host_ino(sess),
				       !at_registry, NULL);
	else
		(void)nsiso_store_reap_at(&sess->reg, ud->uid, root, 0, sess->pid, host_ino(sess),
					  !at_registry, NULL);
	return 0;
}

/* The policy's settings for @u: needed to make a set, or to check a provisional one. */
static int resolve(const struct nsiso_policy *p, struct nsiso_user *u,
		   struct nsiso_open_result *res, struct nsiso_error *err)
{
	nsiso_open_result_free(res);
	if (nsiso_policy_resolve(p, u, &res->settings, err) < 0)
		return -1;
	res->resolved = true;
	step(res, NSISO_STEP_RESOLVED);
	return 0;
}

/* Every group lookup this login's decision depends on that failed. */
static void failed_lookups(const struct nsiso_unresolved *exempt_un, const struct nsiso_settings *s,
			   struct nsiso_unresolved *out)
{
	*out = (struct nsiso_unresolved){0};
	if (exempt_un)
		nsiso_unresolved_merge(out, exempt_un);
	nsiso_unresolved_merge(out, &s->unresolved);
}

/* Clear whatever an invalid or absent set left and build a new one. */
static int make_set(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		    struct nsiso_user *u, const struct nsiso_policy *p,
		    const struct nsiso_unresolved *exempt_un, struct nsiso_nsfds *fds,
		    struct nsiso_open_result *res, struct nsiso_error *err)
{
	const struct nsiso_settings *s = &res->settings;
	char hostbuf[80], netnsbuf[80];
	const char *netns, *stale_netns;

	if (resolve(p, u, res, err) < 0 ||
	    expand_netns_name(u, s, netnsbuf, sizeof(netnsbuf), &netns, err) < 0)
		return -1;
	/*
	 * A record that named a /run/netns pin (even a torn one) names what to
	 * clear. The new name is cleared only once it is claimed: two accounts
	 * can get the same name, and one must not remove the other's.
	 */
	stale_netns = res->rec.netns[0] ? res->rec.netns : NULL;
	if (teardown(sess, ud, stale_netns, true, err) < 0)
		return -1;
	if (netns && nsiso_registry_claim_name(&sess->reg, u->uid, netns, err) < 0)
		return -1;
	if (nsiso_nsset_create(&sess->reg, u, s, expand_hostname(u, s, hostbuf, sizeof(hostbuf)),
			       netns, &res->rec, fds, &res->attempts, res->share_note,
			       sizeof(res->share_note), err) < 0) {
		nsiso_registry_release_name(&sess->reg, u->uid, netns);
		return -1;
	}
	/* Made while NSS could not answer for a group: provisional, and the record says on what. */
	failed_lookups(exempt_un, s, &res->rec.unresolved);
	if (nsiso_unresolved_any(&res->rec.unresolved)) {
		res->provisional = NSISO_PROV_CREATED;
		res->unresolved = res->rec.unresolved;
	}
	if (nsiso_registry_write_set(ud, &res->rec, err) < 0) {
		nsiso_nsfds_close(fds);
		teardown(sess, ud, netns, true, NULL);
		return -1;
	}
	step(res, NSISO_STEP_CREATED);
	res->action = NSISO_ACTION_CREATE;
	return 0;
}

/*
 * Was @u a member of one of the groups whose lookup failed when the set was
 * made? Those were taken as not applying, so if it was not, the set's
 * settings are what they would be now. 1, 0, or -1 (cannot tell).
 */
static int member_of_unresolved(struct nsiso_user *u, const struct nsiso_unresolved *un)
{
	if (un->more || nsiso_user_load_groups(u, NULL) < 0)
		return -1;
	for (unsigned i = 0; i < un->n; i++) {
		gid_t gid;
		int r = nsiso_group_lookup(un->name[i], &gid);

		if (r < 0)
			return -1;
		if (r > 0 && nsiso_user_in_group(u, gid))
			return 1;
	}
	return 0;
}

/* Is anybody in the set: a live session, or a process (lifetime = processes' test)? */
static int set_busy(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		    const struct nsiso_setrec *rec, struct nsiso_error *err);

/*
 * A provisional set, found valid: decide again, now. 0 join it (kept or
 * confirmed; res->provisional says which), 1 make it again, -1 error.
 */
static int recheck(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		   struct nsiso_user *u, const struct nsiso_policy *p,
		   const struct nsiso_unresolved *exempt_un, struct nsiso_open_result *res,
		   struct nsiso_error *err)
{
	struct nsiso_setrec confirmed;
	int r;

	if (resolve(p, u, res, err) < 0)
		return -1;
	failed_lookups(exempt_un, &res->settings, &res->unresolved);
	r = nsiso_unresolved_any(&res->unresolved) ? -1
						   : member_of_unresolved(u, &res->rec.unresolved);
	if (r < 0) {
		/* Still no answer: the set stays as it is, and provisional. */
		if (!nsiso_unresolved_any(&res->unresolved))
			res->unresolved = res->rec.unresolved;
		res->provisional = NSISO_PROV_STILL;
		return 0;
	}
	if (r == 0) {
		confirmed = res->rec;
		confirmed.unresolved = (struct nsiso_unresolved){0};
		if (nsiso_registry_write_set(ud, &confirmed, err) < 0)
			return -1;
		res->rec = confirmed;
		res->provisional = NSISO_PROV_CONFIRMED;
		return 0;
	}
	/* Made with settings that were wrong for the user: again, unless somebody is in it. */
	if ((r = set_busy(sess, ud, &res->rec, err)) < 0)
		return -1;
	res->provisional = r ? NSISO_PROV_KEPT_BUSY : NSISO_PROV_REBUILT;
	return !r;
}

/* Under the user's lock: find a valid set and open it, or build a new one. */
static int get_set(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		   struct nsiso_user *u, const struct nsiso_policy *p,
		   const struct nsiso_unresolved *exempt_un, struct nsiso_nsfds *fds,
		   struct nsiso_open_result *res, struct nsiso_error *err)
{
	int r = nsiso_registry_read_set(ud, &res->rec, err);

	if (r < 0)
		return -1;
	/*
	 * A uid handed to a new account while the old one's set lives: the set
	 * is not this user's. It is rebuilt (the old account's processes keep
	 * theirs), never joined.
	 */
	if (r == 0 && strcmp(res->rec.user, u->name) != 0) {
		step(res, NSISO_STEP_INVALID);
		res->rebuilt = true;
		res->foreign_owner = true;
		return make_set(sess, ud, u, p, exempt_un, fds, res, err);
	}
	if (r == 0) {
		/* The caller stands in the registry's namespace, open as host_mnt_fd. */
		r = nsiso_nsset_open_from(&sess->reg, sess->host_mnt_fd, u->uid, &res->rec, fds,
					  err);
		if (r < 0)
			return -1;
		if (r == 0 && nsiso_unresolved_any(&res->rec.unresolved))
			r = recheck(sess, ud, u, p, exempt_un, res, err);
		if (r < 0) {
			nsiso_nsfds_close(fds);
			return -1;
		}
		if (r == 0) {
			step(res, NSISO_STEP_FOUND);
			res->action = NSISO_ACTION_JOIN;
			return 0;
		}
		nsiso_nsfds_close(fds);
		if (res->provisional != NSISO_PROV_REBUILT) {
			step(res, NSISO_STEP_INVALID);
			res->rebuilt = true;
		}
	} else {
		step(res, NSISO_STEP_NO_SET);
	}
	return make_set(sess, ud, u, p, exempt_un, fds, res, err);
}

/*
 * The set's /run/user/UID is made the host's (rundir.h). Not worth a login
 * when it fails: the front-end says why. Only a caller that could not come
 * back into the set from the host's namespace must not go on.
 */
static int sync_rundir(const struct nsiso_session *sess, const struct nsiso_rundir *host,
		       const struct nsiso_nsfds *set, struct nsiso_open_result *res,
		       struct nsiso_error *err)
{
	struct nsiso_error e = {0};
	int r = nsiso_rundir_sync(host, sess->host_mnt_fd, &res->rundir_refreshed, &e);

	if (r == -2 && nsiso_nsset_join(set, NULL, err) < 0)
		return -1;
	if (r < 0)
		snprintf(res->rundir_error, sizeof(res->rundir_error), "%.*s",
			 (int)sizeof(res->rundir_error) - 1, e.msg);
	return 0;
}

/* With the user's lock held: record the session and move the caller in. */
static int enter_locked(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
			struct nsiso_user *u, const struct nsiso_policy *p,
			const struct nsiso_unresolved *exempt_un, const struct nsiso_nsfds *here,
			struct nsiso_open_result *res, struct nsiso_error *err)
{
	struct nsiso_nsfds fds = NSISO_NSFDS_INIT;
	struct nsiso_rundir rundir = NSISO_RUNDIR_INIT;
	int ret = -1;

	if (get_set(sess, ud, u, p, exempt_un, &fds, res, err) < 0)
		return -1;
	if (nsiso_registry_add_session(ud, sess->pid, sess->start, err) < 0)
		goto out;
	step(res, NSISO_STEP_RECORDED);
	if (NSISO_FAULT("open.recorded") < 0) {
		nsiso_syserr(err, errno, "fault open.recorded");
		nsiso_registry_remove_session(ud, sess->pid, sess->start, NULL);
		goto out;
	}
	nsiso_rundir_note(u->uid, &rundir); /* the host's, from here */
	if (nsiso_nsset_join(&fds, here, err) < 0) {
		nsiso_registry_remove_session(ud, sess->pid, sess->start, NULL);
		goto out;
	}
	step(res, NSISO_STEP_JOINED);
	if (sync_rundir(sess, &rundir, &fds, res, err) < 0) {
		nsiso_registry_remove_session(ud, sess->pid, sess->start, NULL);
		goto out;
	}
	ret = 0;
out:
	nsiso_rundir_close(&rundir);
	/* A set made for a login that then failed would hold nothing: do not keep it. */
	if (ret < 0 && res->action == NSISO_ACTION_CREATE && res->rec.lifetime != NSISO_LIFE_BOOT)
		teardown(sess, ud, res->rec.netns[0] ? res->rec.netns : NULL, false, NULL);
	nsiso_nsfds_close(&fds);
	return ret;
}

void nsiso_open_result_free(struct nsiso_open_result *res)
{
	nsiso_settings_free(&res->settings);
	res->resolved = false;
}

int nsiso_session_open(struct nsiso_user *u, const struct nsiso_policy *p,
		       const struct nsiso_unresolved *exempt_un, struct nsiso_session **out,
		       struct nsiso_open_result *res, struct nsiso_error *err)
{
	struct nsiso_nsfds origin = NSISO_NSFDS_INIT, here = NSISO_NSFDS_INIT;
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_session *sess;
	uint64_t start;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (nsiso_caller_check(&start, err) < 0)
		return -1;
	sess = calloc(1, sizeof(*sess));
	if (!sess)
		return nsiso_syserr(err, ENOMEM, "out of memory");
	sess->reg = (struct nsiso_registry)NSISO_REGISTRY_INIT;
	sess->host_mnt_fd = -1;
	sess->uid = u->uid;
	sess->pid = getpid();
	sess->start = start;
	/* Opened first: the foreign-namespace check and, most often, the registry's namespace. */
	if (nsiso_nsset_open_pid(0, NSISO_NS_BIT(NSISO_NS_MNT), &origin, err) < 0 ||
	    reach_registry(&sess->reg, &origin, &res->from_set, err) < 0)
		goto out;
	res->keeper_rebuilt = sess->reg.keeper_rebuilt;
	/* The decision is counted there next: through the directory at hand. */
	nsiso_stats_open_at(sess->reg.root_fd);
	if (res->from_set)
		step(res, NSISO_STEP_HOST);
	step(res, NSISO_STEP_REGISTRY);
	/* The registry's mount namespace, kept for close: where the caller is now. */
	if (res->from_set) {
		if (nsiso_nsset_open_pid(0, NSISO_NS_BIT(NSISO_NS_MNT), &here, err) < 0)
			goto out;
	} else {
		here.fd[NSISO_NS_MNT] = nsiso_steal_fd(&origin.fd[NSISO_NS_MNT]);
		here.ino[NSISO_NS_MNT] = origin.ino[NSISO_NS_MNT];
	}
	sess->host_mnt_fd = here.fd[NSISO_NS_MNT]; /* the session's from here on; here borrows it */
	if (nsiso_registry_lock_user(&sess->reg, u->uid, true, &ud, err) < 0)
		goto out;
	step(res, NSISO_STEP_LOCKED);
	ret = enter_locked(sess, &ud, u, p, exempt_un, &here, res, err);
out:
	if (ret < 0) {
		/* Back where the caller was: a failed login leaves it as it found it. */
		if (res->from_set)
			(void)nsiso_nsset_join(&origin, NULL, NULL);
		nsiso_session_free(sess);
	} else {
		*out = sess;
	}
	nsiso_nsfds_close(&origin);
	return ret;
}

static int set_busy(const struct nsiso_session *sess, const struct nsiso_userdir *ud,
		    const struct nsiso_setrec *rec, struct nsiso_error *err)
{
	unsigned sessions = 0, procs = 0;

	if (nsiso_registry_live_sessions(ud, &sessions, err) < 0)
		return -1;
	if (sessions == 0 &&
	    nsiso_nsset_count_processes(rec, host_ino(sess), sess->pid, 1, &procs, err) < 0)
		return -1;
	return sessions > 0 || procs > 0;
}

static int decide_teardown(const struct nsiso_session *sess, const struct nsiso_setrec *rec,
			   struct nsiso_close_result *res, struct nsiso_error *err)
{
	unsigned n = 0;

	if (rec->lifetime == NSISO_LIFE_BOOT || res->live_sessions > 0)
		return 0;
	/* The closing process itself is still inside (sshd's monitor): it does not count. */
	if (rec->lifetime == NSISO_LIFE_PROCESSES &&
	    nsiso_nsset_count_processes(rec, host_ino(sess), sess->pid, 1, &n, err) < 0)
		return -1;
	res->processes_left = n > 0;
	return !res->processes_left;
}

int nsiso_session_close(struct nsiso_session *sess, struct nsiso_close_result *res,
			struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setrec rec;
	int r;

	memset(res, 0, sizeof(*res));
	res->uid = sess->uid;
	/*
	 * systemd opens the systemd-user session as root but closes it from its
	 * (sd-pam) helper after that has dropped to the user's uid: it can
	 * neither lock nor unmount anything. Do nothing rather than half of it;
	 * the session record is the user manager's pid, which reads dead once it
	 * exits, and `nsisoctl gc` (user@.service's ExecStopPost, the nsiso-gc
	 * timer) applies the lifetime then.
	 */
	if (geteuid() != 0 || check_caps(NULL) < 0) {
		res->deferred = true;
		res->caller_euid = geteuid();
		return 0;
	}
	if (nsiso_registry_lock_user(&sess->reg, sess->uid, true, &ud, err) < 0)
		return -1;
	if (nsiso_registry_remove_session(&ud, sess->pid, sess->start, err) < 0 ||
	    nsiso_registry_live_sessions(&ud, &res->live_sessions, err) < 0)
		return -1;
	r = nsiso_registry_read_set(&ud, &rec, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	res->rec = rec;
	r = decide_teardown(sess, &rec, res, err);
	if (r <= 0)
		return r;
	if (teardown(sess, &ud, rec.netns[0] ? rec.netns : NULL, false, err) < 0)
		return -1;
	res->torn_down = true;
	return 0;
}

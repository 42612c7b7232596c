/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "fault.h"
#include "fsutil.h"
#include "hook.h"
#include "keeper.h"
#include "netns.h"
#include "nsset.h"
#include "place.h"
#include "polydir.h"
#include "store.h"
#include "tmpshare.h"
#include "util.h"

void nsiso_nsfds_close(struct nsiso_nsfds *f)
{
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (f->fd[i] >= 0)
			close(f->fd[i]);
		f->fd[i] = -1;
		f->ino[i] = 0;
	}
}

static unsigned long clone_flags(unsigned mask)
{
	unsigned long flags = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (mask & NSISO_NS_BIT(i))
			flags |= (unsigned long)nsiso_ns_table[i].clone_flag;
	return flags;
}

/* A set's place in the keeper: /<uid>, its pins /<uid>/<ns>. Numbers only: nothing a user names. */
static void pin_dir(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "/%u", (unsigned)uid);
}

/* ---- short-lived children, where the caller itself cannot act ---- */

/* What a child tells its parent: its function's result, error and record. */
struct child_report {
	int ret;
	int kind; /* enum nsiso_errkind */
	int errnum;
	char msg[512];
	struct nsiso_setrec rec;
};

/* The report as it arrives; a short one means the child died before it wrote all of it. */
struct report_buf {
	struct child_report rep;
	size_t got;
};

static void take_report(void *ctx, const char *buf, size_t n)
{
	struct report_buf *r = ctx;
	size_t room = sizeof(r->rep) - r->got;

	if (n > room)
		n = room;
	memcpy((char *)&r->rep + r->got, buf, n);
	r->got += n;
}

/*
 * Run @fn in a child and hand back its result (and *@rec when not NULL).
 * The child is root and nobody else's, dies with the caller, never returns
 * here, and is killed if it takes longer than @timeout_ms (a stopped child
 * must not keep the caller, and the user's lock, waiting).
 */
static int run_in_child(int (*fn)(void *, struct nsiso_setrec *, struct nsiso_error *), void *ctx,
			struct nsiso_setrec *rec, const char *what, int timeout_ms,
			struct nsiso_error *err)
{
	_cleanup_close_ int rep_r = -1, rep_w = -1;
	struct report_buf r = {0};
	struct nsiso_child child;
	int fds[2], ret;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return nsiso_syserr(err, errno, "pipe");
	rep_r = fds[0], rep_w = fds[1];
	ret = nsiso_child_start(&child, timeout_ms);
	if (ret < 0)
		return nsiso_syserr(err, errno, "cannot fork the %s child", what);
	if (ret == 0) {
		struct nsiso_error e = {0};

		if (rec)
			r.rep.rec = *rec;
		r.rep.ret = fn(ctx, rec ? &r.rep.rec : NULL, &e);
		r.rep.kind = e.kind;
		r.rep.errnum = e.errnum;
		snprintf(r.rep.msg, sizeof(r.rep.msg), "%.*s", (int)sizeof(r.rep.msg) - 1, e.msg);
		(void)nsiso_write_all(rep_w, &r.rep, sizeof(r.rep));
		_exit(0);
	}
	close(nsiso_steal_fd(&rep_w));
	ret = nsiso_child_wait(&child, rep_r, take_report, &r);
	if (ret == -ETIMEDOUT)
		return nsiso_fail(err, NSISO_ERR_SYSTEM, ETIMEDOUT,
				  "the %s child did not finish within %d ms: killed", what,
				  timeout_ms);
	if (ret != 0 || r.got != sizeof(r.rep))
		return nsiso_fail(err, NSISO_ERR_SYSTEM, 0, "the %s child died (status %d)", what,
				  ret);
	if (r.rep.ret < 0)
		return nsiso_fail(err, (enum nsiso_errkind)r.rep.kind, 0, "%.*s",
				  (int)sizeof(r.rep.msg), r.rep.msg);
	if (rec)
		*rec = r.rep.rec;
	return r.rep.ret;
}

/* ---- creation ---- */

struct create_args {
	const struct nsiso_user *user;
	const struct nsiso_settings *settings;
	const char *hostname;
	const char *netns_name;
	uint64_t keeper_id; /* a new mount namespace must be newer to be pinned in the keeper */
	struct nsiso_store *store;	    /* the user's store: the new generation's clones */
	const struct nsiso_tmpshare *share; /* the host's /tmp entries to bind (tmp_share) */
	int host_mnt_fd;		    /* the caller's mount namespace, where they are */
	int init_hook;			    /* O_PATH fd of init_hook (hook.h), -1: none */
};

/*
 * Where the caller stands before a creation, to come back to after each
 * attempt whatever happens: its mount namespace, root and cwd (place), the
 * other namespaces the set replaces, and the CPU affinity (a quirk retry
 * pins the caller to one CPU: sshd's session would inherit it).
 */
struct home {
	struct nsiso_place place;
	struct nsiso_nsfds ns; /* ipc, uts, net as the set's mask needs; mnt is in place */
	cpu_set_t affinity;
};

static int home_save(struct home *h, unsigned mask, struct nsiso_error *err)
{
	h->ns = (struct nsiso_nsfds)NSISO_NSFDS_INIT;
	if (sched_getaffinity(0, sizeof(h->affinity), &h->affinity) < 0)
		return nsiso_syserr(err, errno, "cannot read the CPU affinity");
	if (nsiso_place_save(&h->place, -1, err) < 0)
		return -1;
	return nsiso_nsset_open_pid(0, mask & ~NSISO_NS_BIT(NSISO_NS_MNT), &h->ns, err);
}

/* Back to every namespace of *@h, then root and cwd. */
static int home_return(const struct home *h, struct nsiso_error *err)
{
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (h->ns.fd[i] >= 0 && setns(h->ns.fd[i], nsiso_ns_table[i].clone_flag) < 0)
			return nsiso_syserr(err, errno,
					    "cannot return to the caller's %s namespace after "
					    "building a set: this process is stranded",
					    nsiso_ns_table[i].name);
	return nsiso_place_restore(&h->place, err);
}

static void home_close(struct home *h)
{
	(void)sched_setaffinity(0, sizeof(h->affinity), &h->affinity);
	nsiso_nsfds_close(&h->ns);
	nsiso_place_close(&h->place);
}

/*
 * Hide the registry inside the new set: users must neither see nor reach
 * the registry's records. A read-only empty tmpfs takes its place so a
 * login started inside the set knows where it is (registry.c).
 */
static int hide_registry(struct nsiso_error *err)
{
	if (umount2(NSISO_RUNDIR, MNT_DETACH) < 0)
		return nsiso_syserr(err, errno, "cannot hide " NSISO_RUNDIR " in the new set");
	if (mount("nsiso-set", NSISO_RUNDIR, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700,size=4k,nr_inodes=8") < 0)
		return nsiso_syserr(err, errno, "cannot cover " NSISO_RUNDIR " in the new set");
	return 0;
}

/* The mount work inside the new namespaces (the caller is in them now). */
static int build_inside(const struct create_args *a, struct nsiso_error *err)
{
	const struct nsiso_settings *s = a->settings;
	unsigned long prop = s->propagation == NSISO_PROP_SLAVE ? MS_SLAVE : MS_PRIVATE;

	if (NSISO_FAULT("create.child.unshared") < 0)
		return nsiso_syserr(err, errno, "fault create.child.unshared");
	if (mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot set mount propagation");
	if (hide_registry(err) < 0 || nsiso_netns_hide(err) < 0)
		return -1;
	if (nsiso_polydir_setup(a->user, s, a->store, err) < 0 ||
	    nsiso_tmpshare_mount(a->share, a->host_mnt_fd, err) < 0)
		return -1;
	if ((s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)) &&
	    nsiso_netns_child_setup(a->netns_name, err) < 0)
		return -1;
	if (NSISO_FAULT("create.child.built") < 0)
		return nsiso_syserr(err, errno, "fault create.child.built");
	/* Only ever in a UTS namespace of our own: never rename the host. */
	if (a->hostname && (s->ns_mask & NSISO_NS_BIT(NSISO_NS_UTS)) &&
	    sethostname(a->hostname, strlen(a->hostname)) < 0)
		return nsiso_syserr(err, errno, "cannot set the host name");
	return 0;
}

/*
 * The administrator's init_hook, in the finished set before it is pinned:
 * the child it runs in stands where the caller stands now, in every new
 * namespace, with the set's mounts, hostname and propagation, the registry
 * hidden. A failure means no set: the caller goes home and the unpinned
 * namespaces die with their last fd (the hook's leftovers are killed).
 */
static int run_init_hook(const struct create_args *a, struct nsiso_error *err)
{
	const struct nsiso_user *u = a->user;
	char uid[16];
	const char *args[] = {u->name, uid, u->home, NULL};

	if (a->init_hook < 0)
		return 0;
	snprintf(uid, sizeof(uid), "%u", (unsigned)u->uid);
	return nsiso_hook_run(a->init_hook, "init_hook", a->settings->init_hook, args,
			      (int)a->settings->init_hook_timeout * 1000,
			      NSISO_HOOK_KILL_GROUP_ON_FAILURE, err);
}

/*
 * Unshare and build, in the caller: 0 built (*@ns holds the new namespaces),
 * 1 doomed (the new mount namespace is not newer than the keeper: the
 * per-CPU id quirk; found right after unshare, before any mount work), -1.
 * *@inside: the caller is in the new namespaces now (unshare() failing
 * changes nothing): home_return() brings it back.
 */
static int unshare_and_build(const struct create_args *a, struct nsiso_nsfds *ns, bool *inside,
			     struct nsiso_error *err)
{
	unsigned mask = a->settings->ns_mask;
	int ret;

	if (unshare((int)clone_flags(mask)) < 0)
		return nsiso_syserr(err, errno, "cannot create namespaces");
	*inside = true;
	if (nsiso_nsset_open_pid(0, mask, ns, err) < 0)
		return -1;
	if (nsiso_mntns_id(ns->fd[NSISO_NS_MNT]) <= a->keeper_id)
		return 1;
	/* The store's clone visits the keeper from here: its way back is this fd. */
	a->store->here_mnt_fd = ns->fd[NSISO_NS_MNT];
	ret = build_inside(a, err);
	a->store->here_mnt_fd = -1;
	if (ret < 0)
		return -1;
	return run_init_hook(a, err);
}

static int record_pin(int dirfd, const char *name, enum nsiso_ns ns, struct nsiso_setrec *rec,
		      struct nsiso_error *err)
{
	struct stat st;
	int fd = nsiso_nsfile_open(dirfd, name, ns, false, &st);

	if (fd < 0)
		return nsiso_syserr(err, -fd, "the new %s pin does not check out",
				    nsiso_ns_table[ns].name);
	close(fd);
	rec->ino[ns] = (uint64_t)st.st_ino;
	rec->dev = (uint64_t)st.st_dev;
	return 0;
}

/* Inside the keeper: 0 pinned, 1 retry on another CPU, -1 error. The mnt pin goes first. */
static int pin_here(uid_t uid, const struct nsiso_nsfds *ns, unsigned mask,
		    struct nsiso_setrec *rec, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;
	char path[32];
	int ret;

	pin_dir(uid, path, sizeof(path));
	/* It may be there already: the user's store (store.h) lives next to the pins. */
	if (mkdirat(AT_FDCWD, path, 0700) < 0 && errno != EEXIST)
		return nsiso_syserr(err, errno, "cannot create the pin directory of uid %u",
				    (unsigned)uid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return nsiso_syserr(err, errno, "cannot open the pin directory of uid %u",
				    (unsigned)uid);
	for (int k = 0; k < NSISO_NS__MAX; k++) {
		if (!(mask & NSISO_NS_BIT(k)))
			continue;
		if ((ret = nsiso_bind_nsfd(ns->fd[k], dir, nsiso_ns_table[k].name, err)) != 0)
			return k == NSISO_NS_MNT || ret < 0 ? ret
							    : nsiso_syserr(err, EINVAL,
									   "cannot pin the %s "
									   "namespace",
									   nsiso_ns_table[k].name);
		if (record_pin(dir, nsiso_ns_table[k].name, (enum nsiso_ns)k, rec, err) < 0)
			return -1;
		if (k == NSISO_NS_MNT && NSISO_FAULT("create.pinned.mnt") < 0)
			return nsiso_syserr(err, errno, "fault create.pinned.mnt");
	}
	rec->ns_mask = mask;
	return 0;
}

/*
 * Inside the keeper: remove every pin of @uid. /<uid> is opened without
 * following a symlink and the pins are named relative to it (the keeper has
 * no /proc for an fd path, so through the working directory, which the
 * visit restores): a /<uid> that is a symlink to another uid's directory
 * must cost that uid nothing. Whatever is not a directory there is removed
 * itself.
 */
static void unpin_here(uid_t uid)
{
	_cleanup_close_ int dir = -1;
	char path[32];

	pin_dir(uid, path, sizeof(path));
	dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		(void)unlink(path);
		return;
	}
	if (fchdir(dir) == 0)
		for (int i = 0; i < NSISO_NS__MAX; i++) {
			nsiso_keeper_unmount_all(nsiso_ns_table[i].name);
			(void)unlinkat(dir, nsiso_ns_table[i].name, 0);
		}
	(void)rmdir(path);
}

/* Pin the set: visit the keeper, bind every namespace there, come back. */
static int pin_all(const struct nsiso_registry *r, const struct home *h, uid_t uid,
		   const struct nsiso_nsfds *ns, unsigned mask, struct nsiso_setrec *rec,
		   struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int ret;

	if (nsiso_place_visit(&p, h->place.mnt_fd, r->keeper_fd, err) < 0)
		return -1;
	ret = pin_here(uid, ns, mask, rec, err);
	if (ret != 0)
		unpin_here(uid); /* never a partial set, whatever failed */
	if (nsiso_place_restore(&p, ret < 0 ? NULL : err) < 0)
		return -1;
	rec->keeper = r->keeper_id;
	return ret;
}

/*
 * The net namespace's name and hook, once every pin is in place and before
 * the set is committed: a failing hook means no set. The pin lives in the
 * keeper, out of the host's sight: the hook gets the namespace as a path
 * into this process's fd table, valid while it runs (iproute2 opens a
 * netns argument with a '/' as a file).
 */
static int wire_net(const struct create_args *a, const struct nsiso_nsfds *ns,
		    struct nsiso_setrec *rec, struct nsiso_error *err)
{
	const struct nsiso_settings *s = a->settings;
	char pin[64];

	if (!(s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)))
		return 0;
	if (a->netns_name) {
		if (nsiso_netns_pin_name(a->netns_name, ns->fd[NSISO_NS_NET], err) < 0)
			return -1;
		snprintf(rec->netns, sizeof(rec->netns), "%s", a->netns_name);
	}
	if (s->net != NSISO_NET_HOOK)
		return 0;
	snprintf(pin, sizeof(pin), "/proc/%d/fd/%d", (int)getpid(), ns->fd[NSISO_NS_NET]);
	return nsiso_netns_run_hook(s->net_hook, a->user, pin, (int)s->net_hook_timeout * 1000,
				    err);
}

static int pin_cpu(int cpu, struct nsiso_error *err)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((size_t)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return nsiso_syserr(err, errno, "cannot pin the creation to CPU %d", cpu);
	return 0;
}

/*
 * One attempt: 0 done, 1 retry on another CPU, -1 error. The caller is back
 * home on every return (or stranded, with an error saying so).
 */
static int create_attempt(const struct nsiso_registry *r, const struct create_args *a,
			  const struct home *h, int cpu, struct nsiso_setrec *rec,
			  struct nsiso_nsfds *ns, struct nsiso_error *err)
{
	unsigned mask = a->settings->ns_mask;
	bool inside = false;
	int ret;

	if (cpu >= 0 && pin_cpu(cpu, err) < 0)
		return -1;
	ret = unshare_and_build(a, ns, &inside, err);
	if (inside && home_return(h, ret < 0 ? NULL : err) < 0) {
		nsiso_nsfds_close(ns);
		return -1;
	}
	if (ret == 0)
		ret = pin_all(r, h, a->user->uid, ns, mask, rec, err);
	if (ret != 0)
		nsiso_nsfds_close(ns); /* the half-made namespaces die with their last fd */
	return ret;
}

struct attempt_ctx {
	const struct nsiso_registry *r;
	const struct create_args *a;
	const struct home *h;
	int cpu;
};

/* In a child: unshare, build and pin; it never comes back, it exits. */
static int attempt_in_child(void *ctx, struct nsiso_setrec *rec, struct nsiso_error *err)
{
	const struct attempt_ctx *c = ctx;
	struct nsiso_nsfds ns = NSISO_NSFDS_INIT;
	bool inside = false;
	int ret;

	if (c->cpu >= 0 && pin_cpu(c->cpu, err) < 0)
		return -1;
	ret = unshare_and_build(c->a, &ns, &inside, err);
	if (ret == 0)
		ret = pin_all(c->r, c->h, c->a->user->uid, &ns, c->a->settings->ns_mask, rec, err);
	nsiso_nsfds_close(&ns);
	return ret;
}

/*
 * The old way, for a caller that could not come back from a set it built:
 * setns() needs CAP_SYS_ADMIN over each namespace's owner, and a caller in a
 * child user namespace may have it over its mount namespace but not over its
 * IPC or UTS ones. A child builds and pins; the caller opens the pins.
 */
static int create_attempt_child(const struct nsiso_registry *r, const struct create_args *a,
				const struct home *h, int cpu, struct nsiso_setrec *rec,
				struct nsiso_nsfds *ns, struct nsiso_error *err)
{
	struct attempt_ctx c = {r, a, h, cpu};
	/* The hook has its own deadline inside this one: the child must outlive it. */
	int timeout_ms = NSISO_CHILD_TIMEOUT_MS +
			 (a->init_hook >= 0 ? (int)a->settings->init_hook_timeout * 1000 : 0);
	int ret = run_in_child(attempt_in_child, &c, rec, "creation", timeout_ms, err);

	if (ret != 0)
		return ret;
	ret = nsiso_nsset_open(r, a->user->uid, rec, ns, err);
	return ret == 0	 ? 0
	       : ret < 0 ? -1
			 : nsiso_fail(err, NSISO_ERR_SYSTEM, EIO, "the new set does not check out");
}

/*
 * Can the caller come back to where it stands now? setns() into its own
 * namespaces (a no-op move) asks the kernel exactly that.
 */
static bool can_return(const struct home *h)
{
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (h->ns.fd[i] >= 0 && setns(h->ns.fd[i], nsiso_ns_table[i].clone_flag) < 0)
			return false;
	return nsiso_place_restore(&h->place, NULL) == 0;
}

/* Every creation attempt, CPU by CPU: 0 pinned, -1 error (caller home either way). */
static int create_pinned(const struct nsiso_registry *r, const struct create_args *a,
			 const struct home *h, struct nsiso_setrec *rec, struct nsiso_nsfds *ns,
			 int *attempts, struct nsiso_error *err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	bool here = can_return(h);
	int ret;

	/*
	 * Kernel 6.18 hands out namespace ids from per-CPU batches, and pinning a
	 * mount namespace needs it to be newer (larger id) than the keeper. The
	 * keeper is made on the CPU with the oldest batch, so the first attempt,
	 * where the scheduler put us, nearly always does; otherwise pin the
	 * caller to each allowed CPU in turn (docs/architecture.md).
	 */
	for (long cpu = -1; cpu < ncpu && cpu < CPU_SETSIZE; cpu++) {
		if (cpu >= 0 && !CPU_ISSET((size_t)cpu, &h->affinity))
			continue;
		(*attempts)++;
		ret = here ? create_attempt(r, a, h, (int)cpu, rec, ns, err)
			   : create_attempt_child(r, a, h, (int)cpu, rec, ns, err);
		if (ret <= 0)
			return ret;
	}
	return nsiso_fail(err, NSISO_ERR_SYSTEM, EINVAL,
			  "cannot pin a new mount namespace after %d attempts (one per CPU): the "
			  "kernel's namespace ordering check refused every one",
			  *attempts);
}

int nsiso_nsset_create(const struct nsiso_registry *r, const struct nsiso_user *u,
		       const struct nsiso_settings *s, const char *hostname, const char *netns_name,
		       struct nsiso_setrec *rec, struct nsiso_nsfds *fds, int *attempts, char *note,
		       size_t note_len, struct nsiso_error *err)
{
	struct nsiso_tmpshare share;
	struct nsiso_store store;
	_cleanup_close_ int init_hook = -1;
	struct create_args a = {.user = u,
				.settings = s,
				.hostname = hostname,
				.netns_name = netns_name,
				.keeper_id = r->keeper_id,
				.store = &store,
				.share = &share,
				.init_hook = -1};
	struct home h = {.place = NSISO_PLACE_INIT, .ns = NSISO_NSFDS_INIT};
	sigset_t all, saved;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->lifetime = s->lifetime;
	snprintf(rec->user, sizeof(rec->user), "%s", u->name);
	/* What nsisoctl apply compares with a later policy; a list too long to note stays unknown.
	 */
	(void)nsiso_setrec_note_settings(rec, s, hostname);
	*attempts = 0;
	nsiso_store_init(&store);
	if (note_len)
		note[0] = '\0';
	if (nsiso_polydir_plan(s, &store, err) < 0 || nsiso_tmpshare_open(s, &share, err) < 0)
		return -1;
	if (note_len)
		snprintf(note, note_len, "%s", share.note);
	/* Opened and checked in the host's view, before anything is made: refused, nothing to undo.
	 */
	if (s->init_hook && (init_hook = nsiso_hook_open("init_hook", s->init_hook, err)) < 0)
		return -1;
	a.init_hook = init_hook;
	if (home_save(&h, s->ns_mask, err) < 0) {
		home_close(&h);
		nsiso_tmpshare_close(&share);
		return -1;
	}
	a.host_mnt_fd = h.place.mnt_fd;
	/*
	 * No handler of the caller's (sshd's SIGCHLD, an alarm) may run while
	 * it stands in a half-made set or in the keeper. Fatal signals still
	 * act: the process dies, and so does everything not yet pinned.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	store.here_mnt_fd = h.place.mnt_fd; /* the store's visit comes back here */
	ret = nsiso_store_prepare(r, u, &s->tmp_size, &store, err);
	store.here_mnt_fd = -1;
	if (ret == 0)
		ret = create_pinned(r, &a, &h, rec, fds, attempts, err);
	home_close(&h); /* restores the affinity */
	nsiso_tmpshare_close(&share);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (ret == 0 && wire_net(&a, fds, rec, err) < 0)
		ret = -1;
	if (ret < 0) {
		nsiso_nsset_remove_pins(r, -1, u->uid, rec->netns[0] ? rec->netns : NULL, NULL);
		nsiso_nsfds_close(fds);
		nsiso_store_discard(&store);
		return -1;
	}
	rec->tmp_dev = store.dev;
	rec->tmp_gen = store.gen;
	nsiso_store_close(&store);
	rec->created = (int64_t)time(NULL);
	for (int i = 0; i < NSISO_NS__MAX; i++)
		fds->ino[i] = (s->ns_mask & NSISO_NS_BIT(i)) ? rec->ino[i] : 0;
	return 0;
}

/* ---- validation and joining ---- */

/* The /proc/PID/ns way: a procfs walk per file, checked like a pin. */
static int open_pid_proc(pid_t pid, unsigned want, struct nsiso_nsfds *out, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns");
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return nsiso_syserr(err, errno, "cannot open %s", path);
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		struct stat st;
		int fd;

		if (!(want & NSISO_NS_BIT(i)))
			continue;
		fd = nsiso_nsfile_open(dir, nsiso_ns_table[i].name, (enum nsiso_ns)i, true, &st);
		if (fd < 0)
			return nsiso_syserr(err, -fd, "cannot open %s/%s", path,
					    nsiso_ns_table[i].name);
		out->fd[i] = fd;
		out->ino[i] = (uint64_t)st.st_ino;
	}
	return 0;
}

/*
 * The pidfd way (Linux 6.11): one pidfd_open() and an ioctl per namespace,
 * with no procfs walk. On the path of every login, each /proc/self/ns/X open
 * costs about twice an ioctl here (8 us against 5 on this project's machines).
 * The kernel hands out nsfs fds, close-on-exec: nothing to check.
 */
static int open_pid_ioctl(pid_t pid, unsigned want, struct nsiso_nsfds *out)
{
	_cleanup_close_ int pidfd = -1;

	/* The fault point stands for a kernel without the ioctls: the /proc way must serve. */
	if (NSISO_FAULT("nsfds.pidfd") < 0)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid ? pid : getpid(), 0);
	if (pidfd < 0)
		return -1;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(want & NSISO_NS_BIT(i)))
			continue;
		out->fd[i] = ioctl(pidfd, nsiso_ns_table[i].pidfd_get, 0);
		if (out->fd[i] < 0) {
			out->fd[i] = -1;
			return -1;
		}
	}
	return 0;
}

int nsiso_nsset_open_pid(pid_t pid, unsigned mask, struct nsiso_nsfds *out, struct nsiso_error *err)
{
	unsigned want = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if ((mask & NSISO_NS_BIT(i)) && out->fd[i] < 0)
			want |= NSISO_NS_BIT(i);
	if (!want || open_pid_ioctl(pid, want, out) == 0)
		return 0;
	/* An older kernel (ENOTTY, ENOSYS) or a refusal: /proc gives the answer, and the error. */
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (!(want & NSISO_NS_BIT(i)) || out->fd[i] >= 0)
			want &= ~NSISO_NS_BIT(i);
	return open_pid_proc(pid, want, out, err);
}

/* Inside the keeper: open every pin of @rec and check it against the record. */
static int open_here(uid_t uid, const struct nsiso_setrec *rec, struct nsiso_nsfds *out)
{
	_cleanup_close_ int dir = -1;
	char path[32];

	pin_dir(uid, path, sizeof(path));
	dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return 1;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		struct stat st;
		int fd;

		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		fd = nsiso_nsfile_open(dir, nsiso_ns_table[i].name, (enum nsiso_ns)i, false, &st);
		if (fd < 0 || (uint64_t)st.st_ino != rec->ino[i] ||
		    (uint64_t)st.st_dev != rec->dev) {
			/* Missing, replaced or foreign: the set is not joined, it is rebuilt. */
			if (fd >= 0)
				close(fd);
			nsiso_nsfds_close(out);
			return 1;
		}
		out->fd[i] = fd;
		out->ino[i] = (uint64_t)st.st_ino;
	}
	return 0;
}

int nsiso_nsset_open_from(const struct nsiso_registry *r, int own_mnt_fd, uid_t uid,
			  const struct nsiso_setrec *rec, struct nsiso_nsfds *out,
			  struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int ret;

	/* Pins of a keeper that is gone (its pin was lost) are gone with it. */
	if (rec->keeper != r->keeper_id)
		return 1;
	if (nsiso_place_visit(&p, own_mnt_fd, r->keeper_fd, err) < 0)
		return -1;
	ret = open_here(uid, rec, out);
	if (nsiso_place_restore(&p, err) < 0) {
		nsiso_nsfds_close(out);
		return -1;
	}
	return ret;
}

int nsiso_nsset_open(const struct nsiso_registry *r, uid_t uid, const struct nsiso_setrec *rec,
		     struct nsiso_nsfds *out, struct nsiso_error *err)
{
	return nsiso_nsset_open_from(r, -1, uid, rec, out, err);
}

uint64_t nsiso_nsfds_ino(const struct nsiso_nsfds *f, enum nsiso_ns i)
{
	struct stat st;

	if (f->fd[i] < 0)
		return 0;
	if (f->ino[i])
		return f->ino[i];
	return fstat(f->fd[i], &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Both are nsfs files (one superblock): the same inode is the same namespace. */
static bool same_ns(const struct nsiso_nsfds *a, const struct nsiso_nsfds *b, int i)
{
	uint64_t x = nsiso_nsfds_ino(a, (enum nsiso_ns)i);

	return x != 0 && x == nsiso_nsfds_ino(b, (enum nsiso_ns)i);
}

static void rollback(const struct nsiso_nsfds *saved, const bool *done)
{
	for (int i = NSISO_NS__MAX - 1; i >= 0; i--)
		if (done[i])
			(void)setns(saved->fd[i], nsiso_ns_table[i].clone_flag);
}

/* One setns(); the fault point sits after a first switch, to prove the rollback. */
static int switch_one(int fd, int i, int switched, struct nsiso_error *err)
{
	if (switched > 0 && NSISO_FAULT("join.partial") < 0)
		return nsiso_syserr(err, errno, "fault join.partial");
	if (setns(fd, nsiso_ns_table[i].clone_flag) < 0)
		return nsiso_syserr(err, errno, "cannot join the %s namespace",
				    nsiso_ns_table[i].name);
	return 0;
}

int nsiso_nsset_join(const struct nsiso_nsfds *target, const struct nsiso_nsfds *origin,
		     struct nsiso_error *err)
{
	struct nsiso_nsfds saved = NSISO_NSFDS_INIT;
	bool done[NSISO_NS__MAX] = {false}, borrowed[NSISO_NS__MAX] = {false};
	unsigned mask = 0;
	int switched = 0, ret = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (target->fd[i] < 0)
			continue;
		mask |= NSISO_NS_BIT(i);
		if (origin && origin->fd[i] >= 0) {
			saved.fd[i] = origin->fd[i];
			saved.ino[i] = origin->ino[i];
			borrowed[i] = true;
		}
	}
	/* Where we are now, to come back to if any step fails: never half-switched. */
	if (nsiso_nsset_open_pid(0, mask, &saved, err) < 0)
		ret = -1;
	/* mnt last: the table puts it first, so walk it as ipc, uts, net, mnt. */
	for (int k = 1; ret == 0 && k <= NSISO_NS__MAX; k++) {
		int i = k % NSISO_NS__MAX;

		if (target->fd[i] < 0 || same_ns(target, &saved, i))
			continue;
		if (switch_one(target->fd[i], i, switched, err) < 0) {
			rollback(&saved, done);
			ret = -1;
			break;
		}
		done[i] = true;
		switched++;
	}
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (saved.fd[i] >= 0 && !borrowed[i])
			close(saved.fd[i]);
	return ret;
}

/* ---- tear-down ---- */

/*
 * Into the keeper, for a tear-down: 0 there, 1 setns() refused because the
 * caller has other threads (nothing changed: a child does the work), -1.
 */
static int visit_keeper(struct nsiso_place *p, const struct nsiso_registry *r, int own_mnt_fd,
			struct nsiso_error *err)
{
	struct nsiso_procstat st;
	int ret = nsiso_place_try_visit(p, own_mnt_fd, r->keeper_fd, err);

	/*
	 * setns(CLONE_NEWNS) says EINVAL to a process that shares its fs_struct
	 * (a multithreaded one); only then is the thread count read, so that a
	 * tear-down pays no /proc/self/stat read (~20 us) in the usual case.
	 */
	if (ret != 1)
		return ret;
	if (nsiso_proc_stat(0, &st) == 0 && st.threads > 1)
		return 1;
	return nsiso_syserr(err, EINVAL, "cannot enter a mount namespace of the registry");
}

/* A tear-down's pins: nsiso_nsset_unpin()'s arguments. */
struct unpin {
	const struct nsiso_registry *r;
	int host_mnt_fd;  /* the registry's mount namespace, -1: not known */
	bool at_registry; /* the caller stands in it */
	uid_t uid;
	const char *netns_name;
	int *store_root; /* not NULL: the user's store looked up in the same visit */
};

/* The /run/netns name, in the host: the registry's namespace (every set detaches /run/netns). */
static int unpin_name(const struct unpin *u, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;

	if (!u->netns_name)
		return 0;
	if (u->at_registry || u->host_mnt_fd < 0)
		return nsiso_netns_unpin_name(u->netns_name, err);
	if (nsiso_place_visit(&p, -1, u->host_mnt_fd, err) < 0)
		return -1;
	if (nsiso_netns_unpin_name(u->netns_name, err) < 0) {
		(void)nsiso_place_restore(&p, NULL);
		return -1;
	}
	return nsiso_place_restore(&p, err);
}

/*
 * The caller's own: the keeper's pins (and a look-up of the user's store
 * while there), then the /run/netns name in the host. 1: the caller is
 * multithreaded, nothing done. The fault point is in the keeper, where the
 * work starts: in the child when a child does it. A caller standing in the
 * registry's namespace notes the way back with the fd it has.
 */
static int remove_pins_self(const struct unpin *u, struct nsiso_error *err)
{
	_cleanup_place_ struct nsiso_place p = NSISO_PLACE_INIT;
	int root = -ENOENT;
	int ret = visit_keeper(&p, u->r, u->at_registry ? u->host_mnt_fd : -1, err);

	if (ret != 0)
		return ret;
	if (NSISO_FAULT("teardown.child") < 0) {
		nsiso_syserr(err, errno, "fault teardown.child");
		(void)nsiso_place_restore(&p, NULL);
		return -1;
	}
	unpin_here(u->uid);
	if (u->store_root)
		root = nsiso_store_open_here(u->uid);
	if (nsiso_place_restore(&p, err) < 0 || unpin_name(u, err) < 0) {
		if (root >= 0)
			close(root);
		return -1;
	}
	if (u->store_root)
		*u->store_root = root;
	return 0;
}

static int remove_in_child(void *ctx, struct nsiso_setrec *rec, struct nsiso_error *err)
{
	struct unpin u = *(const struct unpin *)ctx;

	(void)rec;
	u.store_root = NULL; /* an fd of the child's is no use to the caller */
	return remove_pins_self(&u, err);
}

static int unpin(const struct unpin *u, struct nsiso_error *err)
{
	int ret = remove_pins_self(u, err);

	/* setns() refuses a multithreaded caller: a single-threaded child does it instead. */
	if (ret == 1)
		ret = run_in_child(remove_in_child, (void *)u, NULL, "tear-down",
				   NSISO_CHILD_TIMEOUT_MS, err);
	return ret;
}

int nsiso_nsset_remove_pins(const struct nsiso_registry *r, int host_mnt_fd, uid_t uid,
			    const char *netns_name, struct nsiso_error *err)
{
	struct unpin u = {r, host_mnt_fd, host_mnt_fd < 0, uid, netns_name, NULL};

	return unpin(&u, err);
}

int nsiso_nsset_unpin(const struct nsiso_registry *r, int host_mnt_fd, bool at_registry, uid_t uid,
		      const char *netns_name, int *store_root, struct nsiso_error *err)
{
	struct unpin u = {r, host_mnt_fd, at_registry, uid, netns_name, store_root};

	*store_root = -EAGAIN;
	return unpin(&u, err);
}

/*
 * Does the mount table of /proc/@pid hold generation @gen of the user's
 * store on @dev (@gen 0, a record from before generations: any mount of it)?
 */
static bool table_holds(int procfd, const char *pid, uint64_t dev, uint64_t gen)
{
	struct nsiso_u64s gens = {0};
	bool holds;

	(void)nsiso_store_table_gens(procfd, pid, dev, &gens);
	holds = gen ? nsiso_u64s_has(&gens, gen) : gens.n > 0;
	nsiso_u64s_free(&gens);
	return holds;
}

int nsiso_nsset_count_processes(const struct nsiso_setrec *rec, uint64_t host_mnt_ino, pid_t self,
				unsigned limit, unsigned *count, struct nsiso_error *err)
{
	_cleanup_close_ int procfd = -1;
	struct nsiso_u64s holding = {0}, other = {0}; /* mount namespaces read, by answer */
	uint64_t set_ino = rec->ino[NSISO_NS_MNT];
	struct dirent *de;
	DIR *d;

	*count = 0;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0 || !(d = fdopendir(procfd)))
		return nsiso_syserr(err, errno, "cannot list /proc");
	procfd = -1;
	while ((limit == 0 || *count < limit) && (de = readdir(d))) {
		char path[300];
		struct stat st;
		uint64_t pid, ino;

		if (nsiso_parse_u64(de->d_name, &pid) < 0 || pid == (uint64_t)self)
			continue;
		snprintf(path, sizeof(path), "%s/ns/mnt", de->d_name);
		/* Zombies and processes that exit meanwhile fail here: they hold nothing. */
		if (fstatat(dirfd(d), path, &st, 0) < 0 || (uint64_t)st.st_dev != rec->dev)
			continue;
		if ((uint64_t)st.st_ino == set_ino) {
			(*count)++;
			continue;
		}
		/*
		 * A mount namespace made inside the set (unshare -rm, bubblewrap,
		 * rootless podman) holds copies of the set's tmpfs: the set's memory
		 * stays pinned, so such a process is still "in" it. Only namespaces
		 * other than the host's are read, each once.
		 */
		ino = (uint64_t)st.st_ino;
		if (!rec->tmp_dev || ino == host_mnt_ino || nsiso_u64s_has(&other, ino))
			continue;
		if (!nsiso_u64s_has(&holding, ino)) {
			bool holds = table_holds(dirfd(d), de->d_name, rec->tmp_dev, rec->tmp_gen);

			/* Out of memory to remember it: read it again next time. */
			(void)nsiso_u64s_add(holds ? &holding : &other, ino);
			if (!holds)
				continue;
		}
		(*count)++;
	}
	closedir(d);
	nsiso_u64s_free(&holding);
	nsiso_u64s_free(&other);
	return 0;
}

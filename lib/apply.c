/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "apply.h"
#include "nsset.h"
#include "polydir.h"
#include "store.h"
#include "util.h"

/* The words of the policy file (the enums' tables in policy_keys.c), "?" for none. */
#define WORD(table, v) nsiso_enum_name(&(table), (unsigned)(v))

/* ---- the plan ---- */

static void add_change(struct nsiso_apply_plan *plan, enum nsiso_key key, bool in_place,
		       const char *from, const char *to)
{
	struct nsiso_change *c;

	if (plan->n >= NSISO_APPLY_MAX_CHANGES)
		return;
	c = &plan->changes[plan->n++];
	c->key = key;
	c->in_place = in_place;
	snprintf(c->from, sizeof(c->from), "%s", from);
	snprintf(c->to, sizeof(c->to), "%s", to);
	if (in_place)
		plan->n_in_place++;
	else
		plan->n_rebuild++;
}

static const struct nsiso_change *find_change(const struct nsiso_apply_plan *plan,
					      enum nsiso_key key)
{
	for (unsigned i = 0; i < plan->n; i++)
		if (plan->changes[i].key == key && plan->changes[i].in_place)
			return &plan->changes[i];
	return NULL;
}

/* "64M", "2G", "25%": a size as an administrator writes it. */
static void size_words(const struct nsiso_size *sz, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t v = sz->value;
	int u = -1;

	if (sz->percent) {
		snprintf(buf, len, "%" PRIu64 "%%", v);
		return;
	}
	while (u + 1 < (int)sizeof(units) - 1 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

static bool size_equal(const struct nsiso_size *a, const struct nsiso_size *b)
{
	return a->percent == b->percent && a->value == b->value;
}

/* A template expanded as a login would (session.c): "" when empty or unusable. */
static void expand(const char *tmpl, const struct nsiso_user *u, char *buf, size_t len)
{
	struct utsname un;

	buf[0] = '\0';
	if (!tmpl || !*tmpl || uname(&un) < 0 ||
	    nsiso_template_expand(tmpl, u->name, u->uid, un.nodename, buf, len) < 0)
		buf[0] = '\0';
}

static const char *or_host(const char *name)
{
	return *name ? name : "(the host's name)";
}

/* What needs a rebuild: the namespaces and the mounts made once, at creation. */
static void diff_rebuild(const struct nsiso_setrec *rec, const struct nsiso_settings *s,
			 const struct nsiso_user *u, struct nsiso_apply_plan *plan)
{
	char a[1100], b[1100];
	bool net = (rec->ns_mask & s->ns_mask) & NSISO_NS_BIT(NSISO_NS_NET);
	unsigned before;

	if (rec->ns_mask != s->ns_mask) {
		nsiso_ns_mask_format(rec->ns_mask, ",", a, sizeof(a));
		nsiso_ns_mask_format(s->ns_mask, ",", b, sizeof(b));
		add_change(plan, NSISO_KEY_NAMESPACES, false, a, b);
	}
	if (s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET))
		expand(s->netns_name, u, b, sizeof(b));
	else
		b[0] = '\0';
	if (strcmp(rec->netns, b) != 0)
		add_change(plan, NSISO_KEY_NETNS_NAME, false, *rec->netns ? rec->netns : "(none)",
			   *b ? b : "(none)");
	if (!rec->settings_known)
		return;
	before = plan->n_rebuild;
	if (rec->tmp != s->tmp)
		add_change(plan, NSISO_KEY_TMP, false, WORD(nsiso_enum_tmp, rec->tmp),
			   WORD(nsiso_enum_tmp, s->tmp));
	if (nsiso_setrec_tmp_dirs(s, b, sizeof(b)) < 0 || strcmp(rec->tmp_dirs, b) != 0)
		add_change(plan, NSISO_KEY_TMP_DIRS, false, rec->tmp_dirs, b);
	/* A new tmp or tmp_dirs remakes the private /tmp, shares and all: said once. */
	if (plan->n_rebuild == before &&
	    (nsiso_setrec_tmp_share(s, b, sizeof(b)) < 0 || strcmp(rec->tmp_share, b) != 0))
		add_change(plan, NSISO_KEY_TMP_SHARE, false,
			   *rec->tmp_share ? rec->tmp_share : "(none)", *b ? b : "(none)");
	if (rec->propagation != s->propagation)
		add_change(plan, NSISO_KEY_PROPAGATION, false,
			   WORD(nsiso_enum_propagation, rec->propagation),
			   WORD(nsiso_enum_propagation, s->propagation));
	if (net && rec->net != s->net)
		add_change(plan, NSISO_KEY_NET, false, WORD(nsiso_enum_net, rec->net),
			   WORD(nsiso_enum_net, s->net));
}

/* What a live set can take: the store's size, the UTS name, the lifetime. */
static void diff_in_place(const struct nsiso_setrec *rec, const struct nsiso_settings *s,
			  const struct nsiso_user *u, struct nsiso_apply_plan *plan)
{
	char a[64], b[80];

	if (rec->lifetime != s->lifetime)
		add_change(plan, NSISO_KEY_LIFETIME, true, WORD(nsiso_enum_lifetime, rec->lifetime),
			   WORD(nsiso_enum_lifetime, s->lifetime));
	if (!rec->settings_known)
		return;
	if (!size_equal(&rec->tmp_size, &s->tmp_size)) {
		size_words(&rec->tmp_size, a, sizeof(a));
		size_words(&s->tmp_size, b, sizeof(b));
		add_change(plan, NSISO_KEY_TMP_SIZE, true, a, b);
	}
	/* A set without a UTS namespace of its own has the host's name: nothing to give it. */
	if (!(rec->ns_mask & NSISO_NS_BIT(NSISO_NS_UTS)))
		return;
	expand(s->hostname, u, b, sizeof(b));
	if (strcmp(rec->hostname, b) != 0)
		add_change(plan, NSISO_KEY_HOSTNAME, true, or_host(rec->hostname), or_host(b));
}

/* ---- a visit to one of the set's namespaces (UTS, IPC: no root or cwd to restore) ---- */

struct visit {
	int type;	  /* CLONE_NEWUTS or CLONE_NEWIPC */
	const char *name; /* its /proc/self/ns file */
};

static const struct visit uts_visit = {CLONE_NEWUTS, "uts"};
static const struct visit ipc_visit = {CLONE_NEWIPC, "ipc"};

/* setns() into @target, run @fn there, come back: fn's result, or -1. */
static int in_ns(const struct visit *v, int target, int (*fn)(const void *, struct nsiso_error *),
		 const void *arg, struct nsiso_error *err)
{
	char path[32];
	_cleanup_close_ int own = -1;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", v->name);
	own = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return nsiso_syserr(err, errno, "cannot open %s", path);
	if (setns(target, v->type) < 0)
		return nsiso_syserr(err, errno, "cannot enter the set's %s namespace", v->name);
	ret = fn(arg, err);
	/* Back before anything else: nsisoctl goes on with the next set from here. */
	if (setns(own, v->type) < 0)
		return nsiso_syserr(err, errno, "cannot return from the set's %s namespace",
				    v->name);
	return ret;
}

static int set_name(const void *arg, struct nsiso_error *err)
{
	const char *name = arg;

	if (sethostname(name, strlen(name)) < 0)
		return nsiso_syserr(err, errno, "cannot set the host name of the set");
	return 0;
}

static int get_name(const void *arg, struct nsiso_error *err)
{
	struct utsname *un = (struct utsname *)(uintptr_t)arg;

	if (uname(un) < 0)
		return nsiso_syserr(err, errno, "cannot read the host name of the set");
	return 0;
}

static int bound_sysv(const void *arg, struct nsiso_error *err)
{
	return nsiso_polydir_bound_sysv(arg, false, err);
}

/* ---- applying ---- */

/* What one set is given, and what to give back should a later step fail. */
struct apply_ctx {
	const struct nsiso_registry *reg;
	uid_t uid;
	const struct nsiso_setrec *rec;
	const struct nsiso_nsfds *fds;
	const struct nsiso_settings *s;
	char hostname[65];	 /* the new name */
	char recorded[65];	 /* ... as the record keeps it ("": the host's, whatever it is) */
	struct utsname old_name; /* the set's before */
	bool size_done, name_done;
};

static bool has_ns(const struct nsiso_setrec *rec, enum nsiso_ns ns)
{
	return rec->ns_mask & NSISO_NS_BIT(ns);
}

/* The user's store and the SysV bounds of the set's IPC namespace take @size. */
static int give_size(const struct apply_ctx *c, const struct nsiso_size *size,
		     struct nsiso_error *err)
{
	struct nsiso_store_use use;

	if (c->rec->tmp_dev &&
	    nsiso_store_resize(c->reg, c->uid, c->rec->tmp_dev, size, true, &use, err) != 0)
		return -1;
	if (has_ns(c->rec, NSISO_NS_IPC) &&
	    in_ns(&ipc_visit, c->fds->fd[NSISO_NS_IPC], bound_sysv, size, err) < 0)
		return -1;
	return 0;
}

/* Everything checked before anything changes: a shrink below what the store holds. */
static int check(const struct apply_ctx *c, const struct nsiso_apply_plan *plan,
		 struct nsiso_error *err)
{
	const struct nsiso_change *ch = find_change(plan, NSISO_KEY_TMP_SIZE);
	struct nsiso_store_use use;
	int r;

	if (!ch || !c->rec->tmp_dev)
		return 0;
	r = nsiso_store_resize(c->reg, c->uid, c->rec->tmp_dev, &c->s->tmp_size, false, &use, err);
	if (r <= 0)
		return r;
	return nsiso_fail(err, NSISO_ERR_CALLER, 0,
			  "tmp_size %s -> %s: below what the user's tmpfs holds now (%" PRIu64
			  " bytes, %" PRIu64 " inodes): nothing applied to the set of uid %u",
			  ch->from, ch->to, use.bytes, use.inodes, (unsigned)c->uid);
}

static int do_size(struct apply_ctx *c, struct nsiso_error *err)
{
	if (give_size(c, &c->s->tmp_size, err) < 0)
		return -1;
	c->size_done = true;
	return 0;
}

static int do_name(struct apply_ctx *c, struct nsiso_error *err)
{
	int fd = c->fds->fd[NSISO_NS_UTS];

	if (in_ns(&uts_visit, fd, get_name, &c->old_name, err) < 0 ||
	    in_ns(&uts_visit, fd, set_name, c->hostname, err) < 0)
		return -1;
	c->name_done = true;
	return 0;
}

/* Give back what was done; the first error of the undo, if any, is added to @err. */
static void undo(struct apply_ctx *c, struct nsiso_error *err)
{
	struct nsiso_error e = {0};
	bool failed = false;

	if (c->name_done &&
	    in_ns(&uts_visit, c->fds->fd[NSISO_NS_UTS], set_name, c->old_name.nodename, &e) < 0)
		failed = true;
	if (c->size_done && !failed && give_size(c, &c->rec->tmp_size, &e) < 0)
		failed = true;
	if (failed)
		nsiso_fail(err, NSISO_ERR_SYSTEM, e.errnum, "%s; undoing it failed too: %s",
			   err->msg, e.msg);
}

/* The record with the in-place changes: written last, by rename, as at creation. */
static int commit(const struct nsiso_userdir *ud, const struct apply_ctx *c,
		  const struct nsiso_apply_plan *plan, struct nsiso_error *err)
{
	struct nsiso_setrec rec = *c->rec;

	rec.lifetime = c->s->lifetime;
	if (find_change(plan, NSISO_KEY_TMP_SIZE))
		rec.tmp_size = c->s->tmp_size;
	if (find_change(plan, NSISO_KEY_HOSTNAME))
		snprintf(rec.hostname, sizeof(rec.hostname), "%s", c->recorded);
	return nsiso_registry_write_set(ud, &rec, err);
}

static int apply_locked(const struct nsiso_userdir *ud, struct apply_ctx *c,
			const struct nsiso_apply_plan *plan, struct nsiso_error *err)
{
	struct utsname un;

	if (check(c, plan, err) < 0)
		return -1;
	if (find_change(plan, NSISO_KEY_HOSTNAME)) {
		/* "" in the policy: the host's name, as a set made now would have it. */
		if (!*c->hostname && uname(&un) == 0)
			snprintf(c->hostname, sizeof(c->hostname), "%s", un.nodename);
	}
	if ((find_change(plan, NSISO_KEY_TMP_SIZE) && do_size(c, err) < 0) ||
	    (find_change(plan, NSISO_KEY_HOSTNAME) && do_name(c, err) < 0) ||
	    commit(ud, c, plan, err) < 0) {
		undo(c, err);
		return -1;
	}
	return 0;
}

/* The account the set is for, as the policy sees it now: 0, 1 the set should go (why[]), -1. */
static int owner(const struct nsiso_policy *p, const struct nsiso_setrec *rec, uid_t uid,
		 struct nsiso_user *u, struct nsiso_apply_plan *plan, struct nsiso_error *err)
{
	const char *why = NULL;
	char esc[128];

	if (nsiso_user_lookup(rec->user, u, err) < 0) {
		if (err->kind != NSISO_ERR_USER)
			return -1;
		nsiso_error_clear(err);
		snprintf(plan->why, sizeof(plan->why), "its account %s is gone",
			 nsiso_escape(esc, sizeof(esc), rec->user));
		return 1;
	}
	if (u->uid != uid) {
		snprintf(plan->why, sizeof(plan->why), "%s is uid %u now",
			 nsiso_escape(esc, sizeof(esc), rec->user), (unsigned)u->uid);
		return 1;
	}
	if (nsiso_policy_exempt(p, u, &why)) {
		snprintf(plan->why, sizeof(plan->why), "now exempt (%s)",
			 nsiso_escape(esc, sizeof(esc), why ? why : "exempt"));
		return 1;
	}
	return 0;
}

/* Everything one look at a set holds, released in one place. */
struct look {
	struct nsiso_setrec rec;
	struct nsiso_nsfds fds;
	struct nsiso_user user;
	struct nsiso_settings settings;
};

static void look_free(struct look *l)
{
	nsiso_nsfds_close(&l->fds);
	nsiso_user_free(&l->user);
	nsiso_settings_free(&l->settings);
}
#define _cleanup_look_ __attribute__((cleanup(look_free)))

/* The set checks out and belongs to a user the policy still isolates: compare, apply. */
static int compare_and_apply(const struct nsiso_registry *reg, const struct nsiso_userdir *ud,
			     struct look *l, bool dry_run, struct nsiso_apply_plan *plan,
			     struct nsiso_error *err)
{
	struct apply_ctx c = {
	    .reg = reg, .uid = ud->uid, .rec = &l->rec, .fds = &l->fds, .s = &l->settings};

	plan->settings_known = l->rec.settings_known;
	diff_in_place(&l->rec, &l->settings, &l->user, plan);
	diff_rebuild(&l->rec, &l->settings, &l->user, plan);
	if (!plan->n_in_place)
		return 0;
	if (has_ns(&l->rec, NSISO_NS_UTS))
		expand(l->settings.hostname, &l->user, c.recorded, sizeof(c.recorded));
	snprintf(c.hostname, sizeof(c.hostname), "%s", c.recorded);
	/* A dry run checks too: the plan says what would be refused. */
	return dry_run ? check(&c, plan, err) : apply_locked(ud, &c, plan, err);
}

static int plan_locked(const struct nsiso_registry *reg, const struct nsiso_policy *p,
		       const struct nsiso_userdir *ud, bool dry_run, struct nsiso_apply_plan *plan,
		       struct nsiso_error *err)
{
	_cleanup_look_ struct look l = {.fds = NSISO_NSFDS_INIT};
	int r;

	r = nsiso_registry_read_set(ud, &l.rec, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = nsiso_nsset_open(reg, ud->uid, &l.rec, &l.fds, err);
	if (r != 0) {
		plan->verdict = NSISO_APPLY_INVALID;
		return r < 0 ? -1 : 0;
	}
	r = owner(p, &l.rec, ud->uid, &l.user, plan, err);
	plan->verdict = r == 1 ? NSISO_APPLY_RELEASE : NSISO_APPLY_COMPARED;
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (nsiso_policy_resolve(p, &l.user, &l.settings, err) < 0)
		return -1;
	return compare_and_apply(reg, ud, &l, dry_run, plan, err);
}

int nsiso_apply(const struct nsiso_registry *reg, const struct nsiso_policy *p, uid_t uid,
		bool dry_run, struct nsiso_apply_plan *plan, struct nsiso_error *err)
{
	_cleanup_userdir_ struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->uid = uid;
	plan->verdict = NSISO_APPLY_NO_SET;
	r = nsiso_registry_lock_user(reg, uid, false, &ud, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return plan_locked(reg, p, &ud, dry_run, plan, err);
}

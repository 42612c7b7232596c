/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl apply: the policy now in force, to the live sets (lib/apply.h). */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "apply.h"
#include "ctl.h"
#include "util.h"

/* "key from -> to, ..." of the changes in place (@in_place) or needing a rebuild. */
static void changes_text(const struct nsiso_apply_plan *plan, bool in_place, char *buf, size_t len)
{
	char from[256], to[256];
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < plan->n; i++) {
		const struct nsiso_change *c = &plan->changes[i];
		int n;

		if (c->in_place != in_place)
			continue;
		n = snprintf(buf + used, len - used, "%s%s %s -> %s", used ? ", " : "",
			     nsiso_key_name(c->key), nsiso_escape(from, sizeof(from), c->from),
			     nsiso_escape(to, sizeof(to), c->to));
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* One set's lines; the same line for the log when something was changed. */
static int report(const struct nsiso_apply_plan *plan, const char *label, bool dry_run)
{
	char text[4096];

	switch (plan->verdict) {
	case NSISO_APPLY_NO_SET:
		return CTL_OK;
	case NSISO_APPLY_INVALID:
		printf("%s: the set is invalid (a pin does not check out): the next login "
		       "rebuilds it\n",
		       label);
		return CTL_OK;
	case NSISO_APPLY_RELEASE:
		printf("%s: release: %s (nsisoctl release once its sessions have ended)\n", label,
		       plan->why);
		return CTL_REBUILD;
	case NSISO_APPLY_COMPARED:
		break;
	}
	if (!plan->settings_known)
		printf("%s: its record predates recorded settings: only namespaces, netns_name "
		       "and lifetime compared\n",
		       label);
	if (!plan->n)
		printf("%s: up to date\n", label);
	if (plan->n_in_place) {
		changes_text(plan, true, text, sizeof(text));
		printf("%s: %s: %s\n", label, dry_run ? "would apply" : "applied", text);
		if (!dry_run)
			syslog(LOG_NOTICE, "%s: applied: %s", label, text);
	}
	if (plan->n_rebuild) {
		changes_text(plan, false, text, sizeof(text));
		printf("%s: needs a rebuild: %s\n", label, text);
	}
	return plan->n_rebuild ? CTL_REBUILD : CTL_OK;
}

static int apply_one(const struct nsiso_registry *reg, const struct nsiso_policy *p, uid_t uid,
		     bool dry_run, bool *had_set)
{
	struct nsiso_apply_plan plan;
	struct nsiso_error err = {0};
	char label[160];
	int r = nsiso_apply(reg, p, uid, dry_run, &plan, &err);

	ctl_uid_label(uid, label, sizeof(label), NULL, 0);
	*had_set = plan.verdict != NSISO_APPLY_NO_SET;
	if (r < 0) {
		ctl_err("%s: %s", label, err.msg[0] ? err.msg : "unknown error");
		return CTL_FAIL;
	}
	return report(&plan, label, dry_run);
}

/* The worst status: failure, then a rebuild needed, then all applied. */
static int worse(int a, int b)
{
	static const int rank[] = {[CTL_OK] = 0, [CTL_REBUILD] = 1, [CTL_FAIL] = 2};

	return rank[b] > rank[a] ? b : a;
}

static int apply_uids(const struct nsiso_registry *reg, const struct nsiso_policy *p,
		      const struct ctl_target *t, bool dry_run)
{
	_cleanup_free_ uid_t *uids = NULL;
	struct nsiso_error err = {0};
	int status = CTL_OK;
	bool had = false;
	size_t n = 0;

	if (t) {
		status = apply_one(reg, p, t->uid, dry_run, &had);
		if (!had)
			ctl_err("%s has no set", t->label);
		return had ? status : CTL_FAIL;
	}
	if (nsiso_admin_uids(reg, &uids, &n, &err) < 0)
		return ctl_core_err(&err);
	/* One set that cannot take the policy must not keep the others from it. */
	for (size_t i = 0; i < n; i++)
		status = worse(status, apply_one(reg, p, uids[i], dry_run, &had));
	return status;
}

int ctl_apply(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	struct ctl_target t;
	struct ctl_args a;
	const char *path;
	bool all, dry_run;
	int status = CTL_OK, r;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	all = a.set[ctl_opt(c, "all")];
	dry_run = a.set[ctl_opt(c, "dry-run")];
	path = a.set[ctl_opt(c, "config")] ? a.val[ctl_opt(c, "config")] : NSISO_DEFAULT_CONFIG;
	if (all == (a.n_pos == 1))
		return ctl_usage_err(c, "apply: give either USER or --all");
	if (!all && ctl_resolve(a.pos[0], &t) < 0)
		return CTL_FAIL;
	/* A policy a login would refuse is applied to nothing. */
	if (nsiso_policy_load(path, &p, NULL, &err) < 0) {
		nsiso_policy_free(p);
		return ctl_core_err(&err);
	}
	r = ctl_open_registry(&reg);
	if (r == 0) {
		openlog("nsisoctl", LOG_PID, LOG_AUTHPRIV);
		status = apply_uids(&reg, p, all ? NULL : &t, dry_run);
		closelog();
	} else if (r < 0) {
		status = CTL_FAIL;
	} else if (!all) {
		/* No registry yet: no login has made a set since boot. */
		ctl_err("%s has no set", t.label);
		status = CTL_FAIL;
	}
	nsiso_registry_close(&reg);
	nsiso_policy_free(p);
	return status;
}

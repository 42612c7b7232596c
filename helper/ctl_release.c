/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl release and gc: tear sets down, under the same per-user lock as logins. */
#include <stdlib.h>

#include "ctl.h"
#include "polydir.h"
#include "util.h"

static int all_uids(const struct nsiso_registry *reg, uid_t **uids, size_t *n)
{
	struct nsiso_error err = {0};

	if (nsiso_admin_uids(reg, uids, n, &err) < 0)
		return ctl_core_err(&err), -1;
	return 0;
}

/* One uid: 0 released, 1 had no set, -1 refused or failed (reported). */
static int release_one(const struct nsiso_registry *reg, uid_t uid, bool force)
{
	struct nsiso_error err = {0};
	char label[160];
	int r = nsiso_admin_release(reg, uid, force, &err);

	if (r < 0)
		return ctl_core_err(&err), -1;
	if (r == 0) {
		ctl_uid_label(uid, label, sizeof(label), NULL, 0);
		printf("released %s\n", label);
	}
	return r;
}

static int release_all(const struct nsiso_registry *reg, bool force)
{
	_cleanup_free_ uid_t *uids = NULL;
	int status = CTL_OK;
	size_t n = 0;

	if (all_uids(reg, &uids, &n) < 0)
		return CTL_FAIL;
	/* Go on after a refusal: one busy set must not keep the others. */
	for (size_t i = 0; i < n; i++)
		if (release_one(reg, uids[i], force) < 0)
			status = CTL_FAIL;
	return status;
}

/*
 * --purge: the set (if any) and the persistent tmp dirs. @reg NULL: no
 * registry (no login since boot: no set, no session).
 */
static int purge_one(const struct nsiso_registry *reg, const struct ctl_target *t, bool force)
{
	struct nsiso_purge_result res;
	struct nsiso_error err = {0};

	if (nsiso_admin_purge(reg, t->uid, force, &res, &err) < 0)
		return ctl_core_err(&err);
	if (res.released)
		printf("released %s\n", t->label);
	if (res.removed)
		printf("removed " NSISO_STATEDIR "/%u\n", (unsigned)t->uid);
	if (!res.released && !res.removed)
		printf("nothing to purge for %s\n", t->label);
	return CTL_OK;
}

int ctl_release(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct ctl_target t;
	struct ctl_args a;
	bool all, force, purge;
	int status = CTL_OK, r;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	all = a.set[ctl_opt(c, "all")];
	force = a.set[ctl_opt(c, "force")];
	purge = a.set[ctl_opt(c, "purge")];
	if (all == (a.n_pos == 1))
		return ctl_usage_err(c, "release: give either USER or --all");
	if (all && purge)
		return ctl_usage_err(c, "release: --purge takes one USER, never --all");
	if (!all && ctl_resolve(a.pos[0], &t) < 0)
		return CTL_FAIL;
	r = ctl_open_registry(&reg);
	if (r < 0)
		return CTL_FAIL;
	if (purge) {
		status = purge_one(r == 0 ? &reg : NULL, &t, force);
	} else if (all) {
		status = r > 0 ? CTL_OK : release_all(&reg, force);
	} else {
		/* r > 0: no registry yet, so no set either. */
		r = r > 0 ? 0 : ctl_registry_has(&reg, t.uid);
		if (r > 0)
			r = release_one(&reg, t.uid, force);
		else if (r == 0)
			r = 1;
		if (r == 1)
			ctl_err("%s has no set", t.label);
		status = r == 0 ? CTL_OK : CTL_FAIL;
	}
	nsiso_registry_close(&reg);
	return status;
}

int ctl_gc(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	_cleanup_free_ uid_t *uids = NULL;
	struct ctl_target t;
	struct ctl_args a;
	int status = CTL_OK, r;
	size_t n = 0;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	if (a.n_pos == 1 && ctl_resolve(a.pos[0], &t) < 0)
		return CTL_FAIL;
	r = ctl_open_registry(&reg);
	if (r != 0)
		return r > 0 ? CTL_OK : CTL_FAIL;
	if (a.n_pos == 1) {
		/* One user (a user manager that stopped): no walk over every set. */
		uids = malloc(sizeof(*uids));
		if (!uids)
			status = CTL_FAIL;
		else
			uids[n++] = t.uid;
	} else if (all_uids(&reg, &uids, &n) < 0) {
		status = CTL_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		struct nsiso_error err = {0};
		char label[160];

		r = nsiso_admin_gc_one(&reg, uids[i], &err);
		if (r < 0) {
			ctl_core_err(&err);
			status = CTL_FAIL;
		} else if (r == 1) {
			ctl_uid_label(uids[i], label, sizeof(label), NULL, 0);
			printf("released %s\n", label);
		}
	}
	nsiso_registry_close(&reg);
	return status;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsisoctl apply: bring a live set to the policy now in force, as far as
 * that can be done in place (docs/architecture.md, "Policy changes and live
 * sets"), and say what else needs a rebuild or a release.
 */
#ifndef NSISO_APPLY_H
#define NSISO_APPLY_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"
#include "registry.h"

#define NSISO_APPLY_MAX_CHANGES 12

/* One setting whose value in the set differs from the policy's. */
struct nsiso_change {
	enum nsiso_key key;
	bool in_place;	 /* applied to the live set; else it needs a rebuild */
	char from[1100]; /* the set's value, for people */
	char to[1100];	 /* the policy's */
};

enum nsiso_apply_verdict {
	NSISO_APPLY_NO_SET,  /* the uid has no set: nothing to do */
	NSISO_APPLY_INVALID, /* a pin does not check out: the next login rebuilds it anyway */
	NSISO_APPLY_RELEASE, /* the set should go (why[]): its user is exempt now, or gone */
	NSISO_APPLY_COMPARED /* changes[] (none: up to date) */
};

struct nsiso_apply_plan {
	uid_t uid;
	enum nsiso_apply_verdict verdict;
	char why[200];	     /* NSISO_APPLY_RELEASE: why, for people */
	bool settings_known; /* the record has the set's settings (else: namespaces,
				lifetime and netns_name alone are compared) */
	struct nsiso_change changes[NSISO_APPLY_MAX_CHANGES];
	unsigned n, n_in_place, n_rebuild;
};

/*
 * Under @uid's lock, as release and gc take it: compare @uid's live set with
 * what @p gives its user now, fill *@plan, and unless @dry_run apply the
 * in-place changes, all or nothing: every one is checked first (a tmp_size
 * below what the user's tmpfs holds refuses the whole set), one that fails
 * undoes those done before it, and the record is written last. The
 * changes that need a rebuild, and a set to release, are only listed: the
 * sessions in the set keep it. -1 with @err when nothing was applied (or,
 * when an undo failed too, @err says so); *@plan is filled either way.
 */
int nsiso_apply(const struct nsiso_registry *reg, const struct nsiso_policy *p, uid_t uid,
		bool dry_run, struct nsiso_apply_plan *plan, struct nsiso_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What nsisoctl does with sets, on the same registry and locks as the module. */
#ifndef NSISO_ADMIN_H
#define NSISO_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "registry.h"

struct nsiso_setinfo {
	uid_t uid;
	bool has_set; /* a committed record exists */
	bool valid;   /* ... and every pin checks out */
	struct nsiso_setrec rec;
	struct nsiso_sessinfo *sessions; /* live session records */
	size_t n_sessions;
	unsigned processes; /* processes whose mount namespace is the set's */
};

/*
 * Open the registry for administration (never creates it): 0; NSISO_ABSENT
 * when there is none here (no login has made a set since boot); -1 error,
 * being inside a set included (nsisoctl works from the host).
 */
int nsiso_admin_open(struct nsiso_registry *reg, struct nsiso_error *err);

/* The uids that have a directory in the registry, sorted. Free *uids with free(). */
int nsiso_admin_uids(const struct nsiso_registry *reg, uid_t **uids, size_t *n,
		     struct nsiso_error *err);

/* Everything about one uid's set, under its lock (prunes dead session records). */
int nsiso_admin_info(const struct nsiso_registry *reg, uid_t uid, struct nsiso_setinfo *info,
		     struct nsiso_error *err);
void nsiso_setinfo_free(struct nsiso_setinfo *info);

/*
 * Tear down @uid's set. Refuses (kind NSISO_ERR_CALLER) while sessions are
 * open or processes run inside, unless @force. 0 released, 1 no set.
 */
int nsiso_admin_release(const struct nsiso_registry *reg, uid_t uid, bool force,
			struct nsiso_error *err);

struct nsiso_purge_result {
	bool released; /* a set was torn down */
	bool removed;  /* persistent tmp dirs were removed */
};

/*
 * Purge @uid: release its set (as nsiso_admin_release: @force for
 * processes still inside) and remove its persistent tmp dirs
 * (/var/lib/nsiso/<uid>, nsiso_polydir_purge), under the user's lock.
 * Refuses (kind NSISO_ERR_CALLER) while a session is open, even with
 * @force. @reg NULL: there is no registry (no login since boot).
 */
int nsiso_admin_purge(const struct nsiso_registry *reg, uid_t uid, bool force,
		      struct nsiso_purge_result *res, struct nsiso_error *err);

/*
 * Tear down @uid's set when no session is open and no process is inside
 * (what `processes` lifetime would have done at the last close, had a
 * process not outlived it). 0 kept, 1 released, -1 error.
 */
int nsiso_admin_gc_one(const struct nsiso_registry *reg, uid_t uid, struct nsiso_error *err);

/*
 * Move the calling (single-threaded) process into @uid's set. The process
 * must be in the registry's mount namespace. 0 done; NSISO_ABSENT: @uid has
 * no set (nothing done); -1 error.
 */
int nsiso_admin_enter(const struct nsiso_registry *reg, uid_t uid, struct nsiso_error *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The user a session is for, resolved through NSS (works for LDAP/SSSD users). */
#ifndef NSISO_USER_H
#define NSISO_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct nsiso_user {
	char *name;  /* canonical name from the passwd entry */
	char *home;  /* "/" when the entry has none */
	char *shell; /* "/bin/sh" when the entry has none */
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* from getgrouplist(), includes gid */
	int n_groups;  /* -1: not loaded (nsiso_user_lookup_passwd) */
};

/*
 * Check that @name is a plausible account name before it goes anywhere near
 * NSS: non-empty, at most 256 bytes, no '/', no control bytes, not "." or "..".
 * Names are never used to build paths; this only keeps junk out of lookups and logs.
 */
bool nsiso_user_name_ok(const char *name);

/*
 * Look @name up with getpwnam_r and getgrouplist. Unknown user: -1, kind
 * NSISO_ERR_USER ("unknown user"); NSS without an answer: kind
 * NSISO_ERR_SYSTEM ("cannot look up user").
 */
int nsiso_user_lookup(const char *name, struct nsiso_user *out, struct nsiso_error *err);

/*
 * The passwd entry only. getgrouplist() is the most expensive step of a login
 * (NSS walks every group source), and a join never needs it: the groups are
 * loaded with nsiso_user_load_groups() for exempt_groups, and by
 * nsiso_policy_resolve() when a set is made and [group:] sections exist.
 */
int nsiso_user_lookup_passwd(const char *name, struct nsiso_user *out, struct nsiso_error *err);
int nsiso_user_load_groups(struct nsiso_user *u, struct nsiso_error *err);

/*
 * getpwnam_r (@name) or getpwuid_r (@name NULL: @uid) with a buffer that grows
 * on ERANGE (*buf, free() it). 0 with *found, 0 with *found false for an
 * unknown user, or a positive errno.
 */
struct passwd;
int nsiso_getpw(const char *name, uid_t uid, struct passwd *pw, char **buf, bool *found);

/*
 * NSS answers three ways: found, not found (the *_r call returns 0 with no
 * result), or no answer (it returns an error: the directory is down). Only
 * the last is an outage; nss-pam-ldapd, for one, reports it as ENOENT.
 */

/* The group @name: 1 and *@gid, 0 when there is no such group, -errno when NSS cannot say. */
int nsiso_group_lookup(const char *name, gid_t *gid);

/*
 * Group lookups that failed, for a decision made without them (a set made
 * during an outage is provisional, its record names them). Bounded: past
 * NSISO_UNRESOLVED_MAX names only @more is set.
 */
#define NSISO_UNRESOLVED_MAX 4
#define NSISO_NAME_MAX	     256
struct nsiso_unresolved {
	char name[NSISO_UNRESOLVED_MAX][NSISO_NAME_MAX + 1];
	unsigned n;
	bool more;
	int errnum; /* the first failure's */
};

/* Note that the lookup of @name failed with @errnum (once per name). */
void nsiso_unresolved_add(struct nsiso_unresolved *un, const char *name, int errnum);
/* Append the names of @from to @to. */
void nsiso_unresolved_merge(struct nsiso_unresolved *to, const struct nsiso_unresolved *from);
static inline bool nsiso_unresolved_any(const struct nsiso_unresolved *un)
{
	return un->n > 0 || un->more;
}

/* Is @u a member of group @gid (primary, or supplementary when the groups are loaded)? */
bool nsiso_user_in_group(const struct nsiso_user *u, gid_t gid);

void nsiso_user_free(struct nsiso_user *u);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login decision, made once for both front-ends: what a session of a user
 * gets (its own set, no set, the host, no login) from what the policy says,
 * who the user is and where the caller sits. The PAM module maps the verdict
 * to PAM codes and its log line; `nsisoctl explain` prints it. The rules:
 *
 *  - an exempt user never gets a set; one that starts inside a set goes to
 *    the host (from_set = host, and always with a broken policy) or stays
 *    (from_set = stay);
 *  - uid 0 is exempt whenever the policy is broken: root is never locked out;
 *  - a failure for a non-exempt user (a broken policy, a group list that
 *    cannot be had, a set that cannot be opened) gives what on_error says,
 *    except a caller that cannot switch namespaces (capabilities, threads):
 *    that is refused whatever on_error says;
 *  - an exempt user whose way back to the host fails stays where it is when
 *    it is root (never locked out), else gets what on_error says (a caller
 *    that cannot switch namespaces is refused).
 *
 * The decision is pure: nsiso_verdict_gather() asks the policy, NSS and the
 * kernel for the facts, nsiso_login_verdict() decides from them alone (the
 * unit test drives it through every combination).
 */
#ifndef NSISO_VERDICT_H
#define NSISO_VERDICT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

enum nsiso_policy_state {
	NSISO_POLICY_VALID,    /* loaded without a problem */
	NSISO_POLICY_DEGRADED, /* broken, but the main file was trustworthy: its valid [global]
				  exempt keys and on_error still answer (policy.h) */
	NSISO_POLICY_NONE,     /* broken and not trustworthy: on_error is deny */
};

/* What the decision is made from. nsiso_verdict_gather() fills it. */
struct nsiso_verdict_in {
	enum nsiso_policy_state policy;
	const struct nsiso_error *policy_error; /* the load's first problem (not VALID) */
	uid_t uid;
	bool exempt;		      /* what the policy says of the user */
	const char *exempt_why;	      /* its reason ("exempt_users", "exempt_groups:G", ...) */
	enum nsiso_on_error on_error; /* of a valid or degraded policy; deny with none */
	bool in_set;		      /* the caller sits inside a set (nsiso_registry_inside_set) */
	enum nsiso_from_set from_set; /* a valid policy's for an exempt user inside a set */
	const struct nsiso_error *groups_error; /* exempt_groups needs the user's groups and
						   NSS could not list them, else NULL */
	/*
	 * NULL for the first decision. When the step it asked for (ISOLATE or
	 * TO_HOST) failed, that step's error: the decision is made again from it.
	 */
	const struct nsiso_error *failed;
};

enum nsiso_verdict_action {
	NSISO_VERDICT_ISOLATE, /* into the user's own set: nsiso_session_open() */
	NSISO_VERDICT_EXEMPT,  /* no set: stays where it is (the host, or from_set = stay) */
	NSISO_VERDICT_TO_HOST, /* exempt inside a set, from_set = host: nsiso_return_to_host() */
	NSISO_VERDICT_STUCK,   /* exempt, the way to the host failed: stays in the set */
	NSISO_VERDICT_ALLOW,   /* not exempt, a failure, on_error = allow: no isolation */
	NSISO_VERDICT_DENY,    /* no session */
};

struct nsiso_verdict {
	enum nsiso_verdict_action action;
	const char *why;    /* exempt: the reason (the policy's, or uid 0's), else NULL */
	const char *reason; /* why this action, in a few static words */
	const char *broken; /* the policy's problem when it is not valid, else NULL */
	const char *error;  /* the error behind a failure verdict (ALLOW, DENY, STUCK), else NULL */
};

/*
 * Decide. Never fails, never touches anything: @out's strings point into
 * @in's (or are static) and live as long as they do. Returns out->action.
 */
enum nsiso_verdict_action nsiso_login_verdict(const struct nsiso_verdict_in *in,
					      struct nsiso_verdict *out);

/*
 * The facts for @u's login: @p and @policy_error as the load left them (an
 * error means broken; @p may then be a degraded policy or NULL), @groups_error
 * when the group list exempt_groups needs could not be had. Asks the policy
 * whether @u is exempt (@un, may be NULL: the exempt_groups NSS could not
 * look up), whether the caller sits inside a set, and only then from_set.
 * Does not decide: nsiso_login_verdict() does. @in borrows @policy_error,
 * @groups_error and strings of @p.
 */
void nsiso_verdict_gather(const struct nsiso_policy *p, const struct nsiso_error *policy_error,
			  struct nsiso_user *u, const struct nsiso_error *groups_error,
			  struct nsiso_unresolved *un, struct nsiso_verdict_in *in);

/* "isolate", "exempt", ... for tests and messages. */
const char *nsiso_verdict_action_name(enum nsiso_verdict_action a);

#endif

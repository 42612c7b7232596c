/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>

#include "registry.h"
#include "user.h"
#include "util.h"
#include "verdict.h"

/* Exempt despite a broken policy: uid 0 always, whatever the policy could still say. */
static const char *root_why(enum nsiso_policy_state s)
{
	return s == NSISO_POLICY_NONE ? "uid 0 without a trustworthy policy"
				      : "uid 0 with a broken policy";
}

/*
 * A failure for a user who is not exempt: a caller that cannot switch
 * namespaces is refused (no on_error can make it safe to go on there),
 * otherwise on_error decides. The caller stays where it was either way.
 */
static void on_failure(const struct nsiso_verdict_in *in, const struct nsiso_error *e,
		       struct nsiso_verdict *out)
{
	out->error = e ? e->msg : NULL;
	if (e && e->kind == NSISO_ERR_CALLER) {
		out->action = NSISO_VERDICT_DENY;
		out->reason = "the caller cannot switch namespaces";
	} else if (in->on_error == NSISO_ONERR_ALLOW) {
		out->action = NSISO_VERDICT_ALLOW;
		out->reason = "on_error=allow: no isolation";
	} else {
		out->action = NSISO_VERDICT_DENY;
		out->reason = "on_error=deny";
	}
}

/*
 * An exempt user whose way back to the host failed: it is still in the set
 * it started in (nothing was switched). Root stays there, never locked out;
 * anyone else gets on_error, and a caller that cannot switch is refused.
 */
static void exempt_stuck(const struct nsiso_verdict_in *in, struct nsiso_verdict *out)
{
	out->error = in->failed->msg;
	if (in->uid == 0) {
		out->action = NSISO_VERDICT_STUCK;
		out->reason = "root is never locked out";
	} else if (in->failed->kind == NSISO_ERR_CALLER) {
		out->action = NSISO_VERDICT_DENY;
		out->reason = "the caller cannot switch namespaces";
	} else if (in->on_error == NSISO_ONERR_DENY) {
		out->action = NSISO_VERDICT_DENY;
		out->reason = "on_error=deny";
	} else {
		out->action = NSISO_VERDICT_STUCK;
		out->reason = "on_error=allow";
	}
}

/* An exempt user's first verdict: where it goes depends only on where it starts. */
static void exempt_where(const struct nsiso_verdict_in *in, struct nsiso_verdict *out)
{
	/* A broken policy's from_set is not honoured: the default, host. */
	enum nsiso_from_set from =
	    in->policy == NSISO_POLICY_VALID ? in->from_set : NSISO_FROM_HOST;

	if (!in->in_set) {
		out->action = NSISO_VERDICT_EXEMPT;
		out->reason = "not inside a set";
	} else if (from == NSISO_FROM_STAY) {
		out->action = NSISO_VERDICT_EXEMPT;
		out->reason = "inside a set, from_set = stay";
	} else {
		out->action = NSISO_VERDICT_TO_HOST;
		out->reason = "inside a set, from_set = host";
	}
}

enum nsiso_verdict_action nsiso_login_verdict(const struct nsiso_verdict_in *in,
					      struct nsiso_verdict *out)
{
	bool valid = in->policy == NSISO_POLICY_VALID;
	bool root_rule = !valid && in->uid == 0;

	*out = (struct nsiso_verdict){0};
	if (!valid)
		out->broken = in->policy_error ? in->policy_error->msg : "the policy is broken";
	if (in->exempt || root_rule) {
		out->why = in->exempt ? in->exempt_why : NULL;
		if (!out->why)
			out->why = root_rule ? root_why(in->policy) : "exempt";
		if (in->failed)
			exempt_stuck(in, out);
		else
			exempt_where(in, out);
	} else if (!valid) {
		on_failure(in, in->policy_error, out);
	} else if (in->failed) {
		on_failure(in, in->failed, out);
	} else if (in->groups_error) {
		on_failure(in, in->groups_error, out);
	} else {
		out->action = NSISO_VERDICT_ISOLATE;
		out->reason = "not exempt";
	}
	return out->action;
}

/* from_set for an exempt user; host (the default) when the policy cannot say. */
static enum nsiso_from_set exempt_from_set(const struct nsiso_policy *p, struct nsiso_user *u)
{
	struct nsiso_settings s = {0};
	enum nsiso_from_set from = NSISO_FROM_HOST;

	if (p && !nsiso_policy_degraded(p) && nsiso_policy_resolve(p, u, &s, NULL) == 0)
		from = s.from_set;
	nsiso_settings_free(&s);
	return from;
}

void nsiso_verdict_gather(const struct nsiso_policy *p, const struct nsiso_error *policy_error,
			  struct nsiso_user *u, const struct nsiso_error *groups_error,
			  struct nsiso_unresolved *un, struct nsiso_verdict_in *in)
{
	*in = (struct nsiso_verdict_in){
	    .policy = !policy_error ? NSISO_POLICY_VALID
		      : p	    ? NSISO_POLICY_DEGRADED
				    : NSISO_POLICY_NONE,
	    .policy_error = policy_error,
	    .uid = u->uid,
	    .on_error = nsiso_policy_on_error(p),
	    .groups_error = groups_error,
	};
	/* A broken policy's failed group lookups are not noted: no set is made from it. */
	in->exempt = nsiso_policy_exempt_un(p, u, &in->exempt_why, policy_error ? NULL : un);
	/*
	 * The verdict's own root rule (exempt under any broken policy) needs
	 * where the caller sits too, whatever the policy's exempt answer was.
	 */
	if (!in->exempt && !(policy_error && u->uid == 0))
		return;
	/* from_set only matters to a login that starts inside a set: ask the policy then. */
	in->in_set = nsiso_registry_inside_set();
	if (in->in_set)
		in->from_set = exempt_from_set(p, u);
}

const char *nsiso_verdict_action_name(enum nsiso_verdict_action a)
{
	static const char *const names[] = {
	    [NSISO_VERDICT_ISOLATE] = "isolate", [NSISO_VERDICT_EXEMPT] = "exempt",
	    [NSISO_VERDICT_TO_HOST] = "to-host", [NSISO_VERDICT_STUCK] = "stuck",
	    [NSISO_VERDICT_ALLOW] = "allow",	 [NSISO_VERDICT_DENY] = "deny",
	};

	return (unsigned)a < ARRAY_SIZE(names) && names[a] ? names[a] : "?";
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/verdict.c: the login decision. Every combination of
 * policy state x exempt x on_error x uid 0 x caller state (on the host,
 * inside a set with from_set host or stay) x group list x failed step (none,
 * a system error, a caller that cannot switch namespaces) is decided, and
 * checked against the rules of lib/verdict.h written out as a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "verdict.h"

enum caller { C_HOST, C_SET_HOST, C_SET_STAY, C__N };
enum failure { F_NONE, F_SYSTEM, F_CALLER, F__N };

static const struct nsiso_error policy_err = {NSISO_ERR_POLICY, 0, "nsiso.conf:3: syntax error"};
static const struct nsiso_error groups_err = {NSISO_ERR_SYSTEM, 5, "cannot list groups"};
static const struct nsiso_error sys_err = {NSISO_ERR_SYSTEM, 1, "cannot open /proc/1/ns"};
static const struct nsiso_error caller_err = {NSISO_ERR_CALLER, 0,
					      "the calling process has 2 "
					      "threads"};

struct combo {
	enum nsiso_policy_state policy;
	bool exempt, allow, root, groups_fail;
	enum caller caller;
	enum failure failed;
};

static struct nsiso_verdict_in input(const struct combo *c)
{
	static const struct nsiso_error *const fails[] = {NULL, &sys_err, &caller_err};

	return (struct nsiso_verdict_in){
	    .policy = c->policy,
	    .policy_error = c->policy == NSISO_POLICY_VALID ? NULL : &policy_err,
	    .uid = c->root ? 0 : 1000,
	    .exempt = c->exempt,
	    .exempt_why = c->exempt ? "exempt_users" : NULL,
	    .on_error = c->allow ? NSISO_ONERR_ALLOW : NSISO_ONERR_DENY,
	    .in_set = c->caller != C_HOST,
	    .from_set = c->caller == C_SET_STAY ? NSISO_FROM_STAY : NSISO_FROM_HOST,
	    .groups_error = c->groups_fail ? &groups_err : NULL,
	    .failed = fails[c->failed],
	};
}

/*
 * The rules, one row each, first match wins: what a login gets. The failed
 * step is the one the first verdict asked for: TO_HOST for an exempt user,
 * ISOLATE for another.
 */
static enum nsiso_verdict_action expected(const struct combo *c)
{
	bool valid = c->policy == NSISO_POLICY_VALID;
	bool exempt = c->exempt || (!valid && c->root); /* root is never locked out */
	bool stay = valid && c->caller == C_SET_STAY;	/* a broken policy's from_set: host */
	enum nsiso_verdict_action by_on_error = c->allow ? NSISO_VERDICT_ALLOW : NSISO_VERDICT_DENY;

	if (exempt && c->caller == C_HOST)
		return NSISO_VERDICT_EXEMPT;
	if (exempt && stay)
		return NSISO_VERDICT_EXEMPT;
	if (exempt && c->failed == F_NONE)
		return NSISO_VERDICT_TO_HOST;
	if (exempt && c->root)
		return NSISO_VERDICT_STUCK;
	if (exempt && c->failed == F_CALLER)
		return NSISO_VERDICT_DENY;
	if (exempt)
		return c->allow ? NSISO_VERDICT_STUCK : NSISO_VERDICT_DENY;
	if (!valid)
		return by_on_error;
	if (c->failed == F_CALLER)
		return NSISO_VERDICT_DENY;
	if (c->failed == F_SYSTEM || c->groups_fail)
		return by_on_error;
	return NSISO_VERDICT_ISOLATE;
}

/* A failed step exists only after a first verdict that asked for one. */
static bool reachable(const struct combo *c)
{
	struct combo first = *c;
	enum nsiso_verdict_action a;

	first.failed = F_NONE;
	a = expected(&first);
	return c->failed == F_NONE || a == NSISO_VERDICT_ISOLATE || a == NSISO_VERDICT_TO_HOST;
}

static void describe(const struct combo *c, char *buf, size_t len)
{
	static const char *const pol[] = {"valid", "degraded", "none"};
	static const char *const cal[] = {"host", "set/from_set=host", "set/from_set=stay"};
	static const char *const fai[] = {"-", "system", "caller"};

	snprintf(buf, len, "policy=%s exempt=%d on_error=%s uid=%s caller=%s groups=%s failed=%s",
		 pol[c->policy], c->exempt, c->allow ? "allow" : "deny", c->root ? "0" : "1000",
		 cal[c->caller], c->groups_fail ? "unknown" : "ok", fai[c->failed]);
}

/* What must hold of every verdict, whatever the rules above say. */
static void check_invariants(const struct combo *c, const struct nsiso_verdict_in *in,
			     const struct nsiso_verdict *v)
{
	bool valid = c->policy == NSISO_POLICY_VALID;

	assert_non_null(v->reason);
	if (!valid && c->root) {
		/* The administrator is never locked out by a broken policy. */
		assert_int_not_equal(v->action, NSISO_VERDICT_DENY);
		assert_int_not_equal(v->action, NSISO_VERDICT_ALLOW);
		assert_int_not_equal(v->action, NSISO_VERDICT_ISOLATE);
	}
	if (c->root && (c->exempt || !valid))
		assert_int_not_equal(v->action, NSISO_VERDICT_DENY);
	/* A set only from a valid policy, and only when nothing failed. */
	if (v->action == NSISO_VERDICT_ISOLATE)
		assert_true(valid && !c->exempt && !c->groups_fail && c->failed == F_NONE);
	/* The policy's problem is carried exactly when it is broken. */
	if (valid)
		assert_null(v->broken);
	else
		assert_string_equal(v->broken, policy_err.msg);
	/* An exempt verdict names its reason; a failure verdict names its error. */
	if (v->action == NSISO_VERDICT_EXEMPT || v->action == NSISO_VERDICT_TO_HOST ||
	    v->action == NSISO_VERDICT_STUCK)
		assert_non_null(v->why);
	if (v->action == NSISO_VERDICT_ALLOW || v->action == NSISO_VERDICT_DENY ||
	    v->action == NSISO_VERDICT_STUCK)
		assert_non_null(v->error);
	if (v->action == NSISO_VERDICT_ALLOW || v->action == NSISO_VERDICT_ISOLATE)
		assert_null(v->why);
	if (v->action == NSISO_VERDICT_EXEMPT || v->action == NSISO_VERDICT_TO_HOST)
		assert_null(v->error);
	/* The error of a failure verdict is the one that caused it. */
	if (v->action == NSISO_VERDICT_ALLOW || (v->action == NSISO_VERDICT_DENY && !v->why)) {
		const struct nsiso_error *cause = !valid       ? in->policy_error
						  : in->failed ? in->failed
							       : in->groups_error;
		assert_string_equal(v->error, cause->msg);
	}
}

static void test_every_combination(void **state)
{
	unsigned n = 0, by_action[NSISO_VERDICT_DENY + 1] = {0};

	(void)state;
	for (int pol = 0; pol <= NSISO_POLICY_NONE; pol++)
		for (unsigned bits = 0; bits < 16; bits++)
			for (int cal = 0; cal < C__N; cal++)
				for (int fai = 0; fai < F__N; fai++) {
					struct combo c = {
					    .policy = (enum nsiso_policy_state)pol,
					    .exempt = bits & 1,
					    .allow = bits & 2,
					    .root = bits & 4,
					    .groups_fail = bits & 8,
					    .caller = (enum caller)cal,
					    .failed = (enum failure)fai,
					};
					struct nsiso_verdict_in in = input(&c);
					struct nsiso_verdict v;
					enum nsiso_verdict_action got, want = expected(&c);
					char what[256];

					if (!reachable(&c))
						continue;
					got = nsiso_login_verdict(&in, &v);
					describe(&c, what, sizeof(what));
					if (got != want || v.action != got)
						fail_msg("%s: got %s, want %s", what,
							 nsiso_verdict_action_name(got),
							 nsiso_verdict_action_name(want));
					check_invariants(&c, &in, &v);
					by_action[got]++;
					n++;
				}
	/* 3 x 16 x 3 first verdicts; 2 failures each for the 68 that ask for a step. */
	assert_int_equal(n, 3 * 16 * C__N + 2 * 68);
	/* Every action is reachable: the table is not degenerate. */
	for (int i = 0; i <= NSISO_VERDICT_DENY; i++)
		assert_true(by_action[i] > 0);
}

/* The words the PAM module's log lines are made of (pam_nsiso(8)): fixed. */
static void test_words(void **state)
{
	struct combo c = {.policy = NSISO_POLICY_VALID, .allow = true, .failed = F_SYSTEM};
	struct nsiso_verdict_in in = input(&c);
	struct nsiso_verdict v;

	(void)state;
	nsiso_login_verdict(&in, &v);
	assert_string_equal(v.reason, "on_error=allow: no isolation");
	assert_string_equal(v.error, sys_err.msg);

	c = (struct combo){
	    .policy = NSISO_POLICY_NONE, .root = true, .caller = C_SET_HOST, .failed = F_CALLER};
	in = input(&c);
	nsiso_login_verdict(&in, &v);
	assert_int_equal(v.action, NSISO_VERDICT_STUCK);
	assert_string_equal(v.reason, "root is never locked out");
	assert_string_equal(v.why, "uid 0 without a trustworthy policy");
	assert_string_equal(v.error, caller_err.msg);

	c.policy = NSISO_POLICY_DEGRADED;
	in = input(&c);
	nsiso_login_verdict(&in, &v);
	assert_string_equal(v.why, "uid 0 with a broken policy");

	c = (struct combo){.policy = NSISO_POLICY_VALID,
			   .exempt = true,
			   .allow = true,
			   .caller = C_SET_HOST,
			   .failed = F_SYSTEM};
	in = input(&c);
	nsiso_login_verdict(&in, &v);
	assert_int_equal(v.action, NSISO_VERDICT_STUCK);
	assert_string_equal(v.reason, "on_error=allow");
	assert_string_equal(v.why, "exempt_users");

	/* An exempt user without a reason from the policy is "exempt". */
	in.exempt_why = NULL;
	in.failed = NULL;
	in.in_set = false;
	nsiso_login_verdict(&in, &v);
	assert_string_equal(v.why, "exempt");
}

static void test_action_names(void **state)
{
	(void)state;
	assert_string_equal(nsiso_verdict_action_name(NSISO_VERDICT_ISOLATE), "isolate");
	assert_string_equal(nsiso_verdict_action_name(NSISO_VERDICT_DENY), "deny");
	assert_string_equal(nsiso_verdict_action_name((enum nsiso_verdict_action)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_combination),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

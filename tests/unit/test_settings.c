/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the key table and the enum word tables (lib/policy_keys.c):
 * every key's default and example value, and every word of an enum key,
 * survives parse -> format -> parse unchanged (the text is what nsisoctl
 * explain prints); every enum's words and values map one to one. The tests
 * walk the table (nsiso_key_info), so a new key is covered without an edit
 * here: its row must carry a default and an example, which the build checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "user.h"
#include "util.h"

#include "pcache_check.h"

#define NAME "t.conf"
#define USER "rt"
/* Set in [global] for every policy here, so that net = hook has what it needs. */
#define NET_HOOK "/usr/local/sbin/nsiso-net"

static gid_t rt_groups[1];

/* A policy whose only key (beside net_hook) is @key = @value: in [global], or in [user:rt]. */
static struct nsiso_policy *load_one_key(const struct nsiso_key_info *ki, const char *value)
{
	_cleanup_problems_ struct nsiso_problems all = {0};
	_cleanup_free_ char *text = NULL;
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	int r;

	assert_true(asprintf(&text, "[global]\nnet_hook = %s\n%s%s = %s\n", NET_HOOK,
			     ki->global_only ? "" : "[user:" USER "]\n", ki->name, value) > 0);
	r = nsiso_policy_load_buffer(NAME, text, strlen(text), &p, &all, &err);
	if (r != 0)
		print_error("%s = '%s': %s\n", ki->name, value, err.msg);
	assert_int_equal(r, 0);
	assert_non_null(p);
	/* The cache's replay must give the same answers for these policies too. */
	pcache_check_roundtrip(text, strlen(text), p);
	return p;
}

static void resolve_user(const struct nsiso_policy *p, struct nsiso_settings *s)
{
	struct nsiso_user u = {
	    .name = (char *)USER, .uid = 4242, .gid = 4242, .groups = rt_groups, .n_groups = 0};
	struct nsiso_error err = {0};
	int r = nsiso_policy_resolve(p, &u, s, &err);

	if (r != 0)
		print_error("resolve: %s\n", err.msg);
	assert_int_equal(r, 0);
}

static void format_ok(const struct nsiso_settings *s, enum nsiso_key k, char *buf, size_t len)
{
	assert_int_equal(nsiso_setting_format(s, k, buf, len), 0);
}

/* Two settings are the same: every field, every source, and the text of every key. */
static void assert_same_settings(const struct nsiso_settings *a, const struct nsiso_settings *b)
{
	pcache_assert_settings(a, b);
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		char ta[512], tb[512];

		if (nsiso_setting_format(a, (enum nsiso_key)k, ta, sizeof(ta)) < 0)
			continue;
		format_ok(b, (enum nsiso_key)k, tb, sizeof(tb));
		assert_string_equal(ta, tb);
	}
}

/*
 * @value of key @k, parsed and resolved, formatted, and that text parsed and
 * resolved again: the same settings, and the same text. The text goes into
 * @text (for the caller's own checks), "" for a key that is no setting.
 */
static void round_trip(enum nsiso_key k, const char *value, char *text, size_t len)
{
	struct nsiso_key_info ki;
	struct nsiso_settings s1, s2;
	struct nsiso_policy *p1, *p2;
	char again[512];

	assert_int_equal(nsiso_key_info(k, &ki), 0);
	p1 = load_one_key(&ki, value);
	resolve_user(p1, &s1);
	text[0] = '\0';
	if (!ki.setting) {
		/* exempt_users, exempt_groups: no per-user setting, nothing to format. */
		assert_int_equal(nsiso_setting_format(&s1, k, again, sizeof(again)), -1);
	} else {
		format_ok(&s1, k, text, len);
		p2 = load_one_key(&ki, text);
		resolve_user(p2, &s2);
		assert_same_settings(&s1, &s2);
		format_ok(&s2, k, again, sizeof(again));
		assert_string_equal(again, text);
		nsiso_settings_free(&s2);
		nsiso_policy_free(p2);
	}
	nsiso_settings_free(&s1);
	nsiso_policy_free(p1);
}

/* ------------------------------------------------------------------ */

static void test_table_rows(void **state)
{
	struct nsiso_key_info ki, kj;

	(void)state;
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		assert_int_equal(nsiso_key_info((enum nsiso_key)k, &ki), 0);
		assert_non_null(ki.name);
		assert_true(ki.name[0] != '\0');
		assert_string_equal(ki.name, nsiso_key_name((enum nsiso_key)k));
		assert_non_null(ki.def);
		assert_non_null(ki.example);
		/* The example is there to test a value other than the default. */
		assert_string_not_equal(ki.example, ki.def);
		for (int j = 0; j < k; j++) {
			assert_int_equal(nsiso_key_info((enum nsiso_key)j, &kj), 0);
			assert_string_not_equal(ki.name, kj.name);
		}
	}
	assert_int_equal(nsiso_key_info(NSISO_KEY__MAX, &ki), -1);
	assert_string_equal(nsiso_key_name(NSISO_KEY__MAX), "?");
}

/* Every enum key's words: one per value, distinct, each parsed back to its value. */
static void test_enum_words(void **state)
{
	struct nsiso_key_info ki;
	unsigned v;

	(void)state;
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		const struct nsiso_enum *e;

		assert_int_equal(nsiso_key_info((enum nsiso_key)k, &ki), 0);
		if (!(e = ki.words))
			continue;
		assert_true(e->n >= 2);
		for (unsigned i = 0; i < e->n; i++) {
			assert_true(nsiso_enum_has(e, i));
			assert_non_null(e->names[i]);
			assert_true(e->names[i][0] != '\0');
			assert_string_equal(nsiso_enum_name(e, i), e->names[i]);
			assert_int_equal(nsiso_enum_parse(e, e->names[i], &v), 0);
			assert_int_equal(v, i);
			for (unsigned j = 0; j < i; j++)
				assert_string_not_equal(e->names[i], e->names[j]);
		}
		assert_false(nsiso_enum_has(e, e->n));
		assert_string_equal(nsiso_enum_name(e, e->n), "?");
		assert_int_equal(nsiso_enum_parse(e, "", &v), -1);
		assert_int_equal(nsiso_enum_parse(e, "?", &v), -1);
		/* Words are compared as written: the policy file is case-sensitive there. */
		if (e->names[0][0] >= 'a' && e->names[0][0] <= 'z') {
			char upper[64];

			snprintf(upper, sizeof(upper), "%s", e->names[0]);
			upper[0] = (char)(upper[0] - 'a' + 'A');
			assert_int_equal(nsiso_enum_parse(e, upper, &v), -1);
		}
	}
}

/* The built-in default of every key round-trips, and is what a policy without the key gives. */
static void test_defaults_round_trip(void **state)
{
	struct nsiso_settings none;
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	char text[512], plain[512];

	(void)state;
	assert_int_equal(nsiso_policy_load_buffer(NAME, "[global]\n", 9, &p, NULL, &err), 0);
	resolve_user(p, &none);
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		struct nsiso_key_info ki;

		assert_int_equal(nsiso_key_info((enum nsiso_key)k, &ki), 0);
		round_trip((enum nsiso_key)k, ki.def, text, sizeof(text));
		if (!ki.setting)
			continue;
		format_ok(&none, (enum nsiso_key)k, plain, sizeof(plain));
		assert_string_equal(text, plain);
		assert_string_equal(none.source[k], "default");
	}
	nsiso_settings_free(&none);
	nsiso_policy_free(p);
}

/* Every key's example round-trips, and is told apart from the default by its text. */
static void test_examples_round_trip(void **state)
{
	char text[512], def[512];

	(void)state;
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		struct nsiso_key_info ki;

		assert_int_equal(nsiso_key_info((enum nsiso_key)k, &ki), 0);
		round_trip((enum nsiso_key)k, ki.def, def, sizeof(def));
		round_trip((enum nsiso_key)k, ki.example, text, sizeof(text));
		if (ki.setting)
			assert_string_not_equal(text, def);
	}
}

/* Every word of every enum key round-trips, and its text is the word. */
static void test_enum_values_round_trip(void **state)
{
	char text[512];

	(void)state;
	for (int k = 0; k < NSISO_KEY__MAX; k++) {
		struct nsiso_key_info ki;

		assert_int_equal(nsiso_key_info((enum nsiso_key)k, &ki), 0);
		for (unsigned i = 0; ki.words && i < ki.words->n; i++) {
			round_trip((enum nsiso_key)k, ki.words->names[i], text, sizeof(text));
			assert_string_equal(text, ki.words->names[i]);
		}
	}
}

/* Keys that are no per-user setting have no text; a key out of range neither. */
static void test_format_refuses(void **state)
{
	struct nsiso_settings s = {0};
	char buf[16] = "x";

	(void)state;
	assert_int_equal(nsiso_setting_format(&s, NSISO_KEY_EXEMPT_USERS, buf, sizeof(buf)), -1);
	assert_int_equal(nsiso_setting_format(&s, NSISO_KEY_EXEMPT_GROUPS, buf, sizeof(buf)), -1);
	assert_int_equal(nsiso_setting_format(&s, NSISO_KEY__MAX, buf, sizeof(buf)), -1);
	assert_int_equal(nsiso_setting_format(&s, NSISO_KEY_LIFETIME, buf, 0), -1);
	assert_string_equal(buf, "x");
	/* A value an enum does not have is "?", never a read past the table. */
	s.lifetime = (enum nsiso_lifetime)99;
	assert_int_equal(nsiso_setting_format(&s, NSISO_KEY_LIFETIME, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_rows),
	    cmocka_unit_test(test_enum_words),
	    cmocka_unit_test(test_defaults_round_trip),
	    cmocka_unit_test(test_examples_round_trip),
	    cmocka_unit_test(test_enum_values_round_trip),
	    cmocka_unit_test(test_format_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

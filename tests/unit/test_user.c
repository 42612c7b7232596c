/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/user.c: name checks and NSS lookups of accounts that exist everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "user.h"
#include "util.h"

static void test_name_ok(void **state)
{
	static const char *const good[] = {"root",  "a",   "Alice",	  "j.doe", "user-1", "_svc",
					   "na$me", "x y", "J\xc3\xb6rg", "...",   ".a",     "a:b"};
	static const char *const bad[] = {"",	  ".",	  "..",	  "a/b",     "/",
					  "../x", "a\nb", "a\tb", "\x1b[1m", "a\x7f"};
	char longest[258];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!nsiso_user_name_ok(good[i]))
			fail_msg("rejected '%s'", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (nsiso_user_name_ok(bad[i]))
			fail_msg("accepted bad name %zu", i);
	assert_false(nsiso_user_name_ok(NULL));

	memset(longest, 'a', sizeof(longest));
	longest[256] = '\0';
	assert_true(nsiso_user_name_ok(longest));
	longest[256] = 'a';
	longest[257] = '\0';
	assert_false(nsiso_user_name_ok(longest));
}

static void test_lookup_root(void **state)
{
	struct nsiso_error err = {0};
	struct nsiso_user u;

	assert_int_equal(nsiso_user_lookup("root", &u, &err), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_true(u.n_groups >= 1);
	assert_true(nsiso_user_in_group(&u, 0));
	assert_string_equal(u.home, "/root");
	assert_true(u.shell[0] == '/');
	nsiso_user_free(&u);
	assert_null(u.name);
	assert_null(u.home);
	assert_null(u.groups);
	nsiso_user_free(&u); /* twice is harmless */
}

/* Without groups: the passwd entry only, groups marked as not loaded. */
static void test_lookup_passwd_only(void **state)
{
	struct nsiso_error err = {0};
	struct nsiso_user u;

	assert_int_equal(nsiso_user_lookup_passwd("root", &u, &err), 0);
	assert_int_equal(u.n_groups, -1);
	assert_null(u.groups);
	assert_true(nsiso_user_in_group(&u, 0)); /* the primary group needs no lookup */
	assert_int_equal(nsiso_user_load_groups(&u, &err), 0);
	assert_true(u.n_groups >= 1);
	nsiso_user_free(&u);
}

static void test_lookup_unknown(void **state)
{
	struct nsiso_error err = {0};
	struct nsiso_user u;

	assert_int_equal(nsiso_user_lookup("nsiso-no-such-user", &u, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_USER);
	assert_string_equal(err.msg, "unknown user 'nsiso-no-such-user'");
	assert_null(u.name);
	nsiso_user_free(&u);
}

static void test_lookup_bad_name(void **state)
{
	struct nsiso_error err = {0};
	struct nsiso_user u;

	assert_int_equal(nsiso_user_lookup("../\x1b", &u, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_USER);
	assert_string_equal(err.msg, "invalid user name '../\\x1b'");

	/* The name in the message is bounded. */
	char *big = malloc(5000);
	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	nsiso_error_clear(&err);
	assert_int_equal(nsiso_user_lookup(big, &u, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_USER);
	assert_true(strlen(err.msg) < 120);
	free(big);
}

static void test_in_group(void **state)
{
	gid_t g[] = {10, 20, 30};
	struct nsiso_user u = {.name = "x", .uid = 1000, .gid = 5, .groups = g, .n_groups = 3};
	struct nsiso_user none = {.name = "y", .uid = 1001, .gid = 7, .n_groups = 0};

	assert_true(nsiso_user_in_group(&u, 5));
	assert_true(nsiso_user_in_group(&u, 10));
	assert_true(nsiso_user_in_group(&u, 30));
	assert_false(nsiso_user_in_group(&u, 0));
	assert_false(nsiso_user_in_group(&u, 31));
	assert_true(nsiso_user_in_group(&none, 7));
	assert_false(nsiso_user_in_group(&none, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_ok),
	    cmocka_unit_test(test_lookup_root),
	    cmocka_unit_test(test_lookup_passwd_only),
	    cmocka_unit_test(test_lookup_unknown),
	    cmocka_unit_test(test_lookup_bad_name),
	    cmocka_unit_test(test_in_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the pure helpers of lib/util.c: escaping and number parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void test_escape_plain(void **state)
{
	char out[64];

	assert_string_equal(nsiso_escape(out, sizeof(out), "hello world ~!"), "hello world ~!");
	assert_string_equal(nsiso_escape(out, sizeof(out), ""), "");
	assert_string_equal(nsiso_escape(out, sizeof(out), NULL), "(null)");
	assert_ptr_equal(nsiso_escape(out, sizeof(out), "x"), out);
}

static void test_escape_specials(void **state)
{
	char out[64];

	assert_string_equal(nsiso_escape(out, sizeof(out), "a\\b"), "a\\x5cb");
	assert_string_equal(nsiso_escape(out, sizeof(out), "a\nb\t"), "a\\x0ab\\x09");
	assert_string_equal(nsiso_escape(out, sizeof(out), "\x1b[0m"), "\\x1b[0m");
	assert_string_equal(nsiso_escape(out, sizeof(out), "\x7f\xff"), "\\x7f\\xff");
	assert_string_equal(nsiso_escape_mem(out, sizeof(out), "a\0b", 3), "a\\x00b");
}

static void test_escape_truncates(void **state)
{
	char out[16], tiny[4], one[1] = {'z'};

	nsiso_escape(out, sizeof(out), "abcdefghijklmnopqrstuvwxyz");
	assert_true(strlen(out) < sizeof(out));
	assert_memory_equal(out + strlen(out) - 3, "...", 3);
	assert_true(strncmp(out, "abcdefghij", 10) == 0);

	/* An escape sequence is never cut in half. */
	nsiso_escape(out, sizeof(out), "abcdefgh\x01\x02\x03\x04");
	assert_true(strlen(out) < sizeof(out));
	assert_null(strstr(out, "\\x0..."));
	assert_memory_equal(out + strlen(out) - 3, "...", 3);

	/* Exactly fitting input is not marked. */
	nsiso_escape(out, sizeof(out), "abcdefghijk");
	assert_string_equal(out, "abcdefghijk");

	nsiso_escape(tiny, sizeof(tiny), "abcdef");
	assert_true(strlen(tiny) < sizeof(tiny));
	nsiso_escape(one, sizeof(one), "abc");
	assert_int_equal(one[0], '\0');
}

static void test_parse_u64(void **state)
{
	static const char *const bad[] = {"",
					  "-1",
					  "+1",
					  " 1",
					  "1 ",
					  "1a",
					  "0x1",
					  "18446744073709551616",
					  "99999999999999999999"};
	uint64_t v = 7;

	assert_int_equal(nsiso_parse_u64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(nsiso_parse_u64("0042", &v), 0);
	assert_true(v == 42);
	assert_int_equal(nsiso_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 7;
		if (nsiso_parse_u64(bad[i], &v) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(v == 7);
	}
	assert_int_equal(nsiso_parse_u64(NULL, &v), -1);
}

/*
 * /proc/PID/stat: comm (field 2) is the only free text and may hold spaces,
 * ") " and digits, so fields are counted from the last ')'.
 */
static void test_proc_stat_parse(void **state)
{
	static const char *const bad[] = {
	    "",
	    "1 (x",
	    "1 (x) S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0",
	    "1 (x) S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 x 0 99",
	    "1 (x) S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 -5",
	    "1 (x) S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 99x 1",
	    "1 (x)  S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 99 1",
	};
	struct nsiso_procstat st = {0};

	assert_int_equal(
	    nsiso_proc_stat_parse("4242 (sshd) S 1 4242 4242 0 -1 4194560 1035 0 0 0 2 1 0 0 "
				  "20 0 1 0 1095528 11612160 1718 18446744073709551615 1 1 0 0 0 "
				  "0 0 4096 81925 0 0 0 17 1 0 0 0 0 0\n",
				  &st),
	    0);
	assert_int_equal(st.threads, 1);
	assert_true(st.start == 1095528);
	/* A hostile comm: ") R 7 " and numbers inside the name change nothing. */
	assert_int_equal(nsiso_proc_stat_parse("77 (a) R 7 (b) 9) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 "
					       "20 0 3 0 555 0 0",
					       &st),
			 0);
	assert_int_equal(st.threads, 3);
	assert_true(st.start == 555);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (nsiso_proc_stat_parse(bad[i], &st) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_plain),     cmocka_unit_test(test_escape_specials),
	    cmocka_unit_test(test_escape_truncates), cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_proc_stat_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
